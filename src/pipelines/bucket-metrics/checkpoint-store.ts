import { DeleteObjectCommand, GetObjectCommand, PutObjectCommand } from '@aws-sdk/client-s3';
import { z } from 'zod';
import { s3Client } from '../../clients/index.js';
import { TributaryError } from '../../core/errors.js';
import { CHECKPOINT_PREFIX } from './constants.js';
import type { Checkpoint } from './types.js';

/**
 * Checkpoints live in the state bucket, one object per continuation. Writing one is also
 * what starts the continuation: `collect` is triggered by objects created under
 * CHECKPOINT_PREFIX, on AWS (S3 notification) and locally (the runtime's S3 router) alike.
 */
export const checkpointKey = (runId: string, sequence: number): string =>
  `${CHECKPOINT_PREFIX}${runId}/${String(sequence).padStart(5, '0')}.json`;

export const isCheckpointKey = (key: string): boolean =>
  key.startsWith(CHECKPOINT_PREFIX) && key.endsWith('.json');

export async function saveCheckpoint(bucket: string, checkpoint: Checkpoint): Promise<string> {
  const key = checkpointKey(checkpoint.runId, checkpoint.sequence);
  await s3Client().send(
    new PutObjectCommand({
      Bucket: bucket,
      Key: key,
      Body: JSON.stringify(checkpoint),
      ContentType: 'application/json',
    }),
  );
  return key;
}

export class BadCheckpointError extends TributaryError {
  constructor(key: string, why: string) {
    super(`checkpoint ${key} cannot be resumed: ${why}`, 'BadCheckpoint', 65 /* EX_DATAERR */, 400);
  }
}

const totals = z.object({
  bytes: z.number(),
  objects: z.number(),
  largestObjectBytes: z.number(),
  noncurrentBytes: z.number(),
  noncurrentVersions: z.number(),
});
const cursor = z.union([
  z.object({ token: z.string() }),
  z.object({ keyMarker: z.string(), versionIdMarker: z.string().optional() }),
]);
const checkpointSchema = z.object({
  version: z.literal(1),
  runId: z.string().min(1),
  sequence: z.number().int().min(0),
  startedAt: z.string(),
  prefixDepth: z.number().int().min(0),
  scans: z.array(
    z.object({
      bucket: z.string(),
      status: z.enum(['pending', 'done', 'failed']),
      versioning: z.enum(['enabled', 'suspended', 'off', 'unsupported']).optional(),
      totals,
      incompleteMultipartBytes: z.number().nullable().optional(),
      prefixes: z.record(z.string(), z.object({ bytes: z.number(), objects: z.number() })),
      pending: z.array(
        z.object({
          prefix: z.string(),
          cursor: cursor.optional(),
          emptyPages: z.number().optional(),
          after: z.string().optional(),
          until: z.string().optional(),
        }),
      ),
      requests: z.number(),
      startedAt: z.string(),
      finishedAt: z.string().optional(),
      error: z.object({ code: z.string(), message: z.string() }).optional(),
      notes: z.array(z.string()),
    }),
  ),
  finished: z.array(
    z.object({
      bucket: z.string(),
      status: z.enum(['pending', 'done', 'failed']),
      objects: z.number(),
      bytes: z.number(),
    }),
  ),
});

export async function loadCheckpoint(bucket: string, key: string): Promise<Checkpoint> {
  const out = await s3Client().send(new GetObjectCommand({ Bucket: bucket, Key: key }));
  const text = (await out.Body?.transformToString('utf8')) ?? '';
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    throw new BadCheckpointError(key, 'not JSON');
  }
  const parsed = checkpointSchema.safeParse(json);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new BadCheckpointError(key, `${issue?.path.join('.') || '(root)'}: ${issue?.message ?? 'invalid'}`);
  }
  return parsed.data as Checkpoint;
}

export async function deleteCheckpoint(bucket: string, key: string): Promise<void> {
  await s3Client().send(new DeleteObjectCommand({ Bucket: bucket, Key: key }));
}
