import type { S3Client } from '@aws-sdk/client-s3';
import { withRetry } from '../../core/retry.js';
import { OBJECT_RETRIES, RETRY_BASE_MS, RETRY_MAX_MS } from './constants.js';
import type { Continuation } from './continuation.js';
import { type CopyResult, copyObject, resumeCopy } from './copy-object.js';
import { DeadlineError, SourceChangedError, SourceGoneError, SupersededError } from './errors.js';
import { compareSequencers, targetKey } from './event-key.js';
import { isRetryable, targetProblem } from './s3-errors.js';
import { headTarget, holdsVersion, type TargetState } from './target-state.js';
import type { CopyTuning, RecordResult } from './types.js';

export interface Endpoints {
  source: { client: S3Client; bucket: string };
  target: { client: S3Client; bucket: string; prefix: string; endpoint: string };
  tuning: CopyTuning;
}

export interface ObjectToReplicate {
  /** Source key, decoded. */
  key: string;
  /** What the event or listing says the object is; used to skip copies the target already has. */
  etag?: string;
  size?: number;
  /** The event's sequencer (absent for backfills). */
  sequencer?: string;
  /** Copy exactly the version with `etag` (events); a changed source is then skipped. */
  pinVersion?: boolean;
  /** The target's state when the caller already knows it (backfill listings); undefined = ask. */
  target?: TargetState | null;
  lastModified?: Date;
}

export interface ReplicateOptions {
  /**
   * A multipart copy cut short by `signal` (the invocation's deadline) keeps its upload open and
   * comes back `continued`, with what the next invocation needs — instead of being aborted.
   */
  suspendable?: boolean;
}

/**
 * Replicates one object, idempotently and in order: skipped when the target already has this
 * version or a newer event's copy; otherwise copied (retried as a whole on transient faults).
 * A source deleted meanwhile is `missing`; target misconfiguration is thrown as
 * TargetConfigError; anything else that still fails is thrown.
 */
export async function replicateObject(
  endpoints: Endpoints,
  object: ObjectToReplicate,
  signal?: AbortSignal,
  options: ReplicateOptions = {},
): Promise<RecordResult> {
  const { source, target, tuning } = endpoints;
  const key = targetKey(target.prefix, object.key);
  try {
    const state =
      object.target === undefined
        ? await withRetry(() => headTarget(target.client, target.bucket, key, signal), retry(signal))
        : (object.target ?? undefined);
    if (isOlder(object.sequencer, state?.sequencer)) {
      return {
        key: object.key,
        outcome: 'skipped',
        reason: 'a newer event for this key was already replicated',
      };
    }
    if (
      object.etag !== undefined &&
      object.size !== undefined &&
      holdsVersion(state, { etag: object.etag, size: object.size })
    ) {
      return { key: object.key, outcome: 'skipped', reason: 'the target already has this version' };
    }

    const copied = await withRetry(
      () =>
        copyObject({
          source: {
            ...source,
            key: object.key,
            ...(object.pinVersion && object.etag ? { ifMatch: object.etag } : {}),
          },
          target: { client: target.client, bucket: target.bucket, key },
          ...(object.sequencer ? { sequencer: object.sequencer } : {}),
          tuning,
          ...(signal ? { signal } : {}),
          beforeComplete: notSuperseded(endpoints, key, object.sequencer, object.key, signal),
          ...(options.suspendable ? { suspendOnAbort: true } : {}),
        }),
      retry(signal),
    );
    return resultOf(copied, {
      source: endpoints.source.bucket,
      target: { bucket: target.bucket, key },
      sequencer: object.sequencer,
      invocations: 1,
      startedAt: new Date(),
    });
  } catch (err) {
    return failureOutcome(err, object.key, endpoints, signal);
  }
}

/**
 * The next step of a suspended multipart copy (see Continuation): `copied` when it completes,
 * `continued` again when this invocation's time runs out first (with progress made), `missing` or
 * `skipped` (upload aborted) when the source version is gone or changed, or a newer event won.
 * An upload the target no longer has (aborted by a lifecycle rule, say) throws `NoSuchUpload`.
 */
