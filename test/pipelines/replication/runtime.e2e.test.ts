import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import {
  CreateBucketCommand,
  DeleteBucketCommand,
  DeleteObjectCommand,
  GetObjectTaggingCommand,
  HeadObjectCommand,
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
import { REPO, runCli, until } from '../../local/runtime/helpers.js';
import { bodyOf, SOURCE, TARGET_SECRET } from './helpers.js';

// A second embedded endpoint with its own keys stands in for Lyve Cloud.
const LYVE = { accessKeyId: 'lyve-key', secretAccessKey: 'lyve-secret-key' };
const REPLICA = 'lyve-replica';

describe('replication end to end through the local runtime', () => {
  let runtime: Runtime;
  let lyve: S3Server;
  let source: S3Client;
  let target: S3Client;
  let dir: string;
  let env: Record<string, string>;

  beforeAll(async () => {
    dir = mkdtempSync(path.join(os.tmpdir(), 'tributary-replication-e2e-'));
    lyve = await startS3Server({ dataDir: path.join(dir, 'lyve'), port: 0, credentials: [LYVE] });
    await lyve.createBucket(REPLICA);
    writeFileSync(
      path.join(dir, 'tributary.config.json'),
      JSON.stringify({
        retryBaseDelayMs: 50,
        pipelines: { replication: { config: { TARGET_BUCKET: REPLICA, TARGET_PREFIX: 'from-local/' } } },
        secrets: {
          [TARGET_SECRET]: {
            lc_access_key: LYVE.accessKeyId,
            lc_secret_key: LYVE.secretAccessKey,
            lc_endpoint_url: lyve.url,
          },
        },
      }),
    );
    env = {
      TRIBUTARY_CONFIG: path.join(dir, 'tributary.config.json'),
      ...isolatedRuntimeEnv(path.join(dir, 'state')),
    };
    const config = loadConfig({ pipelines: [replication], env, cwd: REPO });
    runtime = await startRuntime({
      pipelines: [replication],
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
    await lyve?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const onTarget = (key: string) =>
    until(() =>
      target
        .send(new HeadObjectCommand({ Bucket: REPLICA, Key: `from-local/${key}` }))
        .catch(() => undefined),
    );

  it('copies an object put with the AWS SDK to the other store, with headers, metadata and tags', async () => {
    // Arrange
    const key = 'reports/2026 Q3 ünïcode+plus.json';

    // Act: an ordinary client write; the runtime delivers the S3 event to the replicate function
    await source.send(
      new PutObjectCommand({
        Bucket: SOURCE,
        Key: key,
        Body: '{"q":3}',
        ContentType: 'application/json',
        CacheControl: 'no-cache',
        Metadata: { team: 'finance' },
        Tagging: 'class=internal',
      }),
    );
    const head = await onTarget(key);

    // Assert
    expect(head).toMatchObject({
      ContentType: 'application/json',
      CacheControl: 'no-cache',
      ContentLength: 7,
    });
    expect(head.Metadata).toMatchObject({ team: 'finance', 'tributary-source-etag': expect.any(String) });
    const tags = await target.send(
      new GetObjectTaggingCommand({ Bucket: REPLICA, Key: `from-local/${key}` }),
    );
    expect(tags.TagSet).toEqual([{ Key: 'class', Value: 'internal' }]);
    expect((await bodyOf(target, REPLICA, `from-local/${key}`)).toString()).toBe('{"q":3}');
  });

  it('dead-letters an object the target cannot take, and `tributary dlq redrive` copies it once fixed', async () => {
    // Arrange: the target bucket disappears
    const listed = await target.send(new ListObjectsV2Command({ Bucket: REPLICA }));
    for (const o of listed.Contents ?? []) {
      await target.send(new DeleteObjectCommand({ Bucket: REPLICA, Key: o.Key }));
    }
    await target.send(new DeleteBucketCommand({ Bucket: REPLICA }));

    // Act: Lambda's semantics — the first attempt and two retries fail, then the DLQ
    await source.send(new PutObjectCommand({ Bucket: SOURCE, Key: 'late/arrival.txt', Body: 'late' }));
    const letter = await until(() =>
      runtime.dlq.list().find((l) => JSON.stringify(l.event).includes('late/arrival.txt')),
    );

    // Assert: the entry says what to change
    expect(letter).toMatchObject({ functionId: 'replication.replicate', attempts: 3 });
    expect(letter.error.message).toMatch(/target bucket "lyve-replica" does not exist on .*: create it/);

    // Act: fix the target, then redrive as a user would
    await target.send(new CreateBucketCommand({ Bucket: REPLICA }));
    const redrive = await runCli(['dlq', 'redrive', '--id', letter.id], { ...env, TRIBUTARY_PIPELINES: '' });

    // Assert
    expect(redrive.code).toBe(0);
    expect(redrive.stdout).toMatch(/redrove 1 entry/);
    await onTarget('late/arrival.txt');
    expect((await bodyOf(target, REPLICA, 'from-local/late/arrival.txt')).toString()).toBe('late');
    expect(runtime.dlq.list()).toEqual([]);
  });
});
