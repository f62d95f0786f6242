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
import { type Continuation, continuedFrom } from './continuation.js';
import { IntegrityError, SourceChangedError, SourceGoneError, SupersededError } from './errors.js';
import {
  abortUpload,
  type MultipartUploadResult,
  type UploadedPart,
  uploadMultipart,
} from './multipart-upload.js';
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
  /** Multipart only: when `signal` fires, keep the upload open and report where it got to. */
  suspendOnAbort?: boolean;
}

export interface CopyResult {
  source: SourceObject;
  bytes: number;
  /** 1 for a single PUT. */
  parts: number;
  /** Single PUTs only: a multipart copy is checked per part (Content-MD5) and by its composite ETag, not hashed whole. */
  sha256?: string;
  multipart: boolean;
  /** The signal fired mid-way (`suspendOnAbort`): the upload is open with these parts in it. */
  suspended?: { uploadId: string; parts: UploadedPart[]; partSize: number };
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
  const got = await getSource(source, {}, signal);
  const body = got.Body as Readable | undefined;
  const release = cutOnAbort(body, signal);
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
      ...(request.suspendOnAbort ? { suspendOnAbort: true } : {}),
    });
    return multipartResult(object, uploaded, partSize);
  } finally {
    release();
  }
}

export interface ResumeRequest {
  continuation: Continuation;
  source: S3Client;
  target: S3Client;
  tuning: CopyTuning;
  signal?: AbortSignal;
  beforeComplete?: () => Promise<void>;
}

/**
 * Continues a suspended multipart copy: the source version it pinned, read from the first byte
 * not yet uploaded, into the same open upload — which may be suspended again. Content headers,
 * metadata and tags went with the upload's creation. A source that is gone or changed, or a
 * newer copy that won, aborts the upload (SourceGoneError / SourceChangedError /
 * SupersededError); any other failure leaves it open, so that a retry of this step continues it.
 */
export async function resumeCopy(request: ResumeRequest): Promise<CopyResult> {
  const { continuation: c, signal } = request;
  const offset = continuedFrom(c);
  const abort = () => abortUpload(request.target, c.target.bucket, c.target.key, c.uploadId);
  let body: Readable | undefined;
  if (offset < c.source.size) {
    const ref = {
      client: request.source,
      bucket: c.source.bucket,
      key: c.source.key,
      ifMatch: c.source.etag,
    };
    const range = {
      Range: `bytes=${offset}-`,
      ...(c.source.versionId ? { VersionId: c.source.versionId } : {}),
    };
    const got = await getSource(ref, range, signal).catch(async (err: unknown) => {
      // Only a source that is gone or changed ends the copy; anything else is retried.
      if (err instanceof SourceGoneError || err instanceof SourceChangedError) await abort();
      throw err;
    });
    body = got.Body as Readable | undefined;
  }
  const release = cutOnAbort(body, signal);
  try {
    const object: SourceObject = {
      key: c.source.key,
      size: c.source.size,
      etag: c.source.etag,
      ...(c.source.versionId ? { versionId: c.source.versionId } : {}),
      ...(c.source.lastModified ? { lastModified: new Date(c.source.lastModified) } : {}),
      tagCount: 0,
      headers: {},
      metadata: {},
    };
    const uploaded = await uploadMultipart({
      client: request.target,
      create: { Bucket: c.target.bucket, Key: c.target.key },
      body: body ?? emptyBody(),
      expectedSize: c.source.size,
      partSize: c.partSize,
      concurrency: partConcurrencyFor(c.source.size, c.partSize, request.tuning),
      resume: { uploadId: c.uploadId, parts: c.parts },
      suspendOnAbort: true,
      keepOnFailure: true,
      ...(signal ? { signal } : {}),
      ...(request.beforeComplete ? { beforeComplete: request.beforeComplete } : {}),
    }).catch(async (err: unknown) => {
      if (err instanceof SupersededError) await abort();
      throw err;
    });
    return multipartResult(object, uploaded, c.partSize);
  } finally {
    release();
  }
}

/**
 * The source GET goes without the signal (see sendOptions), so a stop cuts its body instead.
 * The returned release also closes the body: a skipped or failed copy must not keep the
 * source connection open.
 */
function cutOnAbort(body: Readable | undefined, signal: AbortSignal | undefined): () => void {
  const cut = () => body?.destroy(signal?.reason);
  signal?.addEventListener('abort', cut, { once: true });
  return () => {
    signal?.removeEventListener('abort', cut);
    body?.destroy();
  };
}

function multipartResult(
  object: SourceObject,
  uploaded: MultipartUploadResult,
  partSize: number,
): CopyResult {
  if (uploaded.kind === 'completed') {
    return { source: object, bytes: uploaded.bytes, parts: uploaded.parts, multipart: true };
  }
  const { uploadId, parts, bytes } = uploaded;
  return {
    source: object,
    bytes,
    parts: parts.length,
    multipart: true,
    suspended: { uploadId, parts, partSize },
  };
}

/** GET of the source (pinned to an ETag when given); a missing source is SourceGoneError, a changed one SourceChangedError. */
function getSource(
  source: CopyRequest['source'],
  extra: { Range?: string; VersionId?: string },
  signal: AbortSignal | undefined,
) {
  return source.client
    .send(
      new GetObjectCommand({
        Bucket: source.bucket,
        Key: source.key,
        ...(source.ifMatch ? { IfMatch: quote(source.ifMatch) } : {}),
        ...extra,
      }),
      sendOptions(signal),
    )
    .catch((err: unknown) => {
      if (isNotFound(err)) throw new SourceGoneError(source.key);
      if (isPreconditionFailed(err)) throw new SourceChangedError(source.key);
      throw err;
    });
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
