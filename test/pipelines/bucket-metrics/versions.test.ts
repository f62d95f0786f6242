import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { collectBuckets } from '../../../src/pipelines/bucket-metrics/collect-run.js';
import { bucketMetricData } from '../../../src/pipelines/bucket-metrics/metric-data.js';
import type { BucketScan, Checkpoint } from '../../../src/pipelines/bucket-metrics/types.js';
import { type Fault, type FaultProxy, type Store, startFaultProxy, startStore } from './helpers.js';

/** One entry of a versioned bucket, newest version of a key first (S3's listing order). */
interface Entry {
  key: string;
  versionId: string;
  latest: boolean;
  size: number;
  deleteMarker?: boolean;
}

/**
 * A versioned bucket: the embedded endpoint has no versioning, so the proxy answers
 * GetBucketVersioning (Enabled) and ListObjectVersions from this list, with S3's paging
 * rules (prefix, delimiter roll-up, key/version-id markers, max-keys).
 */
function versionedBucket(): Entry[] {
  const entries: Entry[] = [
    { key: 'docs/a.txt', versionId: 'a3', latest: true, size: 30 },
    { key: 'docs/a.txt', versionId: 'a2', latest: false, size: 20 },
    { key: 'docs/a.txt', versionId: 'a1', latest: false, size: 10 },
    // Deleted: its latest version is a delete marker, so it is no object, but its bytes stay billed.
    { key: 'docs/b.txt', versionId: 'b2', latest: true, size: 0, deleteMarker: true },
    { key: 'docs/b.txt', versionId: 'b1', latest: false, size: 50 },
    { key: 'readme', versionId: 'r1', latest: true, size: 7 },
  ];
  // 1,400 keys with 2 versions each, the first with 3: 1,000-entry pages end between two
  // versions of one key, so continuing needs the version-id marker.
  for (let i = 0; i < 1_400; i++) {
    const key = `logs/${String(i).padStart(5, '0')}`;
    entries.push(
      { key, versionId: `${i}-new`, latest: true, size: i % 13 },
      { key, versionId: `${i}-old`, latest: false, size: 100 },
    );
    if (i === 0) entries.push({ key, versionId: '0-older', latest: false, size: 1 });
  }
  entries.push({ key: 'logs/big', versionId: 'big', latest: true, size: 9_000 });
  return entries.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
}

const xmlText = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

function listVersions(entries: readonly Entry[], query: URLSearchParams): string {
  const prefix = query.get('prefix') ?? '';
  const delimiter = query.get('delimiter') ?? '';
  const keyMarker = query.get('key-marker') ?? '';
  const versionMarker = query.get('version-id-marker') ?? '';
  const maxKeys = Number(query.get('max-keys') ?? 1000);
  let start = 0;
  if (keyMarker) {
    const marker = entries.findIndex((e) => e.key === keyMarker && e.versionId === versionMarker);
    start = versionMarker && marker >= 0 ? marker + 1 : entries.findIndex((e) => e.key > keyMarker);
    if (start < 0) start = entries.length;
  }
  const items: string[] = [];
  const prefixes: string[] = [];
  let last: { key: string; versionId?: string } | undefined;
  let truncated = false;
  for (let i = start; i < entries.length; i++) {
    const e = entries[i] as Entry;
    if (!e.key.startsWith(prefix)) continue;
    const cut = delimiter ? e.key.indexOf(delimiter, prefix.length) : -1;
    const rolled = cut >= 0 ? e.key.slice(0, cut + delimiter.length) : undefined;
    // A marker that is a rolled-up prefix skips everything under it.
    if (rolled && (rolled === keyMarker || rolled === last?.key)) continue;
    if (items.length + prefixes.length === maxKeys) {
      truncated = true;
      break;
    }
    if (rolled) {
      prefixes.push(rolled);
      last = { key: rolled };
      continue;
    }
    const tag = e.deleteMarker ? 'DeleteMarker' : 'Version';
    items.push(
      `<${tag}><Key>${xmlText(e.key)}</Key><VersionId>${e.versionId}</VersionId><IsLatest>${e.latest}</IsLatest><LastModified>2025-01-01T00:00:00.000Z</LastModified>${e.deleteMarker ? '' : `<ETag>"x"</ETag><Size>${e.size}</Size><StorageClass>STANDARD</StorageClass>`}</${tag}>`,
    );
    last = { key: e.key, versionId: e.versionId };
  }
  const next =
    truncated && last
      ? `<NextKeyMarker>${xmlText(last.key)}</NextKeyMarker>${last.versionId ? `<NextVersionIdMarker>${last.versionId}</NextVersionIdMarker>` : ''}`
      : '';
  return `<ListVersionsResult xmlns="http://s3.amazonaws.com/doc/2006-03-01/"><Name>versioned</Name><Prefix>${xmlText(prefix)}</Prefix><KeyMarker>${xmlText(keyMarker)}</KeyMarker><VersionIdMarker>${versionMarker}</VersionIdMarker><MaxKeys>${maxKeys}</MaxKeys><Delimiter>${delimiter}</Delimiter><IsTruncated>${truncated}</IsTruncated>${next}${items.join('')}${prefixes.map((p) => `<CommonPrefixes><Prefix>${xmlText(p)}</Prefix></CommonPrefixes>`).join('')}</ListVersionsResult>`;
}

