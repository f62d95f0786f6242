import { readFileSync, writeFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { CreateBucketCommand, ListObjectsV2Command, S3Client } from '@aws-sdk/client-s3';
import type { Context, ScheduledEvent } from 'aws-lambda';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { clearSecretCache } from '../../../src/clients/index.js';
import { ConfigError } from '../../../src/core/errors.js';
import { runInScope } from '../../../src/core/invocation.js';
import type { StoredMetric } from '../../../src/core/metrics.js';
import { loadConfig } from '../../../src/local/config.js';
import { type Runtime, startRuntime } from '../../../src/local/runtime.js';
import { startS3Server } from '../../../src/local/s3/index.js';
import { type CollectSummary, collect } from '../../../src/pipelines/bucket-metrics/handler.js';
import pipeline from '../../../src/pipelines/bucket-metrics/pipeline.js';
import { parseMetricsHistory } from '../../../src/pipelines/bucket-metrics/prometheus.js';
import { isolatedRuntimeEnv } from '../../helpers/runtime-env.js';
import { putObjects } from './helpers.js';

const FN = 'bucket-metrics.collect';
const STATE = 'tributary-bucket-metrics-state';
const SECRET = 'tributary/bucket-metrics/store';

const scheduled: ScheduledEvent = {
  version: '0',
  id: 'e1',
  'detail-type': 'Scheduled Event',
  source: 'aws.events',
  account: '000000000000',
  time: '2025-01-01T00:00:00Z',
  region: 'us-east-1',
  resources: ['arn:aws:events:us-east-1:000000000000:rule/bucket-metrics-collect-schedule'],
  detail: {},
};

/** A Lambda context whose remaining time drops below the reserve after `calls` questions. */
function contextRunningOutAfter(calls: number): Context {
  let asked = 0;
  return {
    functionName: 'bucket-metrics-collect',
    awsRequestId: 'test',
    getRemainingTimeInMillis: () => (++asked > calls ? 1_000 : 600_000),
  } as unknown as Context;
}

describe('bucket-metrics.collect in the local runtime', () => {
  let dir: string;
  let runtime: Runtime;
  let client: S3Client;
  let dataBytes: number;

  const metrics = (): StoredMetric[] => {
    try {
      return parseMetricsHistory(readFileSync(runtime.paths.metrics, 'utf8'));
    } catch {
      return [];
    }
  };
  const latest = (all: StoredMetric[], name: string, bucket: string) =>
    all.filter((m) => m.name === name && m.dimensions.BucketName === bucket && !m.dimensions.Prefix).at(-1)
      ?.value;
  const writeSecrets = (secrets: Record<string, unknown>) => {
    writeFileSync(runtime.paths.secrets, JSON.stringify(secrets));
    clearSecretCache();
  };

  beforeAll(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'bucket-metrics-runtime-'));
    const env = {
      ...isolatedRuntimeEnv(path.join(dir, 'state')),
      TRIBUTARY_RETRY_BASE_MS: '100',
    };
    const config = loadConfig({ pipelines: [pipeline], env, cwd: dir });
    (config.pipelines['bucket-metrics'] as { config: Record<string, string> }).config = { CONCURRENCY: '4' };
    runtime = await startRuntime({
      pipelines: [pipeline],
      config,
      gateway: false,
      scheduler: false,
      pollMs: 50,
    });
    client = new S3Client({
      endpoint: runtime.endpoints.s3Url,
      region: config.region,
      forcePathStyle: true,
      credentials: { accessKeyId: config.accessKeyId, secretAccessKey: config.secretAccessKey },
    });
    await client.send(new CreateBucketCommand({ Bucket: 'data-a' }));
    await client.send(new CreateBucketCommand({ Bucket: 'data-empty' }));
    dataBytes = await putObjects(
      client,
      'data-a',
      Array.from({ length: 240 }, (_, i) => ({ key: `${['x', 'y', 'z'][i % 3]}/${i}`, size: 100 + i })),
    );
  });
  afterAll(async () => {
    client.destroy();
    await runtime.close();
    await rm(dir, { recursive: true, force: true });
  });
  beforeEach(() => writeSecrets({}));

  it('measures the embedded endpoint when no store secret is configured', async () => {
    // Act
    const [summary] = (await runtime.invoke(FN, scheduled)) as CollectSummary[];
    // Assert
    expect(summary).toMatchObject({ finished: 3, failed: [], sequence: 0 });
    expect(summary?.continuation).toBeUndefined();
    const all = metrics();
    expect(latest(all, 'BucketSizeBytes', 'data-a')).toBe(dataBytes);
    expect(latest(all, 'NumberOfObjects', 'data-a')).toBe(240);
    expect(latest(all, 'BucketSizeBytes', 'data-empty')).toBe(0);
    expect(latest(all, 'NumberOfObjects', 'data-empty')).toBe(0);
    expect(latest(all, 'CollectionErrors', 'data-a')).toBe(0);
    expect(
      all.every((m) => m.namespace === 'LyveCloudBucketSizes' || m.namespace === 'Tributary/BucketMetrics'),
    ).toBe(true);
  });

  it('checkpoints when the time budget runs out; the checkpoint object invokes the continuation', async () => {
    // Arrange
    const fn = runtime.functions.get(FN);
    if (!fn) throw new Error('function not resolved');
    const before = metrics().length;
    // Act: the first invocation runs in the function's own scope (env + grants) and runs out of time.
    const [first] = await runInScope({ env: fn.env, guard: fn.guard }, () =>
      collect(scheduled, contextRunningOutAfter(4)),
    );
    // Assert
    expect(first?.continuation).toMatch(/^bucket-metrics\/checkpoints\/.+\/00001\.json$/);
    const fresh = async () => metrics().slice(before);
    for (let i = 0; i < 200 && latest(await fresh(), 'NumberOfObjects', 'data-a') === undefined; i++)
      await sleep(50);
    const added = await fresh();
    expect(latest(added, 'BucketSizeBytes', 'data-a')).toBe(dataBytes);
    expect(latest(added, 'NumberOfObjects', 'data-a')).toBe(240);
    expect(latest(added, 'NumberOfObjects', 'data-empty')).toBe(0);
    // Each bucket is published once per run, whichever invocation finished it.
    expect(
      added.filter((m) => m.name === 'NumberOfObjects' && m.dimensions.BucketName === 'data-a'),
    ).toHaveLength(1);
    for (let i = 0; i < 100 && (await checkpoints(client)).length > 0; i++) await sleep(50);
    expect(await checkpoints(client)).toEqual([]);
    expect(runtime.dlq.depth()).toBe(0);
  });

  it('measures the store a secret names (another endpoint, its own keys)', async () => {
    // Arrange: a second S3-compatible store, reached only through the secret.
    const other = await startS3Server({
      port: 0,
      dataDir: path.join(dir, 'other'),
      credentials: [{ accessKeyId: 'lc-key', secretAccessKey: 'lc-secret' }],
    });
    try {
      await other.createBucket('lyve-bucket');
      const otherClient = new S3Client({
        endpoint: other.url,
        region: 'us-east-1',
        forcePathStyle: true,
        credentials: { accessKeyId: 'lc-key', secretAccessKey: 'lc-secret' },
      });
      const bytes = await putObjects(otherClient, 'lyve-bucket', [
        { key: 'a', size: 1_000 },
        { key: 'b/c', size: 24 },
      ]);
      otherClient.destroy();
      writeSecrets({
        [SECRET]: { lc_access_key: 'lc-key', lc_secret_key: 'lc-secret', lc_endpoint_url: other.url },
      });
      // Act
      const [summary] = (await runtime.invoke(FN, scheduled)) as CollectSummary[];
      // Assert
      expect(summary).toMatchObject({ buckets: 1, finished: 1, failed: [] });
      const all = metrics();
      expect(latest(all, 'BucketSizeBytes', 'lyve-bucket')).toBe(bytes);
      expect(latest(all, 'NumberOfObjects', 'lyve-bucket')).toBe(2);
    } finally {
      await other.close();
    }
  });

  it('fails the invocation with a clear error when the secret is incomplete or the store refuses the keys', async () => {
    writeSecrets({ [SECRET]: { lc_access_key: 'k', lc_endpoint_url: runtime.endpoints.s3Url } });
    await expect(runtime.invoke(FN, scheduled)).rejects.toThrow(/lacks lc_secret_key/);
    await expect(runtime.invoke(FN, scheduled)).rejects.toBeInstanceOf(ConfigError);

    writeSecrets({
      [SECRET]: { lc_access_key: 'k', lc_secret_key: 'wrong', lc_endpoint_url: runtime.endpoints.s3Url },
    });
    await expect(runtime.invoke(FN, scheduled)).rejects.toThrow(/access key|InvalidAccessKeyId|signature/i);
  });

  it('refuses to start without time to do anything, and ignores events for other keys', async () => {
    const fn = runtime.functions.get(FN);
    if (!fn) throw new Error('function not resolved');
    await expect(
      runInScope({ env: fn.env, guard: fn.guard }, () => collect(scheduled, contextRunningOutAfter(0))),
    ).rejects.toThrow(/CHECKPOINT_RESERVE_SECONDS/);
    const other = { Records: [{ s3: { bucket: { name: STATE }, object: { key: 'unrelated.txt' } } }] };
    await expect(
      runInScope({ env: fn.env, guard: fn.guard }, () => collect(other as never, contextRunningOutAfter(10))),
    ).resolves.toEqual([]);
  });
});

async function checkpoints(client: S3Client): Promise<string[]> {
  const out = await client.send(
    new ListObjectsV2Command({ Bucket: STATE, Prefix: 'bucket-metrics/checkpoints/' }),
  );
  return (out.Contents ?? []).map((o) => o.Key ?? '');
}
