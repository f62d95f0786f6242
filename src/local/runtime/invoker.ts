import type { Logger } from '@aws-lambda-powertools/logger';
import type { InvocationEvents } from './events.js';
import type { LocalFunction } from './functions.js';
import { invokeFunction } from './invoke.js';
import { type DeadLetterQueue, describeError, FileQueue, newEntry, type QueueEntry } from './queue.js';

/** Lambda's asynchronous invocation: the first attempt plus two retries. */
export const MAX_ATTEMPTS = 3;

export interface InvokerOptions {
  functions: Map<string, LocalFunction>;
  queueDir: string;
  dlq: DeadLetterQueue;
  region: string;
  /** Delay before the first retry; the second waits twice as long (Lambda: ~1 min, ~2 min). */
  retryBaseDelayMs: number;
  /** Concurrent invocations per function. */
  concurrency: number;
  /** How often the queue directory is scanned for entries written by other processes (CLI redrive). */
  pollMs?: number;
  logger: Logger;
  /** Where each attempt's start, outcome, retry and burial are reported (the console listens). */
  events?: InvocationEvents;
  now?: () => Date;
}

export interface InvokerStats {
  inFlight: number;
  succeeded: number;
  failedAttempts: number;
  deadLettered: number;
}

/**
 * Delivers queued events to functions with Lambda's async semantics: retries with backoff,
 * then the DLQ. The queue directory is the source of truth: an entry file is rewritten after
 * each failed attempt and removed only after success or burial, so whatever is unfinished
 * when the process stops runs on the next start.
 */
export class AsyncInvoker {
  readonly queue: FileQueue<QueueEntry>;
  /** The queue directory's entries, in arrival order; re-read only for ids other processes add. */
  private readonly entries = new Map<string, QueueEntry>();
  private readonly inFlight = new Map<string, Promise<void>>();
  private readonly enqueuing = new Set<string>();
  private readonly running = new Map<string, number>();
  private readonly warnedUnknown = new Set<string>();
  private timer: NodeJS.Timeout | undefined;
  private scanning = false;
  private rescan = false;
  private stopped = true;
  private readonly now: () => Date;
  readonly stats: InvokerStats = { inFlight: 0, succeeded: 0, failedAttempts: 0, deadLettered: 0 };

  constructor(private readonly options: InvokerOptions) {
    this.queue = new FileQueue<QueueEntry>(options.queueDir);
    this.now = options.now ?? (() => new Date());
  }

  /** Persists the event (fsync'd) before resolving: an S3 request is answered only after this. */
  async enqueue(functionId: string, event: unknown): Promise<QueueEntry> {
    const entry = newEntry(functionId, event, this.now());
    // Until the write resolves, refresh() may already see the file: it must leave the entry
    // to us, or the entry could run, finish, and then be re-added here and run again.
    this.enqueuing.add(entry.id);
    try {
      await this.queue.write(entry);
      this.entries.set(entry.id, entry);
    } finally {
      this.enqueuing.delete(entry.id);
    }
    this.kick();
    return entry;
  }

  depth(): number {
    return this.queue.depth();
  }

  /** Queued entries per function (from the in-memory index): how many, and the oldest arrival. */
  pendingByFunction(): Map<string, { count: number; oldestAt: string }> {
    const pending = new Map<string, { count: number; oldestAt: string }>();
    for (const entry of this.entries.values()) {
      const seen = pending.get(entry.functionId);
      if (!seen) pending.set(entry.functionId, { count: 1, oldestAt: entry.firstReceivedAt });
      else {
        seen.count++;
        if (entry.firstReceivedAt < seen.oldestAt) seen.oldestAt = entry.firstReceivedAt;
      }
    }
    return pending;
  }

  start(): void {
    this.stopped = false;
    const poll = () => {
      this.refresh();
      this.kick();
      this.timer = setTimeout(poll, this.options.pollMs ?? 250);
      this.timer.unref();
    };
    poll();
  }

  /** Stops taking entries, waits up to `graceMs` for attempts in flight; unfinished ones stay queued. */
  async stop(graceMs: number): Promise<{ unfinished: number }> {
    this.stopped = true;
    clearTimeout(this.timer);
    let timer: NodeJS.Timeout | undefined;
    const grace = new Promise<void>((resolve) => {
      timer = setTimeout(resolve, graceMs);
    });
    await Promise.race([Promise.allSettled([...this.inFlight.values()]), grace]);
    clearTimeout(timer);
    return { unfinished: this.inFlight.size };
  }

