import type { S3Client } from '@aws-sdk/client-s3';
import { withRetry } from '../../core/retry.js';
import { OBJECT_RETRIES, RETRY_BASE_MS, RETRY_MAX_MS } from './constants.js';
import { copyObject } from './copy-object.js';
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
          beforeComplete: async () => {
            // A long copy leaves time for a newer event to finish first; don't overwrite it.
            const now = await headTarget(target.client, target.bucket, key, signal);
            if (isOlder(object.sequencer, now?.sequencer)) throw new SupersededError(object.key);
          },
        }),
      retry(signal),
    );
    return {
      key: object.key,
      outcome: 'copied',
      bytes: copied.bytes,
      parts: copied.parts,
      ...(copied.sha256 ? { sha256: copied.sha256 } : {}),
      ...(copied.source.lastModified ? { lastModified: copied.source.lastModified } : {}),
    };
  } catch (err) {
    if (err instanceof SourceGoneError) return { key: object.key, outcome: 'missing', reason: err.message };
    if (err instanceof SourceChangedError) {
      return {
        key: object.key,
        outcome: 'skipped',
        reason: `${err.message}; the newer write's event copies it`,
      };
    }
    if (err instanceof SupersededError) return { key: object.key, outcome: 'skipped', reason: err.message };
    if (signal?.aborted) throw new DeadlineError(object.key);
    throw targetProblem(err, target.bucket, target.endpoint) ?? err;
  }
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
