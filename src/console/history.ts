import { closeSync, fstatSync, mkdirSync, openSync, readFileSync, writeSync } from 'node:fs';
import path from 'node:path';
import type { InvocationEvent } from '../local/runtime/events.js';
import { writeFileDurably } from '../local/state.js';
import { type AggregateSnapshot, Aggregates } from './aggregates.js';

/**
 * The invocation history under `<state>/console/invocations.jsonl`: an append-only JSON
 * Lines log of finished attempts, dead letters, redrives and discards, plus in-memory
 * aggregates rebuilt from it at start. The console asks only for aggregates, which are
 * updated per event, so a page costs O(functions), not O(invocations).
 *
 * Why not SQLite: the runtime is the only writer, every question the console asks is an
 * aggregate known in advance, and a log needs no native build (better-sqlite3 compiles for
 * over a minute here and 13.x crashes). Growth is bounded by compaction: past `maxBytes`
 * the log is replaced (temp + fsync + rename) by one snapshot line of the aggregates, so
 * totals survive and rebuilding stays a short read.
 *
 * Appends are not fsync'd: the history is for watching, not the source of truth (the queue
 * and DLQ are). A crash can lose the last lines; a torn last line is skipped on rebuild.
 */
export const HISTORY_FILE = 'invocations.jsonl';
export const DEFAULT_MAX_BYTES = 32 * 1024 * 1024;

interface SnapshotLine {
  snapshot: AggregateSnapshot;
}

export interface HistoryOptions {
  /** Compact once the log is larger than this (default 32 MiB, about 150,000 events). */
  maxBytes?: number;
}

export class InvocationHistory {
  readonly file: string;
  private fd: number;
  private bytes: number;
  private readonly maxBytes: number;
  /** The snapshot line itself can be large (it carries the event backlog): compact only past twice it. */
  private compactAt: number;
  /** What the last rebuild read, for the bench and the log line at start. */
  readonly loaded: { events: number; bytes: number; ms: number; skipped: number };

  private constructor(
    readonly dir: string,
    readonly aggregates: Aggregates,
    loaded: InvocationHistory['loaded'],
    options: HistoryOptions,
  ) {
    this.file = path.join(dir, HISTORY_FILE);
    this.maxBytes = options.maxBytes ?? DEFAULT_MAX_BYTES;
    this.fd = openSync(this.file, 'a');
    this.bytes = fstatSync(this.fd).size;
    this.compactAt = this.maxBytes;
    this.loaded = loaded;
  }

  /** Opens (creating) the history in `dir` and rebuilds the aggregates from its log. */
  static open(dir: string, options: HistoryOptions = {}): InvocationHistory {
    mkdirSync(dir, { recursive: true });
    const started = performance.now();
    const file = path.join(dir, HISTORY_FILE);
    let text = '';
    try {
      text = readFileSync(file, 'utf8');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
    }
    let aggregates = new Aggregates();
    let events = 0;
    let skipped = 0;
    let start = 0;
    while (start < text.length) {
      let end = text.indexOf('\n', start);
      if (end < 0) end = text.length;
      const line = text.slice(start, end);
      start = end + 1;
      if (line === '') continue;
      let parsed: InvocationEvent | SnapshotLine;
      try {
        parsed = JSON.parse(line) as InvocationEvent | SnapshotLine;
      } catch {
        skipped++; // torn by a crash mid-append
        continue;
      }
      if ('snapshot' in parsed) aggregates = Aggregates.fromSnapshot(parsed.snapshot);
      else if (typeof parsed.type === 'string' && typeof parsed.functionId === 'string') {
        aggregates.apply(parsed);
        events++;
      } else skipped++;
    }
    const loaded = { events, bytes: Buffer.byteLength(text), ms: performance.now() - started, skipped };
    const history = new InvocationHistory(dir, aggregates, loaded, options);
    // A torn last line must not swallow the next event.
    if (text.length > 0 && !text.endsWith('\n')) history.bytes += writeSync(history.fd, '\n');
    return history;
  }

  /** Applies the event to the aggregates and appends it (unless it is a live-only `started`). */
  record(event: InvocationEvent): number {
    const seq = this.aggregates.apply(event);
    if (event.type === 'started') return seq;
    const line = `${JSON.stringify(event)}\n`;
    this.bytes += writeSync(this.fd, line);
    if (this.bytes > this.compactAt) this.compact();
    return seq;
  }

  /** Replaces the log by a snapshot of the aggregates (atomically) and appends from there. */
  compact(): void {
    const line = `${JSON.stringify({ snapshot: this.aggregates.snapshot() } satisfies SnapshotLine)}\n`;
    writeFileDurably(this.file, line);
    closeSync(this.fd);
    this.fd = openSync(this.file, 'a');
    this.bytes = Buffer.byteLength(line);
    this.compactAt = Math.max(this.maxBytes, 2 * this.bytes);
  }

  close(): void {
    closeSync(this.fd);
  }
}