export async function continueReplication(
  endpoints: Endpoints,
  continuation: Continuation,
  signal?: AbortSignal,
): Promise<RecordResult> {
  const { source, target } = continuation;
  try {
    // Retried as a step on transient faults: the upload stays open, so a retry continues it.
    const copied = await withRetry(
      () =>
        resumeCopy({
          continuation,
          source: endpoints.source.client,
          target: endpoints.target.client,
          tuning: endpoints.tuning,
          ...(signal ? { signal } : {}),
          beforeComplete: notSuperseded(endpoints, target.key, continuation.sequencer, source.key, signal),
        }),
      retry(signal),
    );
    return resultOf(copied, {
      source: source.bucket,
      target,
      sequencer: continuation.sequencer,
      invocations: continuation.invocations + 1,
      startedAt: new Date(continuation.startedAt),
    });
  } catch (err) {
    return failureOutcome(err, source.key, endpoints, signal);
  }
}

/** A long copy leaves time for a newer event to finish first; don't overwrite it. */
const notSuperseded =
  (
    endpoints: Endpoints,
    key: string,
    sequencer: string | undefined,
    sourceKey: string,
    signal?: AbortSignal,
  ) =>
  async (): Promise<void> => {
    const now = await headTarget(endpoints.target.client, endpoints.target.bucket, key, signal);
    if (isOlder(sequencer, now?.sequencer)) throw new SupersededError(sourceKey);
  };

function resultOf(
  copied: CopyResult,
  step: {
    source: string;
    target: Continuation['target'];
    sequencer: string | undefined;
    invocations: number;
    startedAt: Date;
  },
): RecordResult {
  const { source } = copied;
  if (copied.suspended) {
    const { uploadId, parts, partSize } = copied.suspended;
    return {
      key: source.key,
      outcome: 'continued',
      bytes: copied.bytes,
      parts: parts.length,
      continuation: {
        v: 1,
        source: {
          bucket: step.source,
          key: source.key,
          etag: source.etag,
          ...(source.versionId ? { versionId: source.versionId } : {}),
          size: source.size,
          ...(source.lastModified ? { lastModified: source.lastModified.toISOString() } : {}),
        },
        target: step.target,
        ...(step.sequencer ? { sequencer: step.sequencer } : {}),
        uploadId,
        partSize,
        parts,
        invocations: step.invocations,
        startedAt: step.startedAt.toISOString(),
      },
    };
  }
  return {
    key: source.key,
    outcome: 'copied',
    bytes: copied.bytes,
    parts: copied.parts,
    ...(copied.sha256 ? { sha256: copied.sha256 } : {}),
    ...(source.lastModified ? { lastModified: source.lastModified } : {}),
  };
}

function failureOutcome(err: unknown, key: string, endpoints: Endpoints, signal?: AbortSignal): RecordResult {
  if (err instanceof SourceGoneError) return { key, outcome: 'missing', reason: err.message };
  if (err instanceof SourceChangedError) {
    return { key, outcome: 'skipped', reason: `${err.message}; the newer write's event copies it` };
  }
  if (err instanceof SupersededError) return { key, outcome: 'skipped', reason: err.message };
  if (signal?.aborted) throw new DeadlineError(key);
  throw targetProblem(err, endpoints.target.bucket, endpoints.target.endpoint) ?? err;
}

function isOlder(sequencer: string | undefined, than: string | undefined): boolean {
  return sequencer !== undefined && than !== undefined && compareSequencers(sequencer, than) < 0;
}

const retry = (signal?: AbortSignal) => ({
  retries: OBJECT_RETRIES,
  baseMs: RETRY_BASE_MS,
  maxMs: RETRY_MAX_MS,
  retryable: (err: unknown) => !signal?.aborted && isRetryable(err),
  ...(signal ? { signal } : {}),
});
