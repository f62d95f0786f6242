import { createHash, randomBytes } from 'node:crypto';
import { readdir } from 'node:fs/promises';
import path from 'node:path';
import {
  CompleteMultipartUploadCommand,
  CopyObjectCommand,
  CreateBucketCommand,
  CreateMultipartUploadCommand,
  DeleteObjectCommand,
  GetObjectCommand,
  PutObjectCommand,
  type S3Client,
  UploadPartCopyCommand,
} from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestEndpoint, type TestEndpoint } from './helpers.js';

// Bodies of at most 64 KiB share pack files (store.ts): one new file per 16 MiB instead of one per object.
const KiB = 1024;
const BUCKET = 'packs';

let ep: TestEndpoint;
let s3: S3Client;

const dataFiles = async (bucket = BUCKET) =>
  (await readdir(path.join(ep.dataDir, 'buckets', bucket, 'data'))).sort();
const packs = async (bucket = BUCKET) => (await dataFiles(bucket)).filter((f) => f.startsWith('pack-'));

async function getBytes(key: string, range?: string, bucket = BUCKET): Promise<Buffer> {
  const res = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: key, Range: range }));
  return Buffer.from(
    await (res.Body as { transformToByteArray(): Promise<Uint8Array> }).transformToByteArray(),
  );
}

const put = (key: string, body: Buffer, bucket = BUCKET) =>
  s3.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: body }));

/** Runs fn over 0..n-1, `width` at a time. */
async function each(n: number, width: number, fn: (i: number) => Promise<unknown>): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: width }, async () => {
      for (let i = next++; i < n; i = next++) await fn(i);
    }),
  );
}

beforeAll(async () => {
  ep = await startTestEndpoint();
  s3 = ep.client();
  await s3.send(new CreateBucketCommand({ Bucket: BUCKET }));
});
afterAll(() => ep.stop());

