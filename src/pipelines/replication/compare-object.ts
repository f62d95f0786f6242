import type { S3Client } from '@aws-sdk/client-s3';
import { withRetry } from '../../core/retry.js';
import { OBJECT_RETRIES, RETRY_BASE_MS, RETRY_MAX_MS } from './constants.js';
import type { ListedObject } from './listing.js';
import { isRetryable } from './s3-errors.js';
import { headTarget, holdsVersion, type TargetState } from './target-state.js';

/**
 * Whether the target's object is a copy of this source version. Equal single-part ETags
 * settle it from the listings alone; otherwise (multipart copies have their own ETags) the
 * target's recorded source ETag is read with one HEAD.
 */
export async function sameObject(
  source: ListedObject,
  target: ListedObject,
  head: () => Promise<TargetState | undefined>,
): Promise<{ same: boolean; state?: TargetState }> {
  if (source.size !== target.size) return { same: false };
  if (source.etag === target.etag && !source.etag.includes('-')) return { same: true };
  const state = await head();
  return { same: holdsVersion(state, source), ...(state ? { state } : {}) };
}

export const headWithRetry =
  (client: S3Client, bucket: string, key: string, signal?: AbortSignal) =>
  (): Promise<TargetState | undefined> =>
    withRetry(() => headTarget(client, bucket, key, signal), {
      retries: OBJECT_RETRIES,
      baseMs: RETRY_BASE_MS,
      maxMs: RETRY_MAX_MS,
      retryable: isRetryable,
    });
