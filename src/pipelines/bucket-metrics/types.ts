/** Sizes and counts accumulated while a bucket (or a prefix of it) is listed. */
export interface Totals {
  /** Bytes of current object versions (what the sample's BucketSizeBytes meant to sum). */
  bytes: number;
  objects: number;
  largestObjectBytes: number;
  /** Bytes of noncurrent versions; 0 when the bucket is not versioned. */
  noncurrentBytes: number;
  noncurrentVersions: number;
}

/** Where a prefix's listing resumes: a ListObjectsV2 token, or ListObjectVersions markers. */
export type Cursor = { token: string } | { keyMarker: string; versionIdMarker?: string };

/** One prefix still to list (from its start, or from a cursor). */
export interface WorkItem {
  prefix: string;
  cursor?: Cursor;
  /** Consecutive pages with no keys and no prefixes seen so far on this prefix. */
  emptyPages?: number;
  /** A split flat listing: only keys after `after` (exclusive) … */
  after?: string;
  /** … up to `until` (inclusive), in S3 key order. */
  until?: string;
}

/**
 * `unsupported`: the store answered GetBucketVersioning with NotImplemented (or similar);
 * the bucket is listed as unversioned and the result says so.
 */
export type Versioning = 'enabled' | 'suspended' | 'off' | 'unsupported';

export type BucketStatus = 'pending' | 'done' | 'failed';

/** A bucket's scan as it is checkpointed: finished totals plus the prefixes still pending. */
export interface BucketScan {
  bucket: string;
  status: BucketStatus;
  versioning?: Versioning;
  totals: Totals;
  /** Bytes held by incomplete multipart uploads; undefined until counted, null when the store cannot say. */
  incompleteMultipartBytes?: number | null;
  /** Per-prefix totals up to the configured depth (`a/`, `a/b/`), including everything below. */
  prefixes: Record<string, { bytes: number; objects: number }>;
  pending: WorkItem[];
  /** Listing requests made so far (all invocations). */
  requests: number;
  startedAt: string;
  finishedAt?: string;
  error?: { code: string; message: string };
  notes: string[];
}

/** A run's state: written to the state bucket when the time budget runs out. */
export interface Checkpoint {
  version: 1;
  runId: string;
  /** Continuation number: 0 for the first invocation. */
  sequence: number;
  startedAt: string;
  prefixDepth: number;
  /** Buckets not yet finished (finished ones were already published). */
  scans: BucketScan[];
  /** Buckets finished in earlier invocations, for the run's final summary. */
  finished: { bucket: string; status: BucketStatus; objects: number; bytes: number }[];
}

export interface ScanProgress {
  objects: number;
  bytes: number;
  requests: number;
  bucketsDone: number;
  bucketsTotal: number;
}
