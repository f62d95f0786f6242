import { describe, expect, it } from 'vitest';
import { ConfigError, UsageError } from '../../../src/core/errors.js';
import { readConfig } from '../../../src/core/pipeline.js';
import { authenticate, parseCredentials } from '../../../src/pipelines/ingest/auth.js';
import { isNdjson } from '../../../src/pipelines/ingest/body.js';
import { RateLimitedError, UnauthorizedError } from '../../../src/pipelines/ingest/errors.js';
import { routePathOf } from '../../../src/pipelines/ingest/http-path.js';
import { uuidv7 } from '../../../src/pipelines/ingest/ids.js';
import { parseJson } from '../../../src/pipelines/ingest/json.js';
import pipeline from '../../../src/pipelines/ingest/pipeline.js';
import { RateLimiter } from '../../../src/pipelines/ingest/rate-limit.js';
import { WeekStatsBuilder } from '../../../src/pipelines/ingest/summary-stats.js';
import {
  daysOf,
  isoWeekOf,
  lastCompleteWeek,
  parseIsoWeek,
  weeksInYear,
} from '../../../src/pipelines/ingest/week.js';
import { AUTH_SECRET_VALUE, httpEvent, PASSWORD, USER } from './helpers.js';

describe('ISO weeks', () => {
  it.each([
    ['2026-11-16T00:00:00Z', '2026-W47', '2026-11-16'],
    ['2026-11-22T23:59:59Z', '2026-W47', '2026-11-16'],
    ['2021-01-03T12:00:00Z', '2020-W53', '2020-12-28'],
    ['2024-12-30T00:00:00Z', '2025-W01', '2024-12-30'],
    ['2027-01-01T00:00:00Z', '2026-W53', '2026-12-28'],
  ])('%s is in %s starting %s', (date, label, monday) => {
    const week = isoWeekOf(new Date(date));
    expect(week.label).toBe(label);
    expect(week.start.toISOString().slice(0, 10)).toBe(monday);
    expect(week.end.getTime() - week.start.getTime()).toBe(7 * 86_400_000);
  });

  it('parses a week label back to the same week', () => {
    const week = parseIsoWeek('2026-W47');
    expect(week.start.toISOString()).toBe('2026-11-16T00:00:00.000Z');
    expect(week.end.toISOString()).toBe('2026-11-23T00:00:00.000Z');
    expect(daysOf(week)).toEqual([
      '2026-11-16',
      '2026-11-17',
      '2026-11-18',
      '2026-11-19',
      '2026-11-20',
      '2026-11-21',
      '2026-11-22',
    ]);
    expect(parseIsoWeek('2020-W53').label).toBe('2020-W53');
  });

  it.each([
    ['2026-47', /must look like 2026-W47/],
    ['2026-W7', /must look like/],
    ['W47', /must look like/],
    ['2026-W00', /does not exist: 2026 has weeks 01 to 53/],
    ['2025-W53', /does not exist: 2025 has weeks 01 to 52/],
  ])('refuses %s', (text, message) => {
    expect(() => parseIsoWeek(text)).toThrow(UsageError);
    expect(() => parseIsoWeek(text)).toThrow(message);
  });

  it('on the default schedule (Monday 00:00 UTC) picks the week that just ended', () => {
    expect(lastCompleteWeek(new Date('2026-11-23T00:00:00Z')).label).toBe('2026-W47');
    expect(lastCompleteWeek(new Date('2026-11-25T15:00:00Z')).label).toBe('2026-W47');
    expect(weeksInYear(2026)).toBe(53);
  });
});

describe('WeekStatsBuilder', () => {
  it('counts per day, presence and numeric min/max/mean', () => {
    // Arrange
    const stats = new WeekStatsBuilder(parseIsoWeek('2026-W47'));
    const rows = [
      '{"Id":"a","receivedAt":"2026-11-16T08:00:00.000Z","t":1.5,"tag":"x"}',
      '{"Id":"b","receivedAt":"2026-11-16T09:00:00.000Z","t":-2,"tag":null}',
      '{"Id":"c","receivedAt":"2026-11-22T23:59:59.999Z","t":"n/a"}',
    ];
    // Act
    for (const row of rows) stats.add(parseJson(row, { maxDepth: 10 }) as never);
    const result = stats.result();
    // Assert
    expect(result.recordCount).toBe(3);
    expect(result.recordsPerDay['2026-11-16']).toBe(2);
    expect(result.recordsPerDay['2026-11-22']).toBe(1);
    expect(result.recordsPerDay['2026-11-18']).toBe(0);
    expect(result.firstReceivedAt).toBe('2026-11-16T08:00:00.000Z');
    expect(result.lastReceivedAt).toBe('2026-11-22T23:59:59.999Z');
    expect(result.fields.t).toEqual({ present: 3, numeric: { count: 2, min: -2, max: 1.5, mean: -0.25 } });
    expect(result.fields.tag).toEqual({ present: 2 });
  });
});

