import { randomUUID } from 'node:crypto';
import type { ScheduledEvent } from 'aws-lambda';
import { Cron } from 'croner';
import { ConfigError } from '../../core/errors.js';
import { readConfig, scheduleExpressionOf } from '../../core/pipeline.js';
import { type CronFields, type ParsedSchedule, parseSchedule } from '../../core/schedule.js';
import type { LocalFunction } from './functions.js';
import { LOCAL_ACCOUNT_ID } from './functions.js';

/**
 * EventBridge cron fields → a croner 7-field pattern (seconds … year), evaluated in UTC.
 * EventBridge counts day-of-week 1 = SUN … 7 = SAT, which is croner's Quartz mode
 * (`alternativeWeekdays`); `?` becomes `*`; `nL` (last weekday n of the month) is croner's `n#L`.
 */
export function toCronerPattern(fields: CronFields): string {
  const any = (v: string) => (v === '?' ? '*' : v);
  const dayOfWeek = any(fields.dayOfWeek).replace(/^([1-7]|SUN|MON|TUE|WED|THU|FRI|SAT)L$/, '$1#L');
  return [
    '0',
    fields.minutes,
    fields.hours,
    any(fields.dayOfMonth),
    fields.month,
    dayOfWeek,
    fields.year,
  ].join(' ');
}

export const CRONER_OPTIONS = {
  timezone: 'UTC',
  alternativeWeekdays: true,
  // EventBridge writes steps from a start value (`0/15`), which croner calls sloppy.
  sloppyRanges: true,
  mode: '7-part',
} as const;

/** The next `count` run times of a schedule after `from` (rate: every interval from `from`). */
export function nextRuns(schedule: ParsedSchedule, count: number, from: Date): Date[] {
  if (schedule.kind === 'rate') {
    return Array.from({ length: count }, (_, i) => new Date(from.getTime() + (i + 1) * schedule.everyMs));
  }
  return new Cron(toCronerPattern(schedule.fields), { ...CRONER_OPTIONS, paused: true }).nextRuns(
    count,
    from,
  );
}

export interface ScheduledFunction {
  fn: LocalFunction;
  schedule: ParsedSchedule;
  ruleName: string;
}

/** Every schedule trigger of the running functions, with its expression resolved from config. */
export function scheduledFunctions(functions: Iterable<LocalFunction>): ScheduledFunction[] {
  const scheduled: ScheduledFunction[] = [];
  for (const fn of functions) {
    const triggers = fn.spec.triggers.filter((t) => t.kind === 'schedule');
    triggers.forEach((trigger, i) => {
      const values = readConfig(fn.pipeline, fn.env) as Record<string, unknown>;
      let expression: string;
      try {
        expression = scheduleExpressionOf(trigger, values);
      } catch (err) {
        throw new ConfigError(`${fn.id}: ${(err as Error).message}`);
      }
      const ruleName = `${fn.lambdaName}-schedule${triggers.length > 1 ? `-${i + 1}` : ''}`;
      scheduled.push({ fn, schedule: parseSchedule(expression), ruleName });
    });
  }
  return scheduled;
}

export function scheduledEvent(ruleName: string, region: string, time: Date): ScheduledEvent {
  return {
    version: '0',
    id: randomUUID(),
    'detail-type': 'Scheduled Event',
    source: 'aws.events',
    account: LOCAL_ACCOUNT_ID,
    time: `${time.toISOString().slice(0, 19)}Z`,
    region,
    resources: [`arn:aws:events:${region}:${LOCAL_ACCOUNT_ID}:rule/${ruleName}`],
    detail: {},
  };
}

export interface SchedulerOptions {
  scheduled: ScheduledFunction[];
  region: string;
  /** Where fired events go: the async queue, as EventBridge invokes Lambda asynchronously. */
  deliver: (fn: LocalFunction, event: ScheduledEvent) => unknown;
  onError?: (err: unknown, fn: LocalFunction) => void;
}

/** Fires schedule triggers: rate(...) on an interval from start, cron(...) with croner in UTC. */
export class Scheduler {
  private readonly timers: NodeJS.Timeout[] = [];
  private readonly crons: Cron[] = [];
  private running = false;
  private startedAt = 0;
  readonly fired = new Map<string, number>();

  constructor(private readonly options: SchedulerOptions) {}

  get size(): number {
    return this.options.scheduled.length;
  }

  get isRunning(): boolean {
    return this.running;
  }

  start(): void {
    this.running = true;
    this.startedAt = Date.now();
    for (const item of this.options.scheduled) {
      if (item.schedule.kind === 'rate') {
        const timer = setInterval(() => this.fire(item), item.schedule.everyMs);
        timer.unref();
        this.timers.push(timer);
      } else {
        this.crons.push(
          new Cron(toCronerPattern(item.schedule.fields), { ...CRONER_OPTIONS, unref: true }, () => {
            this.fire(item);
          }),
        );
      }
    }
  }

  stop(): void {
    this.running = false;
    for (const timer of this.timers.splice(0)) clearInterval(timer);
    for (const cron of this.crons.splice(0)) cron.stop();
  }

  /** Fires a function's schedule now (tests, and `tributary` operators who do not want to wait). */
  fireNow(functionId: string, at = new Date()): ScheduledEvent[] {
    const items = this.options.scheduled.filter((s) => s.fn.id === functionId);
    if (items.length === 0) throw new ConfigError(`${functionId} has no schedule trigger`);
    return items.map((item) => this.fire(item, at));
  }

  /** Next run of each schedule, for /healthz and the console. */
  upcoming(from = new Date()): { functionId: string; expression: string; nextRun?: string }[] {
    return this.options.scheduled.map((s) => {
      // A rate counts from when the scheduler started, not from now.
      const base =
        s.schedule.kind === 'rate' && this.running
          ? new Date(from.getTime() - ((from.getTime() - this.startedAt) % s.schedule.everyMs))
          : from;
      return {
        functionId: s.fn.id,
        expression: s.schedule.expression,
        nextRun: nextRuns(s.schedule, 1, base)[0]?.toISOString(),
      };
    });
  }

  private fire(item: ScheduledFunction, at = new Date()): ScheduledEvent {
    const event = scheduledEvent(item.ruleName, this.options.region, at);
    this.fired.set(item.fn.id, (this.fired.get(item.fn.id) ?? 0) + 1);
    const onError = (err: unknown) => this.options.onError?.(err, item.fn);
    try {
      // Delivery starts now (tests and `fireNow` see it at once); a durable write may finish later.
      Promise.resolve(this.options.deliver(item.fn, event)).catch(onError);
    } catch (err) {
      onError(err);
    }
    return event;
  }
}
