import { randomBytes } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { DeleteObjectCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { backfill } from '../../../src/pipelines/replication/backfill.js';
import { checkpointFile } from '../../../src/pipelines/replication/checkpoint.js';
import type { Endpoints } from '../../../src/pipelines/replication/replicate-object.js';
import { verifyReplica } from '../../../src/pipelines/replication/verify.js';
import { bodyOf, credentials, type Fixture, SOURCE, startFixture } from './helpers.js';

const MiB = 1024 * 1024;
let fx: Fixture;
let bucketSeq = 0;

beforeAll(async () => {
  fx = await startFixture();
});
afterAll(async () => {
  await fx.stop();
});

/** A fresh target bucket per test, so tests do not see each other's copies. */
async function endpoints(targetPrefix = ''): Promise<Endpoints> {
  const bucket = `backfill-target-${++bucketSeq}`;
  await fx.server.createBucket(bucket);
  return {
    source: { client: fx.client, bucket: SOURCE },
    target: { client: fx.client, bucket, prefix: targetPrefix, endpoint: fx.server.url },
    tuning: {
      multipartThresholdBytes: 16 * MiB,
      minPartSizeBytes: 8 * MiB,
      partConcurrency: 4,
      maxBufferBytes: 256 * MiB,
    },
  };
}

async function seed(
  prefix: string,
  count: number,
  size = (i: number) => 10 + i * 131,
): Promise<Map<string, Buffer>> {
  const objects = new Map<string, Buffer>();
  for (let i = 0; i < count; i++) {
    const key = `${prefix}${String(i).padStart(4, '0')}-${i % 3 === 0 ? 'ü ' : ''}obj`;
    const body = randomBytes(size(i));
    objects.set(key, body);
    await fx.client.send(new PutObjectCommand({ Bucket: SOURCE, Key: key, Body: body }));
  }
  return objects;
}

describe('backfill', () => {
  it('copies what the target lacks, then a second run copies nothing', async () => {
    // Arrange
    const objects = await seed('bf1/', 25);
    objects.set('bf1/large.bin', randomBytes(17 * MiB));
    await fx.client.send(
      new PutObjectCommand({ Bucket: SOURCE, Key: 'bf1/large.bin', Body: objects.get('bf1/large.bin') }),
    );
    const ep = await endpoints('mirror/');

    // Act
    const first = await backfill({ endpoints: ep, prefix: 'bf1/', concurrency: 4 });
    const second = await backfill({ endpoints: ep, prefix: 'bf1/', concurrency: 4 });

    // Assert
    expect(first).toMatchObject({ objectsTotal: 26, copied: 26, failed: 0, skipped: 0, interrupted: false });
    expect(second).toMatchObject({ objectsTotal: 26, copied: 0, skipped: 26 });
    for (const [key, body] of objects) {
      expect((await bodyOf(fx.client, ep.target.bucket, `mirror/${key}`)).equals(body), key).toBe(true);
    }
  });

  it('re-copies a stale object and leaves objects only on the target alone', async () => {
    // Arrange
    await seed('bf2/', 3);
    const ep = await endpoints();
    await backfill({ endpoints: ep, prefix: 'bf2/', concurrency: 2 });
    const [first] = [...(await seed('bf2/', 1, () => 99))];
    await fx.client.send(
      new PutObjectCommand({ Bucket: ep.target.bucket, Key: 'bf2/only-on-target', Body: 'x' }),
    );

    // Act
    const report = await backfill({ endpoints: ep, prefix: 'bf2/', concurrency: 2 });

    // Assert
    expect(report).toMatchObject({ copied: 1, skipped: 2 });
    expect(
      (await bodyOf(fx.client, ep.target.bucket, first?.[0] ?? '')).equals(first?.[1] ?? Buffer.alloc(0)),
    ).toBe(true);
    expect((await bodyOf(fx.client, ep.target.bucket, 'bf2/only-on-target')).toString()).toBe('x');
  });

  it('resumes an interrupted run from its checkpoint', async () => {
    // Arrange: stop the first run after 10 objects
    const objects = await seed('bf3/', 40);
    const ep = await endpoints();
    const file = checkpointFile(path.join(fx.dir, 'state'), {
      sourceBucket: SOURCE,
      prefix: 'bf3/',
      targetEndpoint: ep.target.endpoint,
      targetBucket: ep.target.bucket,
      targetPrefix: '',
    });
    const stop = new AbortController();
    const first = await backfill({
      endpoints: ep,
      prefix: 'bf3/',
      concurrency: 2,
      checkpointFile: file,
      checkpointEveryMs: 0,
      signal: stop.signal,
      onProgress: (p) => {
        if (p.copied >= 10) stop.abort();
      },
    });
    const saved = JSON.parse(await readFile(file, 'utf8')) as { after: string; counts: { copied: number } };

    // Act
    const second = await backfill({ endpoints: ep, prefix: 'bf3/', concurrency: 2, checkpointFile: file });

    // Assert
    expect(first.interrupted).toBe(true);
    expect(first.copied).toBeLessThan(40);
    expect(saved.after.startsWith('bf3/')).toBe(true);
    expect(second).toMatchObject({ resumedAfter: saved.after, objectsTotal: 40, objectsDone: 40, failed: 0 });
    // Counts carry over from the checkpoint; the rest was copied (or found done) now.
    expect(saved.counts.copied).toBeGreaterThan(0);
    expect(second.copied + second.skipped).toBe(40);
    expect(second.copied).toBeGreaterThanOrEqual(saved.counts.copied);
    await expect(readFile(file)).rejects.toThrow(/ENOENT/);
    const report = await verifyReplica({ endpoints: ep, prefix: 'bf3/', concurrency: 4 });
    expect(report).toMatchObject({ inSync: true, same: objects.size });
  });

  it('shares one stop signal among many copies: no listener warning, only long transfers carry it', async () => {
    // Arrange: 40 small objects and one of 2 MiB, 32 copies at once, a signal as the CLI passes
    const objects = await seed('bf5/', 40);
    objects.set('bf5/medium.bin', randomBytes(2 * MiB));
    await fx.client.send(
      new PutObjectCommand({ Bucket: SOURCE, Key: 'bf5/medium.bin', Body: objects.get('bf5/medium.bin') }),
    );
    const ep = await endpoints();
    const target = new S3Client({
      endpoint: fx.server.url,
      region: 'us-east-1',
      forcePathStyle: true,
      credentials,
      cacheMiddleware: true,
    });
    const sent: { command: string; options: unknown }[] = [];
    const send = target.send.bind(target) as (command: unknown, options?: unknown) => Promise<unknown>;
    // A spy that records each send's options argument; the request itself goes to the endpoint.
    (target as { send: unknown }).send = (command: object, options?: unknown) => {
      sent.push({ command: command.constructor.name, options });
      return send(command, options);
    };
    const warnings: Error[] = [];
    const onWarning = (w: Error) => warnings.push(w);
    process.on('warning', onWarning);

    // Act
    const report = await backfill({
      endpoints: { ...ep, target: { ...ep.target, client: target } },
      prefix: 'bf5/',
      concurrency: 32,
      signal: new AbortController().signal,
    }).finally(() => process.off('warning', onWarning));

    // Assert
    expect(report).toMatchObject({ objectsTotal: 41, copied: 41, failed: 0 });
    expect(warnings.filter((w) => w.name === 'MaxListenersExceededWarning')).toEqual([]);
    const puts = sent.filter((s) => s.command === 'PutObjectCommand');
    expect(puts).toHaveLength(41);
    // Small requests go without options, so the SDK's cached middleware stack is used for them.
    expect(puts.filter((s) => s.options === undefined)).toHaveLength(40);
    expect(puts.filter((s) => (s.options as { abortSignal?: unknown })?.abortSignal)).toHaveLength(1);
    expect(
      sent.filter((s) => s.command === 'ListObjectsV2Command').every((s) => s.options === undefined),
    ).toBe(true);
    for (const [key, body] of objects) {
      expect((await bodyOf(fx.client, ep.target.bucket, key)).equals(body), key).toBe(true);
    }
    target.destroy();
  });

  it('stops with a clear error when the target credentials are wrong', async () => {
    await seed('bf4/', 2);
    const ep = await endpoints();
    const wrong = new S3Client({
      endpoint: fx.server.url,
      region: 'us-east-1',
      forcePathStyle: true,
      credentials: { accessKeyId: credentials.accessKeyId, secretAccessKey: 'wrong' },
    });

    const run = backfill({
      endpoints: { ...ep, target: { ...ep.target, client: wrong } },
      prefix: 'bf4/',
      concurrency: 2,
    });

    await expect(run).rejects.toThrow(/SignatureDoesNotMatch|refused the credentials|denied access/);
  });
});

describe('verify', () => {
  it('reports missing, extra and differing objects', async () => {
    // Arrange
    await seed('vf/', 5);
    const ep = await endpoints();
    await backfill({ endpoints: ep, prefix: 'vf/', concurrency: 2 });
    const keys = [...(await seed('vf/', 5))].map(([k]) => k).sort();
    // after re-seeding, every object changed; make the target match again except for a few
    await backfill({ endpoints: ep, prefix: 'vf/', concurrency: 2 });
    await fx.client.send(new DeleteObjectCommand({ Bucket: ep.target.bucket, Key: keys[0] }));
    await fx.client.send(new PutObjectCommand({ Bucket: ep.target.bucket, Key: keys[1], Body: 'tampered' }));
    await fx.client.send(new PutObjectCommand({ Bucket: ep.target.bucket, Key: 'vf/zz-extra', Body: 'x' }));

    // Act
    const report = await verifyReplica({ endpoints: ep, prefix: 'vf/', concurrency: 4 });

    // Assert
    expect(report).toMatchObject({
      inSync: false,
      sourceObjects: 5,
      same: 3,
      missing: [keys[0]],
      extra: ['vf/zz-extra'],
      differing: [{ key: keys[1], why: expect.stringContaining('size') }],
    });
  });
});
