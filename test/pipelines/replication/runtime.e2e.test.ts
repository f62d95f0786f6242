import {
  CreateBucketCommand,
  DeleteBucketCommand,
  DeleteObjectCommand,
  GetObjectTaggingCommand,
  HeadObjectCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  type S3Client,
} from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Runtime } from '../../../src/local/runtime.js';
import { runCli, until } from '../../local/runtime/helpers.js';
import { bodyOf, SOURCE } from './helpers.js';
import { REPLICA, type ReplicationRuntime, startReplicationRuntime } from './runtime-fixture.js';

describe('replication end to end through the local runtime', () => {
  let fx: ReplicationRuntime;
  let runtime: Runtime;
  let source: S3Client;
  let target: S3Client;
  let env: Record<string, string>;

  beforeAll(async () => {
    fx = await startReplicationRuntime({ config: { TARGET_PREFIX: 'from-local/' }, retryBaseDelayMs: 50 });
    ({ runtime, source, target, env } = fx);
  });
  afterAll(async () => {
    await fx?.close();
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
