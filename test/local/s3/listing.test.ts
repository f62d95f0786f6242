import {
  CreateBucketCommand,
  ListObjectsCommand,
  ListObjectsV2Command,
  type ListObjectsV2CommandOutput,
  PutObjectCommand,
  type S3Client,
  S3ServiceException,
} from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestEndpoint, type TestEndpoint } from './helpers.js';

let ep: TestEndpoint;
let s3: S3Client;
const BUCKET = 'listing-test';

// 1,200 keys in 12 folders of 100 (more than one default page of 1,000), plus folders that hold only deeper folders.
const bulkKeys = Array.from(
  { length: 1200 },
  (_, i) => `bulk/f${String(Math.floor(i / 100)).padStart(2, '0')}/obj-${String(i).padStart(4, '0')}`,
);
const treeKeys = ['tree/d1/x/y/z.txt', 'tree/d2/only.txt', 'tree/root.txt', 'tree/d3/deep/er/file'];
// UTF-8 byte order differs from UTF-16 order for U+E000–U+FFFF vs astral characters.
const orderKeys = ['order/\u{1F600}', 'order/\uFF21', 'order/a', 'order/Z', 'order/é'];

/** Empty bodies: the listing is under test, and empty objects need no data file. */
async function putAll(keys: string[]): Promise<void> {
  const queue = [...keys];
  await Promise.all(
    Array.from({ length: 16 }, async () => {
      for (let k = queue.shift(); k !== undefined; k = queue.shift()) {
        await s3.send(new PutObjectCommand({ Bucket: BUCKET, Key: k, Body: '' }));
      }
    }),
  );
}

beforeAll(async () => {
  ep = await startTestEndpoint();
  s3 = ep.client();
  await s3.send(new CreateBucketCommand({ Bucket: BUCKET }));
  await putAll([...bulkKeys, ...treeKeys, ...orderKeys]);
}, 120_000);
afterAll(() => ep.stop());

