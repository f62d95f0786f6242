import { S3Client } from '@aws-sdk/client-s3';
import { describe, expect, it } from 'vitest';
import { splitPath } from '../../../src/pipelines/telemetry/base-path.js';
import { RateLimitedError } from '../../../src/pipelines/telemetry/errors.js';
import { ListingCache, listingKey } from '../../../src/pipelines/telemetry/listing-cache.js';
import {
  hashPassword,
  parsePasswordHash,
  verifyPassword,
} from '../../../src/pipelines/telemetry/passwords.js';
import { sdkGetUrl, sdkPutUrl, UrlSigner } from '../../../src/pipelines/telemetry/presign.js';
import { RateLimiter } from '../../../src/pipelines/telemetry/rate-limit.js';
import { parseRunFolder, runRecord, uploadedFile } from '../../../src/pipelines/telemetry/run-record.js';
import { checkJsonContentType, parseTelemetry } from '../../../src/pipelines/telemetry/telemetry-body.js';
import { parseUsers } from '../../../src/pipelines/telemetry/users.js';
import { objectKey, uploadKey } from '../../../src/pipelines/telemetry/validation.js';
import { RUN_UUID, runFolder, telemetryDoc } from './helpers.js';

describe('presigned URLs', () => {
  const clients = {
    'path style (embedded S3, MinIO)': new S3Client({
      region: 'us-east-1',
      endpoint: 'http://127.0.0.1:9000',
      forcePathStyle: true,
      credentials: { accessKeyId: 'local', secretAccessKey: 'local-secret' },
      requestChecksumCalculation: 'WHEN_REQUIRED',
      responseChecksumValidation: 'WHEN_REQUIRED',
    }),
    'virtual-hosted (AWS, session token)': new S3Client({
      region: 'eu-west-1',
      credentials: {
        accessKeyId: 'AKIAEXAMPLE',
        secretAccessKey: 'secret',
        sessionToken: 'token/with+chars=',
      },
      requestChecksumCalculation: 'WHEN_REQUIRED',
      responseChecksumValidation: 'WHEN_REQUIRED',
    }),
    'virtual-hosted custom endpoint with port': new S3Client({
      region: 'us-west-2',
      endpoint: 'https://s3.example.test:8443',
      credentials: { accessKeyId: 'AKIAPORT', secretAccessKey: 'port/secret+x' },
      requestChecksumCalculation: 'WHEN_REQUIRED',
      responseChecksumValidation: 'WHEN_REQUIRED',
    }),
  };
  const keys = [
    'g/r/f',
    `perf/${runFolder(1_700_000_000, RUN_UUID, 'tag+x=y@z')}/prometheus-00.tar`,
    'a/b/sub/logs-ns-00.tar.gz',
    // The signer itself takes any key: characters S3 and SigV4 escape differently from URLs.
    "g/r/ä ö (1)!*'~;,:$&.txt",
    'g/r/a%2Fb+c=d@e',
  ];
  const options = { expiresIn: 1200, signingDate: new Date('2026-11-23T10:00:00Z') };

  for (const [name, client] of Object.entries(clients)) {
    it.each(keys)(`are identical to getSignedUrl's, ${name}: %s`, async (key) => {
      const signer = new UrlSigner(client);
      expect(await signer.putUrl('tributary-telemetry', key, options)).toBe(
        await sdkPutUrl(client, 'tributary-telemetry', key, options),
      );
      expect(await signer.getUrl('tributary-telemetry', key, options)).toBe(
        await sdkGetUrl(client, 'tributary-telemetry', key, options),
      );
    });
  }

  it('follow the credentials provider (rotated keys) and the date (a new signing key each day)', async () => {
    let n = 0;
    const client = new S3Client({
      region: 'us-east-1',
      endpoint: 'http://127.0.0.1:9000',
      forcePathStyle: true,
      // Already expiring: the client's memoized provider asks again for every signature.
      credentials: async () => ({
        accessKeyId: `key${n}`,
        secretAccessKey: `secret${n}`,
        sessionToken: `t${n}`,
        expiration: new Date(),
      }),
      requestChecksumCalculation: 'WHEN_REQUIRED',
      responseChecksumValidation: 'WHEN_REQUIRED',
    });
    const signer = new UrlSigner(client);
    const seen = new Set<string>();
    for (const [rotation, day] of [
      [0, '2026-11-23T23:59:59Z'],
      [0, '2026-11-24T00:00:00Z'],
      [1, '2026-11-24T00:00:00Z'],
    ] as const) {
      n = rotation;
      const at = { expiresIn: 60, signingDate: new Date(day) };
      const url = await signer.putUrl('b', 'g/r/f', at);
      expect(url).toBe(await sdkPutUrl(client, 'b', 'g/r/f', at));
      seen.add(new URL(url).searchParams.get('X-Amz-Signature') ?? '');
    }
    expect(seen.size).toBe(3);
  });

  it('refuse an expiry of more than a week, as SigV4 does', async () => {
    const signer = new UrlSigner(clients['path style (embedded S3, MinIO)']);
    await expect(signer.putUrl('b', 'g/r/f', { expiresIn: 7 * 24 * 3600 + 1 })).rejects.toThrow(/one week/);
    expect(await signer.putUrl('b', 'g/r/f', { expiresIn: 7 * 24 * 3600 })).toContain('X-Amz-Expires=604800');
  });
});

