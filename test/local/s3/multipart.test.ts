import { createHash, randomBytes } from 'node:crypto';
import { Readable } from 'node:stream';
import {
  AbortMultipartUploadCommand,
  CompleteMultipartUploadCommand,
  CreateBucketCommand,
  CreateMultipartUploadCommand,
  GetObjectCommand,
  HeadObjectCommand,
  ListMultipartUploadsCommand,
  ListPartsCommand,
  PutObjectCommand,
  type S3Client,
  S3ServiceException,
  UploadPartCommand,
  UploadPartCopyCommand,
} from '@aws-sdk/client-s3';
import { Upload } from '@aws-sdk/lib-storage';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestEndpoint, type TestEndpoint } from './helpers.js';

let ep: TestEndpoint;
let s3: S3Client;
const BUCKET = 'multipart-test';
const MiB = 1024 * 1024;

const md5 = (b: Buffer) => createHash('md5').update(b).digest();
const multipartEtag = (parts: Buffer[]) =>
  `"${createHash('md5')
    .update(Buffer.concat(parts.map(md5)))
    .digest('hex')}-${parts.length}"`;

async function bytesOf(bucket: string, key: string, range?: string): Promise<Buffer> {
  const got = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: key, Range: range }));
  return Buffer.from(
    await (got.Body as { transformToByteArray(): Promise<Uint8Array> }).transformToByteArray(),
  );
}

async function s3Error(p: Promise<unknown>): Promise<{ name: string; status: number | undefined }> {
  try {
    await p;
  } catch (err) {
    if (err instanceof S3ServiceException) return { name: err.name, status: err.$metadata.httpStatusCode };
    throw err;
  }
  throw new Error('expected the command to fail');
}

beforeAll(async () => {
  ep = await startTestEndpoint();
  s3 = ep.client();
  await s3.send(new CreateBucketCommand({ Bucket: BUCKET }));
});
afterAll(() => ep.stop());

describe('lib-storage Upload', () => {
  it('uploads ~20 MB from a stream in parts and stores it exactly, with the multipart ETag', async () => {
    const data = randomBytes(20 * MiB + 12_345);
    ep.events.length = 0;

    const upload = new Upload({
      client: s3,
      params: {
        Bucket: BUCKET,
        Key: 'big/upload.bin',
        Body: Readable.from([data.subarray(0, 7 * MiB), data.subarray(7 * MiB)]),
        Metadata: { kind: 'big' },
      },
      partSize: 5 * MiB,
      queueSize: 3,
    });
    const result = await upload.done();
    const stored = await bytesOf(BUCKET, 'big/upload.bin');
    const head = await s3.send(new HeadObjectCommand({ Bucket: BUCKET, Key: 'big/upload.bin' }));
    const middle = await bytesOf(BUCKET, 'big/upload.bin', `bytes=${5 * MiB - 10}-${5 * MiB + 9}`);

    const parts = [0, 1, 2, 3, 4].map((i) =>
      data.subarray(i * 5 * MiB, Math.min((i + 1) * 5 * MiB, data.length)),
    );
    expect(stored.equals(data)).toBe(true);
    expect(result.ETag).toBe(multipartEtag(parts));
    expect(head).toMatchObject({
      ContentLength: data.length,
      ETag: multipartEtag(parts),
      Metadata: { kind: 'big' },
    });
    expect(middle.equals(data.subarray(5 * MiB - 10, 5 * MiB + 10))).toBe(true);
    expect(ep.events.map((e) => e.eventName)).toEqual(['ObjectCreated:CompleteMultipartUpload']);
    expect(ep.events[0]?.s3.object).toMatchObject({ key: 'big/upload.bin', size: data.length });
  });
});

