import { request as httpRequest } from 'node:http';
import {
  CreateBucketCommand,
  CreateMultipartUploadCommand,
  GetObjectCommand,
  ListBucketsCommand,
  PutObjectCommand,
  S3Client,
  S3ServiceException,
} from '@aws-sdk/client-s3';
import { getSignedUrl } from '@aws-sdk/s3-request-presigner';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { credentials, startTestEndpoint, type TestEndpoint } from './helpers.js';
import { sha256, signedChunkedBody, signRequest } from './raw-signer.js';

let ep: TestEndpoint;
let s3: S3Client;
const BUCKET = 'auth-test';

const codeOf = (xml: string) => /<Code>([^<]+)<\/Code>/.exec(xml)?.[1];
const messageOf = (xml: string) => /<Message>([^<]+)<\/Message>/.exec(xml)?.[1];

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
  await s3.send(new PutObjectCommand({ Bucket: BUCKET, Key: 'secret file.txt', Body: 'classified' }));
});
afterAll(() => ep.stop());

describe('Authorization header', () => {
  it('rejects a wrong secret with SignatureDoesNotMatch and an unknown key with InvalidAccessKeyId', async () => {
    const wrongSecret = ep.client({
      credentials: { accessKeyId: credentials.accessKeyId, secretAccessKey: 'wrong' },
    });
    const unknownKey = ep.client({ credentials: { accessKeyId: 'nobody', secretAccessKey: 'x' } });

    const a = await s3Error(
      wrongSecret.send(new GetObjectCommand({ Bucket: BUCKET, Key: 'secret file.txt' })),
    );
    const b = await s3Error(unknownKey.send(new ListBucketsCommand({})));
    const c = await s3Error(
      wrongSecret.send(new PutObjectCommand({ Bucket: BUCKET, Key: 'intruder', Body: 'x' })),
    );
    const stillMissing = await s3Error(s3.send(new GetObjectCommand({ Bucket: BUCKET, Key: 'intruder' })));

    expect(a).toEqual({ name: 'SignatureDoesNotMatch', status: 403 });
    expect(b).toEqual({ name: 'InvalidAccessKeyId', status: 403 });
    expect(c).toEqual({ name: 'SignatureDoesNotMatch', status: 403 });
    expect(stillMissing.status).toBe(404);
  });

  it('rejects anonymous requests with AccessDenied', async () => {
    const res = await fetch(`${ep.server.url}/${BUCKET}/secret%20file.txt`);
    const text = await res.text();

    expect(res.status).toBe(403);
    expect(codeOf(text)).toBe('AccessDenied');
    expect(res.headers.get('x-amz-request-id')).toMatch(/^[0-9A-F]{16}$/);
    expect(text).toContain(`<Resource>/${BUCKET}/secret file.txt</Resource>`);
  });

  it('rejects a request signed more than 15 minutes away from now with RequestTimeTooSkewed', async () => {
    const req = signRequest({
      endpoint: ep.server.url,
      method: 'GET',
      path: '/',
      payloadHash: sha256(''),
      ...credentials,
      date: new Date(Date.now() - 20 * 60_000),
    });

    const res = await fetch(req.url, { headers: req.headers });

    expect(res.status).toBe(403);
    expect(codeOf(await res.text())).toBe('RequestTimeTooSkewed');
  });

  it('verifies a signed payload hash (XAmzContentSHA256Mismatch) and requires one', async () => {
    const body = Buffer.from('actual body');
    const req = signRequest({
      endpoint: ep.server.url,
      method: 'PUT',
      path: `/${BUCKET}/hashed`,
      payloadHash: sha256('other body'),
      ...credentials,
    });
    const good = signRequest({
      endpoint: ep.server.url,
      method: 'PUT',
      path: `/${BUCKET}/hashed`,
      payloadHash: sha256(body),
      ...credentials,
    });

    const bad = await fetch(req.url, { method: 'PUT', headers: req.headers, body });
    const ok = await fetch(good.url, { method: 'PUT', headers: good.headers, body });

    expect(bad.status).toBe(400);
    expect(codeOf(await bad.text())).toBe('XAmzContentSHA256Mismatch');
    expect(ok.status).toBe(200);
  });
});

