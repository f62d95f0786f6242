import {
  CreateBucketCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  type S3Client,
} from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { listPage, parseListBucketResult } from '../../../src/pipelines/telemetry/list-page.js';
import { startTestEndpoint, type TestEndpoint } from '../../local/s3/helpers.js';

const BUCKET = 'list-page';
// Characters XML escapes (& < > " '), non-ASCII, spaces: the lean reader must decode as the SDK does.
const KEYS = [
  'g/1700000000-a/telemetry.json',
  'g/1700000001-b&c/telemetry.json',
  'g/1700000002-<x>/f',
  'g/1700000003-"q"\'s/f',
  'g/ä ö ü 日本/f',
  'g/file at group level.txt',
  'g/z&file.json',
  'other/r/f',
  'top-level.txt',
];

describe('listPage (ListObjectsV2 without the SDK XML deserializer)', () => {
  let endpoint: TestEndpoint;
  let s3: S3Client;

  beforeAll(async () => {
    endpoint = await startTestEndpoint();
    // As the client factory builds them: one resolved middleware stack per command class.
    s3 = endpoint.client({ cacheMiddleware: true });
    await s3.send(new CreateBucketCommand({ Bucket: BUCKET }));
    for (const [i, key] of KEYS.entries())
      await s3.send(new PutObjectCommand({ Bucket: BUCKET, Key: key, Body: 'x'.repeat(i + 1) }));
  });
  afterAll(() => endpoint.stop());

  /** Every page of one listing, as the SDK's own command returns it. */
  async function sdkPages(prefix: string, maxKeys: number) {
    const pages = [];
    let token: string | undefined;
    do {
      const out = await s3.send(
        new ListObjectsV2Command({
          Bucket: BUCKET,
          Prefix: prefix,
          Delimiter: '/',
          MaxKeys: maxKeys,
          ...(token ? { ContinuationToken: token } : {}),
        }),
      );
      token = out.IsTruncated ? out.NextContinuationToken : undefined;
      pages.push({
        prefixes: (out.CommonPrefixes ?? []).map((p) => p.Prefix),
        objects: (out.Contents ?? []).map((o) => ({
          key: o.Key,
          size: o.Size,
          lastModified: o.LastModified?.toISOString(),
        })),
        ...(token ? { nextContinuationToken: token } : {}),
      });
    } while (token);
    return pages;
  }

  async function leanPages(prefix: string, maxKeys: number) {
    const pages = [];
    let token: string | undefined;
    do {
      const page = await listPage(s3, {
        Bucket: BUCKET,
        Prefix: prefix,
        Delimiter: '/',
        MaxKeys: maxKeys,
        ...(token ? { ContinuationToken: token } : {}),
      });
      token = page.nextContinuationToken;
      pages.push(page);
    } while (token);
    return pages;
  }

  it.each([
    ['', 1000],
    ['g/', 1000],
    ['g/', 2],
    ['g/', 1],
    ['nothing/', 10],
  ])(
    'pages of prefix "%s" (MaxKeys %i) equal the SDK command’s, interleaved on one client',
    async (prefix, maxKeys) => {
      // Alternating both commands on one caching client: neither may see the other's middleware.
      const lean = await leanPages(prefix, maxKeys);
      const sdk = await sdkPages(prefix, maxKeys);
      expect(lean).toEqual(sdk);
      expect(await leanPages(prefix, maxKeys)).toEqual(lean);
      if (prefix === 'g/' && maxKeys === 1000) {
        expect(lean[0]?.prefixes).toHaveLength(5);
        expect(lean[0]?.objects.map((o) => o.key)).toEqual(['g/file at group level.txt', 'g/z&file.json']);
      }
    },
  );

  it('leaves errors to the SDK (NoSuchBucket)', async () => {
    await expect(listPage(s3, { Bucket: 'no-such-bucket', Prefix: '' })).rejects.toMatchObject({
      name: 'NoSuchBucket',
    });
  });
});

describe('parseListBucketResult', () => {
  it('reads pretty-printed XML, namespaces, character references and empty elements', () => {
    const xml = `<?xml version="1.0" encoding="UTF-8"?>
<ListBucketResult xmlns="http://s3.amazonaws.com/doc/2006-03-01/">
  <Name>b</Name>
  <Prefix>g/</Prefix>
  <StartAfter/>
  <IsTruncated>true</IsTruncated>
  <NextContinuationToken>a&amp;b=</NextContinuationToken>
  <Contents>
    <Key>g/a&#x0D;&#10;&lt;&apos;</Key>
    <LastModified>2026-11-23T10:00:00.000Z</LastModified>
    <ETag>&quot;abc&quot;</ETag>
    <Size>42</Size>
    <Owner><ID>x</ID></Owner>
    <StorageClass>STANDARD</StorageClass>
  </Contents>
  <CommonPrefixes>
    <Prefix>g/r &amp; s/</Prefix>
  </CommonPrefixes>
</ListBucketResult>`;
    expect(parseListBucketResult(xml)).toEqual({
      prefixes: ['g/r & s/'],
      objects: [{ key: "g/a\r\n<'", size: 42, lastModified: '2026-11-23T10:00:00.000Z' }],
      nextContinuationToken: 'a&b=',
    });
  });

  it('gives no continuation token when the page is the last', () => {
    const xml =
      '<ListBucketResult><IsTruncated>false</IsTruncated><NextContinuationToken>t</NextContinuationToken></ListBucketResult>';
    expect(parseListBucketResult(xml)).toEqual({ prefixes: [], objects: [] });
  });

  it.each([
    ['not a listing', '<Error><Code>AccessDenied</Code></Error>', /without a ListBucketResult/],
    ['an unclosed element', '<ListBucketResult><Contents><Key>k</Key>', /not closed/],
  ])('refuses %s', (_name, xml, message) => {
    expect(() => parseListBucketResult(xml)).toThrow(message);
  });
});
