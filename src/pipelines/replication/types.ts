import type { Continuation } from './continuation.js';

/** What happened to one S3 event record (or one object of a backfill). */
export type Outcome =
  /** Copied to the target. */
  | 'copied'
  /** Deleted on the target (delete replication). */
  | 'deleted'
  /** Nothing to do: the target already has it, a newer event won, or the key is filtered out. */
  | 'skipped'
  /** The source object is gone (deleted before its event was processed): reported, not retried. */
  | 'missing'
  /** Failed; the handler throws after reporting every record so that Lambda retries the event. */
  | 'failed'
  /** A multipart copy ran out of invocation time with progress made: another invocation continues it. */
  | 'continued';

export interface RecordResult {
  key: string;
  outcome: Outcome;
  /** Why, for anything but a plain copy. */
  reason?: string;
  bytes?: number;
  /** How the bytes went: one PUT or a multipart upload with this many parts. */
  parts?: number;
  sha256?: string;
  /** The source's LastModified, for the latency metric. */
  lastModified?: Date;
  /** `continued` only: what the next invocation needs. */
  continuation?: Continuation;
}

export interface ReplicationResult {
  records: RecordResult[];
}

/** Where copies go. */
export interface TargetLocation {
  bucket: string;
  prefix: string;
}

export interface CopyTuning {
  multipartThresholdBytes: number;
  minPartSizeBytes: number;
  partConcurrency: number;
  /** Bytes of part buffers one copy may hold; lowers partConcurrency for large parts. */
  maxBufferBytes: number;
}
