/** Requests moving at least this many bytes carry the abort signal into the SDK. */
export const LONG_TRANSFER_BYTES = 1024 * 1024;

/**
 * The options argument for `S3Client.send`, after checking that the signal has not fired.
 *
 * The SDK reuses its resolved middleware stack (`cacheMiddleware`) only for a send with no
 * options argument at all: any options object, even `{ abortSignal: undefined }`, resolves the
 * stack again and drops the cache, which costs more CPU than a small request's I/O. So only a
 * transfer that can take long (a body of LONG_TRANSFER_BYTES or more) carries the signal, to be
 * cut short; a short request is not started once the signal fired, and finishes in milliseconds.
 */
export function sendOptions(
  signal: AbortSignal | undefined,
  bodyBytes = 0,
): { abortSignal: AbortSignal } | undefined {
  signal?.throwIfAborted();
  return signal && bodyBytes >= LONG_TRANSFER_BYTES ? { abortSignal: signal } : undefined;
}