describe('small objects in pack files', () => {
  it('packs bodies up to 64 KiB into one file, gives bigger ones their own, and reads each back whole and by range', async () => {
    const bodies = new Map<string, Buffer>();
    for (const [key, size] of [
      ['a', 4 * KiB],
      ['b', 1],
      ['c', 64 * KiB],
      ['d', 4 * KiB + 3],
    ] as const)
      bodies.set(key, randomBytes(size));
    for (const [key, body] of bodies) await put(key, body);
    const own = randomBytes(64 * KiB + 1);
    await put('own', own);
    await put('empty', Buffer.alloc(0));

    const files = await dataFiles();
    expect(await packs()).toHaveLength(1);
    expect(files).toHaveLength(2); // the pack and 'own'
    for (const [key, body] of bodies) expect((await getBytes(key)).equals(body)).toBe(true);
    const d = bodies.get('d') as Buffer;
    expect((await getBytes('d', 'bytes=100-4099')).equals(d.subarray(100, 4100))).toBe(true);
    expect((await getBytes('d', 'bytes=-3')).equals(d.subarray(-3))).toBe(true);
    expect((await getBytes('own')).equals(own)).toBe(true);
    expect(await getBytes('empty')).toHaveLength(0);
  });

  it('refuses a small body with a wrong Content-MD5 without storing it, and the pack keeps serving', async () => {
    const body = randomBytes(4 * KiB);
    const refused = await s3
      .send(
        new PutObjectCommand({
          Bucket: BUCKET,
          Key: 'bad-md5',
          Body: body,
          ContentMD5: createHash('md5').update('other').digest('base64'),
        }),
      )
      .then(
        () => 'stored',
        (err: Error) => err.name,
      );
    await put('after-bad', body);

    expect(refused).toBe('BadDigest');
    expect(await getBytes('bad-md5').catch((err: Error) => err.name)).toBe('NoSuchKey');
    expect((await getBytes('after-bad')).equals(body)).toBe(true);
  });

  it('starts a new pack past 16 MiB and removes a full pack once its last object is deleted or replaced', async () => {
    const bucket = 'rotation';
    await s3.send(new CreateBucketCommand({ Bucket: bucket }));
    const body = (i: number) => Buffer.alloc(64 * KiB, i % 251);
    // 256 x 64 KiB fill the first pack exactly; the 257th opens a second one.
    await each(256, 8, (i) => put(`k${i}`, body(i), bucket));
    const [first] = await packs(bucket);
    await put('k256', body(256), bucket);
    expect(await packs(bucket)).toHaveLength(2);

    await each(128, 8, (i) => s3.send(new DeleteObjectCommand({ Bucket: bucket, Key: `k${i}` })));
    await each(128, 8, (i) => put(`k${128 + i}`, body(i), bucket)); // replaces the rest of the first pack's keys
    // Unlinks run in the background.
    await new Promise((resolve) => setTimeout(resolve, 50));

    const left = await packs(bucket);
    expect(left).not.toContain(first);
    expect((await getBytes('k200', undefined, bucket)).equals(body(72))).toBe(true);
    expect((await getBytes('k256', undefined, bucket)).equals(body(256))).toBe(true);
  });

  it('copies a packed object (CopyObject and UploadPartCopy with a range) and keeps the copy when the source goes', async () => {
    const body = randomBytes(8 * KiB);
    await put('source', body);
    await s3.send(new CopyObjectCommand({ Bucket: BUCKET, Key: 'copy', CopySource: `${BUCKET}/source` }));
    const upload = await s3.send(new CreateMultipartUploadCommand({ Bucket: BUCKET, Key: 'part-copy' }));
    const part = await s3.send(
      new UploadPartCopyCommand({
        Bucket: BUCKET,
        Key: 'part-copy',
        UploadId: upload.UploadId,
        PartNumber: 1,
        CopySource: `${BUCKET}/source`,
        CopySourceRange: 'bytes=1000-4999',
      }),
    );
    await s3.send(
      new CompleteMultipartUploadCommand({
        Bucket: BUCKET,
        Key: 'part-copy',
        UploadId: upload.UploadId,
        MultipartUpload: { Parts: [{ PartNumber: 1, ETag: part.CopyPartResult?.ETag }] },
      }),
    );
    await s3.send(new DeleteObjectCommand({ Bucket: BUCKET, Key: 'source' }));

    expect((await getBytes('copy')).equals(body)).toBe(true);
    expect((await getBytes('part-copy')).equals(body.subarray(1000, 5000))).toBe(true);
  });

  it('keeps packed objects across a restart, drops packs nothing refers to, and packs new bodies in a new file', async () => {
    const bucket = 'restart';
    const orphan = 'orphan';
    await s3.send(new CreateBucketCommand({ Bucket: bucket }));
    await s3.send(new CreateBucketCommand({ Bucket: orphan }));
    const kept = randomBytes(4 * KiB);
    await put('kept', kept, bucket);
    await put('gone', randomBytes(4 * KiB), bucket);
    // The current pack stays while it is current, even with no object left in it.
    await put('x', randomBytes(KiB), orphan);
    await s3.send(new DeleteObjectCommand({ Bucket: orphan, Key: 'x' }));
    expect(await packs(orphan)).toHaveLength(1);
    const before = await packs(bucket);
    const dataDir = ep.dataDir;
    await ep.stop(true);
    ep = await startTestEndpoint(dataDir);
    s3 = ep.client();

    expect(await packs(orphan)).toEqual([]);
    await s3.send(new DeleteObjectCommand({ Bucket: bucket, Key: 'gone' }));
    expect(await packs(bucket)).toEqual(before); // 'kept' still in it
    expect((await getBytes('kept', undefined, bucket)).equals(kept)).toBe(true);
    expect((await getBytes('c')).length).toBe(64 * KiB); // the first test's pack, after the restart
    await s3.send(new DeleteObjectCommand({ Bucket: bucket, Key: 'kept' }));
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(await packs(bucket)).toEqual([]); // no longer current after the restart: its last object took it along

    const fresh = randomBytes(4 * KiB);
    await put('fresh', fresh, bucket);
    expect(await packs(bucket)).toHaveLength(1);
    expect((await getBytes('fresh', undefined, bucket)).equals(fresh)).toBe(true);
  });
});
