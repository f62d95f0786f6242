import { createHash, randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import {
  HeadObjectCommand,
  ListMultipartUploadsCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  S3Client,
} from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../../src/local/config.js';
import { type Runtime, startRuntime } from '../../../src/local/runtime.js';
import { type S3Server, startS3Server } from '../../../src/local/s3/index.js';
import replication from '../../../src/pipelines/replication/pipeline.js';
import { isolatedRuntimeEnv } from '../../helpers/runtime-env.js';
import { REPO, until } from '../../local/runtime/helpers.js';
import { type FaultProxy, startFaultProxy } from './fault-proxy.js';
import { bodyOf, SOURCE, STATE, TARGET_SECRET } from './helpers.js';

const LYVE = { accessKeyId: 'lyve-key', secretAccessKey: 'lyve-secret-key' };
const REPLICA = 'lyve-replica';
const MiB = 1024 * 1024;
const sha256 = (b: Buffer) => createHash('sha256').update(b).digest('hex');

// The replicate function with a 12 s timeout: after the 10 s safety margin, each invocation
// has about two seconds to copy before it hands over to the next one.
const shortLived = {
  ...replication,
  functions: {
    ...replication.functions,
    replicate: { ...replication.functions.replicate, timeoutSeconds: 12 },
  },
};

describe('a copy longer than one invocation, through the local runtime', () => {
  let runtime: Runtime;
  let lyve: S3Server;
  let slowLyve: FaultProxy;
  let source: S3Client;
  let target: S3Client;
  let dir: string;

  beforeAll(async () => {
    dir = mkdtempSync(path.join(os.tmpdir(), 'tributary-replication-continue-'));
    lyve = await startS3Server({ dataDir: path.join(dir, 'lyve'), port: 0, credentials: [LYVE] });
    await lyve.createBucket(REPLICA);
    // A slow store: every part is answered 400 ms late.
    slowLyve = await startFaultProxy(
      lyve.url,
      () => undefined,
      (req) => (req.method === 'PUT' && req.url?.includes('partNumber=') ? 400 : 0),
    );
    writeFileSync(
      path.join(dir, 'tributary.config.json'),
      JSON.stringify({
        pipelines: {
          replication: { config: { TARGET_BUCKET: REPLICA, PART_SIZE_MB: '5', PART_CONCURRENCY: '1' } },
        },
        secrets: {
          [TARGET_SECRET]: {
            lc_access_key: LYVE.accessKeyId,
            lc_secret_key: LYVE.secretAccessKey,
            lc_endpoint_url: slowLyve.url,
          },
        },
      }),
    );
    const env = {
      TRIBUTARY_CONFIG: path.join(dir, 'tributary.config.json'),
      ...isolatedRuntimeEnv(path.join(dir, 'state')),
    };
    const config = loadConfig({ pipelines: [shortLived], env, cwd: REPO });
    runtime = await startRuntime({
      pipelines: [shortLived],
      config,
      gateway: false,
      scheduler: false,
      pollMs: 50,
    });
    const client = (endpoint: string, credentials: typeof LYVE) =>
      new S3Client({ endpoint, region: 'us-east-1', forcePathStyle: true, credentials });
    source = client(runtime.endpoints.s3Url, {
      accessKeyId: config.accessKeyId,
      secretAccessKey: config.secretAccessKey,
    });
    target = client(lyve.url, LYVE);
  });
  afterAll(async () => {
    await runtime?.close();
    source?.destroy();
    target?.destroy();
    await slowLyve?.close();
    await lyve?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('hands the copy over from invocation to invocation until it is complete, byte-identical', async () => {
    // Arrange: 30 MiB = 6 parts of 5 MiB, each taking over 400 ms on the slow store
    const data = randomBytes(30 * MiB);
    const continuations = new Set<string>();
    let watching = true;
    const watch = (async () => {
      while (watching) {
        const listed = await source.send(
          new ListObjectsV2Command({ Bucket: STATE, Prefix: 'continuations/' }),
        );
        for (const o of listed.Contents ?? []) continuations.add(o.Key as string);
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
    expect(cleanedUp).toBe(true);
    expect(head.ETag).toMatch(/-6"$/);
    expect(sha256(await bodyOf(target, REPLICA, 'video/long.mp4'))).toBe(sha256(data));
    const uploads = await target.send(new ListMultipartUploadsCommand({ Bucket: REPLICA }));
    expect(uploads.Uploads ?? []).toEqual([]);
    expect(runtime.dlq.list()).toEqual([]);
  }, 90_000);
});