describe('validation', () => {
  it.each([
    ['g/r', 'prometheus-00.tar', 'g/r/prometheus-00.tar'],
    [
      'default/1700000000-uuid-tag',
      'logs-openshift-etcd-00.tar.gz',
      'default/1700000000-uuid-tag/logs-openshift-etcd-00.tar.gz',
    ],
    ['g/r', 'sub/file.json', 'g/r/sub/file.json'],
  ])('uploadKey(%s, %s) → %s', (requestId, file, key) => {
    expect(uploadKey(requestId, file)).toBe(key);
  });

  it.each([
    ['g', 'f', /request_id must have 2 path segments/],
    ['g/r/x', 'f', /request_id must have 2 path segments/],
    ['g/.', 'f', /"\." or "\.\."/],
    ['g/r', '', /empty path segment/],
    ['g/r', 'a//b', /empty path segment/],
    ['g/r', 'a/b/c/d/e', /1 to 4 path segments/],
    ['g/r', `${'x'.repeat(201)}`, /longer than 200/],
    ['g/r', 'naïve.txt', /may only contain/],
    ['g/r', 'a\u0000b', /may only contain/],
    [
      `${'g'.repeat(200)}/${'r'.repeat(200)}`,
      `${'f'.repeat(200)}/${'f'.repeat(200)}/${'f'.repeat(200)}/${'f'.repeat(200)}`,
      /longer than 1024 bytes/,
    ],
  ])('uploadKey(%j, %j) → 400', (requestId, file, message) => {
    expect(() => uploadKey(requestId, file)).toThrow(message);
  });

  it('objectKey accepts the 1-, 2- and 3-segment forms of /download-url', () => {
    expect(['g', 'g/r', 'g/r/f'].map((p) => objectKey(p))).toEqual(['g', 'g/r', 'g/r/f']);
  });
});

describe('telemetry body', () => {
  it.each([
    'application/json',
    'application/json; charset=utf-8',
    'Application/JSON;charset=UTF-8',
    'application/vnd.krkn+json',
  ])('accepts Content-Type %s', (type) => {
    expect(() => checkJsonContentType(type)).not.toThrow();
  });

  it('keeps parameters_base64 empty, refuses other empty fields naming them', () => {
    expect(parseTelemetry(JSON.stringify(telemetryDoc())).scenarios).toHaveLength(2);
    const missing = telemetryDoc({ scenarios: [{ scenario: 'x', start_timestamp: 1, end_timestamp: 2 }] });
    expect(() => parseTelemetry(JSON.stringify(missing))).toThrow('scenarios[0].exit_status is missing');
    expect(() => parseTelemetry('{"scenarios":[1]}')).toThrow('scenarios[0] must be an object');
  });
});

describe('run records', () => {
  it('parses krkn run folders, with and without a tag', () => {
    expect(parseRunFolder(`1700000000-${RUN_UUID}-nightly-4.15`)).toEqual({
      time: 1_700_000_000,
      uuid: RUN_UUID,
      tag: 'nightly-4.15',
    });
    expect(parseRunFolder(`1700000000-${RUN_UUID}`)).toEqual({ time: 1_700_000_000, uuid: RUN_UUID });
    expect(parseRunFolder('my-own-folder')).toEqual({});
  });

  it('summarises the telemetry (scenarios with exit status, cloud, version), bounded in size', () => {
    const doc = parseTelemetry(JSON.stringify(telemetryDoc({ cluster_version: 'v'.repeat(1000) })));
    const record = runRecord('g', runFolder(1_700_000_000, RUN_UUID, 'tag'), doc, {
      receivedAt: new Date(0),
      bytes: 10,
    });
    expect(record).toMatchObject({
      run_uuid: RUN_UUID,
      run_tag: 'tag',
      run_time: 1_700_000_000,
      cloud_type: 'self-managed',
    });
    expect(record.cluster_version).toHaveLength(256);
    expect(record.scenarios.map((s) => s.exit_status)).toEqual([0, 1]);
  });

  it('maps uploaded keys to run files; other keys are not run files', () => {
    expect(uploadedFile('g/r/prometheus-00.tar', 5, '2026-01-01T00:00:00.000Z')).toEqual({
      group: 'g',
      run: 'r',
      name: 'prometheus-00.tar',
      summary: { size: 5, modified: '2026-01-01T00:00:00.000Z' },
    });
    expect(uploadedFile('g/r', 5, undefined)).toBeUndefined();
    expect(uploadedFile('g//f', 5, undefined)).toBeUndefined();
  });
});

