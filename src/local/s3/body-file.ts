import { close, open, writev } from 'node:fs';
import { unlink } from 'node:fs/promises';
import path from 'node:path';
import type { BufferPool } from './buffer-pool.js';
import {
  type HashSession,
  type HashSpec,
  type HashWorkers,
  hashInline,
  type PayloadHashes,
} from './hashers.js';
import type { PackSpace } from './store.js';
import type { Segment } from './types.js';

/** Slots one body may have in flight (written or hashed, not both done): bounds memory per PUT;
 * the pool's limit bounds all bodies together. */
const SLOTS_IN_FLIGHT = 8;

/** Bodies up to this size may go into a pack instead of a file of their own (store.ts). */
export const PACKED_BODY_BYTES = 64 * 1024;

/** Where a small body can go instead of its own file; `drop` gives the space back if the body is refused. */
export interface PackTarget {
  space(size: number): PackSpace;
  drop(segment: Segment): void;
}

/** Where a body's bytes go: a pool of shared slots and the threads that hash them. */
export interface BodySinks {
  slots: BufferPool;
  hashers: HashWorkers;
}

/**
 * Writes a request body into a data file through shared slots, hashing as it goes. A body
 * that fits in one slot is hashed on this thread when it ends (small PUTs pay no thread
 * hop); a bigger one is hashed by a worker while this thread goes on reading the socket and
 * libuv's pool writes the file (one write in flight, see `drain`). A slot is reused once
 * both its write and its hash are done; with SLOTS_IN_FLIGHT taken, `append` waits, which
 * pauses the socket. The file is opened on the first write: an empty object needs none, and a
 * body of at most PACKED_BODY_BYTES goes into the pack when one is given.
 */
export class BodyFile {
  private fd: Promise<number> | undefined;
  private created = false;
  private packed: Segment | undefined;
  private slot: Buffer | undefined;
  private fill = 0;
  private written = 0;
  private inFlight = 0;
  private idle: (() => void)[] = [];
  private failure: Error | undefined;
  private session: HashSession | undefined;
  private inline: PayloadHashes | undefined;
  /** Full slots waiting for the write in flight (one at a time, see `flush`). */
  private queued: QueuedWrite[] = [];
  private writing = false;

  constructor(
    private readonly path: string,
    private readonly spec: HashSpec,
    private readonly sinks: BodySinks,
    private readonly pack?: PackTarget,
  ) {}

  get size(): number {
    return this.written + this.fill;
  }

  /** Where the bytes are, once finished: the file of its own, or a piece of a pack. */
  get segment(): Segment {
    return this.packed ?? { file: path.basename(this.path), size: this.size };
  }

  async append(chunk: Buffer): Promise<void> {
    for (let offset = 0; offset < chunk.length; ) {
      if (this.failure) throw this.failure;
      if (!this.slot) {
        while (this.inFlight >= SLOTS_IN_FLIGHT) await this.settled();
        const slot = await this.sinks.slots.acquireBounded();
        // Discarded while waiting for a slot: its file may be closed already.
        if (this.failure) {
          this.sinks.slots.release(slot);
          throw this.failure;
        }
        this.slot = slot;
      }
      const n = chunk.copy(this.slot, this.fill, offset);
      offset += n;
      this.fill += n;
      if (this.fill === this.slot.length) this.flush(false);
    }
  }

  /** Waits for every write and hash; the file is then complete and closed. */
  async finish(): Promise<PayloadHashes> {
    if (this.fill > 0) this.flush(true);
    while (this.inFlight > 0) await this.settled();
    if (this.failure) throw this.failure;
    await this.closeFile();
    if (this.session) return this.session.digest();
    return this.inline ?? hashInline(this.spec, Buffer.alloc(0));
  }

  /** Drops the body: waits for writes in flight (none may land after the unlink), removes the file. */
  async discard(): Promise<void> {
    this.failure ??= new Error('discarded');
    this.session?.abort();
    while (this.inFlight > 0) await this.settled();
    if (this.slot) this.sinks.slots.release(this.slot);
    this.slot = undefined;
    if (this.packed) this.pack?.drop(this.packed);
    this.packed = undefined;
    await this.closeFile().catch(() => {});
    if (this.created) await unlink(this.path).catch(() => {});
  }

  private flush(last: boolean): void {
    const slot = this.slot as Buffer;
    const length = this.fill;
    const position = this.written;
    this.slot = undefined;
    this.fill = 0;
    this.written += length;
    let waiting = 1;
    const done = (err?: Error) => {
      if (err) this.failure ??= err;
      if (--waiting > 0) return;
      this.sinks.slots.release(slot);
      this.inFlight--;
      for (const wake of this.idle.splice(0)) wake();
    };
    this.inFlight++;
    if (last && position === 0) {
      this.inline = hashInline(this.spec, slot.subarray(0, length));
    } else {
      this.session ??= this.sinks.hashers.session(this.spec);
      waiting++;
      this.session.update(slot, length, done);
    }
    if (last && position === 0 && length <= PACKED_BODY_BYTES && this.pack) {
      const space = this.pack.space(length);
      this.packed = space.segment;
      writeAllv(space.fd, [slot.subarray(0, length)], space.segment.offset, (err) => {
        space.written();
        done(err);
      });
      return;
    }
    this.created = true;
    this.fd ??= openFile(this.path);
    this.queued.push({ data: slot.subarray(0, length), position, done });
    this.drain();
  }

  /**
   * One write in flight per body, taking every slot queued meanwhile in one writev. Parallel
   * pwrites into one file contend for its inode lock: writing 1 GiB into the page cache cost
   * libuv's threads ~0.38 CPU s vs ~0.25 for one writer, and the endpoint's PUT ~0.18 CPU s/GiB
   * less this way. Slots are queued in file order, so a batch is contiguous.
   */
  private drain(): void {
    if (this.writing || this.queued.length === 0) return;
    const batch = this.queued.splice(0);
    this.writing = true;
    const finished = (err?: Error) => {
      this.writing = false;
      for (const w of batch) w.done(err);
      this.drain();
    };
    const position = (batch[0] as QueuedWrite).position;
    (this.fd as Promise<number>).then(
      (fd) =>
        writeAllv(
          fd,
          batch.map((w) => w.data),
          position,
          finished,
        ),
      finished,
    );
  }

  private settled(): Promise<void> {
    return new Promise((resolve) => this.idle.push(resolve));
  }

  private async closeFile(): Promise<void> {
    const opened = this.fd;
    this.fd = undefined;
    if (opened === undefined) return;
    const fd = await opened;
    return new Promise((resolve, reject) => close(fd, (err) => (err ? reject(err) : resolve())));
  }
}

interface QueuedWrite {
  data: Buffer;
  position: number;
  done: (err?: Error) => void;
}

function openFile(path: string): Promise<number> {
  return new Promise((resolve, reject) => open(path, 'w', (err, fd) => (err ? reject(err) : resolve(fd))));
}

/** pwritev until all bytes of `buffers` are down at `position` (a regular file takes them in one call but may not: a short write resumes where it stopped). */
function writeAllv(fd: number, buffers: Buffer[], position: number, done: (err?: Error) => void): void {
  writev(fd, buffers, position, (err, n) => {
    if (err) return done(err);
    let rest = n;
    while (buffers.length > 0 && rest >= (buffers[0] as Buffer).length)
      rest -= (buffers.shift() as Buffer).length;
    if (buffers.length === 0) return done();
    buffers[0] = (buffers[0] as Buffer).subarray(rest);
    writeAllv(fd, buffers, position + n, done);
  });
}
