import { RECEIVED_AT_ATTRIBUTE } from './constants.js';
import { JsonNumber, type JsonObject } from './json.js';
import { daysOf, type IsoWeek } from './week.js';

/** Top-level fields tracked at most; more are counted in `fieldsNotTracked`, so memory stays flat. */
export const MAX_TRACKED_FIELDS = 1000;

export interface NumericStats {
  count: number;
  min: number;
  max: number;
  mean: number;
}

export interface FieldStats {
  /** Records that have the field (any type, null included). */
  present: number;
  /** Over the records where the field is a number (as doubles). */
  numeric?: NumericStats;
}

export interface WeekStats {
  recordCount: number;
  recordsPerDay: Record<string, number>;
  firstReceivedAt: string | null;
  lastReceivedAt: string | null;
  fields: Record<string, FieldStats>;
  fieldsNotTracked: number;
}

interface Accumulator {
  present: number;
  count: number;
  min: number;
  max: number;
  sum: number;
}

/** Summary statistics built one record at a time: memory grows with fields, never with records. */
export class WeekStatsBuilder {
  private recordCount = 0;
  private readonly perDay: Map<string, number>;
  private first: string | null = null;
  private last: string | null = null;
  private readonly fields = new Map<string, Accumulator>();
  private readonly untracked = new Set<string>();

  constructor(week: IsoWeek) {
    this.perDay = new Map(daysOf(week).map((d) => [d, 0]));
  }

  get count(): number {
    return this.recordCount;
  }

  add(record: JsonObject): void {
    this.recordCount++;
    const receivedAt = record[RECEIVED_AT_ATTRIBUTE];
    if (typeof receivedAt === 'string') {
      const day = receivedAt.slice(0, 10);
      this.perDay.set(day, (this.perDay.get(day) ?? 0) + 1);
      if (this.first === null || receivedAt < this.first) this.first = receivedAt;
      if (this.last === null || receivedAt > this.last) this.last = receivedAt;
    }
    for (const key of Object.keys(record)) {
      let acc = this.fields.get(key);
      if (!acc) {
        if (this.fields.size >= MAX_TRACKED_FIELDS) {
          if (this.untracked.size < MAX_TRACKED_FIELDS) this.untracked.add(key);
          continue;
        }
        acc = { present: 0, count: 0, min: Number.POSITIVE_INFINITY, max: Number.NEGATIVE_INFINITY, sum: 0 };
        this.fields.set(key, acc);
      }
      acc.present++;
      const value = record[key];
      if (value instanceof JsonNumber) {
        const n = Number(value.text);
        acc.count++;
        acc.sum += n;
        if (n < acc.min) acc.min = n;
        if (n > acc.max) acc.max = n;
      }
    }
  }

  result(): WeekStats {
    const fields: Record<string, FieldStats> = {};
    for (const key of [...this.fields.keys()].sort()) {
      const acc = this.fields.get(key) as Accumulator;
      fields[key] = {
        present: acc.present,
        ...(acc.count > 0
          ? { numeric: { count: acc.count, min: acc.min, max: acc.max, mean: acc.sum / acc.count } }
          : {}),
      };
    }
    return {
      recordCount: this.recordCount,
      recordsPerDay: Object.fromEntries(this.perDay),
      firstReceivedAt: this.first,
      lastReceivedAt: this.last,
      fields,
      fieldsNotTracked: this.untracked.size,
    };
  }
}