describe('collectBuckets on a versioned bucket', () => {
  let store: Store;
  let proxy: FaultProxy;
  const entries = versionedBucket();
  const current = entries.filter((e) => e.latest && !e.deleteMarker);
  const noncurrent = entries.filter((e) => !e.latest && !e.deleteMarker);
  const sum = (list: Entry[]) => list.reduce((n, e) => n + e.size, 0);
  let versionPages = 0;

  beforeAll(async () => {
    store = await startStore();
    await store.server.createBucket('versioned');
    proxy = await startFaultProxy(store.server.url, (req): Fault => {
      if (req.bucket !== 'versioned' || req.method !== 'GET' || req.key !== undefined)
        return { kind: 'forward' };
      if (req.query.has('versioning')) {
        return {
          kind: 'xml',
          body: '<VersioningConfiguration xmlns="http://s3.amazonaws.com/doc/2006-03-01/"><Status>Enabled</Status></VersioningConfiguration>',
        };
      }
      if (req.query.has('versions')) {
        versionPages++;
        return { kind: 'xml', body: listVersions(entries, req.query) };
      }
      if (req.query.get('list-type') === '2') {
        return {
          kind: 'error',
          status: 500,
          code: 'Unexpected',
          message: 'a versioned bucket is listed by versions',
        };
      }
      return { kind: 'forward' };
    });
  });
  afterAll(async () => {
    await proxy.close();
    await store.close();
  });

  const options = (over: Partial<Parameters<typeof collectBuckets>[0]> = {}) => ({
    client: store.client(proxy.url, 1),
    prefixDepth: 1,
    concurrency: 4,
    countMultipart: true,
    filter: { include: [], exclude: [] },
    runId: 'versions',
    only: ['versioned'],
    ...over,
  });

  it('counts current versions as objects, noncurrent ones apart, and skips delete markers', async () => {
    // Act
    const result = await collectBuckets(options());
    // Assert
    const scan = result.finished[0] as BucketScan;
    expect(scan.status).toBe('done');
    expect(scan.versioning).toBe('enabled');
    expect(scan.totals).toEqual({
      objects: current.length,
      bytes: sum(current),
      largestObjectBytes: 9_000,
      noncurrentVersions: noncurrent.length,
      noncurrentBytes: sum(noncurrent),
    });
    // logs/ spans 3+ pages of versions; the breakdown holds current objects only.
    const logs = current.filter((e) => e.key.startsWith('logs/'));
    expect(scan.prefixes['logs/']).toEqual({ objects: logs.length, bytes: sum(logs) });
    expect(scan.prefixes['docs/']).toEqual({ objects: 1, bytes: 30 });
    const metrics = Object.fromEntries(
      bucketMetricData(scan)
        .filter((d) => Object.keys(d.dimensions ?? {}).length === 1)
        .map((d) => [d.name, d.value]),
    );
    expect(metrics).toMatchObject({
      BucketSizeBytes: sum(current),
      NumberOfObjects: current.length,
      NoncurrentVersionBytes: sum(noncurrent),
    });
  });

  it('resumes a versions listing from its key and version-id markers after a checkpoint', async () => {
    // Arrange: one listing request per invocation, the checkpoint round-tripped through JSON.
    let checkpoint: Checkpoint | undefined;
    let invocations = 0;
    let scan: BucketScan | undefined;
    const before = versionPages;
    // Act
    do {
      let budget = 1;
      const resume = checkpoint ? (JSON.parse(JSON.stringify(checkpoint)) as Checkpoint) : undefined;
      const result = await collectBuckets(
        options({ concurrency: 1, shouldStop: () => budget-- <= 0, ...(resume ? { resume } : {}) }),
      );
      scan = result.finished[0] ?? scan;
      checkpoint = result.complete ? undefined : result.checkpoint;
      invocations++;
    } while (checkpoint && invocations < 50);
    // Assert
    expect(invocations).toBeGreaterThan(4);
    expect(versionPages - before).toBeGreaterThan(4);
    expect(scan?.totals).toMatchObject({
      objects: current.length,
      bytes: sum(current),
      noncurrentBytes: sum(noncurrent),
    });
  });
});
