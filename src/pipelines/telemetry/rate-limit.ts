import { TokenBuckets } from '../../core/token-buckets.js';
import { RateLimitedError, type RateScope } from './errors.js';

/** Token buckets per user or client IP (see TokenBuckets for what "per instance" means on Lambda). */
export class RateLimiter extends TokenBuckets {
  constructor(
    ratePerSecond: number,
    burst: number,
    private readonly scope: RateScope,
  ) {
    super(ratePerSecond, burst);
  }

  /** Takes one token for `caller`, or throws RateLimitedError with the seconds until the next one. */
  take(caller: string, nowMs = Date.now()): void {
    const wait = this.consume(caller, nowMs);
    if (wait > 0) throw new RateLimitedError(wait, this.scope);
  }

  /** Throws RateLimitedError when `caller` has no token left, without taking one. */
  check(caller: string, nowMs = Date.now()): void {
    const wait = this.peek(caller, nowMs);
    if (wait > 0) throw new RateLimitedError(wait, this.scope);
  }
}
