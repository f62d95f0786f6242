import { createHash } from 'node:crypto';
import { appendFile, readFile } from 'node:fs/promises';
import path from 'node:path';
import { Readable } from 'node:stream';
import {
  CopyObjectCommand,
  CreateBucketCommand,
  DeleteBucketCommand,
  DeleteObjectCommand,
  DeleteObjectsCommand,
  DeleteObjectTaggingCommand,
  GetBucketLocationCommand,
  GetBucketVersioningCommand,
  GetObjectCommand,
  GetObjectTaggingCommand,
  HeadBucketCommand,
  HeadObjectCommand,
  ListBucketsCommand,
  ListObjectsV2Command,
  PutBucketVersioningCommand,
  PutObjectCommand,
  PutObjectTaggingCommand,
  type S3Client,
  S3ServiceException,
} from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestEndpoint, type TestEndpoint } from './helpers.js';

let ep: TestEndpoint;
let s3: S3Client;
const BUCKET = 'objects-test';

/** The S3 error a command fails with (code and HTTP status). */
async function s3Error(p: Promise<unknown>): Promise<{ name: string; status: number | undefined }> {
  try {
    await p;
  } catch (err) {
    if (err instanceof S3ServiceException) return { name: err.name, status: err.$metadata.httpStatusCode };
    throw err;
  }
  throw new Error('expected the command to fail');
}

const md5 = (b: Buffer | string) => createHash('md5').update(b).digest('hex');

beforeAll(async () => {
  ep = await startTestEndpoint();
  s3 = ep.client();
  await s3.send(new CreateBucketCommand({ Bucket: BUCKET }));
});
afterAll(() => ep.stop());

describe('buckets', () => {
  it('creates, lists, heads, locates and deletes a bucket', async () => {
    await s3.send(new CreateBucketCommand({ Bucket: 'temp-bucket' }));

    const list = await s3.send(new ListBucketsCommand({}));
    const head = await s3.send(new HeadBucketCommand({ Bucket: 'temp-bucket' }));
    const location = await s3.send(new GetBucketLocationCommand({ Bucket: 'temp-bucket' }));
    const versioning = await s3.send(new GetBucketVersioningCommand({ Bucket: 'temp-bucket' }));
    await s3.send(new DeleteBucketCommand({ Bucket: 'temp-bucket' }));

    expect(list.Buckets?.map((b) => b.Name)).toEqual(expect.arrayContaining(['objects-test', 'temp-bucket']));
    expect(head.$metadata.httpStatusCode).toBe(200);
    expect(location.LocationConstraint ?? '').toBe('');
    expect(versioning.Status).toBeUndefined();
    expect(await s3Error(s3.send(new HeadBucketCommand({ Bucket: 'temp-bucket' })))).toMatchObject({
      status: 404,
    });
  });

  it.each([
    ['ab', 'too short'],
    ['Upper-Case', 'upper case'],
    ['bad..dots', 'adjacent dots'],
    ['192.168.1.1', 'an IP address'],
    ['-leading', 'a leading hyphen'],
  ])('rejects the bucket name %s (%s) with InvalidBucketName', async (name) => {
    expect(await s3Error(s3.send(new CreateBucketCommand({ Bucket: name })))).toEqual({
      name: 'InvalidBucketName',
      status: 400,
    });
  });

  it('answers BucketAlreadyOwnedByYou, BucketNotEmpty, NoSuchBucket and NotImplemented', async () => {
    await s3.send(new PutObjectCommand({ Bucket: BUCKET, Key: 'keep', Body: 'x' }));

    const exists = await s3Error(s3.send(new CreateBucketCommand({ Bucket: BUCKET })));
    const notEmpty = await s3Error(s3.send(new DeleteBucketCommand({ Bucket: BUCKET })));
    const missing = await s3Error(s3.send(new GetObjectCommand({ Bucket: 'no-such-bucket', Key: 'k' })));
    const versioning = await s3Error(
      s3.send(
        new PutBucketVersioningCommand({ Bucket: BUCKET, VersioningConfiguration: { Status: 'Enabled' } }),
      ),
    );

    expect(exists).toEqual({ name: 'BucketAlreadyOwnedByYou', status: 409 });
    expect(notEmpty).toEqual({ name: 'BucketNotEmpty', status: 409 });
    expect(missing).toEqual({ name: 'NoSuchBucket', status: 404 });
    expect(versioning).toEqual({ name: 'NotImplemented', status: 501 });
  });
});

