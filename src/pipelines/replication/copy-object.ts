import { createHash } from 'node:crypto';
import type { Readable } from 'node:stream';
import {
  GetObjectCommand,
  GetObjectTaggingCommand,
  PutObjectCommand,
  type S3Client,
  type Tag,
} from '@aws-sdk/client-s3';
import { withRetry } from '../../core/retry.js';
import { PART_RETRIES, RETRY_BASE_MS, RETRY_MAX_MS } from './constants.js';
import { IntegrityError, SourceChangedError, SourceGoneError } from './errors.js';
import { uploadMultipart } from './multipart-upload.js';
import { type SourceObject, sourceObjectFrom, taggingHeader, targetMetadata } from './object-headers.js';
import { partConcurrencyFor, partSizeFor } from './part-size.js';
import { isNotFound, isPreconditionFailed, isRetryable } from './s3-errors.js';
import { sendOptions } from './send-options.js';
import type { CopyTuning } from './types.js';

export interface ObjectRef {
  client: S3Client;
  bucket: string;
  key: string;
}

export interface CopyRequest {
  source: ObjectRef & {
    /** Copy only this content (the ETag the event or listing named); a changed object → 412. */
    ifMatch?: string;
  };
  target: ObjectRef;
  /** The event's sequencer, recorded on the target for ordering later events. */
  sequencer?: string;
  tuning: CopyTuning;
  signal?: AbortSignal;
  /** Multipart only: a last check before the object becomes visible; throw to abort. */
  beforeComplete?: () => Promise<void>;
}

export interface CopyResult {
  source: SourceObject;
  bytes: number;
  /** 1 for a single PUT. */
  parts: number;
  /** Single PUTs only: a multipart copy is checked per part (Content-MD5) and by its composite ETag, not hashed whole. */
  sha256?: string;
  multipart: boolean;
}

/**
 * Copies one object between two stores with no temp file: GET the source as a stream, then
 * one PUT (small objects, buffered so a retry can resend) or a streamed multipart upload.
 * Content headers, user metadata and tags go along; the target records the source ETag,
 * version and the event's sequencer. A missing source is SourceGoneError, a changed one
 * (If-Match failed) SourceChangedError.
 */
export async function copyObject(request: CopyRequest): Promise<CopyResult> {
  const { source, target, tuning, signal } = request;
  const got = await source.client
    .send(
      new GetObjectCommand({
        Bucket: source.bucket,
        Key: source.key,
        ...(source.ifMatch ? { IfMatch: quote(source.ifMatch) } : {}),
      }),
      sendOptions(signal),
    )
    .catch((err: unknown) => {
      if (isNotFound(err)) throw new SourceGoneError(source.key);
      if (isPreconditionFailed(err)) throw new SourceChangedError(source.key);
      throw err;
    });
  const body = got.Body as Readable | undefined;
  // The GET went without the signal (see sendOptions), so a stop cuts its body here instead.
  const cut = () => body?.destroy(signal?.reason);
  signal?.addEventListener('abort', cut, { once: true });
  try {
    const object = sourceObjectFrom(source.key, got);
    const tags = object.tagCount > 0 ? await sourceTags(source, object.versionId, signal) : [];
    const tagging = taggingHeader(tags);
    const common = {
      Bucket: target.bucket,
      Key: target.key,
      ...object.headers,
      ...(tagging ? { Tagging: tagging } : {}),
    };
    const stream: AsyncIterable<Uint8Array> = body ?? emptyBody();

    if (object.size < tuning.multipartThresholdBytes) {
      const bytes = await readAll(stream, object.size, source.key);
      const sha256 = createHash('sha256').update(bytes).digest('hex');
      const md5 = createHash('md5').update(bytes).digest('base64');
      await withRetry(
        () =>
          target.client.send(
            new PutObjectCommand({
              ...common,
              Metadata: targetMetadata(object, { sequencer: request.sequencer, sha256 }),
              Body: bytes,
              ContentLength: bytes.length,
              ContentMD5: md5,
            }),
            sendOptions(signal, bytes.length),
          ),
        { retries: PART_RETRIES, baseMs: RETRY_BASE_MS, maxMs: RETRY_MAX_MS, retryable: isRetryable, signal },
      );
      return { source: object, bytes: bytes.length, parts: 1, sha256, multipart: false };
    }

    const partSize = partSizeFor(object.size, tuning.minPartSizeBytes);
    const uploaded = await uploadMultipart({
      client: target.client,
      // A whole-object SHA-256 would be known only after the metadata is sent, and costs a
      // core's time on large objects: multipart copies are checked by size, per-part
      // Content-MD5 and the composite ETag instead.
      create: { ...common, Metadata: targetMetadata(object, { sequencer: request.sequencer }) },
      body: stream,
      expectedSize: object.size,
      partSize,
      concurrency: partConcurrencyFor(object.size, partSize, tuning),
      ...(signal ? { signal } : {}),
      ...(request.beforeComplete ? { beforeComplete: request.beforeComplete } : {}),
    });
    return {
      source: object,
      bytes: uploaded.bytes,
      parts: uploaded.parts,
      multipart: true,
    };
  } finally {
    signal?.removeEventListener('abort', cut);
    // A skipped or failed copy must not keep the source connection open.
    body?.destroy();
  }
}

async function sourceTags(
  source: ObjectRef,
  versionId: string | undefined,
  signal?: AbortSignal,
): Promise<Tag[]> {
  const out = await source.client.send(
    new GetObjectTaggingCommand({
      Bucket: source.bucket,
      Key: source.key,
      ...(versionId ? { VersionId: versionId } : {}),
    }),
    sendOptions(signal),
  );
  return out.TagSet ?? [];
}

/** The whole (small) body, checked against the size the source announced. */
async function readAll(body: AsyncIterable<Uint8Array>, size: number, key: string): Promise<Buffer> {
  const bytes = Buffer.allocUnsafe(size);
  let filled = 0;
  for await (const chunk of body) {
    if (filled + chunk.length > size) {
      throw new IntegrityError(`"${key}": the source sent more than the ${size} bytes it announced`);
    }
    bytes.set(chunk, filled);
    filled += chunk.length;
  }
  if (filled !== size) {
    throw new IntegrityError(`"${key}": the source sent ${filled} of the ${size} bytes it announced`);
  }
  return bytes;
}

async function* emptyBody(): AsyncIterable<Uint8Array> {}

const quote = (etag: string): string => (etag.startsWith('"') ? etag : `"${etag}"`);
