import { RateLimitedError } from './errors.js';

interface Bucket {
  tokens: number;
  updatedMs: number;
}

/** Callers remembered per instance; the least recently seen are forgotten beyond this. */
const MAX_CALLERS = 10_000;

/**
 * A token bucket per caller (user or client IP), in this function instance's memory. On
 * Lambda each concurrent instance counts on its own, so the effective limit is the rate ×
 * instances; a hard global limit needs API Gateway throttling or a shared counter.
 */
export class RateLimiter {
  private readonly buckets = new Map<string, Bucket>();

  constructor(
    readonly ratePerSecond: number,
    readonly burst: number,
    private readonly scope: 'user' | 'client IP',
  ) {}

  /** Takes one token for `caller`, or throws RateLimitedError with the seconds until the next one. */
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
    throw new RateLimitedError(Math.max(1, Math.ceil((1 - bucket.tokens) / this.ratePerSecond)), this.scope);
  }
}