describe('objects', () => {
  it('stores and returns bytes, metadata and content headers', async () => {
    const body = Buffer.from('hello, tributary');
    const put = await s3.send(
      new PutObjectCommand({
        Bucket: BUCKET,
        Key: 'docs/hello.txt',
        Body: body,
        ContentType: 'text/plain',
        ContentEncoding: 'identity',
        ContentDisposition: 'attachment; filename="hello.txt"',
        ContentLanguage: 'en',
        CacheControl: 'max-age=60',
        Expires: new Date('2030-01-01T00:00:00Z'),
        Metadata: { owner: 'team-a', 'run-id': '42' },
      }),
    );

    const got = await s3.send(new GetObjectCommand({ Bucket: BUCKET, Key: 'docs/hello.txt' }));
    const bytes = Buffer.from(
      await (got.Body as { transformToByteArray(): Promise<Uint8Array> }).transformToByteArray(),
    );
    const head = await s3.send(new HeadObjectCommand({ Bucket: BUCKET, Key: 'docs/hello.txt' }));

    expect(put.ETag).toBe(`"${md5(body)}"`);
    expect(bytes.equals(body)).toBe(true);
    expect(got).toMatchObject({
      ContentType: 'text/plain',
      ContentEncoding: 'identity',
      ContentDisposition: 'attachment; filename="hello.txt"',
      ContentLanguage: 'en',
      CacheControl: 'max-age=60',
      Metadata: { owner: 'team-a', 'run-id': '42' },
      ContentLength: body.length,
      ETag: put.ETag,
    });
    expect(got.ExpiresString).toBe('Tue, 01 Jan 2030 00:00:00 GMT');
    expect(head).toMatchObject({ ContentLength: body.length, ETag: put.ETag, ContentType: 'text/plain' });
    expect(got.$metadata.requestId).toMatch(/^[0-9A-F]{16}$/);
  });

  it.each([
    'with space/and+plus%percent.txt',
    'ünïcödé/日本語/🚀.bin',
    'a//double//slashes/./and/../dots',
    "special!$&'()*,;=:@[]~.txt",
  ])('round-trips the key %s', async (key) => {
    await s3.send(new PutObjectCommand({ Bucket: BUCKET, Key: key, Body: key }));

    const got = await s3.send(new GetObjectCommand({ Bucket: BUCKET, Key: key }));
    const listed = await s3.send(new ListObjectsV2Command({ Bucket: BUCKET, Prefix: key }));

    expect(await got.Body?.transformToString()).toBe(key);
    expect(listed.Contents?.map((c) => c.Key)).toContain(key);
  });

  it('stores a stream sent with the default CRC32 flexible checksum (aws-chunked) exactly', async () => {
    const chunks = Array.from({ length: 40 }, (_, i) => Buffer.alloc(64 * 1024, i));
    const expected = Buffer.concat(chunks);

    const put = await s3.send(
      new PutObjectCommand({
        Bucket: BUCKET,
        Key: 'stream.bin',
        Body: Readable.from(chunks),
        ContentLength: expected.length,
      }),
    );
    const got = await s3.send(
      new GetObjectCommand({ Bucket: BUCKET, Key: 'stream.bin', ChecksumMode: 'ENABLED' }),
    );
    const bytes = Buffer.from(
      await (got.Body as { transformToByteArray(): Promise<Uint8Array> }).transformToByteArray(),
    );

    expect(bytes.length).toBe(expected.length);
    expect(bytes.equals(expected)).toBe(true);
    expect(put.ETag).toBe(`"${md5(expected)}"`);
    expect(got.ChecksumCRC32).toBe(put.ChecksumCRC32);
    expect(got.ChecksumCRC32).toMatch(/^[A-Za-z0-9+/]{6}==$/);
  });

  it.each(['CRC32C', 'SHA1', 'SHA256'] as const)(
    'stores and returns an %s checksum when asked',
    async (algorithm) => {
      const put = await s3.send(
        new PutObjectCommand({
          Bucket: BUCKET,
          Key: `sum-${algorithm}`,
          Body: 'checksummed',
          ChecksumAlgorithm: algorithm,
        }),
      );
      const plain = await s3.send(new HeadObjectCommand({ Bucket: BUCKET, Key: `sum-${algorithm}` }));
      const asked = await s3.send(
        new HeadObjectCommand({ Bucket: BUCKET, Key: `sum-${algorithm}`, ChecksumMode: 'ENABLED' }),
      );

      const field = `Checksum${algorithm}` as const;
      expect(put[field]).toBeDefined();
      expect(plain[field]).toBeUndefined();
      expect(asked[field]).toBe(put[field]);
      if (algorithm === 'SHA256')
        expect(asked[field]).toBe(createHash('sha256').update('checksummed').digest('base64'));
    },
  );

  it('rejects a wrong Content-MD5 with BadDigest and a wrong checksum value, storing nothing', async () => {
    const badMd5 = await s3Error(
      s3.send(
        new PutObjectCommand({
          Bucket: BUCKET,
          Key: 'bad-md5',
          Body: 'abc',
          ContentMD5: createHash('md5').update('xyz').digest('base64'),
        }),
      ),
    );
    const badCrc = await s3Error(
      s3.send(
        new PutObjectCommand({ Bucket: BUCKET, Key: 'bad-crc', Body: 'abc', ChecksumCRC32: 'AAAAAA==' }),
      ),
    );
    const missing = await s3Error(s3.send(new HeadObjectCommand({ Bucket: BUCKET, Key: 'bad-md5' })));

    expect(badMd5).toEqual({ name: 'BadDigest', status: 400 });
    expect(badCrc).toEqual({ name: 'BadDigest', status: 400 });
    expect(missing.status).toBe(404);
  });

  it('answers ranges with 206 and Content-Range, and unsatisfiable ones with 416 InvalidRange', async () => {
    await s3.send(new PutObjectCommand({ Bucket: BUCKET, Key: 'digits', Body: '0123456789' }));

    const middle = await s3.send(new GetObjectCommand({ Bucket: BUCKET, Key: 'digits', Range: 'bytes=2-5' }));
    const suffix = await s3.send(new GetObjectCommand({ Bucket: BUCKET, Key: 'digits', Range: 'bytes=-3' }));
    const open = await s3.send(new GetObjectCommand({ Bucket: BUCKET, Key: 'digits', Range: 'bytes=7-' }));
    const beyond = await s3.send(
      new GetObjectCommand({ Bucket: BUCKET, Key: 'digits', Range: 'bytes=8-100' }),
    );
    const invalid = await s3Error(
      s3.send(new GetObjectCommand({ Bucket: BUCKET, Key: 'digits', Range: 'bytes=10-20' })),
    );

    expect(middle.$metadata.httpStatusCode).toBe(206);
    expect(middle.ContentRange).toBe('bytes 2-5/10');
    expect(await middle.Body?.transformToString()).toBe('2345');
    expect(await suffix.Body?.transformToString()).toBe('789');
    expect(await open.Body?.transformToString()).toBe('789');
    expect(await beyond.Body?.transformToString()).toBe('89');
    expect(invalid).toEqual({ name: 'InvalidRange', status: 416 });
  });

  it('honours If-Match, If-None-Match and If-Modified-Since on reads and If-None-Match: * on writes', async () => {
    const put = await s3.send(new PutObjectCommand({ Bucket: BUCKET, Key: 'cond', Body: 'v1' }));
    const etag = put.ETag as string;
    const future = new Date(Date.now() + 3600_000);

    const matched = await s3.send(new GetObjectCommand({ Bucket: BUCKET, Key: 'cond', IfMatch: etag }));
    const wrongMatch = await s3Error(
      s3.send(new GetObjectCommand({ Bucket: BUCKET, Key: 'cond', IfMatch: '"nope"' })),
    );
    const notModified = await s3Error(
      s3.send(new GetObjectCommand({ Bucket: BUCKET, Key: 'cond', IfNoneMatch: etag })),
    );
    const notModifiedSince = await s3Error(
      s3.send(new HeadObjectCommand({ Bucket: BUCKET, Key: 'cond', IfModifiedSince: future })),
    );
    const createOnly = await s3Error(
      s3.send(new PutObjectCommand({ Bucket: BUCKET, Key: 'cond', Body: 'v2', IfNoneMatch: '*' })),
    );

    expect(await matched.Body?.transformToString()).toBe('v1');
    expect(wrongMatch).toEqual({ name: 'PreconditionFailed', status: 412 });
    expect(notModified.status).toBe(304);
    expect(notModifiedSince.status).toBe(304);
    expect(createOnly).toEqual({ name: 'PreconditionFailed', status: 412 });
  });

  it('rejects keys over 1024 bytes and user metadata over 2 KB', async () => {
    const tooLong = await s3Error(
      s3.send(new PutObjectCommand({ Bucket: BUCKET, Key: 'k'.repeat(1025), Body: 'x' })),
    );
    const tooMuch = await s3Error(
      s3.send(
        new PutObjectCommand({ Bucket: BUCKET, Key: 'meta', Body: 'x', Metadata: { big: 'v'.repeat(2100) } }),
      ),
    );

    expect(tooLong).toEqual({ name: 'KeyTooLongError', status: 400 });
    expect(tooMuch).toEqual({ name: 'MetadataTooLarge', status: 400 });
  });

  it('answers NoSuchKey for a missing object and deletes idempotently', async () => {
    await s3.send(new PutObjectCommand({ Bucket: BUCKET, Key: 'gone', Body: 'x' }));

    await s3.send(new DeleteObjectCommand({ Bucket: BUCKET, Key: 'gone' }));
    const again = await s3.send(new DeleteObjectCommand({ Bucket: BUCKET, Key: 'gone' }));
    const missing = await s3Error(s3.send(new GetObjectCommand({ Bucket: BUCKET, Key: 'gone' })));

    expect(again.$metadata.httpStatusCode).toBe(204);
    expect(missing).toEqual({ name: 'NoSuchKey', status: 404 });
  });

  it('deletes many objects at once, quietly or not', async () => {
    for (const k of ['bulk/1', 'bulk/2', 'bulk/3'])
      await s3.send(new PutObjectCommand({ Bucket: BUCKET, Key: k, Body: k }));

    const loud = await s3.send(
      new DeleteObjectsCommand({
        Bucket: BUCKET,
        Delete: { Objects: [{ Key: 'bulk/1' }, { Key: 'bulk/none' }] },
      }),
    );
    const quiet = await s3.send(
      new DeleteObjectsCommand({
        Bucket: BUCKET,
        Delete: { Quiet: true, Objects: [{ Key: 'bulk/2' }, { Key: 'bulk/3' }] },
      }),
    );
    const left = await s3.send(new ListObjectsV2Command({ Bucket: BUCKET, Prefix: 'bulk/' }));

    expect(loud.Deleted?.map((d) => d.Key)).toEqual(['bulk/1', 'bulk/none']);
    expect(quiet.Deleted ?? []).toEqual([]);
    expect(left.KeyCount).toBe(0);
  });

  it('copies objects with COPY and REPLACE metadata and tagging directives', async () => {
    await s3.send(
      new PutObjectCommand({
        Bucket: BUCKET,
        Key: 'src/a b+c.txt',
        Body: 'copy me',
        Metadata: { from: 'source' },
        ContentType: 'text/plain',
        Tagging: 'team=a&tier=gold',
      }),
    );

    const copied = await s3.send(
      new CopyObjectCommand({
        Bucket: BUCKET,
        Key: 'dst/copy.txt',
        CopySource: `${BUCKET}/${encodeURIComponent('src/a b+c.txt')}`,
      }),
    );
    const replaced = await s3.send(
      new CopyObjectCommand({
        Bucket: BUCKET,
        Key: 'dst/replaced.txt',
        CopySource: `${BUCKET}/${encodeURIComponent('src/a b+c.txt')}`,
        MetadataDirective: 'REPLACE',
        Metadata: { from: 'replaced' },
        ContentType: 'application/json',
        TaggingDirective: 'REPLACE',
        Tagging: 'team=b',
      }),
    );
    const headCopy = await s3.send(new HeadObjectCommand({ Bucket: BUCKET, Key: 'dst/copy.txt' }));
    const headReplaced = await s3.send(new HeadObjectCommand({ Bucket: BUCKET, Key: 'dst/replaced.txt' }));
    const tagsCopy = await s3.send(new GetObjectTaggingCommand({ Bucket: BUCKET, Key: 'dst/copy.txt' }));
    const tagsReplaced = await s3.send(
      new GetObjectTaggingCommand({ Bucket: BUCKET, Key: 'dst/replaced.txt' }),
    );
    const body = await (
      await s3.send(new GetObjectCommand({ Bucket: BUCKET, Key: 'dst/replaced.txt' }))
    ).Body?.transformToString();
    const toItself = await s3Error(
      s3.send(
        new CopyObjectCommand({ Bucket: BUCKET, Key: 'dst/copy.txt', CopySource: `${BUCKET}/dst/copy.txt` }),
      ),
    );
    const noSource = await s3Error(
      s3.send(
        new CopyObjectCommand({ Bucket: BUCKET, Key: 'dst/x', CopySource: `${BUCKET}/does-not-exist` }),
      ),
    );

    expect(copied.CopyObjectResult?.ETag).toBe(`"${md5('copy me')}"`);
    expect(replaced.CopyObjectResult?.ETag).toBe(`"${md5('copy me')}"`);
    expect(headCopy).toMatchObject({ Metadata: { from: 'source' }, ContentType: 'text/plain', TagCount: 2 });
    expect(headReplaced).toMatchObject({
      Metadata: { from: 'replaced' },
      ContentType: 'application/json',
      TagCount: 1,
    });
    expect(tagsCopy.TagSet).toEqual([
      { Key: 'team', Value: 'a' },
      { Key: 'tier', Value: 'gold' },
    ]);
    expect(tagsReplaced.TagSet).toEqual([{ Key: 'team', Value: 'b' }]);
    expect(body).toBe('copy me');
    expect(toItself).toEqual({ name: 'InvalidRequest', status: 400 });
    expect(noSource).toEqual({ name: 'NoSuchKey', status: 404 });
  });

  it('puts, gets and deletes object tagging and validates tags', async () => {
    await s3.send(new PutObjectCommand({ Bucket: BUCKET, Key: 'tagged', Body: 'x' }));

    await s3.send(
      new PutObjectTaggingCommand({
        Bucket: BUCKET,
        Key: 'tagged',
        Tagging: { TagSet: [{ Key: 'k', Value: 'v & <w>' }] },
      }),
    );
    const got = await s3.send(new GetObjectTaggingCommand({ Bucket: BUCKET, Key: 'tagged' }));
    const count = await s3.send(new GetObjectCommand({ Bucket: BUCKET, Key: 'tagged' }));
    await s3.send(new DeleteObjectTaggingCommand({ Bucket: BUCKET, Key: 'tagged' }));
    const after = await s3.send(new GetObjectTaggingCommand({ Bucket: BUCKET, Key: 'tagged' }));
    const tooMany = await s3Error(
      s3.send(
        new PutObjectTaggingCommand({
          Bucket: BUCKET,
          Key: 'tagged',
          Tagging: { TagSet: Array.from({ length: 11 }, (_, i) => ({ Key: `k${i}`, Value: 'v' })) },
        }),
      ),
    );

    expect(got.TagSet).toEqual([{ Key: 'k', Value: 'v & <w>' }]);
    expect(count.TagCount).toBe(1);
    expect(after.TagSet ?? []).toEqual([]);
    expect(tooMany).toEqual({ name: 'InvalidTag', status: 400 });
  });
});