describe('ListObjectsV2', () => {
  it('pages through 1,200 keys with continuation tokens, in order, without repeats', async () => {
    const seen: string[] = [];
    let token: string | undefined;
    let pages = 0;
    do {
      const page: ListObjectsV2CommandOutput = await s3.send(
        new ListObjectsV2Command({ Bucket: BUCKET, Prefix: 'bulk/', MaxKeys: 300, ContinuationToken: token }),
      );
      seen.push(...(page.Contents ?? []).map((c) => c.Key as string));
      token = page.NextContinuationToken;
      pages++;
      expect(page.KeyCount).toBe(page.Contents?.length);
    } while (token);

    expect(pages).toBe(4);
    expect(seen).toEqual([...bulkKeys].sort());
  });

  it('caps a page at 1,000 keys when MaxKeys is not given', async () => {
    const page = await s3.send(new ListObjectsV2Command({ Bucket: BUCKET, Prefix: 'bulk/' }));

    expect(page.Contents).toHaveLength(1000);
    expect(page.MaxKeys).toBe(1000);
    expect(page.IsTruncated).toBe(true);
  });

  it('rolls keys up into CommonPrefixes with a delimiter and pages over the prefixes', async () => {
    const prefixes: string[] = [];
    let token: string | undefined;
    do {
      const page: ListObjectsV2CommandOutput = await s3.send(
        new ListObjectsV2Command({
          Bucket: BUCKET,
          Prefix: 'bulk/',
          Delimiter: '/',
          MaxKeys: 10,
          ContinuationToken: token,
        }),
      );
      prefixes.push(...(page.CommonPrefixes ?? []).map((p) => p.Prefix as string));
      expect(page.Contents ?? []).toEqual([]);
      token = page.NextContinuationToken;
    } while (token);

    expect(prefixes).toEqual(Array.from({ length: 12 }, (_, i) => `bulk/f${String(i).padStart(2, '0')}/`));
  });

  it('lists a folder that holds only deeper folders as a common prefix', async () => {
    const top = await s3.send(new ListObjectsV2Command({ Bucket: BUCKET, Prefix: 'tree/', Delimiter: '/' }));
    const d1 = await s3.send(
      new ListObjectsV2Command({ Bucket: BUCKET, Prefix: 'tree/d1/', Delimiter: '/' }),
    );

    expect(top.CommonPrefixes?.map((p) => p.Prefix)).toEqual(['tree/d1/', 'tree/d2/', 'tree/d3/']);
    expect(top.Contents?.map((c) => c.Key)).toEqual(['tree/root.txt']);
    expect(d1.CommonPrefixes?.map((p) => p.Prefix)).toEqual(['tree/d1/x/']);
    expect(d1.Contents ?? []).toEqual([]);
  });

  it('starts after start-after and returns owners only with fetch-owner', async () => {
    const after = await s3.send(
      new ListObjectsV2Command({ Bucket: BUCKET, Prefix: 'tree/', StartAfter: 'tree/d2/only.txt' }),
    );
    const withOwner = await s3.send(
      new ListObjectsV2Command({ Bucket: BUCKET, Prefix: 'tree/', FetchOwner: true, MaxKeys: 1 }),
    );

    expect(after.Contents?.map((c) => c.Key)).toEqual(['tree/d3/deep/er/file', 'tree/root.txt']);
    expect(after.Contents?.[0]?.Owner).toBeUndefined();
    expect(withOwner.Contents?.[0]?.Owner?.DisplayName).toBe('tributary');
    expect(withOwner.IsTruncated).toBe(true);
  });

  it('sorts keys in UTF-8 byte order', async () => {
    const page = await s3.send(new ListObjectsV2Command({ Bucket: BUCKET, Prefix: 'order/' }));

    expect(page.Contents?.map((c) => c.Key)).toEqual([
      'order/Z',
      'order/a',
      'order/é',
      'order/\uFF21',
      'order/\u{1F600}',
    ]);
  });

  it('url-encodes keys and prefixes with encoding-type=url', async () => {
    await s3.send(new PutObjectCommand({ Bucket: BUCKET, Key: 'enc/a b+c&d.txt', Body: 'x' }));

    const res = await fetchListing('list-type=2&prefix=enc%2F&encoding-type=url');

    expect(res).toContain('<Key>enc/a%20b%2Bc%26d.txt</Key>');
    expect(res).toContain('<EncodingType>url</EncodingType>');
  });

  it('rejects a forged continuation token and a bad max-keys with InvalidArgument', async () => {
    const forged = await errorName(
      s3.send(new ListObjectsV2Command({ Bucket: BUCKET, ContinuationToken: '%%%' })),
    );
    const badMax = await fetchListing('list-type=2&max-keys=ten');

    expect(forged).toBe('InvalidArgument');
    expect(badMax).toContain('<Code>InvalidArgument</Code>');
  });
});

describe('ListObjects (v1)', () => {
  it('pages with marker / NextMarker under a delimiter', async () => {
    const first = await s3.send(
      new ListObjectsCommand({ Bucket: BUCKET, Prefix: 'tree/', Delimiter: '/', MaxKeys: 2 }),
    );
    const second = await s3.send(
      new ListObjectsCommand({
        Bucket: BUCKET,
        Prefix: 'tree/',
        Delimiter: '/',
        MaxKeys: 2,
        Marker: first.NextMarker,
      }),
    );

    expect(first.CommonPrefixes?.map((p) => p.Prefix)).toEqual(['tree/d1/', 'tree/d2/']);
    expect(first.IsTruncated).toBe(true);
    expect(first.NextMarker).toBe('tree/d2/');
    expect(second.CommonPrefixes?.map((p) => p.Prefix)).toEqual(['tree/d3/']);
    expect(second.Contents?.map((c) => c.Key)).toEqual(['tree/root.txt']);
    expect(second.IsTruncated).toBe(false);
  });
});

async function errorName(p: Promise<unknown>): Promise<string> {
  try {
    await p;
  } catch (err) {
    if (err instanceof S3ServiceException) return err.name;
    throw err;
  }
  throw new Error('expected the command to fail');
}

/** A raw signed listing, to see the XML as sent (the SDK decodes url encoding itself). */
async function fetchListing(query: string): Promise<string> {
  const { signRequest, sha256 } = await import('./raw-signer.js');
  const { credentials } = await import('./helpers.js');
  const params = Object.fromEntries(new URLSearchParams(query));
  const req = signRequest({
    endpoint: ep.server.url,
    method: 'GET',
    path: `/${BUCKET}`,
    query: params,
    payloadHash: sha256(''),
    ...credentials,
  });
  const res = await fetch(req.url, { headers: req.headers });
  return res.text();
}
