import { z } from 'zod';
import { errorMessage } from '../../core/errors.js';
import { parseSchedule } from '../../core/schedule.js';
import { parseBucketPatterns } from './bucket-filter.js';
import { DEFAULT_NAMESPACE, DEFAULT_SCHEDULE } from './constants.js';

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

const patterns = z
  .string()
  .default('')
  .superRefine(checkedBy(parseBucketPatterns))
  .transform(parseBucketPatterns);

/** The bucket-metrics settings, read from the function's environment; every key has a default. */
export const bucketMetricsConfig = z.object({
  /** When `collect` runs (EventBridge syntax, UTC). */
  SCHEDULE: z.string().default(DEFAULT_SCHEDULE).superRefine(checkedBy(parseSchedule)),
  /** Buckets to measure: comma-separated names or globs (`logs-*`); empty = every bucket. */
  INCLUDE_BUCKETS: patterns,
  /** Buckets to skip, applied after INCLUDE_BUCKETS. */
  EXCLUDE_BUCKETS: patterns,
  /** Per-prefix breakdown down to this many `/`-separated levels; 0 = off. */
  PREFIX_DEPTH: int(0, 10, 0),
  /** Listing requests in flight across all buckets. */
  CONCURRENCY: int(1, 512, 32),
  /** CloudWatch namespace of the bucket metrics. */
  NAMESPACE: z
    .string()
    .default(DEFAULT_NAMESPACE)
    .refine((s) => /^[A-Za-z0-9.\-_/#:]{1,255}$/.test(s) && !s.startsWith(':'), {
      message: 'must be 1-255 of A-Z a-z 0-9 . - _ / # : (a CloudWatch namespace)',
    }),
  /** Time left (s) at which an invocation stops listing, checkpoints and hands over. */
  CHECKPOINT_RESERVE_SECONDS: int(1, 600, 30),
  /** Count bytes held by incomplete multipart uploads (ListMultipartUploads + ListParts). */
  MULTIPART_UPLOADS: z
    .enum(['true', 'false'])
    .default('true')
    .transform((v) => v === 'true'),
});

export type BucketMetricsConfig = z.infer<typeof bucketMetricsConfig>;
