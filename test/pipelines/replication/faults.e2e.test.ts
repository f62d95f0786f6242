import { randomBytes } from 'node:crypto';
import { HeadObjectCommand, ListMultipartUploadsCommand, PutObjectCommand } from '@aws-sdk/client-s3';
import type { S3EventRecord } from 'aws-lambda';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ReplicationResult } from '../../../src/pipelines/replication/types.js';
import { everyNth, startFaultProxy } from './fault-proxy.js';
import {
  bodyOf,
  eventOf,
  type Fixture,
  lastEventFor,
  SOURCE,
  startFixture,
  TARGET,
  targetVia,
} from './helpers.js';

const MiB = 1024 * 1024;
let fx: Fixture;

beforeAll(async () => {
  fx = await startFixture();
});
afterAll(async () => {
  await fx.stop();
});

describe('replicate against a faulty target', () => {
  it('delivers everything byte-identical when 1 in 5 target requests fails (503 SlowDown, 500, reset)', async () => {
    // Arrange: 40 small objects and a 3-part one, behind a proxy failing every 5th request
    const proxy = await startFaultProxy(fx.server.url, everyNth(5));
    const objects = new Map<string, Buffer>();
    for (let i = 0; i < 40; i++) objects.set(`flaky/small-${i}`, randomBytes(1 + i * 997));
    objects.set('flaky/large.bin', randomBytes(18 * MiB));
    const records: S3EventRecord[] = [];
    for (const [key, body] of objects) {
      await fx.client.send(new PutObjectCommand({ Bucket: SOURCE, Key: key, Body: body }));
      records.push(lastEventFor(fx.events, key));
    }

    try {
      // Act: one invocation per record, as S3 delivers them
      const results: ReplicationResult[] = [];
      for (const record of records) {
        results.push(
          await fx.run<ReplicationResult>('replicate', eventOf(record), { target: targetVia(proxy.url) }),
        );
      }

      // Assert
      expect(results.flatMap((r) => r.records.map((x) => x.outcome))).toEqual(records.map(() => 'copied'));
      expect(proxy.stats.faults).toBeGreaterThan(10);
      expect(proxy.stats.resets).toBeGreaterThan(3);
      for (const [key, body] of objects) {
        expect((await bodyOf(fx.client, TARGET, key)).equals(body), key).toBe(true);
      }
      const uploads = await fx.client.send(new ListMultipartUploadsCommand({ Bucket: TARGET }));
      expect(uploads.Uploads ?? []).toEqual([]);
    } finally {
      await proxy.close();
    }
  });

  it('aborts the multipart upload when a part is refused for good: nothing half-written', async () => {
    // Arrange: part 2 of every upload is refused (a 4xx: not retried)
    const proxy = await startFaultProxy(fx.server.url, (req) =>
      req.method === 'PUT' && /[?&]partNumber=2(&|$)/.test(req.url ?? '')
        ? { status: 400, code: 'InvalidArgument' }
        : undefined,
    );
    const record = await (async () => {
      await fx.client.send(
        new PutObjectCommand({ Bucket: SOURCE, Key: 'refused/big.bin', Body: randomBytes(20 * MiB) }),
      );
      return lastEventFor(fx.events, 'refused/big.bin');
    })();

    try {
      // Act
      const run = fx.run('replicate', eventOf(record), { target: targetVia(proxy.url) });

      // Assert
      await expect(run).rejects.toThrow();
      const uploads = await fx.client.send(new ListMultipartUploadsCommand({ Bucket: TARGET }));
      expect(uploads.Uploads ?? []).toEqual([]);
      await expect(
        fx.client.send(new HeadObjectCommand({ Bucket: TARGET, Key: 'refused/big.bin' })),
      ).rejects.toThrow();
    } finally {
      await proxy.close();
    }
  });

  it('fails (for Lambda to retry) when the target stays unreachable', async () => {
    const record = await (async () => {
      await fx.client.send(new PutObjectCommand({ Bucket: SOURCE, Key: 'down/k', Body: 'x' }));
      return lastEventFor(fx.events, 'down/k');
    })();

    const run = fx.run('replicate', eventOf(record), { target: targetVia('http://127.0.0.1:9') });

    await expect(run).rejects.toThrow();
  });
});
