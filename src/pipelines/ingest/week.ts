/**
 * ISO 8601 weeks (Monday to Monday, UTC; week 1 holds the year's first Thursday), which is
 * how the weekly summary names and bounds its files: `2026-W47`.
 */
import { UsageError } from '../../core/errors.js';

const DAY_MS = 86_400_000;

export interface IsoWeek {
  year: number;
  week: number;
  /** `2026-W47` */
  label: string;
  /** Monday 00:00 UTC, inclusive. */
  start: Date;
  /** The next Monday 00:00 UTC, exclusive. */
  end: Date;
}

export function isoWeekOf(date: Date): IsoWeek {
  const midnight = Date.UTC(date.getUTCFullYear(), date.getUTCMonth(), date.getUTCDate());
  const weekday = (new Date(midnight).getUTCDay() + 6) % 7; // Monday = 0
  const monday = midnight - weekday * DAY_MS;
  const year = new Date(monday + 3 * DAY_MS).getUTCFullYear(); // the week's Thursday decides the year
  const jan4 = Date.UTC(year, 0, 4);
  const firstMonday = jan4 - ((new Date(jan4).getUTCDay() + 6) % 7) * DAY_MS;
  const week = 1 + Math.round((monday - firstMonday) / (7 * DAY_MS));
  return {
    year,
    week,
    label: `${year}-W${String(week).padStart(2, '0')}`,
    start: new Date(monday),
    end: new Date(monday + 7 * DAY_MS),
  };
}

export function weeksInYear(year: number): number {
  return isoWeekOf(new Date(Date.UTC(year, 11, 28))).week;
}

/** Parses `2026-W47`; anything else is a UsageError naming the expected form. */
export function parseIsoWeek(text: string): IsoWeek {
  const match = /^(\d{4})-W(\d{2})$/.exec(text.trim());
  if (!match)
    throw new UsageError(`week must look like 2026-W47 (ISO year, "-W", two-digit week), not "${text}"`);
  const year = Number(match[1]);
  const week = Number(match[2]);
  const max = weeksInYear(year);
  if (year < 1970 || week < 1 || week > max)
    throw new UsageError(`week "${text}" does not exist: ${year} has weeks 01 to ${max}`);
  const jan4 = Date.UTC(year, 0, 4);
  const firstMonday = jan4 - ((new Date(jan4).getUTCDay() + 6) % 7) * DAY_MS;
  return isoWeekOf(new Date(firstMonday + (week - 1) * 7 * DAY_MS));
}

/** The last week that has fully ended at `now`: at Monday 00:00 UTC, the week just ended. */
export function lastCompleteWeek(now: Date): IsoWeek {
  return isoWeekOf(new Date(now.getTime() - 7 * DAY_MS));
}

/** The seven days of a week, `YYYY-MM-DD`. */
export function daysOf(week: IsoWeek): string[] {
  return Array.from({ length: 7 }, (_, i) =>
    new Date(week.start.getTime() + i * DAY_MS).toISOString().slice(0, 10),
  );
}
