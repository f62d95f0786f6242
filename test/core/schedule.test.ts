import { describe, expect, it } from 'vitest';
import { ConfigError } from '../../src/core/errors.js';
import { parseSchedule } from '../../src/core/schedule.js';

describe('parseSchedule', () => {
  it.each([
    ['rate(1 minute)', 60_000],
    ['rate(5 minutes)', 300_000],
    ['rate(6 hours)', 21_600_000],
    ['rate(1 day)', 86_400_000],
    ['rate(7 days)', 604_800_000],
  ])('accepts %s', (expression, everyMs) => {
    expect(parseSchedule(expression)).toEqual({ kind: 'rate', expression, everyMs });
  });

  it.each([
    ['rate(7 minute)', /use "rate\(7 minutes\)"/],
    ['rate(1 minutes)', /use "rate\(1 minute\)"/],
    ['rate(0 minutes)', /positive integer/],
    ['rate(-1 minutes)', /positive integer/],
    ['rate(1.5 hours)', /positive integer/],
    ['rate(5 weeks)', /positive integer/],
    ['every 5 minutes', /expected rate/],
    ['', /expected rate/],
  ])('rejects %s', (expression, message) => {
    expect(() => parseSchedule(expression)).toThrow(ConfigError);
    expect(() => parseSchedule(expression)).toThrow(message);
  });

  it.each([
    'cron(0 0 ? * MON *)',
    'cron(0/15 * * * ? *)',
    'cron(0 12 1 JAN-MAR ? 2027)',
    'cron(30 8 ? * 2-6 *)',
    'cron(0 0 L * ? *)',
    'cron(0 10 ? * 6#3 *)',
    'cron(15 10 ? * MON,WED,FRI *)',
    'cron(0 9 15W * ? *)',
  ])('accepts %s', (expression) => {
    expect(parseSchedule(expression).kind).toBe('cron');
  });

  it.each([
    ['cron(0 0 * * MON *)', /exactly one of day-of-month and day-of-week/],
    ['cron(0 0 ? * ? *)', /exactly one of day-of-month and day-of-week/],
    ['cron(0 0 ? * MON)', /6 fields/],
    ['cron(60 0 ? * MON *)', /minutes "60" is outside 0-59/],
    ['cron(0 24 ? * MON *)', /hours "24" is outside 0-23/],
    ['cron(0 0 ? FOO MON *)', /month "FOO"/],
    ['cron(0 0 ? * 8 *)', /dayOfWeek "8" is outside 1-7/],
    ['cron(0 0 ? * MON 1969)', /year "1969" is outside/],
    ['cron(0/x 0 ? * MON *)', /step/],
  ])('rejects %s', (expression, message) => {
    expect(() => parseSchedule(expression)).toThrow(message);
  });

  it('keeps the fields in order, upper-cased', () => {
    const parsed = parseSchedule('cron(0 0 ? * mon *)');
    expect(parsed).toMatchObject({
      fields: { minutes: '0', hours: '0', dayOfMonth: '?', month: '*', dayOfWeek: 'MON', year: '*' },
    });
  });
});
