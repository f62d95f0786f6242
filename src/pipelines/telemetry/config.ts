import { z } from 'zod';

const int = (min: number, max: number, fallback: number) =>
  z.coerce.number().int().min(min).max(max).default(fallback);
const rate = (fallback: number) => z.coerce.number().min(0).max(1_000_000).default(fallback);

/**
 * The telemetry pipeline's settings, from each function's environment. Every value has a
 * default; a bad value refuses to start.
 */
export const telemetryConfig = z.object({
  /**
   * Users as JSON (`{"<name>": "<roles>:<scrypt hash>"}`), instead of the users secret. Hashes
   * only, never passwords, so it may sit in plain config; the secret is the default.
   */
  USERS: z
    .string()
    .optional()
    .transform((s) => (s?.trim() ? s.trim() : undefined)),
  /** Seconds a presigned upload or download URL stays valid (as the reference server). */
  S3_LINK_EXPIRATION: int(1, 604_800, 1200),
  /** Largest POST /telemetry body, in bytes (Lambda's own request limit is 6 MB). */
  MAX_BODY_BYTES: int(1024, 6 * 1024 * 1024, 5 * 1024 * 1024),
  /** Requests per second per authenticated user, per function instance; 0 turns it off. */
  RATE_LIMIT_PER_SECOND: rate(50),
  RATE_LIMIT_BURST: int(1, 1_000_000, 200),
  /** Requests per second per client IP (counted before authentication); 0 turns it off. */
  IP_RATE_LIMIT_PER_SECOND: rate(100),
  IP_RATE_LIMIT_BURST: int(1, 1_000_000, 400),
  /**
   * Failed logins (wrong credentials sent) per second per client IP, and the burst allowed;
   * beyond it the IP gets 429 before any password is checked. 0 turns it off.
   */
  AUTH_FAILURE_RATE_PER_SECOND: rate(0.5),
  AUTH_FAILURE_BURST: int(1, 1_000_000, 20),
  /** Most entries one un-paginated `/navigate` answers; beyond it `X-Next-Cursor` continues. */
  NAVIGATE_MAX_ENTRIES: int(1, 100_000, 20_000),
  /** Seconds a `/navigate` answer is reused by this instance (uploads appear after it); 0 turns it off. */
  NAVIGATE_CACHE_SECONDS: int(0, 300, 5),
  /**
   * The path the API is served under, for links and redirects, when it cannot be derived
   * (a reverse proxy in front). Default: derived from the request (API Gateway stage or
   * mapping, or the local gateway's `/<pipeline>` mount).
   */
  PUBLIC_BASE_PATH: z
    .string()
    .optional()
    .transform((s) => (s?.trim() ? s.trim().replace(/\/+$/, '') : undefined))
    .refine((s) => s === undefined || /^\/[A-Za-z0-9._~/-]*$/.test(s), {
      message: 'must be a path starting with / (e.g. /telemetry)',
    }),
});

export type TelemetryConfig = z.infer<typeof telemetryConfig>;