  /** Scans the queue now (coalesced): runs every due entry its function has room for. */
  kick(): void {
    if (this.stopped) return;
    if (this.scanning) {
      this.rescan = true;
      return;
    }
    this.scanning = true;
    try {
      do {
        this.rescan = false;
        this.scan();
      } while (this.rescan && !this.stopped);
    } finally {
      this.scanning = false;
    }
  }

  /** Picks up entries written by others (CLI redrive, a previous run) and forgets removed ones. */
  private refresh(): void {
    const ids = this.queue.ids();
    const present = new Set(ids);
    const added = ids
      // An id in flight may be mid-removal: its file can outlive its index entry briefly.
      .filter((id) => !this.entries.has(id) && !this.inFlight.has(id) && !this.enqueuing.has(id))
      .map((id) => this.queue.get(id))
      .filter((entry) => entry !== undefined)
      .sort((a, b) => a.firstReceivedAt.localeCompare(b.firstReceivedAt));
    for (const entry of added) this.entries.set(entry.id, entry);
    for (const id of this.entries.keys()) {
      if (!present.has(id) && !this.inFlight.has(id)) this.entries.delete(id);
    }
  }

  private scan(): void {
    const now = this.now().getTime();
    for (const entry of this.entries.values()) {
      if (this.stopped) return;
      if (this.inFlight.has(entry.id) || Date.parse(entry.nextAttemptAt) > now) continue;
      const fn = this.options.functions.get(entry.functionId);
      if (!fn) {
        if (!this.warnedUnknown.has(entry.id)) {
          this.warnedUnknown.add(entry.id);
          this.options.logger.warn('queued event for a function that is not running; left queued', {
            entryId: entry.id,
            functionId: entry.functionId,
          });
        }
        continue;
      }
      if ((this.running.get(fn.id) ?? 0) >= this.options.concurrency) continue;
      this.attempt(fn, entry);
    }
  }

  private attempt(fn: LocalFunction, entry: QueueEntry): void {
    this.running.set(fn.id, (this.running.get(fn.id) ?? 0) + 1);
    this.stats.inFlight++;
    const run = this.runAttempt(fn, entry).finally(() => {
      this.running.set(fn.id, (this.running.get(fn.id) ?? 1) - 1);
      this.stats.inFlight--;
      this.inFlight.delete(entry.id);
      this.kick();
    });
    this.inFlight.set(entry.id, run);
  }

  private async runAttempt(fn: LocalFunction, entry: QueueEntry): Promise<void> {
    const { logger, events } = this.options;
    const attempt = entry.attempts + 1;
    const base = { functionId: fn.id, entryId: entry.id, source: 'async' as const };
    const started = performance.now();
    events?.emit({ ...base, type: 'started', at: this.now().toISOString(), attempt });
    try {
      await invokeFunction(fn, entry.event, { region: this.options.region });
      if (this.stopped) return; // shut down mid-attempt: leave it queued, it runs again next start
      this.entries.delete(entry.id);
      await this.queue.delete(entry.id);
      this.stats.succeeded++;
      events?.emit({
        ...base,
        type: 'succeeded',
        at: this.now().toISOString(),
        attempt,
        durationMs: performance.now() - started,
      });
    } catch (err) {
      if (this.stopped) return;
      const durationMs = performance.now() - started;
      const error = describeError(err, this.now());
      const attempts = entry.attempts + 1;
      const failed: QueueEntry = { ...entry, attempts, errors: [...entry.errors, error] };
      const brief = { name: error.name, message: error.message };
      this.stats.failedAttempts++;
      if (attempts >= MAX_ATTEMPTS) {
        this.entries.delete(entry.id);
        await this.options.dlq.bury(failed, error);
        this.stats.deadLettered++;
        events?.emit({ ...base, type: 'failed', at: error.at, attempt, durationMs, error: brief });
        events?.emit({
          ...base,
          type: 'dead-lettered',
          at: this.now().toISOString(),
          attempts,
          error: brief,
        });
        logger.error('function failed every attempt; moved to the DLQ', {
          functionId: fn.id,
          entryId: entry.id,
          attempts,
          error: brief,
        });
        return;
      }
      const delay = this.options.retryBaseDelayMs * 2 ** (attempts - 1);
      failed.nextAttemptAt = new Date(this.now().getTime() + delay).toISOString();
      await this.queue.write(failed);
      this.entries.set(entry.id, failed);
      events?.emit({
        ...base,
        type: 'failed',
        at: error.at,
        attempt,
        durationMs,
        error: brief,
        retryAt: failed.nextAttemptAt,
      });
      logger.warn('function attempt failed; will retry', {
        functionId: fn.id,
        entryId: entry.id,
        attempts,
        retryInMs: delay,
        error: brief,
      });
      const retry = setTimeout(() => this.kick(), delay + 1);
      retry.unref();
    }
  }
}
