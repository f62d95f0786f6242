import { TributaryError } from '../../core/errors.js';

/** A request the client got wrong (or may not make); the message is safe to send back. */
export class TelemetryError extends TributaryError {}

export class BadRequestError extends TelemetryError {
  constructor(message: string) {
    super(message, 'BadRequest', 64, 400);
  }
}

export class UnauthorizedError extends TelemetryError {
  constructor(message: string) {
    super(message, 'Unauthorized', 77, 401);
  }
}

export class ForbiddenError extends TelemetryError {
  constructor(message: string) {
    super(message, 'Forbidden', 77, 403);
  }
}

export class NotFoundError extends TelemetryError {
  constructor(message: string) {
    super(message, 'NotFound', 1, 404);
  }
}

export class TooLargeError extends TelemetryError {
  constructor(message: string) {
    super(message, 'PayloadTooLarge', 64, 413);
  }
}

export class UnsupportedMediaTypeError extends TelemetryError {
  constructor(message: string) {
    super(message, 'UnsupportedMediaType', 64, 415);
  }
}

export type RateScope = 'user' | 'client IP' | 'client IP (failed logins)';

export class RateLimitedError extends TelemetryError {
  constructor(
    readonly retryAfterSeconds: number,
    scope: RateScope,
  ) {
    super(
      `too many requests from this ${scope}: retry after ${retryAfterSeconds} s`,
      'TooManyRequests',
      1,
      429,
    );
  }
}
