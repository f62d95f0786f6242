import { createHash } from 'node:crypto';
import os from 'node:os';
import { Worker } from 'node:worker_threads';
import { createChecksum } from './checksums.js';
import { type FromHashWorker, HASH_WORKER_SOURCE, type ToHashWorker } from './hash-worker.js';
import type { ChecksumAlgorithm } from './types.js';

/** What to hash besides MD5 (always: it is the ETag). */
export interface HashSpec {
  /** The payload hash was signed (x-amz-content-sha256 is a digest): verify it. */
  sha256: boolean;
  checksum?: ChecksumAlgorithm;
}

export interface PayloadHashes {
  md5: string;
  /** Hex. */
  sha256?: string;
  /** Base64, as S3 sends checksums. */
  checksum?: string;
}

/** Hashes a whole (small) body on this thread. */
export function hashInline(spec: HashSpec, data: Buffer): PayloadHashes {
  const checksum = spec.checksum ? createChecksum(spec.checksum) : undefined;
  checksum?.update(data);
  return {
    md5: createHash('md5').update(data).digest('hex'),
    sha256: spec.sha256 ? createHash('sha256').update(data).digest('hex') : undefined,
    checksum: checksum?.digest().toString('base64'),
  };
}

/** One body's hashing in a worker. Slots are hashed in the order they are given. */
export interface HashSession {
  /** Hashes the first `length` bytes of `slot`; `done` runs once the slot may be reused. */
  update(slot: Buffer, length: number, done: (err?: Error) => void): void;
  digest(): Promise<PayloadHashes>;
  abort(): void;
}

interface Pending {
  updates: ((err?: Error) => void)[];
  digest?: { resolve: (h: PayloadHashes) => void; reject: (err: Error) => void };
}

interface HashThread {
  worker: Worker;
  sessions: Map<number, Pending>;
  /** Why the thread is gone: later calls on its sessions fail with it. */
  failure?: Error;
}

/**
 * A few worker threads that hash large request bodies while the main thread goes on reading
 * sockets and writing files. MD5 runs at ~550 MB/s on one core and cannot be split, so on
 * the main thread it capped PUT throughput; here it overlaps with everything else. Threads
 * start on first use, are unref'd, and a crashed one fails only its own sessions.
 */
export class HashWorkers {
  private readonly threads: HashThread[] = [];
  private nextSession = 1;
  private closed = false;

  constructor(private readonly max = Math.max(1, Math.min(4, os.availableParallelism() - 1))) {}

  session(spec: HashSpec): HashSession {
    if (this.closed) throw new Error('hash workers are closed');
    const thread = this.pick();
    const id = this.nextSession++;
    const pending: Pending = { updates: [] };
    thread.sessions.set(id, pending);
    const post = (m: ToHashWorker) => thread.worker.postMessage(m);
    post({ type: 'begin', session: id, sha256: spec.sha256, checksum: spec.checksum });
    return {
      update(slot, length, done) {
        if (thread.failure) return done(thread.failure);
        pending.updates.push(done);
        post({ type: 'update', session: id, slot: slot.buffer as SharedArrayBuffer, length });
      },
      digest() {
        return new Promise((resolve, reject) => {
          if (thread.failure) return reject(thread.failure);
          pending.digest = { resolve, reject };
          post({ type: 'digest', session: id });
        });
      },
      abort() {
        if (!thread.sessions.delete(id)) return;
        post({ type: 'abort', session: id });
      },
    };
  }

  async close(): Promise<void> {
    this.closed = true;
    await Promise.all(this.threads.splice(0).map((t) => t.worker.terminate()));
  }

  /** The least busy thread, or a new one while under the limit. */
  private pick(): HashThread {
    let best: HashThread | undefined;
    for (const t of this.threads) if (!best || t.sessions.size < best.sessions.size) best = t;
    if (best && (best.sessions.size === 0 || this.threads.length >= this.max)) return best;
    const thread: HashThread = {
      worker: new Worker(HASH_WORKER_SOURCE, { eval: true }),
      sessions: new Map(),
    };
    thread.worker.unref();
    thread.worker.on('message', (m: FromHashWorker) => {
      const pending = thread.sessions.get(m.session);
      if (!pending) return;
      if (m.type === 'updated') {
        pending.updates.shift()?.();
        return;
      }
      thread.sessions.delete(m.session);
      pending.digest?.resolve({ md5: m.md5, sha256: m.sha256, checksum: m.checksum });
    });
    const fail = (err: Error) => {
      thread.failure ??= err;
      const i = this.threads.indexOf(thread);
      if (i !== -1) this.threads.splice(i, 1);
      for (const pending of thread.sessions.values()) {
        for (const done of pending.updates.splice(0)) done(err);
        pending.digest?.reject(err);
      }
      thread.sessions.clear();
    };
    thread.worker.on('error', fail);
    thread.worker.on('exit', (code) => fail(new Error(`hash worker exited with ${code}`)));
    this.threads.push(thread);
    return thread;
  }
}
