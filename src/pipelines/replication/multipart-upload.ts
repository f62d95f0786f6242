import { createHash } from 'node:crypto';
import {
  AbortMultipartUploadCommand,
  type CompletedPart,
  CompleteMultipartUploadCommand,
  CreateMultipartUploadCommand,
  type CreateMultipartUploadCommandInput,
  type S3Client,
  UploadPartCommand,
} from '@aws-sdk/client-s3';
import { withRetry } from '../../core/retry.js';
import { PART_RETRIES, RETRY_BASE_MS, RETRY_MAX_MS } from './constants.js';
import { IntegrityError } from './errors.js';
import { unquote } from './object-headers.js';
import { isRetryable } from './s3-errors.js';
import { sendOptions } from './send-options.js';

export interface MultipartUploadRequest {
  client: S3Client;
  /** Bucket, key, content headers, metadata, tagging. */
  create: CreateMultipartUploadCommandInput & { Bucket: string; Key: string };
  body: AsyncIterable<Uint8Array>;
  /** Bytes the source said it has; anything else is an IntegrityError and nothing is completed. */
  expectedSize: number;
  partSize: number;
  /** Parts uploading at once. Memory held: `concurrency` part buffers (a freed one is reused). */
  concurrency: number;
  signal?: AbortSignal;
  /** Last check before the object becomes visible (e.g. "has a newer event won meanwhile?"); throw to abort. */
  beforeComplete?: () => Promise<void>;
  /** Continue this upload: its parts 1..n are on the target, and `body` starts at byte n × partSize. */
  resume?: { uploadId: string; parts: readonly UploadedPart[] };
  /**
   * When `signal` fires, keep the upload open and return where it got to instead of aborting it,
   * so that another invocation can continue it — provided this call added at least one part;
   * otherwise the upload is aborted as usual (no chain of invocations that never progress).
   */
  suspendOnAbort?: boolean;
  /** A failure leaves the upload open (a continued copy: its earlier steps' parts stay for the retry). */
  keepOnFailure?: boolean;
}

/** A part on the target: what Complete and the composite ETag check need. */
export interface UploadedPart {
  PartNumber: number;
  ETag: string;
  /** Base64 MD5 of the part's bytes. */
  md5: string;
}

export type MultipartUploadResult =
  | { kind: 'completed'; parts: number; bytes: number; etag: string }
  /** Parts 1..n are on the target under `uploadId`; `bytes` of the body are in them. */
  | { kind: 'suspended'; uploadId: string; parts: UploadedPart[]; bytes: number };

/**
 * Streams a body into a multipart upload: reads part-sized buffers, uploads up to
 * `concurrency` of them at once, and stops reading while that many are in flight, so memory
 * stays at concurrency × partSize whatever the object's size. Each part carries its
 * Content-MD5 (the store verifies it); each is retried alone, since its bytes are in memory.
 * Any failure aborts the upload, so no parts are left behind to be billed — except a suspension
 * (`suspendOnAbort`), which hands the open upload to the next invocation, and a failure of a
 * continued copy (`keepOnFailure`), whose retry needs the parts already there.
 */
