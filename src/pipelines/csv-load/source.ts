import { PassThrough, Readable, Transform, type TransformCallback } from 'node:stream';
import { createGunzip } from 'node:zlib';
import { GetObjectCommand, type GetObjectCommandOutput, type S3Client } from '@aws-sdk/client-s3';
import { CsvRejectedError } from './errors.js';
import { isGzipKey } from './keys.js';

export interface OpenedSource {
  /** Decompressed bytes from `offset` on. */
  bytes: NodeJS.ReadableStream;
  gzip: boolean;
  etag?: string;
  /** Stored (possibly compressed) size, for progress. */
  size?: number;
}

/** The object changed since the load started (its ETag no longer matches). */
export class SourceChangedError extends Error {
  override name = 'SourceChangedError';
}

/**
 * Opens an object for loading from a decompressed byte offset: a ranged GET for plain files,
 * a full GET decompressed and skipped up to the offset for gzip (gzip cannot be entered
 * mid-stream). `etag` pins a continuation to the object its first invocation read.
 */
export async function openS3Object(
  s3: S3Client,
  bucket: string,
  key: string,
  at: { offset: number; etag?: string; gzip?: boolean } = { offset: 0 },
): Promise<OpenedSource> {
  const knownGzip = at.gzip ?? isGzipKey(key);
  const ranged = at.offset > 0 && !knownGzip;
  let response: GetObjectCommandOutput;
  try {
    response = await s3.send(
      new GetObjectCommand({
        Bucket: bucket,
        Key: key,
        ...(ranged ? { Range: `bytes=${at.offset}-` } : {}),
        ...(at.etag ? { IfMatch: at.etag } : {}),
      }),
    );
  } catch (err) {
    const name = (err as { name?: string }).name;
    if (name === 'PreconditionFailed')
      throw new SourceChangedError(`s3://${bucket}/${key} changed since the load started`);
    // Resuming exactly at the end of the file: nothing left to read.
    if (ranged && name === 'InvalidRange')
      return { bytes: Readable.from([]), gzip: false, ...(at.etag ? { etag: at.etag } : {}) };
    throw err;
  }
  const gzip = knownGzip || /gzip/i.test(response.ContentEncoding ?? '');
  const body = response.Body as Readable;
  const bytes = gzip ? gunzipped(body, at.offset) : body;
  return {
    bytes,
    gzip,
    ...(response.ETag ? { etag: response.ETag } : {}),
    ...(response.ContentLength !== undefined ? { size: response.ContentLength } : {}),
  };
}

/** Decompresses, turning zlib's errors into a rejection of the file, and drops the first `skip` bytes. */
export function gunzipped(body: NodeJS.ReadableStream, skip = 0): NodeJS.ReadableStream {
  const gunzip = createGunzip();
  const out = new PassThrough();
  const fail = (err: Error) =>
    out.destroy(
      (err as NodeJS.ErrnoException).code?.startsWith('Z_')
        ? new CsvRejectedError(`the file is not valid gzip: ${err.message}`)
        : err,
    );
  body.on('error', fail);
  gunzip.on('error', fail);
  out.on('close', () => {
    gunzip.destroy();
    (body as Readable).destroy?.();
  });
  body.pipe(gunzip);
  (skip > 0 ? gunzip.pipe(skipBytes(skip)) : gunzip).pipe(out);
  return out;
}

export function skipBytes(count: number): Transform {
  let left = count;
  return new Transform({
    transform(chunk: Buffer, _enc: BufferEncoding, done: TransformCallback) {
      if (left >= chunk.length) {
        left -= chunk.length;
        done();
      } else {
        const rest = left > 0 ? chunk.subarray(left) : chunk;
        left = 0;
        done(null, rest);
      }
    },
  });
}
