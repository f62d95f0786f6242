import { TargetConfigError } from './errors.js';

interface ServiceErrorLike {
  name?: string;
  code?: string;
  $metadata?: { httpStatusCode?: number };
  $retryable?: unknown;
}

const shape = (err: unknown): ServiceErrorLike =>
  typeof err === 'object' && err !== null ? (err as ServiceErrorLike) : {};

export const statusOf = (err: unknown): number | undefined => shape(err).$metadata?.httpStatusCode;

/** The object (or that version of it) does not exist. */
export function isNotFound(err: unknown): boolean {
  const { name } = shape(err);
  return name === 'NoSuchKey' || name === 'NotFound' || name === 'NoSuchVersion' || statusOf(err) === 404;
}

/** The multipart upload is gone from the target (completed, or aborted by someone else). */
export const isNoSuchUpload = (err: unknown): boolean => shape(err).name === 'NoSuchUpload';

/** If-Match did not match: the object changed since the event (or listing) that named it. */
export function isPreconditionFailed(err: unknown): boolean {
  return shape(err).name === 'PreconditionFailed' || statusOf(err) === 412;
}

const RETRYABLE_CODES = new Set([
  'SlowDown',
  'ServiceUnavailable',
  'InternalError',
  'RequestTimeout',
  'RequestTimeTooSkewed',
  'Throttling',
  'ThrottlingException',
  'TooManyRequestsException',
  'IntegrityCheckFailed',
  'TimeoutError',
  'ECONNRESET',
  'ECONNREFUSED',
  'EPIPE',
  'ETIMEDOUT',
  'EAI_AGAIN',
  'ERR_STREAM_PREMATURE_CLOSE',
  'UND_ERR_SOCKET',
]);

/**
 * Worth another attempt: 5xx and throttling, broken connections (a reset mid-body), and our own
 * integrity failures. Not: 4xx answers, which say the request itself is wrong.
 */
export function isRetryable(err: unknown): boolean {
  if (err instanceof TargetConfigError) return false;
  const e = shape(err);
  const status = statusOf(err);
  if (status !== undefined) return status >= 500 || status === 429 || RETRYABLE_CODES.has(e.name ?? '');
  if (RETRYABLE_CODES.has(e.name ?? '') || RETRYABLE_CODES.has(e.code ?? '')) return true;
  const message = err instanceof Error ? err.message : '';
  return /socket hang up|ECONNRESET|EPIPE|premature close|aborted/i.test(message) && e.name !== 'AbortError';
}

/**
 * A target error a retry will not fix, rephrased so the DLQ entry says what to change.
 * Undefined when the error is not about the target's configuration.
 */
export function targetProblem(err: unknown, bucket: string, endpoint: string): TargetConfigError | undefined {
  const { name } = shape(err);
  const status = statusOf(err);
  if (name === 'NoSuchBucket') {
    return new TargetConfigError(
      `target bucket "${bucket}" does not exist on ${endpoint}: create it or set TARGET_BUCKET`,
    );
  }
  if (name === 'InvalidAccessKeyId' || name === 'SignatureDoesNotMatch' || name === 'InvalidToken') {
    return new TargetConfigError(
      `the target store ${endpoint} refused the credentials (${name}): check lc_access_key and lc_secret_key in the target secret`,
    );
  }
  if (name === 'AccessDenied' || status === 403) {
    // HEAD answers have no body, so the SDK cannot name the error: say what we know.
    const why = name && name !== 'Unknown' && name !== 'Forbidden' ? name : `HTTP ${status ?? 403}`;
    return new TargetConfigError(
      `the target store ${endpoint} denied access to bucket "${bucket}" (${why}): check lc_access_key, lc_secret_key and their permissions`,
    );
  }
  if (name === 'MetadataTooLarge') {
    return new TargetConfigError(
      "the object's user metadata plus the tributary-* keys exceed the target's 2 KB metadata limit",
    );
  }
  return undefined;
}
