import { createHash, randomBytes } from 'node:crypto';
import { readdir } from 'node:fs/promises';
import { get } from 'node:http';
import path from 'node:path';
import {
  type ChecksumAlgorithm,
  CreateBucketCommand,
  GetObjectCommand,
  HeadObjectCommand,
  PutObjectCommand,
  type S3Client,
} from '@aws-sdk/client-s3';
import { Upload } from '@aws-sdk/lib-storage';
import { getSignedUrl } from '@aws-sdk/s3-request-presigner';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { credentials, startTestEndpoint, type TestEndpoint } from './helpers.js';
import { sha256, signRequest } from './raw-signer.js';

// Bodies over one 1 MiB slot: hashed by the worker thread, written by positioned writes, read
// back through the two reused GET buffers (body-file.ts, hashers.ts, operations/objects.ts).
const MiB = 1024 * 1024;
const BUCKET = 'large-bodies';
const big = randomBytes(2 * MiB + MiB / 2 + 7);

let ep: TestEndpoint;
let s3: S3Client;

const md5 = (b: Buffer) => createHash('md5').update(b).digest('hex');
const codeOf = (xml: string) => /<Code>([^<]+)<\/Code>/.exec(xml)?.[1];
const dataFiles = () => readdir(path.join(ep.dataDir, 'buckets', BUCKET, 'data'));

async function getBytes(key: string, range?: string, partNumber?: number): Promise<Buffer> {
  const res = await s3.send(
    new GetObjectCommand({ Bucket: BUCKET, Key: key, Range: range, PartNumber: partNumber }),
  );
  return Buffer.from(
    await (res.Body as { transformToByteArray(): Promise<Uint8Array> }).transformToByteArray(),
  );
}

beforeAll(async () => {
  ep = await startTestEndpoint();
  s3 = ep.client();
  await s3.send(new CreateBucketCommand({ Bucket: BUCKET }));
  await s3.send(new PutObjectCommand({ Bucket: BUCKET, Key: 'big', Body: big }));
});
afterAll(() => ep.stop());

describe('large PUT bodies (hashed off the main thread)', () => {
  it.each(['CRC32', 'CRC32C', 'SHA1', 'SHA256'] as const)(
    'stores %s-checksummed aws-chunked bodies with the MD5 ETag and the checksum the SDK computed',
    async (algorithm: ChecksumAlgorithm) => {
      const key = `checksummed-${algorithm}`;
      // The SDK's default: an aws-chunked body with the checksum in a trailer, checked by the endpoint.
      const put = await ep
        .client({ requestChecksumCalculation: 'WHEN_SUPPORTED' })
        .send(new PutObjectCommand({ Bucket: BUCKET, Key: key, Body: big, ChecksumAlgorithm: algorithm }));
      const head = await s3.send(
        new HeadObjectCommand({ Bucket: BUCKET, Key: key, ChecksumMode: 'ENABLED' }),
      );

      expect(put.ETag).toBe(`"${md5(big)}"`);
      expect(head[`Checksum${algorithm}`]).toBe(put[`Checksum${algorithm}`]);
      expect((await getBytes(key)).equals(big)).toBe(true);
    },
  );

  it('rejects a wrong Content-MD5 and a signed SHA-256 that does not match, storing nothing', async () => {
    const before = (await dataFiles()).length;
    const badMd5 = await s3
      .send(
        new PutObjectCommand({
          Bucket: BUCKET,
          Key: 'bad',
          Body: big,
          ContentMD5: createHash('md5').update('other').digest('base64'),
        }),
      )
      .then(
        () => undefined,
        (err: Error) => err.name,
      );
    const req = signRequest({
      endpoint: ep.server.url,
      method: 'PUT',
      path: `/${BUCKET}/bad`,
      payloadHash: sha256(Buffer.concat([big, Buffer.from('x')])),
      ...credentials,
    });
    const badSha = await fetch(req.url, { method: 'PUT', headers: req.headers, body: big });
    const good = signRequest({
      endpoint: ep.server.url,
      method: 'PUT',
      path: `/${BUCKET}/signed`,
      payloadHash: sha256(big),
      ...credentials,
    });
    const ok = await fetch(good.url, { method: 'PUT', headers: good.headers, body: big });

    expect(badMd5).toBe('BadDigest');
    expect(badSha.status).toBe(400);
    expect(codeOf(await badSha.text())).toBe('XAmzContentSHA256Mismatch');
    expect((await s3Head('bad')).status).toBe(404);
    expect(ok.status).toBe(200);
    expect(ok.headers.get('etag')).toBe(`"${md5(big)}"`);
    expect((await dataFiles()).length).toBe(before + 1); // only 'signed'
  });
});

async function s3Head(key: string): Promise<{ status: number | undefined }> {
  try {
    const res = await s3.send(new HeadObjectCommand({ Bucket: BUCKET, Key: key }));
    return { status: res.$metadata.httpStatusCode };
  } catch (err) {
    return { status: (err as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode };
  }
}

describe('large GET bodies (two reused buffers)', () => {
  it('answers the whole object and ranges across buffer boundaries exactly', async () => {
    const ranges: [string, number, number][] = [
      [`bytes=${MiB - 10}-${MiB + 10}`, MiB - 10, MiB + 11],
      [`bytes=${MiB}-${2 * MiB - 1}`, MiB, 2 * MiB],
      [`bytes=-${MiB + 1}`, big.length - MiB - 1, big.length],
      [`bytes=${2 * MiB + 3}-`, 2 * MiB + 3, big.length],
    ];

    expect((await getBytes('big')).equals(big)).toBe(true);
    for (const [range, start, end] of ranges)
      expect((await getBytes('big', range)).equals(big.subarray(start, end)), range).toBe(true);
  });

  it('reads a multipart object across its parts, whole, by range and by part number', async () => {
    const body = randomBytes(11 * MiB + 3);
    await new Upload({
      client: s3,
      params: { Bucket: BUCKET, Key: 'multi', Body: body },
      partSize: 5 * MiB,
    }).done();
    const boundary = 5 * MiB;

    expect((await getBytes('multi')).equals(body)).toBe(true);
    expect(
      (await getBytes('multi', `bytes=${boundary - 5}-${boundary + 4}`)).equals(
        body.subarray(boundary - 5, boundary + 5),
      ),
    ).toBe(true);
    expect((await getBytes('multi', undefined, 3)).equals(body.subarray(2 * boundary))).toBe(true);
  });

  it('keeps serving after a client goes away mid-body', async () => {
    const url = await getSignedUrl(s3, new GetObjectCommand({ Bucket: BUCKET, Key: 'big' }));
    const firstChunk = await new Promise<number>((resolve, reject) => {
      const req = get(url, (res) => {
        res.once('data', (chunk: Buffer) => {
          req.destroy();
          resolve(chunk.length);
        });
      });
      req.on('error', (err) => {
        if ((err as NodeJS.ErrnoException).code !== 'ECONNRESET') reject(err);
      });
    });

    expect(firstChunk).toBeGreaterThan(0);
    expect((await getBytes('big')).equals(big)).toBe(true);
    const again = await s3.send(new PutObjectCommand({ Bucket: BUCKET, Key: 'after', Body: big }));
    expect(again.ETag).toBe(`"${md5(big)}"`);
  });
});