describe('low-level multipart', () => {
  it('assembles parts copied from other objects with UploadPartCopy and a source range', async () => {
    const source = randomBytes(6 * MiB);
    await s3.send(new PutObjectCommand({ Bucket: BUCKET, Key: 'copy/source.bin', Body: source }));
    const { UploadId } = await s3.send(
      new CreateMultipartUploadCommand({ Bucket: BUCKET, Key: 'copy/assembled.bin' }),
    );

    const whole = await s3.send(
      new UploadPartCopyCommand({
        Bucket: BUCKET,
        Key: 'copy/assembled.bin',
        UploadId,
        PartNumber: 1,
        CopySource: `${BUCKET}/copy/source.bin`,
      }),
    );
    const ranged = await s3.send(
      new UploadPartCopyCommand({
        Bucket: BUCKET,
        Key: 'copy/assembled.bin',
        UploadId,
        PartNumber: 2,
        CopySource: `${BUCKET}/copy/source.bin`,
        CopySourceRange: 'bytes=100-1099',
      }),
    );
    const badRange = await s3Error(
      s3.send(
        new UploadPartCopyCommand({
          Bucket: BUCKET,
          Key: 'copy/assembled.bin',
          UploadId,
          PartNumber: 3,
          CopySource: `${BUCKET}/copy/source.bin`,
          CopySourceRange: `bytes=0-${6 * MiB}`,
        }),
      ),
    );
    const done = await s3.send(
      new CompleteMultipartUploadCommand({
        Bucket: BUCKET,
        Key: 'copy/assembled.bin',
        UploadId,
        MultipartUpload: {
          Parts: [
            { PartNumber: 1, ETag: whole.CopyPartResult?.ETag },
            { PartNumber: 2, ETag: ranged.CopyPartResult?.ETag },
          ],
        },
      }),
    );
    const stored = await bytesOf(BUCKET, 'copy/assembled.bin');

    const expected = Buffer.concat([source, source.subarray(100, 1100)]);
    expect(stored.equals(expected)).toBe(true);
    expect(done.ETag).toBe(multipartEtag([source, source.subarray(100, 1100)]));
    expect(badRange).toEqual({ name: 'InvalidArgument', status: 400 });
  });

  it('rejects wrong ETags, bad order and small non-last parts, then lists, aborts and forgets the upload', async () => {
    const key = 'checks/object.bin';
    const { UploadId } = await s3.send(new CreateMultipartUploadCommand({ Bucket: BUCKET, Key: key }));
    const small = await s3.send(
      new UploadPartCommand({
        Bucket: BUCKET,
        Key: key,
        UploadId,
        PartNumber: 1,
        Body: Buffer.alloc(1024, 1),
      }),
    );
    const last = await s3.send(
      new UploadPartCommand({ Bucket: BUCKET, Key: key, UploadId, PartNumber: 2, Body: Buffer.alloc(10, 2) }),
    );
    const complete = (Parts: { PartNumber: number; ETag?: string }[]) =>
      s3.send(
        new CompleteMultipartUploadCommand({
          Bucket: BUCKET,
          Key: key,
          UploadId,
          MultipartUpload: { Parts },
        }),
      );

    const wrongEtag = await s3Error(
      complete([{ PartNumber: 1, ETag: '"0123456789abcdef0123456789abcdef"' }]),
    );
    const missingPart = await s3Error(complete([{ PartNumber: 7, ETag: small.ETag }]));
    const order = await s3Error(
      complete([
        { PartNumber: 2, ETag: last.ETag },
        { PartNumber: 1, ETag: small.ETag },
      ]),
    );
    const tooSmall = await s3Error(
      complete([
        { PartNumber: 1, ETag: small.ETag },
        { PartNumber: 2, ETag: last.ETag },
      ]),
    );
    const badPartNumber = await s3Error(
      s3.send(new UploadPartCommand({ Bucket: BUCKET, Key: key, UploadId, PartNumber: 10_001, Body: 'x' })),
    );
    const parts = await s3.send(new ListPartsCommand({ Bucket: BUCKET, Key: key, UploadId }));
    const uploads = await s3.send(new ListMultipartUploadsCommand({ Bucket: BUCKET, Prefix: 'checks/' }));
    await s3.send(new AbortMultipartUploadCommand({ Bucket: BUCKET, Key: key, UploadId }));
    const afterAbort = await s3Error(s3.send(new ListPartsCommand({ Bucket: BUCKET, Key: key, UploadId })));
    const uploadsAfter = await s3.send(
      new ListMultipartUploadsCommand({ Bucket: BUCKET, Prefix: 'checks/' }),
    );

    expect(wrongEtag).toEqual({ name: 'InvalidPart', status: 400 });
    expect(missingPart).toEqual({ name: 'InvalidPart', status: 400 });
    expect(order).toEqual({ name: 'InvalidPartOrder', status: 400 });
    expect(tooSmall).toEqual({ name: 'EntityTooSmall', status: 400 });
    expect(badPartNumber).toEqual({ name: 'InvalidArgument', status: 400 });
    expect(parts.Parts?.map((p) => [p.PartNumber, p.Size, p.ETag])).toEqual([
      [1, 1024, small.ETag],
      [2, 10, last.ETag],
    ]);
    expect(uploads.Uploads?.map((u) => [u.Key, u.UploadId])).toEqual([[key, UploadId]]);
    expect(afterAbort).toEqual({ name: 'NoSuchUpload', status: 404 });
    expect(uploadsAfter.Uploads ?? []).toEqual([]);
  });

  it('keeps a composite CRC32 checksum for uploads created with ChecksumAlgorithm', async () => {
    const key = 'checks/crc.bin';
    const partData = [randomBytes(5 * MiB), randomBytes(1000)];
    const { UploadId } = await s3.send(
      new CreateMultipartUploadCommand({ Bucket: BUCKET, Key: key, ChecksumAlgorithm: 'CRC32' }),
    );
    const parts = [];
    for (const [i, Body] of partData.entries()) {
      const r = await s3.send(
        new UploadPartCommand({
          Bucket: BUCKET,
          Key: key,
          UploadId,
          PartNumber: i + 1,
          Body,
          ChecksumAlgorithm: 'CRC32',
        }),
      );
      parts.push({ PartNumber: i + 1, ETag: r.ETag, ChecksumCRC32: r.ChecksumCRC32 });
    }

    const done = await s3.send(
      new CompleteMultipartUploadCommand({
        Bucket: BUCKET,
        Key: key,
        UploadId,
        MultipartUpload: { Parts: parts },
      }),
    );
    const head = await s3.send(new HeadObjectCommand({ Bucket: BUCKET, Key: key, ChecksumMode: 'ENABLED' }));

    expect(done.ChecksumCRC32).toMatch(/^[A-Za-z0-9+/]{6}==-2$/);
    expect(head.ChecksumCRC32).toBe(done.ChecksumCRC32);
  });

  it('answers NoSuchUpload for an unknown upload id', async () => {
    const result = await s3Error(
      s3.send(
        new UploadPartCommand({ Bucket: BUCKET, Key: 'x', UploadId: 'nope', PartNumber: 1, Body: 'x' }),
      ),
    );

    expect(result).toEqual({ name: 'NoSuchUpload', status: 404 });
  });
});

describe('restart', () => {
  it('keeps an in-progress upload across a restart and completes it afterwards', async () => {
    const first = await startTestEndpoint();
    const c1 = first.client();
    await c1.send(new CreateBucketCommand({ Bucket: 'resume' }));
    const { UploadId } = await c1.send(new CreateMultipartUploadCommand({ Bucket: 'resume', Key: 'k' }));
    const p1 = await c1.send(
      new UploadPartCommand({ Bucket: 'resume', Key: 'k', UploadId, PartNumber: 1, Body: 'only part' }),
    );
    await first.stop(true);

    const second = await startTestEndpoint(first.dataDir);
    const c2 = second.client();
    await c2.send(
      new CompleteMultipartUploadCommand({
        Bucket: 'resume',
        Key: 'k',
        UploadId,
        MultipartUpload: { Parts: [{ PartNumber: 1, ETag: p1.ETag }] },
      }),
    );
    const text = await (
      await c2.send(new GetObjectCommand({ Bucket: 'resume', Key: 'k' }))
    ).Body?.transformToString();
    await second.stop();

    expect(text).toBe('only part');
  });
});
