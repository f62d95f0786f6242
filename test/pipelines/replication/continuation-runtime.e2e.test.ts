import { createHash, randomBytes } from 'node:crypto';
import {
  HeadObjectCommand,
  ListMultipartUploadsCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  type S3Client,
} from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ContinuingCopy } from '../../../src/console/panels/replication.js';
import type { Pipeline } from '../../../src/core/pipeline.js';
import type { Runtime } from '../../../src/local/runtime.js';
import replication from '../../../src/pipelines/replication/pipeline.js';
import { until } from '../../local/runtime/helpers.js';
import { type FaultProxy, startFaultProxy } from './fault-proxy.js';
import { bodyOf, SOURCE, STATE } from './helpers.js';
import { REPLICA, type ReplicationRuntime, startReplicationRuntime } from './runtime-fixture.js';

const MiB = 1024 * 1024;
const sha256 = (b: Buffer) => createHash('sha256').update(b).digest('hex');

// The replicate function with a 12 s timeout: after the 10 s safety margin, each invocation
// has about two seconds to copy before it hands over to the next one.
const { replicate } = replication.functions;
if (!replicate) throw new Error('replication declares no replicate function');
const shortLived: Pipeline = {
  ...replication,
  functions: { ...replication.functions, replicate: { ...replicate, timeoutSeconds: 12 } },
};

describe('a copy longer than one invocation, through the local runtime', () => {
  let fx: ReplicationRuntime;
  let slowLyve: FaultProxy | undefined;
  let source: S3Client;
  let target: S3Client;
  let runtime: Runtime;

  beforeAll(async () => {
    fx = await startReplicationRuntime({
      pipeline: shortLived,
      config: { PART_SIZE_MB: '5', PART_CONCURRENCY: '1' },
      gateway: true,
      // A slow store: every part is answered 400 ms late.
      targetUrl: async (lyveUrl) => {
        slowLyve = await startFaultProxy(
          lyveUrl,
          () => undefined,
          (req) => (req.method === 'PUT' && req.url?.includes('partNumber=') ? 400 : 0),
        );
        return slowLyve.url;
      },
    });
    ({ runtime, source, target } = fx);
  });
  afterAll(async () => {
    await slowLyve?.close();
    await fx?.close();
  });

  it('hands the copy over from invocation to invocation until it is complete, byte-identical', async () => {
    // Arrange: 30 MiB = 6 parts of 5 MiB, each taking over 400 ms on the slow store
    const data = randomBytes(30 * MiB);
    const continuations = new Set<string>();
    const shown: ContinuingCopy[] = [];
    let watching = true;
    const watch = (async () => {
      while (watching) {
        const listed = await source.send(
          new ListObjectsV2Command({ Bucket: STATE, Prefix: 'continuations/' }),
        );
        for (const o of listed.Contents ?? []) continuations.add(o.Key as string);
        const status = await fetch(`${runtime.endpoints.httpUrl}/console/api/replication`);
        shown.push(...(((await status.json()) as { continuing?: ContinuingCopy[] }).continuing ?? []));
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
    })();

    // Act: an ordinary write; the runtime delivers its event, then each continuation's event
    await source.send(new PutObjectCommand({ Bucket: SOURCE, Key: 'video/long.mp4', Body: data }));
    const head = await until(
      () =>
        target.send(new HeadObjectCommand({ Bucket: REPLICA, Key: 'video/long.mp4' })).catch(() => undefined),
      60_000,
    );
    const cleanedUp = await until(async () => {
      const left = await source.send(new ListObjectsV2Command({ Bucket: STATE, Prefix: 'continuations/' }));
      return (left.KeyCount ?? 0) === 0;
    });
    watching = false;
    await watch;

    // Assert: it took more than one invocation, and nothing is left behind on either side
    expect(continuations.size).toBeGreaterThan(0);
    // …and the console showed it under way meanwhile
    expect(shown[0]).toMatchObject({
      source: `${SOURCE}/video/long.mp4`,
      target: `${REPLICA}/video/long.mp4`,
      size: data.length,
      partsDone: expect.any(Number),
      invocations: expect.any(Number),
    });
    expect(shown[0]?.bytesDone).toBeGreaterThan(0);
    expect(shown[0]?.bytesDone).toBeLessThan(data.length);
    expect(cleanedUp).toBe(true);
    expect(head.ETag).toMatch(/-6"$/);
    expect(sha256(await bodyOf(target, REPLICA, 'video/long.mp4'))).toBe(sha256(data));
    const uploads = await target.send(new ListMultipartUploadsCommand({ Bucket: REPLICA }));
    expect(uploads.Uploads ?? []).toEqual([]);
    expect(runtime.dlq.list()).toEqual([]);
  }, 90_000);
});