export async function uploadMultipart(request: MultipartUploadRequest): Promise<MultipartUploadResult> {
  const { client, create, partSize, concurrency, resume } = request;
  request.signal?.throwIfAborted();
  const UploadId = resume ? resume.uploadId : await createUpload(client, create);

  const stop = new AbortController();
  const onOuterAbort = () => stop.abort(request.signal?.reason);
  if (request.signal?.aborted) onOuterAbort();
  request.signal?.addEventListener('abort', onOuterAbort, { once: true });
  const inFlight = new Set<Promise<void>>();
  const done = new Map<number, UploadedPart>(resume?.parts.map((p) => [p.PartNumber, p]));
  const resumedParts = resume?.parts.length ?? 0;
  const spare: Buffer[] = [];
  let failure: unknown;

  const uploadPart = (partNumber: number, buffer: Buffer, length: number): void => {
    const body = buffer.subarray(0, length);
    const md5 = createHash('md5').update(body).digest('base64');
    const task = withRetry(
      () =>
        client.send(
          new UploadPartCommand({
            Bucket: create.Bucket,
            Key: create.Key,
            UploadId,
            PartNumber: partNumber,
            Body: body,
            ContentLength: length,
            ContentMD5: md5,
          }),
          sendOptions(stop.signal, length),
        ),
      {
        retries: PART_RETRIES,
        baseMs: RETRY_BASE_MS,
        maxMs: RETRY_MAX_MS,
        retryable: (err) => !stop.signal.aborted && isRetryable(err),
        signal: stop.signal,
      },
    ).then(
      ({ ETag }) => {
        done.set(partNumber, { PartNumber: partNumber, ETag: ETag ?? '', md5 });
        spare.push(buffer);
      },
      (err: unknown) => {
        failure ??= err;
        stop.abort(err);
      },
    );
    const tracked = task.finally(() => inFlight.delete(tracked));
    inFlight.add(tracked);
  };

  try {
    let buffer: Buffer = Buffer.allocUnsafe(partSize);
    let filled = 0;
    let partNumber = resumedParts;
    let bytes = Math.min(resumedParts * partSize, request.expectedSize);
    for await (const chunk of request.body) {
      if (failure !== undefined || stop.signal.aborted) break;
      bytes += chunk.length;
      let offset = 0;
      while (offset < chunk.length) {
        const n = Math.min(partSize - filled, chunk.length - offset);
        buffer.set(chunk.subarray(offset, offset + n), filled);
        filled += n;
        offset += n;
        if (filled === partSize) {
          uploadPart(++partNumber, buffer, filled);
          // Back-pressure: the body is not read while `concurrency` parts are in flight.
          while (inFlight.size >= concurrency) await Promise.race(inFlight);
          if (failure !== undefined) break;
          buffer = spare.pop() ?? Buffer.allocUnsafe(partSize);
          filled = 0;
        }
      }
    }
    if (failure === undefined && !stop.signal.aborted && (filled > 0 || partNumber === 0)) {
      uploadPart(++partNumber, buffer, filled);
    }
    await Promise.all(inFlight);
    if (failure !== undefined) throw failure;
    stop.signal.throwIfAborted();
    if (bytes !== request.expectedSize) {
      throw new IntegrityError(
        `"${create.Key}": read ${bytes} bytes from the source, which said it has ${request.expectedSize}`,
      );
    }
    await request.beforeComplete?.();
    const parts = [...done.values()].sort((a, b) => a.PartNumber - b.PartNumber);
    const out = await client.send(
      new CompleteMultipartUploadCommand({
        Bucket: create.Bucket,
        Key: create.Key,
        UploadId,
        MultipartUpload: {
          Parts: parts.map(({ PartNumber, ETag }): CompletedPart => ({ PartNumber, ETag })),
        },
      }),
      // Not cut short either: once the store may have completed the upload, aborting it could
      // report a failure for an object that arrived.
      sendOptions(request.signal),
    );
    const expected = multipartEtag(parts.map((p) => Buffer.from(p.md5, 'base64')));
    const etag = unquote(out.ETag);
    // Stores that follow S3 answer MD5(part MD5s)-N: a mismatch means parts were lost or reordered.
    if (/^[0-9a-f]{32}-\d+$/i.test(etag) && etag.toLowerCase() !== expected) {
      throw new IntegrityError(`"${create.Key}": the target's ETag ${etag} is not the expected ${expected}`);
    }
    return { kind: 'completed', parts: partNumber, bytes, etag };
  } catch (err) {
    stop.abort(err);
    await Promise.allSettled(inFlight);
    if (request.suspendOnAbort && request.signal?.aborted) {
      // Parts finish out of order: the next invocation continues after the unbroken run from 1
      // (a later part already uploaded is simply uploaded again).
      const kept: UploadedPart[] = [];
      for (let n = 1; done.has(n); n++) kept.push(done.get(n) as UploadedPart);
      if (kept.length > resumedParts) {
        return {
          kind: 'suspended',
          uploadId: UploadId,
          parts: kept,
          bytes: Math.min(kept.length * partSize, request.expectedSize),
        };
      }
    }
    if (!request.keepOnFailure) await abortUpload(client, create.Bucket, create.Key, UploadId);
    throw failure ?? err;
  } finally {
    request.signal?.removeEventListener('abort', onOuterAbort);
  }
}

async function createUpload(client: S3Client, create: MultipartUploadRequest['create']): Promise<string> {
  // Not cut short by the signal: an upload the store created but whose id we never read could
  // not be aborted. The signal is honoured right after, with the id in hand.
  const { UploadId } = await client.send(new CreateMultipartUploadCommand(create));
  if (!UploadId) throw new IntegrityError(`CreateMultipartUpload for "${create.Key}" returned no UploadId`);
  return UploadId;
}

/** S3's multipart ETag: MD5 of the concatenated binary part MD5s, then `-<part count>`. */
export function multipartEtag(partMd5s: readonly Buffer[]): string {
  const digest = createHash('md5').update(Buffer.concat(partMd5s)).digest('hex');
  return `${digest}-${partMd5s.length}`;
}

/** Best effort, retried: an upload left open keeps its parts (and their cost) on the store. */
export async function abortUpload(
  client: S3Client,
  bucket: string,
  key: string,
  uploadId: string,
): Promise<void> {
  await withRetry(
    () => client.send(new AbortMultipartUploadCommand({ Bucket: bucket, Key: key, UploadId: uploadId })),
    { retries: PART_RETRIES, baseMs: RETRY_BASE_MS, maxMs: RETRY_MAX_MS, retryable: isRetryable },
  ).catch(() => undefined);
}
