import { afterEach, describe, expect, it, vi } from 'vitest';
import { parseSchedule } from '../../../src/core/schedule.js';
import type { LocalFunction } from '../../../src/local/runtime/functions.js';
import {
  nextRuns,
  Scheduler,
  scheduledEvent,
  toCronerPattern,
} from '../../../src/local/runtime/scheduler.js';

const iso = (d: Date) => d.toISOString();

describe('EventBridge cron → next runs (UTC)', () => {
  // From Monday 2026-11-23 12:00:00 UTC. Expected times worked out by calendar, the way
  // EventBridge documents its fields (day-of-week 1 = SUN … 7 = SAT).
  const from = new Date('2026-11-23T12:00:00Z');
  it.each([
    ['cron(0 0 ? * MON *)', ['2026-11-30T00:00:00.000Z', '2026-12-07T00:00:00.000Z']],
    ['cron(0 0 ? * 2 *)', ['2026-11-30T00:00:00.000Z', '2026-12-07T00:00:00.000Z']], // 2 = Monday
    ['cron(0 0 ? * 1 *)', ['2026-11-29T00:00:00.000Z', '2026-12-06T00:00:00.000Z']], // 1 = Sunday
    ['cron(0 0 ? * 7 *)', ['2026-11-28T00:00:00.000Z', '2026-12-05T00:00:00.000Z']], // 7 = Saturday
    [
      'cron(30 8 ? * 2-6 *)',
      ['2026-11-24T08:30:00.000Z', '2026-11-25T08:30:00.000Z', '2026-11-26T08:30:00.000Z'],
    ],
    [
      'cron(15 10 ? * MON,WED,FRI *)',
      ['2026-11-25T10:15:00.000Z', '2026-11-27T10:15:00.000Z', '2026-11-30T10:15:00.000Z'],
    ],
    ['cron(0/15 * * * ? *)', ['2026-11-23T12:15:00.000Z', '2026-11-23T12:30:00.000Z']],
    ['cron(0 */6 * * ? *)', ['2026-11-23T18:00:00.000Z', '2026-11-24T00:00:00.000Z']],
    [
      'cron(0 12 1 JAN-MAR ? 2027)',
      ['2027-01-01T12:00:00.000Z', '2027-02-01T12:00:00.000Z', '2027-03-01T12:00:00.000Z'],
    ],
    ['cron(0 12 1 * ? 2025)', []], // a year in the past never runs
    [
      'cron(0 0 L * ? *)',
      ['2026-11-30T00:00:00.000Z', '2026-12-31T00:00:00.000Z', '2027-01-31T00:00:00.000Z'],
    ],
    [
      'cron(0 0 LW * ? *)',
      ['2026-11-30T00:00:00.000Z', '2026-12-31T00:00:00.000Z', '2027-01-29T00:00:00.000Z'],
    ],
    [
      'cron(0 9 15W * ? *)',
      ['2026-12-15T09:00:00.000Z', '2027-01-15T09:00:00.000Z', '2027-02-15T09:00:00.000Z'],
    ],
    [
      'cron(0 9 1W * ? *)',
      ['2026-12-01T09:00:00.000Z', '2027-01-01T09:00:00.000Z', '2027-02-01T09:00:00.000Z'],
    ],
    ['cron(0 10 ? * 6#3 *)', ['2026-12-18T10:00:00.000Z', '2027-01-15T10:00:00.000Z']], // third Friday
    ['cron(0 10 ? * 6L *)', ['2026-11-27T10:00:00.000Z', '2026-12-25T10:00:00.000Z']], // last Friday
    ['cron(0 10 ? * FRIL *)', ['2026-11-27T10:00:00.000Z', '2026-12-25T10:00:00.000Z']],
    ['cron(0 12 29 2 ? *)', ['2028-02-29T12:00:00.000Z']], // leap day
  ])('%s', (expression, expected) => {
    const schedule = parseSchedule(expression);

    const runs = nextRuns(schedule, expected.length || 1, from).map(iso);

    expect(runs).toEqual(expected);
  });

  it.each([
    [
      { minutes: '0', hours: '0', dayOfMonth: '?', month: '*', dayOfWeek: 'MON', year: '*' },
      '0 0 0 * * MON *',
    ],
    [
      { minutes: '5', hours: '1', dayOfMonth: '1', month: '*', dayOfWeek: '?', year: '2027' },
      '0 5 1 1 * * 2027',
    ],
    [
      { minutes: '0', hours: '0', dayOfMonth: '?', month: '*', dayOfWeek: '6L', year: '*' },
      '0 0 0 * * 6#L *',
    ],
  ])('converts %o to croner "%s"', (fields, pattern) => {
    expect(toCronerPattern(fields)).toBe(pattern);
  });

  it('counts rate() from the start', () => {
    const runs = nextRuns(parseSchedule('rate(6 hours)'), 2, new Date('2026-01-01T00:00:00Z')).map(iso);

    expect(runs).toEqual(['2026-01-01T06:00:00.000Z', '2026-01-01T12:00:00.000Z']);
  });
});