describe('signed aws-chunked bodies', () => {
  const chunks = [Buffer.alloc(70_000, 'a'), Buffer.alloc(65_536, 'b'), Buffer.from('tail')];
  const payload = Buffer.concat(chunks);

  it.each([
    ['STREAMING-AWS4-HMAC-SHA256-PAYLOAD', false],
    ['STREAMING-AWS4-HMAC-SHA256-PAYLOAD-TRAILER', true],
  ] as const)('verifies every chunk signature of %s and stores only the payload', async (mode, trailer) => {
    const key = `chunked-${trailer ? 'trailer' : 'plain'}`;
    const req = signRequest({
      endpoint: ep.server.url,
      method: 'PUT',
      path: `/${BUCKET}/${key}`,
      payloadHash: mode,
      headers: {
        'content-encoding': 'aws-chunked',
        'x-amz-decoded-content-length': String(payload.length),
        ...(trailer ? { 'x-amz-trailer': 'x-amz-checksum-crc32' } : {}),
      },
      ...credentials,
    });
    const body = signedChunkedBody(req, chunks, trailer);

    const res = await fetch(req.url, { method: 'PUT', headers: req.headers, body });
    const got = await s3.send(new GetObjectCommand({ Bucket: BUCKET, Key: key, ChecksumMode: 'ENABLED' }));
    const stored = Buffer.from(
      await (got.Body as { transformToByteArray(): Promise<Uint8Array> }).transformToByteArray(),
    );

    expect(res.status).toBe(200);
    expect(stored.equals(payload)).toBe(true);
    expect(got.ContentEncoding).toBeUndefined();
    if (trailer) expect(got.ChecksumCRC32).toBeDefined();
  });

  it('rejects a body whose chunk was altered after signing, storing nothing', async () => {
    const req = signRequest({
      endpoint: ep.server.url,
      method: 'PUT',
      path: `/${BUCKET}/tampered-chunk`,
      payloadHash: 'STREAMING-AWS4-HMAC-SHA256-PAYLOAD',
      headers: { 'content-encoding': 'aws-chunked', 'x-amz-decoded-content-length': String(payload.length) },
      ...credentials,
    });
    const body = signedChunkedBody(req, chunks, false);
    body[body.indexOf('b'.repeat(8))] = 'c'.charCodeAt(0);

    const res = await fetch(req.url, { method: 'PUT', headers: req.headers, body });
    const missing = await s3Error(s3.send(new GetObjectCommand({ Bucket: BUCKET, Key: 'tampered-chunk' })));

    expect(res.status).toBe(403);
    expect(codeOf(await res.text())).toBe('SignatureDoesNotMatch');
    expect(missing.status).toBe(404);
  });
});

