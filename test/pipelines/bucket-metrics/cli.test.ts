import { readFileSync, writeFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dashboardPeriod, formatTable } from '../../../src/cli/commands/metrics.js';
import { newBucketScan } from '../../../src/pipelines/bucket-metrics/scan.js';
import { runCliInProcess } from '../../helpers/cli.js';
import { isolatedRuntimeEnv } from '../../helpers/runtime-env.js';
import { type FaultProxy, putObjects, type Store, startFaultProxy, startStore } from './helpers.js';

const cli = (...args: string[]) => runCliInProcess(args);

describe('tributary metrics', () => {
  let dir: string;
  let store: Store;
  let proxy: FaultProxy;
  let secretFile: string;
  let bytes: number;

  beforeAll(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'bucket-metrics-cli-'));
    Object.assign(process.env, {
      ...isolatedRuntimeEnv(path.join(dir, 'state')),
      TRIBUTARY_CONFIG: '',
    });
    store = await startStore();
    await store.server.createBucket('photos');
    await store.server.createBucket('locked');
    bytes = await putObjects(store.client(), 'photos', [
      { key: '2024/a.jpg', size: 2_048 },
      { key: '2025/b.jpg', size: 4_096 },
    ]);
    // The store behind the secret refuses to list "locked" (a bucket policy would).
    proxy = await startFaultProxy(store.server.url, (req) =>
      req.bucket === 'locked'
        ? { kind: 'error', status: 403, code: 'AccessDenied', message: 'Access Denied' }
        : { kind: 'forward' },
    );
    secretFile = path.join(dir, 'store.json');
    writeFileSync(
      secretFile,
      JSON.stringify({
        lc_access_key: 'tributary',
        lc_secret_key: 'tributary-local-secret',
        lc_endpoint_url: proxy.url,
      }),
    );
  });
  afterAll(async () => {
    await proxy.close();
    await store.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('collect prints a table and exits 1 when a bucket could not be listed', async () => {
    // Act
    const { code, stdout, stderr } = await cli('metrics', 'collect', '--endpoint-secret-file', secretFile);
    // Assert
    expect(code).toBe(1);
    expect(stdout).toMatch(/^photos\s+2\s+6\.0 KiB\s+6144\s/m);
    expect(stdout).toMatch(/^locked\s.*ERROR AccessDenied/m);
    expect(stderr).toMatch(/1 bucket\(s\) could not be measured: locked \(AccessDenied/);
    expect(stderr).toMatch(/listed 2 objects/);
    // The measured bucket went to the local metrics history.
    const history = readFileSync(path.join(dir, 'state', 'metrics.jsonl'), 'utf8');
    expect(history).toContain(
      `"name":"BucketSizeBytes","value":${bytes},"unit":"Bytes","dimensions":{"BucketName":"photos"}`,
    );
    expect(history).toContain(
      '"name":"CollectionErrors","value":1,"unit":"Count","dimensions":{"BucketName":"locked"}',
    );
  });

  it('collect --bucket measures only that bucket and exits 0', async () => {
    const { code, stdout } = await cli(
      'metrics',
      'collect',
      '--endpoint-secret-file',
      secretFile,
      '--bucket',
      'photos',
      '--json',
    );
    expect(code).toBe(0);
    const scans = JSON.parse(stdout) as { bucket: string; totals: { bytes: number } }[];
    expect(scans.map((s) => [s.bucket, s.totals.bytes])).toEqual([['photos', bytes]]);
  });

  it.each([
    [['--bucket', 'nope'], /no such bucket in the store: nope/],
    [['--endpoint-secret-file', '/nonexistent.json'], /no such file/],
  ])('collect %j exits 64 with a clear message', async (extra, message) => {
    const args = extra.includes('--endpoint-secret-file')
      ? extra
      : ['--endpoint-secret-file', secretFile, ...extra];
    const { code, stderr } = await cli('metrics', 'collect', ...args);
    expect(code).toBe(64);
    expect(stderr).toMatch(message);
  });

  it('refuses a secret file without the store keys', async () => {
    const bad = path.join(dir, 'bad.json');
    writeFileSync(bad, JSON.stringify({ lc_access_key: 'k' }));
    const { code, stderr } = await cli('metrics', 'collect', '--endpoint-secret-file', bad);
    expect(code).toBe(64);
    expect(stderr).toContain('lacks lc_secret_key, lc_endpoint_url');
  });

  it('dashboard writes widgets naming the real buckets', async () => {
    const out = path.join(dir, 'dashboard.json');
    const { code } = await cli(
      'metrics',
      'dashboard',
      '--endpoint-secret-file',
      secretFile,
      '--out',
      out,
      '--region',
      'eu-west-1',
    );
    expect(code).toBe(0);
    const body = JSON.parse(readFileSync(out, 'utf8')) as {
      widgets: { properties: { metrics?: unknown[][]; region?: string } }[];
    };
    const names = new Set(
      body.widgets.flatMap((w) => (w.properties.metrics ?? []).map((m) => m[3])).filter(Boolean),
    );
    expect([...names].sort()).toEqual(['locked', 'photos']);
    expect(
      body.widgets.filter((w) => w.properties.region).every((w) => w.properties.region === 'eu-west-1'),
    ).toBe(true);
    const badRegion = await cli('metrics', 'dashboard', '--region', 'Mars');
    expect(badRegion.code).toBe(64);
  });
});

describe('formatTable', () => {
  it('right-aligns numbers and totals the measured buckets', () => {
    const a = { ...newBucketScan('a'), status: 'done' as const, incompleteMultipartBytes: 0 };
    a.totals.objects = 1_234;
    a.totals.bytes = 5_000;
    const b = {
      ...newBucketScan('bb'),
      status: 'failed' as const,
      error: { code: 'AccessDenied', message: 'no' },
    };
    expect(formatTable([a, b]).split('\n')).toEqual([
      'BUCKET             OBJECTS     SIZE  BYTES  LARGEST  MULTIPART  STATUS',
      'a                    1,234  4.9 KiB   5000      0 B        0 B  ok',
      'bb                       -        -      -        -          -  ERROR AccessDenied: no',
      'TOTAL (2 buckets)    1,234  4.9 KiB   5000                      1 failed',
      '',
    ]);
  });
});

describe('dashboardPeriod', () => {
  it.each([
    ['rate(6 hours)', 21_600],
    ['rate(1 day)', 86_400],
    ['rate(5 minutes)', 300],
    ['cron(0 */4 * * ? *)', 21_600],
  ])('%s → one data point every %i s', (schedule, seconds) => {
    expect(dashboardPeriod(schedule)).toBe(seconds);
  });
});
