/** The namespace, metric and dimension names the existing Lyve Cloud dashboards use. */
export const DEFAULT_NAMESPACE = 'LyveCloudBucketSizes';
export const DEFAULT_SCHEDULE = 'rate(6 hours)';

export const METRIC = {
  bucketSize: 'BucketSizeBytes',
  objects: 'NumberOfObjects',
  incompleteMultipart: 'IncompleteMultipartUploadBytes',
  largestObject: 'LargestObjectBytes',
  noncurrentVersions: 'NoncurrentVersionBytes',
  errors: 'CollectionErrors',
} as const;

export const DIMENSION = { bucket: 'BucketName', prefix: 'Prefix' } as const;

/** The pipeline's own run metrics (namespace `Tributary/BucketMetrics`). */
export const RUN_NAMESPACE = 'Tributary/BucketMetrics';

/** Delimiter used to split a bucket into prefixes listed concurrently. */
export const DELIMITER = '/';

/** S3 returns at most 1,000 keys (or versions, uploads, parts) per page. */
export const PAGE_SIZE = 1000;

/**
 * A page with no keys, no prefixes and a continuation token is legal, but a store that
 * keeps answering so would loop forever; after this many in a row the prefix is failed.
 */
export const MAX_EMPTY_PAGES = 50;

/** Retries of a listing request answered SlowDown / 503 / 500 (on top of the SDK's own). */
export const THROTTLE_RETRIES = 8;
export const THROTTLE_BACKOFF = { baseMs: 100, maxMs: 5_000 } as const;

/** Where continuation checkpoints live in the state bucket; a new object there triggers `collect`. */
export const CHECKPOINT_PREFIX = 'bucket-metrics/checkpoints/';

/** Continuations after which a run is abandoned (each must make progress; this is a last guard). */
export const MAX_CONTINUATIONS = 200;

/**
 * A flat listing (keys directly under one prefix) is split into key ranges listed
 * concurrently when a page holds at least this many keys, more follow, and fewer requests
 * than CONCURRENCY are running or waiting.
 */
export const SPLIT_MIN_KEYS = 500;
