const MiB = 1024 * 1024;

/** Objects smaller than this go in one PutObject (buffered, so a retry can resend them). */
export const DEFAULT_MULTIPART_THRESHOLD_BYTES = 16 * MiB;
/** Smallest part we upload; S3's own minimum is 5 MiB (except the last part). */
export const MIN_PART_SIZE_BYTES = 8 * MiB;
/** S3's limits: at most 10,000 parts, at most 5 GiB per part, at most 5 TiB per object. */
export const MAX_PARTS = 10_000;
export const MAX_PART_SIZE_BYTES = 5 * 1024 * MiB;
export const MAX_OBJECT_SIZE_BYTES = 5 * 1024 * 1024 * MiB;
export const DEFAULT_PART_CONCURRENCY = 4;
/** Part buffers one copy may hold; beyond it fewer parts go at once (never fewer than one). */
export const DEFAULT_MAX_BUFFER_BYTES = 256 * MiB;
export { MiB };

/**
 * What the target object records about its source, as user metadata
 * (`x-amz-meta-tributary-*`): the idempotency check and `verify` read these back.
 */
export const META = {
  sourceEtag: 'tributary-source-etag',
  sourceVersion: 'tributary-source-version',
  sequencer: 'tributary-sequencer',
  sha256: 'tributary-sha256',
} as const;

export const METRICS_NAMESPACE = 'Tributary/Replication';
export const METRIC = {
  objects: 'ObjectsReplicated',
  bytes: 'BytesReplicated',
  latency: 'ReplicationLatency',
  failures: 'ReplicationFailures',
} as const;

/** Stop a copy this long before the Lambda deadline, so the multipart upload is aborted, not orphaned. */
export const DEADLINE_MARGIN_MS = 10_000;

/** Where continuations live in the pipeline's state bucket; their creation invokes `replicate`. */
export const CONTINUATION_PREFIX = 'continuations/';

/** Retries of a whole object (on top of the SDK's per-request retries). */
export const OBJECT_RETRIES = 3;
/** Retries of one part or one small PUT, whose body is in memory. */
export const PART_RETRIES = 4;
export const RETRY_BASE_MS = 200;
export const RETRY_MAX_MS = 5_000;

export const DEFAULT_TARGET_SECRET = 'tributary/replication/target';
export const DEFAULT_TARGET_BUCKET = 'tributary-replica';
