import type { EventError, InvocationEvent, InvocationSource } from '../local/runtime/events.js';

/**
 * Per-function aggregates of the invocation history, kept in memory and updated per event,
 * so the overview costs O(functions) however many invocations were recorded. Everything
 * here is plain JSON: a snapshot of it heads each compacted history file.
 */

/** Latency histogram: bucket i > 0 holds durations in [GROWTH^(i-1), GROWTH^i) ms — ±12 % resolution. */
const GROWTH = 1.25;
const BUCKETS = 90; // GROWTH^89 ms ≈ 4.3 days: every Lambda timeout fits
const LOG_GROWTH = Math.log(GROWTH);

export function latencyBucket(ms: number): number {
  if (!(ms >= 1)) return 0;
  return Math.min(BUCKETS - 1, 1 + Math.floor(Math.log(ms) / LOG_GROWTH));
}

export interface Latency {
  count: number;
  sumMs: number;
  maxMs: number;
  /** Sparse: bucket index → count. */
  buckets: Record<string, number>;
}

export interface RecentRun {
  at: string;
  source: InvocationSource;
  entryId: string;
  attempt: number;
  outcome: 'succeeded' | 'failed';
  durationMs: number;
  error?: EventError;
  /** The attempt failed and another one is due at this time. */
  retryAt?: string;
}

export interface FunctionAggregate {
  functionId: string;
  /** Finished attempts (async and HTTP). */
  attempts: number;
  succeeded: number;
  failed: number;
  /** Failed attempts that scheduled a retry. */
  retried: number;
  deadLettered: number;
  redriven: number;
  discarded: number;
  lastRun?: RecentRun;
  lastFailure?: RecentRun;
  latency: Latency;
  /** Newest last, at most RECENT_RUNS. */
  recent: RecentRun[];
}

export const RECENT_RUNS = 10;
/** Finished events kept for the event log's backlog (and SSE reconnects). */
export const RECENT_EVENTS = 500;

export interface SequencedEvent {
  seq: number;
  event: InvocationEvent;
}

export interface AggregateSnapshot {
  version: 1;
  seq: number;
  functions: FunctionAggregate[];
  events: SequencedEvent[];
}

export interface FunctionSummary {
  functionId: string;
  attempts: number;
  succeeded: number;
  failed: number;
  retried: number;
  deadLettered: number;
  redriven: number;
  discarded: number;
  /** succeeded / attempts, 0–1; absent with no attempts. */
  successRate?: number;
  latencyMs?: { avg: number; p50: number; p95: number; max: number };
  lastRun?: RecentRun;
  lastFailure?: RecentRun;
}

export class Aggregates {
  private readonly functions = new Map<string, FunctionAggregate>();
  private events: SequencedEvent[] = [];
  private seq = 0;

  static fromSnapshot(snapshot: AggregateSnapshot): Aggregates {
    const aggregates = new Aggregates();
    for (const fn of snapshot.functions) aggregates.functions.set(fn.functionId, fn);
    aggregates.events = snapshot.events.slice(-RECENT_EVENTS);
    aggregates.seq = snapshot.seq;
    return aggregates;
  }

  snapshot(): AggregateSnapshot {
    return { version: 1, seq: this.seq, functions: [...this.functions.values()], events: this.events };
  }

