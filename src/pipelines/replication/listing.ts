import { ListObjectsV2Command, type S3Client } from '@aws-sdk/client-s3';
import { compareKeys } from '../../core/key-order.js';
import { withRetry } from '../../core/retry.js';
import { OBJECT_RETRIES, RETRY_BASE_MS, RETRY_MAX_MS } from './constants.js';
import { unquote } from './object-headers.js';
import { isRetryable } from './s3-errors.js';
import { sendOptions } from './send-options.js';

export interface ListedObject {
  /** Relative to the listing's strip prefix. */
  key: string;
  size: number;
  etag: string;
  lastModified?: Date;
}

export interface ListOptions {
  client: S3Client;
  bucket: string;
  prefix: string;
  /** Removed from every key returned (the target's TARGET_PREFIX). */
  strip?: string;
  /** Only keys sorting after this (full key), for resuming. */
  startAfter?: string;
  signal?: AbortSignal;
  /** Rephrases a failed listing (e.g. into a TargetConfigError naming the target). */
  mapError?: (err: unknown) => unknown;
}

/** Every object under a prefix, in S3's order (UTF-8 bytes), a page at a time. */
export async function* listObjects(options: ListOptions): AsyncGenerator<ListedObject> {
  const { client, bucket, prefix, strip = '' } = options;
  let token: string | undefined;
  do {
    const page = await withRetry(
      () =>
        client.send(
          new ListObjectsV2Command({
            Bucket: bucket,
            Prefix: prefix,
            ...(token
              ? { ContinuationToken: token }
              : options.startAfter
                ? { StartAfter: options.startAfter }
                : {}),
          }),
          sendOptions(options.signal),
        ),
      { retries: OBJECT_RETRIES, baseMs: RETRY_BASE_MS, maxMs: RETRY_MAX_MS, retryable: isRetryable },
    ).catch((err: unknown) => {
      throw options.mapError?.(err) ?? err;
    });
    for (const o of page.Contents ?? []) {
      if (o.Key === undefined || !o.Key.startsWith(strip)) continue;
      yield {
        key: o.Key.slice(strip.length),
        size: o.Size ?? 0,
        etag: unquote(o.ETag),
        ...(o.LastModified ? { lastModified: o.LastModified } : {}),
      };
    }
    token = page.IsTruncated ? page.NextContinuationToken : undefined;
  } while (token);
}

export type Paired =
  | { kind: 'missing'; source: ListedObject }
  | { kind: 'extra'; target: ListedObject }
  | { kind: 'both'; source: ListedObject; target: ListedObject };

/**
 * Walks two sorted listings side by side (a merge join): memory stays constant however many
 * objects each side has.
 */
export async function* pairListings(
  source: AsyncIterable<ListedObject>,
  target: AsyncIterable<ListedObject>,
): AsyncGenerator<Paired> {
  const s = source[Symbol.asyncIterator]();
  const t = target[Symbol.asyncIterator]();
  let a = await s.next();
  let b = await t.next();
  while (!a.done || !b.done) {
    if (b.done || (!a.done && compareKeys(a.value.key, b.value.key) < 0)) {
      yield { kind: 'missing', source: (a as IteratorYieldResult<ListedObject>).value };
      a = await s.next();
    } else if (a.done || compareKeys(a.value.key, b.value.key) > 0) {
      yield { kind: 'extra', target: b.value };
      b = await t.next();
    } else {
      yield { kind: 'both', source: a.value, target: b.value };
      a = await s.next();
      b = await t.next();
    }
  }
}