describe('auth', () => {
  const credentials = parseCredentials(AUTH_SECRET_VALUE);
  const basic = (user: string, password: string) =>
    `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}`;

  it('names the caller by key or user', () => {
    expect(authenticate({ apiKey: 'other-key-9876543210' }, credentials)).toBe('key:other');
    expect(authenticate({ authorization: basic(USER, PASSWORD) }, credentials)).toBe(`user:${USER}`);
  });

  it('refuses when nothing is configured', () => {
    expect(() => authenticate({ apiKey: 'x' }, parseCredentials({}))).toThrow(
      /no API keys or users are configured/,
    );
  });

  it.each([
    [{ 'apikey:a': '' }, /"apikey:a" must be a non-empty string/],
    [{ token: 'x' }, /entry "token" must be named "apikey:<name>" or "user:<name>"/],
    [{ 'user:a:b': 'x' }, /must not contain ":"/],
  ])('refuses a malformed secret %j without quoting values', (secret, message) => {
    expect(() => parseCredentials(secret)).toThrow(ConfigError);
    expect(() => parseCredentials(secret)).toThrow(message);
  });

  it('refuses a Basic value without a colon', () => {
    expect(() =>
      authenticate({ authorization: `Basic ${Buffer.from('nocolon').toString('base64')}` }, credentials),
    ).toThrow(UnauthorizedError);
  });
});

describe('RateLimiter', () => {
  it('allows the burst, then one request per 1/rate seconds', () => {
    const limiter = new RateLimiter(2, 3);
    for (let i = 0; i < 3; i++) limiter.take('a', 1_000);
    expect(() => limiter.take('a', 1_000)).toThrow(RateLimitedError);
    expect(() => limiter.take('b', 1_000)).not.toThrow();
    expect(() => limiter.take('a', 1_500)).not.toThrow();
    try {
      limiter.take('a', 1_500);
    } catch (err) {
      expect((err as RateLimitedError).retryAfterSeconds).toBe(1);
    }
  });

  it('is off at rate 0', () => {
    const limiter = new RateLimiter(0, 1);
    for (let i = 0; i < 100; i++) limiter.take('a', 0);
  });
});

describe('config', () => {
  const base = { TABLE_NAME: 't' };

  it('has defaults for everything', () => {
    const config = readConfig(pipeline, base);
    expect(config.SUMMARY_SCHEDULE).toBe('cron(0 0 ? * MON *)');
    expect(config.MAX_RECORDS_PER_REQUEST).toBe(500);
    expect(config.AUTH_MODE).toBe('secret');
  });

  it.each([
    [
      { SUMMARY_SCHEDULE: 'rate(7 minute)' },
      /SUMMARY_SCHEDULE: invalid schedule "rate\(7 minute\)": use "rate\(7 minutes\)"/,
    ],
    [{ SUMMARY_SCHEDULE: 'cron(0 0 * * MON *)' }, /exactly one of day-of-month and day-of-week must be "\?"/],
    [{ MAX_RECORDS_PER_REQUEST: '30' }, /MAX_RECORDS_PER_REQUEST: must be a multiple of 25/],
    [{ MAX_BODY_BYTES: 'lots' }, /MAX_BODY_BYTES/],
    [{ RECORD_SCHEMA: '{not json' }, /RECORD_SCHEMA is not JSON/],
    [{ AUTH_MODE: 'open' }, /AUTH_MODE/],
    [{ SUMMARY_SEGMENTS: '0' }, /SUMMARY_SEGMENTS/],
  ])('refuses %j with a message naming the key', (bad, message) => {
    expect(() => readConfig(pipeline, { ...base, ...bad })).toThrow(ConfigError);
    expect(() => readConfig(pipeline, { ...base, ...bad })).toThrow(message);
  });
});

describe('small helpers', () => {
  it('routePathOf strips what precedes the matched route', () => {
    const event = (rawPath: string, routeKey: string, stage = '$default') => {
      const e = httpEvent({ method: 'GET', path: rawPath, routeKey, stage });
      return routePathOf(e);
    };
    expect(event('/prod/records/a%2Fb', 'GET /records/{id}', 'prod')).toBe('/records/a%2Fb');
    expect(event('/records', 'GET /records')).toBe('/records');
    expect(event('/prod/records', '$default', 'prod')).toBe('/records');
    expect(event('/other/records', '$default')).toBe('/other/records');
  });

  it('uuidv7 puts the time first and sets version and variant', () => {
    const a = uuidv7(1_700_000_000_000);
    const b = uuidv7(1_700_000_000_001);
    expect(a < b).toBe(true);
    expect(a.slice(0, 13).replace('-', '')).toBe((1_700_000_000_000).toString(16).padStart(12, '0'));
    expect(a[14]).toBe('7');
  });

  it('uuidv7 gives distinct ids with fresh random bits across refills of its random pool', () => {
    const ids = Array.from({ length: 2000 }, () => uuidv7(1_700_000_000_000));
    expect(new Set(ids).size).toBe(2000);
    expect(new Set(ids.map((id) => id.slice(19))).size).toBe(2000);
    for (const id of ids)
      expect(id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
  });

  it('isNdjson reads the media type', () => {
    expect(isNdjson('application/x-ndjson; charset=utf-8')).toBe(true);
    expect(isNdjson('application/json')).toBe(false);
    expect(isNdjson(undefined)).toBe(false);
  });
});