describe('scheduledEvent', () => {
  it('has the EventBridge scheduled event shape', () => {
    const event = scheduledEvent('p-f-schedule', 'eu-west-1', new Date('2026-11-23T12:00:00.123Z'));

    expect(event).toEqual({
      version: '0',
      id: expect.stringMatching(/^[0-9a-f-]{36}$/),
      'detail-type': 'Scheduled Event',
      source: 'aws.events',
      account: '000000000000',
      time: '2026-11-23T12:00:00Z',
      region: 'eu-west-1',
      resources: ['arn:aws:events:eu-west-1:000000000000:rule/p-f-schedule'],
      detail: {},
    });
  });
});

describe('Scheduler', () => {
  afterEach(() => {
    vi.useRealTimers();
  });

  const fn = { id: 'p.tick', lambdaName: 'p-tick' } as LocalFunction;

  it('fires a rate schedule every interval and stops', () => {
    vi.useFakeTimers({ now: new Date('2026-11-23T12:00:00Z') });
    const delivered: string[] = [];
    const scheduler = new Scheduler({
      scheduled: [{ fn, schedule: parseSchedule('rate(5 minutes)'), ruleName: 'p-tick-schedule' }],
      region: 'us-east-1',
      deliver: (_fn, event) => delivered.push(event.time),
    });

    scheduler.start();
    vi.advanceTimersByTime(7 * 60_000);
    const upcoming = scheduler.upcoming();
    vi.advanceTimersByTime(8 * 60_000);
    scheduler.stop();
    vi.advanceTimersByTime(15 * 60_000);

    expect(delivered).toEqual(['2026-11-23T12:05:00Z', '2026-11-23T12:10:00Z', '2026-11-23T12:15:00Z']);
    expect(upcoming).toEqual([
      { functionId: 'p.tick', expression: 'rate(5 minutes)', nextRun: '2026-11-23T12:10:00.000Z' },
    ]);
  });

  it('fires a cron schedule at its times', async () => {
    vi.useFakeTimers({ now: new Date('2026-11-23T12:00:00Z') });
    const delivered: string[] = [];
    const scheduler = new Scheduler({
      scheduled: [{ fn, schedule: parseSchedule('cron(0/20 * * * ? *)'), ruleName: 'r' }],
      region: 'us-east-1',
      deliver: (_fn, event) => delivered.push(event.time),
    });

    scheduler.start();
    await vi.advanceTimersByTimeAsync(60 * 60_000 + 1_000);
    scheduler.stop();

    expect(delivered).toEqual(['2026-11-23T12:20:00Z', '2026-11-23T12:40:00Z', '2026-11-23T13:00:00Z']);
  });

  it('fires now on request, and refuses a function without a schedule', () => {
    const delivered: unknown[] = [];
    const scheduler = new Scheduler({
      scheduled: [{ fn, schedule: parseSchedule('rate(1 day)'), ruleName: 'r' }],
      region: 'us-east-1',
      deliver: (_fn, event) => delivered.push(event),
    });

    const fired = scheduler.fireNow('p.tick');

    expect(delivered).toEqual(fired);
    expect(() => scheduler.fireNow('p.other')).toThrow(/p.other has no schedule trigger/);
  });
});