describe('presigned URLs', () => {
  it('serves a presigned GET and accepts a presigned PUT', async () => {
    const getUrl = await getSignedUrl(s3, new GetObjectCommand({ Bucket: BUCKET, Key: 'secret file.txt' }), {
      expiresIn: 60,
    });
    const putUrl = await getSignedUrl(
      s3,
      new PutObjectCommand({ Bucket: BUCKET, Key: 'uploaded via url.txt' }),
      { expiresIn: 60 },
    );

    const got = await fetch(getUrl);
    const put = await fetch(putUrl, { method: 'PUT', body: 'from a browser' });
    const stored = await s3.send(new GetObjectCommand({ Bucket: BUCKET, Key: 'uploaded via url.txt' }));

    expect(got.status).toBe(200);
    expect(await got.text()).toBe('classified');
    expect(put.status).toBe(200);
    expect(await stored.Body?.transformToString()).toBe('from a browser');
  });

  it.each([
    ['another key', (u: URL) => new URL(u.href.replace('secret%20file.txt', 'other.txt')), 'GET'],
    [
      'a changed query parameter',
      (u: URL) => {
        u.searchParams.set('X-Amz-Expires', '3600');
        return u;
      },
      'GET',
    ],
    [
      'an added query parameter',
      (u: URL) => {
        u.searchParams.set('response-content-type', 'text/html');
        return u;
      },
      'GET',
    ],
    ['another method', (u: URL) => u, 'DELETE'],
    [
      'a forged signature',
      (u: URL) => {
        u.searchParams.set('X-Amz-Signature', '0'.repeat(64));
        return u;
      },
      'GET',
    ],
  ])('rejects a presigned GET re-pointed at %s with 403', async (_, tamper, method) => {
    const url = await getSignedUrl(s3, new GetObjectCommand({ Bucket: BUCKET, Key: 'secret file.txt' }), {
      expiresIn: 60,
    });

    const res = await fetch(tamper(new URL(url)), { method });

    expect(res.status).toBe(403);
    expect(codeOf(await res.text())).toBe('SignatureDoesNotMatch');
  });

  it('rejects a tampered presigned PUT and stores nothing', async () => {
    const url = await getSignedUrl(s3, new PutObjectCommand({ Bucket: BUCKET, Key: 'allowed.txt' }), {
      expiresIn: 60,
    });

    const res = await fetch(url.replace('allowed.txt', 'secret%20file.txt'), {
      method: 'PUT',
      body: 'overwritten!',
    });
    const original = await s3.send(new GetObjectCommand({ Bucket: BUCKET, Key: 'secret file.txt' }));

    expect(res.status).toBe(403);
    expect(await original.Body?.transformToString()).toBe('classified');
  });

  it('rejects expired presigned GET and PUT URLs with AccessDenied "Request has expired"', async () => {
    const past = new Date(Date.now() - 120_000);
    const getUrl = await getSignedUrl(s3, new GetObjectCommand({ Bucket: BUCKET, Key: 'secret file.txt' }), {
      expiresIn: 60,
      signingDate: past,
    });
    const putUrl = await getSignedUrl(s3, new PutObjectCommand({ Bucket: BUCKET, Key: 'late.txt' }), {
      expiresIn: 60,
      signingDate: past,
    });

    const get = await fetch(getUrl);
    const put = await fetch(putUrl, { method: 'PUT', body: 'too late' });
    const getText = await get.text();

    expect(get.status).toBe(403);
    expect(codeOf(getText)).toBe('AccessDenied');
    expect(messageOf(getText)).toBe('Request has expired');
    expect(put.status).toBe(403);
    expect(codeOf(await put.text())).toBe('AccessDenied');
  });

  it('rejects a presigned URL signed with an unknown key', async () => {
    const other = new S3Client({
      endpoint: ep.server.url,
      region: 'us-east-1',
      forcePathStyle: true,
      credentials: { accessKeyId: 'stranger', secretAccessKey: 'x' },
    });
    const url = await getSignedUrl(other, new GetObjectCommand({ Bucket: BUCKET, Key: 'secret file.txt' }), {
      expiresIn: 60,
    });
    other.destroy();

    const res = await fetch(url);

    expect(res.status).toBe(403);
    expect(codeOf(await res.text())).toBe('InvalidAccessKeyId');
  });
});

