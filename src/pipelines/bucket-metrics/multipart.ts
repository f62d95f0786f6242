import { ListMultipartUploadsCommand, ListPartsCommand, type S3Client } from '@aws-sdk/client-s3';
import type { Limiter } from './limiter.js';
import { withThrottleRetry } from './throttling.js';

export interface MultipartContext {
  client: S3Client;
  limiter: Limiter;
  shouldStop: () => boolean;
}

/** Stopped for the time budget before the count was complete; it is redone next time. */
export class MultipartCountStopped extends Error {}

/**
 * Bytes already uploaded into multipart uploads that were never completed or aborted: the
 * storage a bucket is billed for that no listing of objects shows. Uploads are listed page by
 * page; each upload's parts are listed concurrently within the shared limiter.
 */
export async function incompleteMultipartBytes(bucket: string, ctx: MultipartContext): Promise<number> {
  let keyMarker: string | undefined;
  let uploadIdMarker: string | undefined;
  let total = 0;
  for (;;) {
    if (ctx.shouldStop()) throw new MultipartCountStopped();
    const page = await ctx.limiter.run(() =>
      withThrottleRetry(
        () =>
          ctx.client.send(
            new ListMultipartUploadsCommand({
              Bucket: bucket,
              KeyMarker: keyMarker,
              UploadIdMarker: uploadIdMarker,
            }),
          ),
        ctx.shouldStop,
      ),
    );
    const sizes = await Promise.all(
      (page.Uploads ?? []).flatMap((u) =>
        u.Key && u.UploadId ? [partBytes(bucket, u.Key, u.UploadId, ctx)] : [],
      ),
    );
    total += sizes.reduce((a, b) => a + b, 0);
    if (!page.IsTruncated) return total;
    if (page.NextKeyMarker === keyMarker && page.NextUploadIdMarker === uploadIdMarker) {
      throw new Error('ListMultipartUploads repeated its markers: the store does not advance');
    }
    keyMarker = page.NextKeyMarker;
    uploadIdMarker = page.NextUploadIdMarker;
    if (!keyMarker && !uploadIdMarker) throw new Error('ListMultipartUploads was truncated without markers');
  }
}

async function partBytes(
  bucket: string,
  key: string,
  uploadId: string,
  ctx: MultipartContext,
): Promise<number> {
  let marker: string | undefined;
  let total = 0;
  for (;;) {
    if (ctx.shouldStop()) throw new MultipartCountStopped();
    const page = await ctx.limiter
      .run(() =>
        withThrottleRetry(
          () =>
            ctx.client.send(
              new ListPartsCommand({
                Bucket: bucket,
                Key: key,
                UploadId: uploadId,
                PartNumberMarker: marker,
              }),
            ),
          ctx.shouldStop,
        ),
      )
      .catch((err: unknown) => {
        // Completed or aborted between the two listings: nothing left to count.
        if ((err as { name?: string }).name === 'NoSuchUpload') return undefined;
        throw err;
      });
    if (!page) return total;
    for (const part of page.Parts ?? []) total += part.Size ?? 0;
    if (!page.IsTruncated) return total;
    if (!page.NextPartNumberMarker || page.NextPartNumberMarker === marker) {
      throw new Error(`ListParts of ${key} was truncated without a new part-number marker`);
    }
    marker = page.NextPartNumberMarker;
  }
}
