import { createHash } from 'node:crypto';
import { DeleteObjectCommand, GetObjectCommand, PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { z } from 'zod';
import { withRetry } from '../../core/retry.js';
import { CONTINUATION_PREFIX, OBJECT_RETRIES, RETRY_BASE_MS, RETRY_MAX_MS } from './constants.js';
import { ReplicationError } from './errors.js';
import { isNotFound, isRetryable } from './s3-errors.js';

const uploadedPart = z.object({
  PartNumber: z.number().int().min(1).max(10_000),
  ETag: z.string().min(1),
  md5: z.string().regex(/^[A-Za-z0-9+/]{22}==$/, 'must be a base64 MD5'),
});

const schema = z.object({
  v: z.literal(1),
  source: z.object({
    bucket: z.string().min(1),
    key: z.string().min(1),
    etag: z.string().min(1),
    versionId: z.string().min(1).optional(),
    size: z.number().int().min(0),
    lastModified: z.iso.datetime().optional(),
  }),
  target: z.object({ bucket: z.string().min(1), key: z.string().min(1) }),
  sequencer: z
    .string()
    .regex(/^[0-9A-Fa-f]+$/)
    .optional(),
  uploadId: z.string().min(1),
  partSize: z.number().int().min(1),
  parts: z.array(uploadedPart).min(1),
  /** Invocations the copy has taken so far. */
  invocations: z.number().int().min(1),
  startedAt: z.iso.datetime(),
});

/**
 * A multipart copy that ran out of invocation time: the open upload on the target, the parts
 * already in it (1..n, unbroken), and the source version they came from. The next invocation
 * reads the source from byte n × partSize on and completes the same upload.
 */
export type Continuation = z.infer<typeof schema>;

/** Whether a value is a continuation (what the console lists; `readContinuation` says what is wrong). */
export const isContinuation = (value: unknown): value is Continuation => schema.safeParse(value).success;

/** The first source byte the parts on the target do not hold yet. */
export const continuedFrom = (c: Pick<Continuation, 'parts' | 'partSize' | 'source'>): number =>
  Math.min(c.parts.length * c.partSize, c.source.size);

/** A key per upload and progress: each step's object is new, so its creation is a new event. */
export function continuationKey(c: Pick<Continuation, 'uploadId' | 'parts' | 'target'>): string {
  const upload = createHash('sha256')
    .update(`${c.target.bucket}\n${c.target.key}\n${c.uploadId}`)
    .digest('hex');
  return `${CONTINUATION_PREFIX}${upload.slice(0, 32)}/${String(c.parts.length).padStart(5, '0')}.json`;
}

const retry = { retries: OBJECT_RETRIES, baseMs: RETRY_BASE_MS, maxMs: RETRY_MAX_MS, retryable: isRetryable };

export async function writeContinuation(client: S3Client, bucket: string, c: Continuation): Promise<string> {
  const key = continuationKey(c);
  const body = JSON.stringify(c);
  await withRetry(
    () =>
      client.send(
        new PutObjectCommand({ Bucket: bucket, Key: key, Body: body, ContentType: 'application/json' }),
      ),
    retry,
  );
  return key;
}

/** The continuation at `key`; undefined when it is gone (an earlier delivery already continued it). */
export async function readContinuation(
  client: S3Client,
  bucket: string,
  key: string,
): Promise<Continuation | undefined> {
  let text: string;
  try {
    const out = await withRetry(() => client.send(new GetObjectCommand({ Bucket: bucket, Key: key })), retry);
    text = (await out.Body?.transformToString()) ?? '';
  } catch (err) {
    if (isNotFound(err)) return undefined;
    throw err;
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    throw new ReplicationError(`continuation s3://${bucket}/${key} is not JSON`, 'InvalidContinuation');
  }
  const parsed = schema.safeParse(json);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new ReplicationError(
      `continuation s3://${bucket}/${key}: ${issue?.path.join('.') || '(root)'} ${issue?.message ?? 'is invalid'}`,
      'InvalidContinuation',
    );
  }
  return parsed.data;
}

export async function deleteContinuation(client: S3Client, bucket: string, key: string): Promise<void> {
  await withRetry(() => client.send(new DeleteObjectCommand({ Bucket: bucket, Key: key })), retry);
}