describe('events', () => {
  it('emits AWS-shaped records for put, copy, delete and each key of DeleteObjects', async () => {
    ep.events.length = 0;
    await s3.send(new PutObjectCommand({ Bucket: BUCKET, Key: 'ev/a b+c.txt', Body: 'abc' }));
    await s3.send(
      new CopyObjectCommand({ Bucket: BUCKET, Key: 'ev/copy', CopySource: `${BUCKET}/ev/a%20b%2Bc.txt` }),
    );
    await s3.send(new DeleteObjectCommand({ Bucket: BUCKET, Key: 'ev/a b+c.txt' }));
    await s3.send(
      new DeleteObjectsCommand({
        Bucket: BUCKET,
        Delete: { Objects: [{ Key: 'ev/copy' }, { Key: 'ev/none' }] },
      }),
    );

    const [put, copy, del, bulk, ...rest] = ep.events;

    expect(rest).toEqual([]);
    expect(put).toMatchObject({
      eventVersion: '2.1',
      eventSource: 'aws:s3',
      awsRegion: 'us-east-1',
      eventName: 'ObjectCreated:Put',
      userIdentity: { principalId: 'AWS:tributary' },
      requestParameters: { sourceIPAddress: '127.0.0.1' },
      s3: {
        s3SchemaVersion: '1.0',
        bucket: { name: BUCKET, arn: `arn:aws:s3:::${BUCKET}` },
        object: { key: 'ev/a+b%2Bc.txt', size: 3, eTag: md5('abc') },
      },
    });
    expect(put?.eventTime).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
    expect(put?.responseElements['x-amz-request-id']).toMatch(/^[0-9A-F]{16}$/);
    expect(copy).toMatchObject({
      eventName: 'ObjectCreated:Copy',
      s3: { object: { key: 'ev/copy', size: 3 } },
    });
    expect(del).toMatchObject({
      eventName: 'ObjectRemoved:Delete',
      s3: { object: { key: 'ev/a+b%2Bc.txt' } },
    });
    expect(del?.s3.object).not.toHaveProperty('size');
    expect(bulk).toMatchObject({ eventName: 'ObjectRemoved:Delete', s3: { object: { key: 'ev/copy' } } });
    expect((put?.s3.object.sequencer ?? '') < (del?.s3.object.sequencer ?? '')).toBe(true);
  });

  it('answers 500 InternalError when the event consumer throws', async () => {
    const failing = await import('../../../src/local/s3/index.js').then(({ startS3Server }) =>
      startS3Server({
        dataDir: `${ep.dataDir}-failing`,
        credentials: [{ accessKeyId: 'tributary', secretAccessKey: 'tributary-local-secret' }],
        onEvent: () => {
          throw new Error('queue is down');
        },
      }),
    );
    await failing.createBucket('failing-events');
    const client = ep.client({ endpoint: failing.url, maxAttempts: 1 });

    const result = await s3Error(
      client.send(new PutObjectCommand({ Bucket: 'failing-events', Key: 'k', Body: 'x' })),
    );
    await failing.close();

    expect(result).toEqual({ name: 'InternalError', status: 500 });
  });
});