describe('bad requests', () => {
  it.each([
    ['DeleteObjects, unclosed', 'POST', '', { delete: '' }, '<Delete><Object><Key>a</Key></Object>'],
    [
      'DeleteObjects, wrong root',
      'POST',
      '',
      { delete: '' },
      '<Tagging><Object><Key>a</Key></Object></Tagging>',
    ],
    ['DeleteObjects, a DOCTYPE', 'POST', '', { delete: '' }, '<!DOCTYPE x [<!ENTITY e "x">]><Delete/>'],
    ['PutObjectTagging, not XML', 'PUT', '/secret%20file.txt', { tagging: '' }, '{"TagSet": []}'],
    [
      'PutObjectTagging, Tag without Value',
      'PUT',
      '/secret%20file.txt',
      { tagging: '' },
      '<Tagging><TagSet><Tag><Key>k</Key></Tag></TagSet></Tagging>',
    ],
    [
      'CompleteMultipartUpload, part without ETag',
      'POST',
      '/mp',
      { uploadId: 'UPLOAD' },
      '<CompleteMultipartUpload><Part><PartNumber>1</PartNumber></Part></CompleteMultipartUpload>',
    ],
    ['CompleteMultipartUpload, empty body', 'POST', '/mp', { uploadId: 'UPLOAD' }, ''],
  ])('answers 400 MalformedXML for %s, and keeps serving', async (_what, method, path, query, body) => {
    const { UploadId } = await s3.send(new CreateMultipartUploadCommand({ Bucket: BUCKET, Key: 'mp' }));
    const q = Object.fromEntries(
      Object.entries(query).map(([k, v]) => [k, v === 'UPLOAD' ? (UploadId ?? '') : v]),
    );
    const req = signRequest({
      endpoint: ep.server.url,
      method,
      path: `/${BUCKET}${path}`,
      query: q,
      payloadHash: sha256(body),
      ...credentials,
    });

    const res = await fetch(req.url, { method, headers: req.headers, body });
    const after = await s3.send(new GetObjectCommand({ Bucket: BUCKET, Key: 'secret file.txt' }));

    expect(res.status).toBe(400);
    expect(codeOf(await res.text())).toBe('MalformedXML');
    expect(await after.Body?.transformToString()).toBe('classified');
  });

  it('answers 431 RequestHeaderSectionTooLarge for oversized headers and keeps serving', async () => {
    const { status, body } = await new Promise<{ status: number; body: string }>((resolve, reject) => {
      const req = httpRequest(
        `${ep.server.url}/${BUCKET}/k`,
        { headers: { 'x-amz-meta-huge': 'x'.repeat(20_000) } },
        (res) => {
          let text = '';
          res.on('data', (c) => {
            text += c;
          });
          res.on('end', () => resolve({ status: res.statusCode ?? 0, body: text }));
        },
      );
      req.on('error', reject);
      req.end();
    });
    const after = await s3.send(new ListBucketsCommand({}));

    expect(status).toBe(431);
    expect(codeOf(body)).toBe('RequestHeaderSectionTooLarge');
    expect(after.Buckets?.length).toBeGreaterThan(0);
  });

  it('answers 405 MethodNotAllowed for an unknown method and 501 for unsupported subresources', async () => {
    const patch = signRequest({
      endpoint: ep.server.url,
      method: 'PATCH',
      path: `/${BUCKET}/k`,
      payloadHash: sha256(''),
      ...credentials,
    });
    const website = signRequest({
      endpoint: ep.server.url,
      method: 'GET',
      path: `/${BUCKET}`,
      query: { website: '' },
      payloadHash: sha256(''),
      ...credentials,
    });

    const a = await fetch(patch.url, { method: 'PATCH', headers: patch.headers });
    const b = await fetch(website.url, { headers: website.headers });

    expect(a.status).toBe(405);
    expect(codeOf(await a.text())).toBe('MethodNotAllowed');
    expect(b.status).toBe(501);
    expect(codeOf(await b.text())).toBe('NotImplemented');
  });

  it('answers virtual-host style requests (Host: bucket.localhost)', async () => {
    const host = `${BUCKET}.localhost:${ep.server.port}`;
    const req = signRequest({
      endpoint: ep.server.url,
      method: 'GET',
      path: '/secret%20file.txt',
      payloadHash: sha256(''),
      host,
      ...credentials,
    });

    const { status, body } = await new Promise<{ status: number; body: string }>((resolve, reject) => {
      const r = httpRequest(req.url, { headers: req.headers, setHost: false }, (res) => {
        let text = '';
        res.on('data', (c) => {
          text += c;
        });
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body: text }));
      });
      r.on('error', reject);
      r.end();
    });

    expect(status).toBe(200);
    expect(body).toBe('classified');
  });
});

describe('Signature Version 2', () => {
  it('is refused with a clear InvalidRequest, in the header and in presigned query strings', async () => {
    const header = await fetch(`${ep.server.url}/${BUCKET}/k`, {
      headers: { Authorization: 'AWS tributary:c2lnbmF0dXJl' },
    });
    const query = await fetch(
      `${ep.server.url}/${BUCKET}/k?AWSAccessKeyId=tributary&Signature=abc&Expires=9999999999`,
    );
    const headerText = await header.text();

    expect(header.status).toBe(400);
    expect(codeOf(headerText)).toBe('InvalidRequest');
    expect(messageOf(headerText)).toContain('AWS4-HMAC-SHA256');
    expect(query.status).toBe(400);
    expect(codeOf(await query.text())).toBe('InvalidRequest');
  });
});
