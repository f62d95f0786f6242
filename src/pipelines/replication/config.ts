import { z } from 'zod';
import {
  DEFAULT_MAX_BUFFER_BYTES,
  DEFAULT_MULTIPART_THRESHOLD_BYTES,
  DEFAULT_PART_CONCURRENCY,
  DEFAULT_TARGET_BUCKET,
  MIN_PART_SIZE_BYTES,
  MiB,
} from './constants.js';

const int = (min: number, max: number, fallback: number) =>
  z.coerce.number().int().min(min).max(max).default(fallback);

const flag = z
  .enum(['true', 'false'], { error: 'must be true or false' })
  .default('false')
  .transform((v) => v === 'true');

/** S3 bucket naming rules, loosely: S3-compatible stores differ in the details. */
const bucketName = z
  .string()
  .regex(/^[a-z0-9][a-z0-9.\-_]{1,254}$/, 'must be a bucket name (3-255 of a-z 0-9 . - _)');

/** The replication settings, from the function's environment; every key has a default. */
export const replicationConfig = z.object({
  /** The bucket on the target store that receives the copies. */
  TARGET_BUCKET: bucketName.default(DEFAULT_TARGET_BUCKET),
  /** Prepended to every key on the target (`backup/` → `backup/<source key>`). */
  TARGET_PREFIX: z.string().max(512).default(''),
  /** Only source keys starting with this are replicated (the S3 notification's filter, and checked again). */
  SOURCE_PREFIX: z.string().max(1024).default(''),
  /** Only source keys ending with this are replicated. */
  SOURCE_SUFFIX: z.string().max(1024).default(''),
  /** Replicate deletes (`ObjectRemoved:*`) too; off by default, so the target keeps what the source lost. */
  REPLICATE_DELETES: flag,
  /** Objects at least this large (MiB) are copied as multipart uploads. */
  MULTIPART_THRESHOLD_MB: int(1, 5 * 1024, DEFAULT_MULTIPART_THRESHOLD_BYTES / MiB),
  /** Smallest part size (MiB); larger objects get larger parts so they stay under 10,000 parts. */
  PART_SIZE_MB: int(5, 5 * 1024, MIN_PART_SIZE_BYTES / MiB),
  /** Parts uploaded at once; memory held is at most this × part size (see MAX_BUFFER_MB). */
  PART_CONCURRENCY: int(1, 64, DEFAULT_PART_CONCURRENCY),
  /**
   * Memory (MiB) for one copy's part buffers: huge objects get huge parts (525 MiB at 5 TiB),
   * so fewer of them go at once. One part is always held, whatever this says.
   */
  MAX_BUFFER_MB: int(16, 10 * 1024, DEFAULT_MAX_BUFFER_BYTES / MiB),
});

export type ReplicationConfig = z.infer<typeof replicationConfig>;
