import { z } from 'zod';
import { errorMessage } from '../../core/errors.js';
import { parseSchedule } from '../../core/schedule.js';
import { BATCH_SIZE, DEFAULT_SUMMARY_SCHEDULE } from './constants.js';
import { recordValidator } from './record-schema.js';

/** A refinement that runs a validator throwing ConfigError and reports its message. */
const checkedBy =
  (check: (value: string) => unknown) =>
  (value: string, ctx: z.RefinementCtx): void => {
    try {
      check(value);
    } catch (err) {
      ctx.addIssue({ code: 'custom', message: errorMessage(err) });
    }
  };

const int = (min: number, max: number, fallback: number) =>
  z.coerce.number().int().min(min).max(max).default(fallback);

/**
 * The ingest pipeline's settings, read from each function's environment. Every value has a
 * default; a bad value (such as the sample's `rate(7 minute)`) refuses to start.
 */
export const ingestConfig = z.object({
  /** When the weekly summary runs (EventBridge syntax, UTC). */
  SUMMARY_SCHEDULE: z.string().default(DEFAULT_SUMMARY_SCHEDULE).superRefine(checkedBy(parseSchedule)),
  /** Parallel Scan segments of the summary. */
  SUMMARY_SEGMENTS: int(1, 64, 4),
  /** Largest request body accepted, in bytes (Lambda's own limit is 6 MB). */
  MAX_BODY_BYTES: int(1024, 6 * 1024 * 1024, 4 * 1024 * 1024),
  /** Most records in one `POST /records`: a multiple of 25 (one BatchWriteItem each). */
  MAX_RECORDS_PER_REQUEST: int(BATCH_SIZE, 10_000, 500).refine((n) => n % BATCH_SIZE === 0, {
    message: `must be a multiple of ${BATCH_SIZE}`,
  }),
  /** BatchWriteItem calls in flight for one request. */
  WRITE_CONCURRENCY: int(1, 32, 4),
  /** Optional JSON Schema (as JSON text) every record must match. */
  RECORD_SCHEMA: z
    .string()
    .optional()
    .transform((s) => (s?.trim() ? s : undefined))
    .superRefine((s, ctx) => {
      if (s !== undefined) checkedBy(recordValidator)(s, ctx);
    }),
  /** `secret`: API keys and Basic users from the auth secret; `none`: open (local trials only). */
  AUTH_MODE: z.enum(['secret', 'none']).default('secret'),
  /** Requests per second per caller, per function instance; 0 turns the limit off. */
  RATE_LIMIT_PER_SECOND: z.coerce.number().min(0).max(1_000_000).default(50),
  /** Requests a caller may make at once before the rate applies. */
  RATE_LIMIT_BURST: int(1, 1_000_000, 100),
  /** How long an Idempotency-Key is remembered. */
  IDEMPOTENCY_TTL_SECONDS: int(60, 30 * 86_400, 86_400),
});

export type IngestConfig = z.infer<typeof ingestConfig>;
