/**
 * Reusable I/O buffers of one size. Fresh big buffers are costly in a way profiles hide: the
 * kernel maps their pages on first touch, one fault per 4 KiB, in whatever thread fills them
 * (for 1 GiB read through new 1 MiB buffers that was more CPU than the copy itself). Buffers
 * come back here once nothing references them, and up to `keep` are kept for the next request.
 */
export class BufferPool {
  private readonly free: Buffer[] = [];

  constructor(
    readonly size: number,
    private readonly keep: number,
    /** Backed by SharedArrayBuffers, so a worker thread can read them without a copy. */
    private readonly shared = false,
  ) {}

  acquire(): Buffer {
    return (
      this.free.pop() ??
      (this.shared ? Buffer.from(new SharedArrayBuffer(this.size)) : Buffer.allocUnsafeSlow(this.size))
    );
  }

  release(buffer: Buffer): void {
    if (this.free.length < this.keep) this.free.push(buffer);
  }
}
