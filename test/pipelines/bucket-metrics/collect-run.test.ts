import {
  AbortMultipartUploadCommand,
  CreateMultipartUploadCommand,
  UploadPartCommand,
} from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { collectBuckets, UnknownBucketError } from '../../../src/pipelines/bucket-metrics/collect-run.js';
import type { BucketScan, Checkpoint } from '../../../src/pipelines/bucket-metrics/types.js';
import { putObjects, type Store, startStore } from './helpers.js';

/** 1,305 keys in a shape that exercises the fan-out: root keys, a prefix of several pages, deep folders, a folder holding only folders. */
function layout(): { key: string; size: number }[] {
  const objects: { key: string; size: number }[] = [];
  for (let i = 0; i < 1_205; i++)
    objects.push({ key: `big/${String(i).padStart(5, '0')}.bin`, size: (i % 7) * 3 });
  for (let i = 0; i < 60; i++) objects.push({ key: `root-${i}`, size: i % 5 });
  for (let i = 0; i < 30; i++) objects.push({ key: `a/b/c/deep-${i}`, size: 10 });
  for (let i = 0; i < 9; i++) objects.push({ key: `only-folders/x/y/${i}.txt`, size: 100 });
  objects.push({ key: 'folder-marker/', size: 0 }, { key: 'weird//double', size: 77 });
  objects.push({ key: 'big/largest', size: 5_000 });
  return objects;
}

const options = (store: Store, over: Partial<Parameters<typeof collectBuckets>[0]> = {}) => ({
  client: store.client(),
  prefixDepth: 0,
  concurrency: 8,
  countMultipart: true,
  filter: { include: [], exclude: [] },
  runId: 'test',
  ...over,
});

const byBucket = (scans: BucketScan[]) => Object.fromEntries(scans.map((s) => [s.bucket, s]));

describe('collectBuckets on the embedded S3 endpoint', () => {
  let store: Store;
  let expectedBytes: number;
  const objects = layout();

  beforeAll(async () => {
    store = await startStore();
    for (const b of ['full', 'empty', 'small']) await store.server.createBucket(b);
    expectedBytes = await putObjects(store.client(), 'full', objects);
    await putObjects(store.client(), 'small', [{ key: 'one', size: 42 }]);
  });
  afterAll(async () => {
    await store.close();
  });

  it('counts every object and byte across pages and prefixes; an empty bucket is 0', async () => {
    // Act
    const result = await collectBuckets(options(store));
    // Assert
    expect(result.complete).toBe(true);
    const scans = byBucket(result.finished);
    expect(scans.full?.status).toBe('done');
    expect(scans.full?.totals).toMatchObject({
      objects: objects.length,
      bytes: expectedBytes,
      largestObjectBytes: 5_000,
      noncurrentBytes: 0,
    });
    expect(scans.empty?.totals).toMatchObject({ objects: 0, bytes: 0 });
    expect(scans.empty?.status).toBe('done');
    expect(scans.small?.totals).toMatchObject({ objects: 1, bytes: 42 });
    // The endpoint has no versioning: GetBucketVersioning answers "never enabled".
    expect(scans.full?.versioning).toBe('off');
    expect(result.checkpoint.finished.map((f) => f.bucket).sort()).toEqual(['empty', 'full', 'small']);
  });

  it('breaks totals down by prefix to the configured depth', async () => {
    const result = await collectBuckets(options(store, { prefixDepth: 2, only: ['full'] }));
    const prefixes = result.finished[0]?.prefixes ?? {};
    const sum = (p: string) =>
      objects
        .filter((o) => o.key.startsWith(p))
        .reduce((acc, o) => ({ bytes: acc.bytes + o.size, objects: acc.objects + 1 }), {
          bytes: 0,
          objects: 0,
        });
    for (const p of [
      'big/',
      'a/',
      'a/b/',
      'only-folders/',
      'only-folders/x/',
      'folder-marker/',
      'weird/',
      'weird//',
    ]) {
      expect(prefixes[p], p).toEqual(sum(p));
    }
    expect(prefixes['a/b/c/']).toBeUndefined();
  });

  it('applies include/exclude patterns, and --bucket names must exist', async () => {
    const filtered = await collectBuckets(
      options(store, { filter: { include: [/^(full|small|empty)$/], exclude: [/^full$/] } }),
    );
    expect(filtered.finished.map((s) => s.bucket).sort()).toEqual(['empty', 'small']);
    await expect(collectBuckets(options(store, { only: ['small', 'missing'] }))).rejects.toThrow(
      UnknownBucketError,
    );
  });

  it('counts bytes of incomplete multipart uploads', async () => {
    // Arrange
    const client = store.client();
    await store.server.createBucket('uploads');
    const { UploadId } = await client.send(
      new CreateMultipartUploadCommand({ Bucket: 'uploads', Key: 'video' }),
    );
    await client.send(
      new UploadPartCommand({
        Bucket: 'uploads',
        Key: 'video',
        UploadId,
        PartNumber: 1,
        Body: Buffer.alloc(1_000),
      }),
    );
    await client.send(
      new UploadPartCommand({
        Bucket: 'uploads',
        Key: 'video',
        UploadId,
        PartNumber: 2,
        Body: Buffer.alloc(2_500),
      }),
    );
    // Act
    const result = await collectBuckets(options(store, { only: ['uploads'] }));
    // Assert
    expect(result.finished[0]).toMatchObject({
      incompleteMultipartBytes: 3_500,
      totals: { objects: 0, bytes: 0 },
    });
    await client.send(new AbortMultipartUploadCommand({ Bucket: 'uploads', Key: 'video', UploadId }));
  });

  it('stops at the time budget, checkpoints, and the resumed run reaches the same totals', async () => {
    // Arrange: stop after 4 listing requests in each invocation.
    let invocations = 0;
    let checkpoint: Checkpoint | undefined;
    const finished: BucketScan[] = [];
    // Act
    do {
      let budget = 4;
      const json = checkpoint ? (JSON.parse(JSON.stringify(checkpoint)) as Checkpoint) : undefined;
      const result = await collectBuckets(
        options(store, {
          only: ['full', 'empty'],
          concurrency: 2,
          shouldStop: () => budget-- <= 0,
          ...(json ? { resume: json } : {}),
        }),
      );
      finished.push(...result.finished);
      checkpoint = result.complete ? undefined : result.checkpoint;
      if (checkpoint) {
        expect(checkpoint.scans.every((s) => s.status === 'pending' && s.pending.length > 0)).toBe(true);
        checkpoint.sequence++;
      }
      invocations++;
    } while (checkpoint && invocations < 100);
    // Assert
    expect(invocations).toBeGreaterThan(3);
    const scans = byBucket(finished);
    expect(scans.full?.totals).toMatchObject({
      objects: objects.length,
      bytes: expectedBytes,
      largestObjectBytes: 5_000,
    });
    expect(scans.empty?.totals.objects).toBe(0);
  });
});
