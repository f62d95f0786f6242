import { TributaryError } from '../../core/errors.js';

/**
 * Errors a client of the ingest API can cause. Each carries its HTTP status, and the API
 * answers `{"error": code, "message": message}` with it — never a stack trace, never 5xx.
 */
export class IngestError extends TributaryError {
  constructor(message: string, code: string, httpStatus: number) {
    super(message, code, 65 /* EX_DATAERR */, httpStatus);
  }
}

/** The body (or one NDJSON line) is not JSON. */
export class InvalidJsonError extends IngestError {
  constructor(message: string) {
    super(message, 'InvalidJson', 400);
  }
}

/** A record breaks a rule: not an object, bad Id, too deep, a schema violation. */
export class InvalidRecordError extends IngestError {
  constructor(message: string) {
    super(message, 'InvalidRecord', 400);
  }
}

/** A query parameter, header or cursor the API cannot use. */
export class BadRequestError extends IngestError {
  constructor(message: string) {
    super(message, 'BadRequest', 400);
  }
}

/** The body, or one record as a DynamoDB item, is larger than allowed. */
export class TooLargeError extends IngestError {
  constructor(message: string) {
    super(message, 'PayloadTooLarge', 413);
  }
}

/** Answered with `WWW-Authenticate: Basic` (RFC 9110 requires a challenge on every 401). */
export class UnauthorizedError extends IngestError {
  constructor(message: string) {
    super(message, 'Unauthorized', 401);
  }
}

export class RateLimitedError extends IngestError {
  constructor(readonly retryAfterSeconds: number) {
    super(`rate limit exceeded: retry after ${retryAfterSeconds} s`, 'TooManyRequests', 429);
  }
}

/** The same Idempotency-Key was used with a different request. */
export class IdempotencyMismatchError extends IngestError {
  constructor() {
    super(
      'Idempotency-Key was already used with a different request (method, path or body)',
      'IdempotencyKeyReused',
      422,
    );
  }
}

/** A request with the same Idempotency-Key is still being processed. */
export class IdempotencyInProgressError extends IngestError {
  constructor() {
    super(
      'a request with this Idempotency-Key is still in progress: retry later',
      'IdempotencyInProgress',
      409,
    );
  }
}

/** Storage did not accept every record after retries: nothing is acknowledged as stored. */
export class NotStoredError extends IngestError {
  constructor(
    message: string,
    readonly stored: string[],
    readonly notStored: string[],
  ) {
    super(message, 'NotStored', 503);
  }
}
