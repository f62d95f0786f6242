interface Bucket {
  tokens: number;
  updatedMs: number;
}

/** Callers remembered per instance; the least recently seen are forgotten beyond this. */
const MAX_CALLERS = 10_000;

/**
 * A token bucket per caller (API key, user, client IP), in this function instance's memory:
 * the rate limiters of the HTTP pipelines. On Lambda each concurrent instance counts on its
 * own, so the effective limit is the rate × instances; a hard global limit needs API Gateway
 * throttling or a shared counter. A rate of 0 or less disables the limit.
 */
export class TokenBuckets {
  private readonly buckets = new Map<string, Bucket>();

  constructor(
    readonly ratePerSecond: number,
    readonly burst: number,
  ) {}

  /** Takes a token if there is one; returns 0, or the whole seconds until the next token. */
  consume(caller: string, nowMs = Date.now()): number {
    if (this.ratePerSecond <= 0) return 0;
    const bucket = this.refill(caller, nowMs);
    if (bucket.tokens >= 1) {
      bucket.tokens -= 1;
      return 0;
    }
    return this.waitSeconds(bucket);
  }

  /** Like `consume`, without taking a token. */
  peek(caller: string, nowMs = Date.now()): number {
    if (this.ratePerSecond <= 0) return 0;
    const bucket = this.refill(caller, nowMs);
    return bucket.tokens >= 1 ? 0 : this.waitSeconds(bucket);
  }

  /** Whether these buckets were built for these settings (config can differ per invocation locally). */
  matches(ratePerSecond: number, burst: number): boolean {
    return this.ratePerSecond === ratePerSecond && this.burst === burst;
  }

  private refill(caller: string, nowMs: number): Bucket {
    const bucket = this.buckets.get(caller) ?? { tokens: this.burst, updatedMs: nowMs };
    this.buckets.delete(caller); // re-inserted last: Map order is the eviction order
    const elapsed = Math.max(0, nowMs - bucket.updatedMs) / 1000;
    bucket.tokens = Math.min(this.burst, bucket.tokens + elapsed * this.ratePerSecond);
    bucket.updatedMs = nowMs;
    this.buckets.set(caller, bucket);
    if (this.buckets.size > MAX_CALLERS) this.buckets.delete(this.buckets.keys().next().value as string);
    return bucket;
  }

  private waitSeconds(bucket: Bucket): number {
    return Math.max(1, Math.ceil((1 - bucket.tokens) / this.ratePerSecond));
  }
}
