import { createHash } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { collectBuckets } from '../../../src/pipelines/bucket-metrics/collect-run.js';
import type { BucketScan, Checkpoint } from '../../../src/pipelines/bucket-metrics/types.js';
import { type FaultProxy, putObjects, type Store, startFaultProxy, startStore } from './helpers.js';

/**
 * A flat bucket: 1,150 keys with no "/" (hex names, as hashes or UUIDs give), a few
 * non-ASCII ones, and two folders whose names sort among them, so common prefixes and
 * split ranges meet.
 */
function flatLayout(): { key: string; size: number }[] {
  const objects = Array.from({ length: 1_150 }, (_, i) => ({
    key: createHash('md5').update(String(i)).digest('hex').slice(0, 12),
    size: i % 17,
  }));
  objects.push(
    { key: '7f/inside-a-folder', size: 1_000 },
    { key: '7f/another', size: 3 },
    { key: 'c0/x/deep', size: 5 },
    { key: 'é-accented', size: 11 },
    { key: '\u{1F600}-emoji', size: 13 },
  );
  return objects;
}

describe('collectBuckets on a flat bucket', () => {
  let store: Store;
  let proxy: FaultProxy;
  let expectedBytes: number;
  const objects = flatLayout();
  const startAfters: string[] = [];

  beforeAll(async () => {
    store = await startStore();
    await store.server.createBucket('flat');
    expectedBytes = await putObjects(store.client(), 'flat', objects);
    proxy = await startFaultProxy(store.server.url, (req) => {
      const after = req.query.get('start-after');
      if (after !== null) startAfters.push(after);
      return { kind: 'forward' };
    });
  });
  afterAll(async () => {
    await proxy.close();
    await store.close();
  });

  const options = (over: Partial<Parameters<typeof collectBuckets>[0]> = {}) => ({
    client: store.client(proxy.url),
    prefixDepth: 1,
    concurrency: 8,
    countMultipart: false,
    filter: { include: [], exclude: [] },
    runId: 'split',
    only: ['flat'],
    ...over,
  });

  it('splits the keys into ranges listed concurrently and counts each key once', async () => {
    // Act
    const result = await collectBuckets(options());
    // Assert
    const scan = result.finished[0] as BucketScan;
    expect(scan.status).toBe('done');
    expect(scan.totals).toMatchObject({ objects: objects.length, bytes: expectedBytes });
    expect(scan.prefixes['7f/']).toEqual({ objects: 2, bytes: 1_003 });
    expect(scan.prefixes['c0/']).toEqual({ objects: 1, bytes: 5 });
    expect(startAfters.length).toBeGreaterThanOrEqual(2);
  });

  it('checkpoints split ranges and resumes them to the same totals', async () => {
    // Arrange: two listing requests per invocation, the checkpoint round-tripped through JSON.
    let checkpoint: Checkpoint | undefined;
    let scan: BucketScan | undefined;
    let invocations = 0;
    // Act
    do {
      let budget = 2;
      const resume = checkpoint ? (JSON.parse(JSON.stringify(checkpoint)) as Checkpoint) : undefined;
      const result = await collectBuckets(
        options({ shouldStop: () => budget-- <= 0, ...(resume ? { resume } : {}) }),
      );
      scan = result.finished[0] ?? scan;
      checkpoint = result.complete ? undefined : result.checkpoint;
      if (checkpoint?.scans[0]?.pending.some((w) => w.until !== undefined || w.after !== undefined)) {
        checkpoint.sequence++;
      }
      invocations++;
    } while (checkpoint && invocations < 200);
    // Assert
    expect(invocations).toBeGreaterThan(3);
    expect(scan?.totals).toMatchObject({ objects: objects.length, bytes: expectedBytes });
  });
});