describe('users and passwords', () => {
  it('verifies scrypt hashes and refuses others', async () => {
    const hash = parsePasswordHash(await hashPassword('s3cret', { N: 1024, r: 8, p: 1 }), 'test');
    expect(await verifyPassword('s3cret', hash)).toBe(true);
    expect(await verifyPassword('s3cret ', hash)).toBe(false);
  });

  it.each([
    [{ a: 'writer' }, /must be "<roles>:<scrypt hash>"/],
    [{ a: 'admin:scrypt$16384$8$1$c2FsdHNhbHRzYWx0$a2V5a2V5a2V5a2V5a2V5a2V5' }, /unknown role "admin"/],
    [{ a: 'writer:plaintext' }, /must look like scrypt\$N\$r\$p\$salt\$key/],
    [{ a: 'writer:scrypt$1000$8$1$c2FsdHNhbHRzYWx0$a2V5a2V5a2V5a2V5a2V5a2V5' }, /power of two/],
    [{ 'a:b': 'writer:x' }, /without ":"/],
    [{ a: 42 }, /must be a string/],
  ])('refuses the users secret %j, naming the user and never the value', (secret, message) => {
    expect(() => parseUsers(secret, 'tributary/telemetry/users')).toThrow(message);
  });
});

describe('rate limiter', () => {
  it('allows the burst, then refills at the rate; Retry-After counts whole seconds', () => {
    const limiter = new RateLimiter(2, 3, 'user');
    for (let i = 0; i < 3; i++) limiter.take('u', 0);
    expect(() => limiter.take('u', 0)).toThrow(RateLimitedError);
    try {
      limiter.take('u', 100);
    } catch (err) {
      expect((err as RateLimitedError).retryAfterSeconds).toBe(1);
    }
    expect(() => limiter.take('u', 1000)).not.toThrow();
    expect(() => limiter.take('other', 0)).not.toThrow();
    expect(() => new RateLimiter(0, 1, 'user').take('u', 0)).not.toThrow();
  });
});

describe('listing cache', () => {
  it('expires entries and drops a prefix’s pages on invalidation', () => {
    const cache = new ListingCache();
    cache.set(listingKey('b', 'g/', 'x'), 5, '[1]', undefined, 0);
    cache.set(listingKey('b', '', 'x'), 5, '[2]', 'next', 0);
    expect(cache.get(listingKey('b', 'g/', 'x'), 4999)?.body).toBe('[1]');
    expect(cache.get(listingKey('b', 'g/', 'x'), 5000)).toBeUndefined();
    cache.invalidate('b', ['']);
    expect(cache.get(listingKey('b', '', 'x'), 1)).toBeUndefined();
  });
});

describe('base path (API Gateway stage, mapping, local mount)', () => {
  const ev = (rawPath: string, routeKey: string, stage = '$default') => ({
    rawPath,
    routeKey,
    requestContext: { stage, routeKey } as never,
  });
  it.each([
    [ev('/production/telemetry', 'POST /telemetry', 'production'), undefined, '/telemetry', '/production'],
    [ev('/production', 'GET /', 'production'), undefined, '/', '/production'],
    [
      ev('/production/files/g/r/', 'GET /files/{proxy+}', 'production'),
      undefined,
      '/files/g/r/',
      '/production',
    ],
    [ev('/krkn/navigate/g%2Fx', 'GET /navigate/{proxy+}'), undefined, '/navigate/g%2Fx', '/krkn'],
    [ev('/production/files/', 'ANY /{proxy+}', 'production'), undefined, '/files/', '/production'],
    [ev('/presigned-url', 'GET /presigned-url'), '/telemetry', '/presigned-url', '/telemetry'],
  ])('splits %j', (event, mount, routePath, basePath) => {
    expect(splitPath(event, mount)).toEqual({ routePath, basePath });
  });
});
