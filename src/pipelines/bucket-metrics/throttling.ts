import { withRetry } from '../../core/retry.js';
import { THROTTLE_BACKOFF, THROTTLE_RETRIES } from './constants.js';

const RETRYABLE_CODES = new Set([
  'SlowDown',
  'Throttling',
  'ThrottlingException',
  'RequestLimitExceeded',
  'TooManyRequestsException',
  'ServiceUnavailable',
  'InternalError',
  'RequestTimeout',
  'RequestTimeTooSkewed',
]);
const RETRYABLE_NETWORK = new Set(['ECONNRESET', 'ECONNREFUSED', 'EPIPE', 'ETIMEDOUT', 'TimeoutError']);

/** Throttling (SlowDown, 503), server faults and dropped connections: worth waiting and asking again. */
export function isRetryable(err: unknown): boolean {
  if (typeof err !== 'object' || err === null) return false;
  const e = err as { name?: string; code?: string; $metadata?: { httpStatusCode?: number } };
  const status = e.$metadata?.httpStatusCode;
  if (status === 429 || status === 500 || status === 502 || status === 503 || status === 504) return true;
  return RETRYABLE_CODES.has(e.name ?? '') || RETRYABLE_NETWORK.has(e.code ?? e.name ?? '');
}

/**
 * A store that throttles keeps answering SlowDown for a while; the SDK's own three attempts
 * are not enough to ride that out, so requests get more, with jittered backoff. The caller
 * holds its concurrency slot while waiting, which is the point: fewer requests in flight.
 * `giveUp` turning true (the time budget) ends the waiting: the last error is thrown, and
 * the caller keeps the request for the next invocation instead of outliving this one.
 */
export function withThrottleRetry<T>(
  request: () => Promise<T>,
  giveUp: () => boolean = () => false,
): Promise<T> {
  return withRetry(() => request(), {
    ...THROTTLE_BACKOFF,
    retries: THROTTLE_RETRIES,
    retryable: (err) => isRetryable(err) && !giveUp(),
  });
}

/** The error code S3 (or the network) gave, for reports and the CollectionErrors log. */
export function errorCode(err: unknown): string {
  if (typeof err !== 'object' || err === null) return 'Error';
  const e = err as { name?: string; code?: string; Code?: string };
  return e.Code ?? e.code ?? e.name ?? 'Error';
}
