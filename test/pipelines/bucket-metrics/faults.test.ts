import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { collectBuckets } from '../../../src/pipelines/bucket-metrics/collect-run.js';
import type { BucketScan, Checkpoint } from '../../../src/pipelines/bucket-metrics/types.js';
import {
  type Fault,
  type FaultProxy,
  type ProxiedRequest,
  putObjects,
  type Store,
  seededRandom,
  startFaultProxy,
  startStore,
} from './helpers.js';

const FORWARD: Fault = { kind: 'forward' };
const isListing = (r: ProxiedRequest) =>
  r.method === 'GET' && r.key === undefined && r.query.get('list-type') === '2';

describe('collectBuckets against a faulty store', () => {
  let store: Store;
  let proxy: FaultProxy;
  let decide: (req: ProxiedRequest, save: (id: string) => void) => Fault = () => FORWARD;
  let alphaBytes: number;
  const alphaObjects = 1_150;

  beforeAll(async () => {
    store = await startStore();
    for (const b of ['alpha', 'denied', 'hollow']) await store.server.createBucket(b);
    const client = store.client();
    alphaBytes = await putObjects(
      client,
      'alpha',
      Array.from({ length: alphaObjects }, (_, i) => ({
        key: i < 1_100 ? `p/${i}` : `q/r/${i}`,
        size: i % 11,
      })),
    );
    await putObjects(client, 'denied', [{ key: 'secret', size: 5 }]);
    proxy = await startFaultProxy(store.server.url, (req, save) => decide(req, save));
  });
  afterAll(async () => {
    await proxy.close();
    await store.close();
  });

  // The SDK's own retries are off (maxAttempts 1): the pipeline's backoff must do the work.
  const run = () =>
    collectBuckets({
      client: store.client(proxy.url, 1),
      prefixDepth: 0,
      concurrency: 8,
      countMultipart: true,
      filter: { include: [], exclude: [] },
      runId: 'faults',
    }).then((r) => Object.fromEntries(r.finished.map((s) => [s.bucket, s])) as Record<string, BucketScan>);

  it('reports AccessDenied for a bucket the credentials cannot list and measures the others', async () => {
    // Arrange
    decide = (req) =>
      req.bucket === 'denied'
        ? { kind: 'error', status: 403, code: 'AccessDenied', message: 'Access Denied' }
        : FORWARD;
    // Act
    const scans = await run();
    // Assert
    expect(scans.denied).toMatchObject({ status: 'failed', error: { code: 'AccessDenied' } });
    expect(scans.alpha).toMatchObject({
      status: 'done',
      totals: { objects: alphaObjects, bytes: alphaBytes },
    });
    expect(scans.hollow).toMatchObject({ status: 'done', totals: { objects: 0, bytes: 0 } });
  });

  it('backs off through 503 SlowDown answers and still counts exactly', async () => {
    const random = seededRandom(7);
    decide = () =>
      random() < 0.3
        ? { kind: 'error', status: 503, code: 'SlowDown', message: 'Please reduce your request rate.' }
        : FORWARD;
    const before = proxy.counts.error;
    const scans = await run();
    expect(proxy.counts.error - before).toBeGreaterThan(3);
    expect(scans.alpha).toMatchObject({
      status: 'done',
      totals: { objects: alphaObjects, bytes: alphaBytes },
    });
    expect(scans.denied).toMatchObject({ status: 'done', totals: { objects: 1, bytes: 5 } });
  });

  it('keeps a prefix still throttled when the time budget runs out for the next invocation', async () => {
    // Arrange: every listing of alpha is throttled; the budget runs out after 3 SlowDowns.
    decide = (req) =>
      req.bucket === 'alpha' && isListing(req)
        ? { kind: 'error', status: 503, code: 'SlowDown', message: 'Please reduce your request rate.' }
        : FORWARD;
    const from = proxy.counts.error;
    const options = {
      client: store.client(proxy.url, 1),
      prefixDepth: 0,
      concurrency: 8,
      countMultipart: true,
      filter: { include: [], exclude: [] },
      runId: 'throttled',
      only: ['alpha'],
    };
    // Act
    const first = await collectBuckets({ ...options, shouldStop: () => proxy.counts.error - from >= 3 });
    decide = () => FORWARD;
    const resumed = await collectBuckets({
      ...options,
      resume: JSON.parse(JSON.stringify(first.checkpoint)) as Checkpoint,
    });
    // Assert: paused, not failed; the next invocation counts everything.
    expect(first.complete).toBe(false);
    expect(first.checkpoint.scans[0]).toMatchObject({
      bucket: 'alpha',
      status: 'pending',
      pending: [{ prefix: '' }],
    });
    expect(resumed.complete).toBe(true);
    expect(resumed.finished[0]).toMatchObject({
      status: 'done',
      totals: { objects: alphaObjects, bytes: alphaBytes },
    });
  });

  it('follows a page with no keys but a continuation token', async () => {
    // Every first page of a prefix comes back empty, with a token that leads to the real first page.
    let id = 0;
    decide = (req, save) => {
      if (!isListing(req)) return FORWARD;
      const token = req.query.get('continuation-token');
      if (token?.startsWith('empty-')) return { kind: 'replay', id: token };
      if (token) return FORWARD;
      const saved = `empty-${++id}`;
      save(saved);
      return { kind: 'emptyPage', token: saved };
    };
    const scans = await run();
    expect(id).toBeGreaterThan(3);
    expect(scans.alpha).toMatchObject({
      status: 'done',
      totals: { objects: alphaObjects, bytes: alphaBytes },
    });
    expect(scans.hollow).toMatchObject({ status: 'done', totals: { objects: 0 } });
  });

  it('fails, instead of looping, a listing that keeps answering empty pages', async () => {
    let n = 0;
    decide = (req) => {
      if (req.bucket !== 'alpha' || !isListing(req)) return FORWARD;
      const token = req.query.get('continuation-token');
      // Endless fresh tokens on one bucket: caught by the empty-page cap.
      return { kind: 'emptyPage', token: token ? `next-${++n}` : 'first' };
    };
    const scans = await run();
    expect(scans.alpha).toMatchObject({ status: 'failed', error: { code: 'InvalidListing' } });
    expect(scans.alpha?.error?.message).toMatch(/pages in a row with no keys/);
    expect(scans.denied?.status).toBe('done');

    decide = (req) =>
      req.bucket === 'alpha' && isListing(req) ? { kind: 'emptyPage', token: 'same-token' } : FORWARD;
    const again = await run();
    expect(again.alpha?.error?.message).toMatch(/returned the continuation it was given/);
  });

  it('treats a store without versioning or multipart listing as unversioned, and says so', async () => {
    decide = (req) =>
      req.query.has('versioning') || req.query.has('uploads')
        ? { kind: 'error', status: 501, code: 'NotImplemented', message: 'not implemented' }
        : FORWARD;
    const scans = await run();
    expect(scans.alpha).toMatchObject({
      status: 'done',
      versioning: 'unsupported',
      incompleteMultipartBytes: null,
      totals: { objects: alphaObjects, bytes: alphaBytes },
    });
    expect(scans.alpha?.notes).toEqual([
      'GetBucketVersioning answered NotImplemented: listed as unversioned',
      'ListMultipartUploads answered NotImplemented: incomplete multipart bytes not counted',
    ]);
  });
});