describe('persistence', () => {
  it('keeps buckets, objects, metadata and the key index across a restart', async () => {
    const first = await startTestEndpoint();
    const c1 = first.client();
    await c1.send(new CreateBucketCommand({ Bucket: 'durable' }));
    await c1.send(new PutObjectCommand({ Bucket: 'durable', Key: 'b/2', Body: 'two', Metadata: { m: '1' } }));
    await c1.send(new PutObjectCommand({ Bucket: 'durable', Key: 'a/1', Body: 'one' }));
    await first.stop(true);

    const second = await startTestEndpoint(first.dataDir);
    const c2 = second.client();
    const listed = await c2.send(new ListObjectsV2Command({ Bucket: 'durable' }));
    const got = await c2.send(new GetObjectCommand({ Bucket: 'durable', Key: 'b/2' }));
    const text = await got.Body?.transformToString();
    await second.stop();

    expect(listed.Contents?.map((c) => c.Key)).toEqual(['a/1', 'b/2']);
    expect(text).toBe('two');
    expect(got.Metadata).toEqual({ m: '1' });
  });

  it('ignores a journal line cut short by a crash, and compacts the journal on start', async () => {
    const first = await startTestEndpoint();
    const c1 = first.client();
    await c1.send(new CreateBucketCommand({ Bucket: 'torn' }));
    for (const body of ['v1', 'v2', 'v3'])
      await c1.send(new PutObjectCommand({ Bucket: 'torn', Key: 'k', Body: body }));
    await c1.send(new PutObjectCommand({ Bucket: 'torn', Key: 'gone', Body: 'x' }));
    await c1.send(new DeleteObjectCommand({ Bucket: 'torn', Key: 'gone' }));
    await first.stop(true);
    const journal = path.join(first.dataDir, 'buckets', 'torn', 'journal.jsonl');
    await appendFile(journal, '{"op":"put","meta":{"key":"half');

    const second = await startTestEndpoint(first.dataDir);
    const c2 = second.client();
    const listed = await c2.send(new ListObjectsV2Command({ Bucket: 'torn' }));
    const got = await c2.send(new GetObjectCommand({ Bucket: 'torn', Key: 'k' }));
    const text = await got.Body?.transformToString();
    const lines = (await readFile(journal, 'utf8')).trim().split('\n');
    await second.stop();

    expect(listed.Contents?.map((c) => c.Key)).toEqual(['k']);
    expect(text).toBe('v3');
    expect(lines).toHaveLength(1);
    expect(JSON.parse(lines[0] as string)).toMatchObject({ op: 'put', meta: { key: 'k', size: 2 } });
  });
});
