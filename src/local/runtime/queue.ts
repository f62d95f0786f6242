import { randomUUID } from 'node:crypto';
import { mkdirSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { mkdir, rename, rm } from 'node:fs/promises';
import path from 'node:path';
import { syncDir, syncDirGrouped, writeFileDurably, writeFileDurablyAsync } from '../state.js';

/**
 * Durable queues as a directory of JSON files, one per entry.
 *
 * Why files and not an append log: entries change one at a time (an attempt count, the
 * next attempt time) and leave one at a time, and the CLI — another process — must be able
 * to move an entry between the DLQ and the queue while `tributary dev` runs. With a file per
 * entry each change is one atomic rename (temp + fsync + rename + directory fsync), the CLI
 * and the invoker never write the same file, and there is nothing to compact.
 */
export interface AttemptError {
  name: string;
  message: string;
  /** Truncated to STACK_LIMIT characters. */
  stack?: string;
  at: string;
}

export interface QueueEntry {
  id: string;
  /** `<pipeline>.<function>` */
  functionId: string;
  event: unknown;
  /** Attempts made so far. */
  attempts: number;
  firstReceivedAt: string;
  nextAttemptAt: string;
  errors: AttemptError[];
}

export interface DeadLetter extends QueueEntry {
  failedAt: string;
  /** The last attempt's error. */
  error: AttemptError;
}

const STACK_LIMIT = 2_000;

export function describeError(err: unknown, at = new Date()): AttemptError {
  const e = err instanceof Error ? err : new Error(String(err));
  return {
    name: e.name,
    message: e.message,
    ...(e.stack ? { stack: e.stack.slice(0, STACK_LIMIT) } : {}),
    at: at.toISOString(),
  };
}

export function newEntry(functionId: string, event: unknown, now = new Date()): QueueEntry {
  return {
    id: randomUUID(),
    functionId,
    event,
    attempts: 0,
    firstReceivedAt: now.toISOString(),
    nextAttemptAt: now.toISOString(),
    errors: [],
  };
}

/** One directory of entries. */
export class FileQueue<T extends { id: string; firstReceivedAt: string } = QueueEntry> {
  constructor(readonly dir: string) {}

  file(id: string): string {
    if (!/^[A-Za-z0-9-]+$/.test(id)) throw new Error(`bad entry id "${id}"`);
    return path.join(this.dir, `${id}.json`);
  }

  put(entry: T): void {
    mkdirSync(this.dir, { recursive: true });
    writeFileDurably(this.file(entry.id), `${JSON.stringify(entry)}\n`);
  }

  /** `put` without blocking the event loop (the invoker's path; the CLI uses the sync one). */
  async write(entry: T): Promise<void> {
    await mkdir(this.dir, { recursive: true });
    await writeFileDurablyAsync(this.file(entry.id), `${JSON.stringify(entry)}\n`);
  }

  /**
   * Removes an entry without a directory fsync: if a crash forgets the removal, the entry
   * runs once more — at-least-once, as Lambda's asynchronous invocation is.
   */
  async delete(id: string): Promise<void> {
    await rm(this.file(id), { force: true });
  }

  get(id: string): T | undefined {
    try {
      return JSON.parse(readFileSync(this.file(id), 'utf8')) as T;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw err;
    }
  }

  remove(id: string): boolean {
    const file = this.file(id);
    const existed = this.ids().includes(id);
    rmSync(file, { force: true });
    if (existed) syncDir(this.dir);
    return existed;
  }

  /** Entry ids; temp files (dot-prefixed) are not entries yet. */
  ids(): string[] {
    let names: string[];
    try {
      names = readdirSync(this.dir);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return [];
      throw err;
    }
    return names
      .filter((name) => name.endsWith('.json') && !name.startsWith('.'))
      .map((name) => name.slice(0, -'.json'.length));
  }

  depth(): number {
    return this.ids().length;
  }

  /** All entries, oldest first. An entry removed while listing is skipped. */
  list(): T[] {
    const entries: T[] = [];
    for (const id of this.ids()) {
      const entry = this.get(id);
      if (entry) entries.push(entry);
    }
    return entries.sort((a, b) => a.firstReceivedAt.localeCompare(b.firstReceivedAt));
  }
}

/**
 * DLQ operations on a state dir, safe while `tributary dev` runs: a redriven entry is written
 * to the queue directory first (the running invoker polls it) and only then removed from
 * the DLQ, so a crash in between duplicates an entry rather than losing it.
 */
export class DeadLetterQueue {
  readonly letters: FileQueue<DeadLetter>;
  readonly queue: FileQueue<QueueEntry>;

  constructor(dlqDir: string, queueDir: string) {
    this.letters = new FileQueue<DeadLetter>(dlqDir);
    this.queue = new FileQueue<QueueEntry>(queueDir);
  }

  list(): DeadLetter[] {
    return this.letters.list();
  }

  depth(): number {
    return this.letters.depth();
  }

  /** Moves entries back to the queue with fresh attempts; returns the ids moved. Unknown id → []. */
  redrive(id?: string, now = new Date()): string[] {
    const letters = id === undefined ? this.list() : [this.letters.get(id)].filter((l) => l !== undefined);
    for (const letter of letters) {
      const { failedAt: _failedAt, error: _error, ...entry } = letter;
      this.queue.put({ ...entry, attempts: 0, nextAttemptAt: now.toISOString() });
      this.letters.remove(letter.id);
    }
    return letters.map((l) => l.id);
  }

  discard(id: string): boolean {
    return this.letters.remove(id);
  }

  /**
   * Called by the invoker after the last failed attempt. The letter replaces the queue file,
   * which then moves into the DLQ in one rename: the entry is never in both, so a redrive
   * (same id, back into the queue) cannot be undone by a burial still finishing. A crash
   * between the two steps leaves the letter queued: one more attempt, at least once as Lambda.
   */
  async bury(entry: QueueEntry, error: AttemptError): Promise<DeadLetter> {
    const letter: DeadLetter = { ...entry, failedAt: error.at, error };
    await this.queue.write(letter);
    await mkdir(this.letters.dir, { recursive: true });
    await rename(this.queue.file(entry.id), this.letters.file(entry.id));
    await Promise.all([syncDirGrouped(this.letters.dir), syncDirGrouped(this.queue.dir)]);
    return letter;
  }
}
