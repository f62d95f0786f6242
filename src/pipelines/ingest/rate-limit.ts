import { RateLimitedError } from './errors.js';

interface Bucket {
  tokens: number;
  updatedMs: number;
}

/** Callers remembered per instance; the least recently seen are forgotten beyond this. */
const MAX_CALLERS = 10_000;

/**
 * A token bucket per caller, in this function instance's memory. On Lambda each concurrent
 * instance has its own buckets, so the effective limit is `ratePerSecond` × instances; a
 * hard global limit needs API Gateway usage plans or a shared counter.
 */
export class RateLimiter {
  private readonly buckets = new Map<string, Bucket>();

  constructor(
    private readonly ratePerSecond: number,
    private readonly burst: number,
  ) {}

  /** Takes one token for `caller` or throws RateLimitedError with the wait until the next one. */
  take(caller: string, nowMs = Date.now()): void {
    if (this.ratePerSecond <= 0) return;
    const bucket = this.buckets.get(caller) ?? { tokens: this.burst, updatedMs: nowMs };
    this.buckets.delete(caller); // re-inserted last: Map order is the eviction order
    const elapsed = Math.max(0, nowMs - bucket.updatedMs) / 1000;
    bucket.tokens = Math.min(this.burst, bucket.tokens + elapsed * this.ratePerSecond);
    bucket.updatedMs = nowMs;
    this.buckets.set(caller, bucket);
    if (this.buckets.size > MAX_CALLERS) this.buckets.delete(this.buckets.keys().next().value as string);
    if (bucket.tokens >= 1) {
      bucket.tokens -= 1;
      return;
    }
    throw new RateLimitedError(Math.max(1, Math.ceil((1 - bucket.tokens) / this.ratePerSecond)));
  }

  /** Whether this limiter was built for these settings (config can differ per invocation locally). */
  matches(ratePerSecond: number, burst: number): boolean {
    return this.ratePerSecond === ratePerSecond && this.burst === burst;
  }
}