  /** Applies one event; returns its sequence number (for SSE ids). */
  apply(event: InvocationEvent): number {
    const seq = ++this.seq;
    if (event.type === 'started') return seq; // live only: not aggregated, not kept
    const fn = this.fn(event.functionId);
    switch (event.type) {
      case 'succeeded':
      case 'failed': {
        const run: RecentRun = {
          at: event.at,
          source: event.source,
          entryId: event.entryId,
          attempt: event.attempt,
          outcome: event.type,
          durationMs: Math.round(event.durationMs * 10) / 10,
          ...(event.type === 'failed' ? { error: event.error } : {}),
          ...(event.type === 'failed' && event.retryAt ? { retryAt: event.retryAt } : {}),
        };
        fn.attempts++;
        if (event.type === 'succeeded') fn.succeeded++;
        else {
          fn.failed++;
          if (event.retryAt) fn.retried++;
          fn.lastFailure = run;
        }
        if (!fn.lastRun || fn.lastRun.at <= run.at) fn.lastRun = run;
        addLatency(fn.latency, event.durationMs);
        fn.recent.push(run);
        if (fn.recent.length > RECENT_RUNS) fn.recent.splice(0, fn.recent.length - RECENT_RUNS);
        break;
      }
      case 'dead-lettered':
        fn.deadLettered++;
        break;
      case 'redriven':
        fn.redriven++;
        break;
      case 'discarded':
        fn.discarded++;
        break;
    }
    this.events.push({ seq, event });
    // Trim in chunks, not per event: splice of a 500-array per event would dominate replay.
    if (this.events.length > RECENT_EVENTS * 2) this.events = this.events.slice(-RECENT_EVENTS);
    return seq;
  }

  /** Finished events after `afterSeq` (all kept ones by default), oldest first, at most `limit`. */
  recentEvents(afterSeq = 0, limit = RECENT_EVENTS): SequencedEvent[] {
    const kept = this.events.slice(-RECENT_EVENTS).filter((e) => e.seq > afterSeq);
    return kept.slice(-limit);
  }

  get lastSeq(): number {
    return this.seq;
  }

  summary(functionId: string): FunctionSummary | undefined {
    const fn = this.functions.get(functionId);
    return fn ? summarize(fn) : undefined;
  }

  summaries(): FunctionSummary[] {
    return [...this.functions.values()].map(summarize);
  }

  recentRuns(functionId: string): RecentRun[] {
    return [...(this.functions.get(functionId)?.recent ?? [])].reverse();
  }

  private fn(functionId: string): FunctionAggregate {
    let fn = this.functions.get(functionId);
    if (!fn) {
      fn = {
        functionId,
        attempts: 0,
        succeeded: 0,
        failed: 0,
        retried: 0,
        deadLettered: 0,
        redriven: 0,
        discarded: 0,
        latency: { count: 0, sumMs: 0, maxMs: 0, buckets: {} },
        recent: [],
      };
      this.functions.set(functionId, fn);
    }
    return fn;
  }
}

function addLatency(latency: Latency, ms: number): void {
  latency.count++;
  latency.sumMs += ms;
  if (ms > latency.maxMs) latency.maxMs = ms;
  const bucket = String(latencyBucket(ms));
  latency.buckets[bucket] = (latency.buckets[bucket] ?? 0) + 1;
}

/** The q-quantile's bucket, reported as the bucket's upper bound (capped by the max seen). */
export function quantile(latency: Latency, q: number): number {
  if (latency.count === 0) return 0;
  const rank = Math.max(1, Math.ceil(q * latency.count));
  const indexes = Object.keys(latency.buckets)
    .map(Number)
    .sort((a, b) => a - b);
  let seen = 0;
  for (const i of indexes) {
    seen += latency.buckets[String(i)] ?? 0;
    if (seen >= rank) return Math.min(latency.maxMs, i === 0 ? 1 : GROWTH ** i);
  }
  return latency.maxMs;
}

const round = (ms: number) => Math.round(ms * 10) / 10;

function summarize(fn: FunctionAggregate): FunctionSummary {
  const { latency } = fn;
  return {
    functionId: fn.functionId,
    attempts: fn.attempts,
    succeeded: fn.succeeded,
    failed: fn.failed,
    retried: fn.retried,
    deadLettered: fn.deadLettered,
    redriven: fn.redriven,
    discarded: fn.discarded,
    ...(fn.attempts > 0 ? { successRate: fn.succeeded / fn.attempts } : {}),
    ...(latency.count > 0
      ? {
          latencyMs: {
            avg: round(latency.sumMs / latency.count),
            p50: round(quantile(latency, 0.5)),
            p95: round(quantile(latency, 0.95)),
            max: round(latency.maxMs),
          },
        }
      : {}),
    ...(fn.lastRun ? { lastRun: fn.lastRun } : {}),
    ...(fn.lastFailure ? { lastFailure: fn.lastFailure } : {}),
  };
}
