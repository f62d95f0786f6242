import { TokenBuckets } from '../../core/token-buckets.js';
import { RateLimitedError } from './errors.js';

/** Token buckets per API caller (see TokenBuckets for what "per instance" means on Lambda). */
export class RateLimiter extends TokenBuckets {
  /** Takes one token for `caller` or throws RateLimitedError with the wait until the next one. */
  take(caller: string, nowMs = Date.now()): void {
    const wait = this.consume(caller, nowMs);
    if (wait > 0) throw new RateLimitedError(wait);
  }
}
