/**
 * Reusable I/O buffers of one size. Fresh big buffers are costly in a way profiles hide: the
 * kernel maps their pages on first touch, one fault per 4 KiB, in whatever thread fills them
 * (for 1 GiB read through new 1 MiB buffers that was more CPU than the copy itself). Buffers
 * come back here once nothing references them, and up to `keep` are kept for the next request.
 */
export class BufferPool {
  private readonly free: Buffer[] = [];
  private outstanding = 0;
  private readonly waiting: ((buffer: Buffer) => void)[] = [];

  constructor(
    readonly size: number,
    private readonly keep: number,
    /** Backed by SharedArrayBuffers, so a worker thread can read them without a copy. */
    private readonly shared = false,
    /** Buffers out at once before `acquireBounded` waits: bounds what all requests together hold. */
    private readonly limit = Number.POSITIVE_INFINITY,
  ) {}

  acquire(): Buffer {
    this.outstanding++;
    return (
      this.free.pop() ??
      (this.shared ? Buffer.from(new SharedArrayBuffer(this.size)) : Buffer.allocUnsafeSlow(this.size))
    );
  }

  /** `acquire`, once fewer than `limit` buffers are out; waiters are served in arrival order. */
  acquireBounded(): Promise<Buffer> {
    if (this.outstanding < this.limit) return Promise.resolve(this.acquire());
    return new Promise((resolve) => this.waiting.push(resolve));
  }

  release(buffer: Buffer): void {
    const next = this.waiting.shift();
    if (next) {
      next(buffer); // handed on: still out
      return;
    }
    this.outstanding--;
    if (this.free.length < this.keep) this.free.push(buffer);
  }
}
