/**
 * `npm run bench -- telemetry-browser`: what the run browser asks the API for, on a group of
 * 10,000 indexed runs, through the local runtime's HTTP gateway (API Gateway v2 events into
 * the `api` handler) with the embedded S3 and DynamoDB endpoints in the same process.
 *
 * - GET /api/runs?group=… (one page of the search: newest first; a tag filter; sorted by size;
 *   a deep page) and without `group` (every group: a table Scan). The instance reuses its read
 *   of a group for NAVIGATE_CACHE_SECONDS (5 s), so these are mostly cache hits. The "after a
 *   POST" rows send a run first (not timed; the instance updates its cached runs), the "cold"
 *   rows wait out NAVIGATE_CACHE_SECONDS first (not timed), so the group is read again;
 * - the download links of one page of 25 files: one POST /download-urls (what the browser
 *   does) side by side with 25 sequential GET /download-url/… (the reference UI: one per row).
 *
 * Sequential requests (the latency one user sees), p50/p95/max over ITERATIONS each.
 * Env: TELEMETRY_BROWSER_RUNS (default 10000), TELEMETRY_BROWSER_ITERATIONS (default 20),
 * TELEMETRY_BROWSER_COLD_ITERATIONS (default 5; each waits 5 s).
 */
import { rmSync } from 'node:fs';
import os from 'node:os';
import { performance } from 'node:perf_hooks';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { BatchWriteCommand, DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { type Row, report } from './lib/report.js';
import { startBenchRuntime } from './lib/runtime.js';

const USER = 'viewer-bench';
const PASSWORD = 'bench-password-0123';
const WRITER = 'krkn-bench';
const GROUP = 'bench-10k';

async function main(): Promise<void> {
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true';
  process.env.LOG_LEVEL ??= 'WARN';
  const runs = Number(process.env.TELEMETRY_BROWSER_RUNS ?? 10_000);
  const iterations = Number(process.env.TELEMETRY_BROWSER_ITERATIONS ?? 20);
  const coldIterations = Number(process.env.TELEMETRY_BROWSER_COLD_ITERATIONS ?? 5);
  const loadBefore = os.loadavg();
  const { physicalName } = await import('../src/local/config.js');
  const { default: telemetry } = await import('../src/pipelines/telemetry/pipeline.js');
  const { hashPassword } = await import('../src/pipelines/telemetry/passwords.js');
  const { runRecord } = await import('../src/pipelines/telemetry/run-record.js');

  const users = {
    [USER]: `reader:${await hashPassword(PASSWORD)}`,
    [WRITER]: `writer:${await hashPassword(PASSWORD)}`,
  };
  const { dir, config, runtime } = await startBenchRuntime({
    name: 'telemetry-browser',
    pipelines: [telemetry],
    configFile: () => ({
      pipelines: { telemetry: { config: { RATE_LIMIT_PER_SECOND: '0', IP_RATE_LIMIT_PER_SECOND: '0' } } },
      secrets: { [telemetry.resources.users.name]: users },
    }),
    runtime: { scheduler: false, invoker: false },
  });
  const credentials = { accessKeyId: config.accessKeyId, secretAccessKey: config.secretAccessKey };
  const db = new DynamoDBClient({
    endpoint: runtime.endpoints.dynamodbUrl,
    region: config.region,
    credentials,
  });
  const doc = DynamoDBDocumentClient.from(db, { marshallOptions: { removeUndefinedValues: true } });
  const s3 = new S3Client({
    endpoint: runtime.endpoints.s3Url,
    region: config.region,
    forcePathStyle: true,
    credentials,
  });
  const base = `${runtime.endpoints.httpUrl}/telemetry`;
  const authorization = `Basic ${Buffer.from(`${USER}:${PASSWORD}`).toString('base64')}`;
  const rows: Row[] = [];
  try {
    // Index records as POST /telemetry and the upload indexer write them, straight into the table.
    const seedStart = performance.now();
    const table = physicalName(config, telemetry, 'index');
    const t0 = 1_700_000_000;
    const items = Array.from({ length: runs }, (_, i) => {
      const uuid = `${i.toString(16).padStart(8, '0')}-0000-4000-8000-000000000000`;
      const tag = ['nightly', 'canary', 'soak'][i % 3] as string;
      const telemetryDoc = {
        scenarios: [
          { scenario: 'pod_disruption.yaml', scenario_type: 'pod_disruption_scenarios', exit_status: 0 },
          { scenario: 'node_stop.yaml', scenario_type: 'node_scenarios', exit_status: i % 7 === 0 ? 1 : 0 },
        ],
        cluster_version: i % 2 ? '4.15.3' : '4.14.9',
        cloud_type: 'self-managed',
        job_status: i % 7 !== 0,
      };
      const record = runRecord(GROUP, `${t0 + i * 600}-${uuid}-${tag}`, telemetryDoc as never, {
        receivedAt: new Date(),
        bytes: 20_000,
      });
      return { ...record, files: { 'prometheus-00.tar': { size: i * 1000, modified: '' } } };
    });
    for (let i = 0; i < items.length; i += 25) {
      let batch: { PutRequest: { Item: Record<string, unknown> } }[] = items
        .slice(i, i + 25)
        .map((item) => ({ PutRequest: { Item: item as unknown as Record<string, unknown> } }));
      while (batch.length) {
        const out = await doc.send(new BatchWriteCommand({ RequestItems: { [table]: batch } }));
        batch = (out.UnprocessedItems?.[table] ?? []) as typeof batch;
      }
    }
    // One run folder with a page of 25 files, for the download links.
    const bucket = physicalName(config, telemetry, 'runs');
    const run = items[0]?.run as string;
    const keys = Array.from(
      { length: 25 },
      (_, i) => `${GROUP}/${run}/prometheus-${String(i).padStart(2, '0')}.tar`,
    );
    await Promise.all(keys.map((Key) => s3.send(new PutObjectCommand({ Bucket: bucket, Key, Body: 'x' }))));
    const seedSeconds = Math.round((performance.now() - seedStart) / 100) / 10;

    const get = (path: string) => () => expectOk(fetch(`${base}${path}`, { headers: { authorization } }));
    // Untimed: a new run in the group, as krkn sends it; it drops this instance's read of the group.
    let sent = 0;
    const send = () =>
      expectOk(
        fetch(
          `${base}/telemetry?request_id=${t0 + (runs + sent++) * 600}-ffffffff-0000-4000-8000-000000000000-cold&telemetry_group=${GROUP}`,
          {
            method: 'POST',
            headers: {
              authorization: `Basic ${Buffer.from(`${WRITER}:${PASSWORD}`).toString('base64')}`,
              'content-type': 'application/json',
            },
            body: JSON.stringify({
              scenarios: [
                { scenario: 'cold.yaml', start_timestamp: t0, end_timestamp: t0 + 60, exit_status: 0 },
              ],
            }),
          },
        ),
      );
    const expire = () => new Promise((resolve) => setTimeout(resolve, 5_100));
    const cases: [string, () => Promise<unknown>, (() => Promise<unknown>)?, number?][] = [
      [
        `GET /api/runs?group, cold (read of ${runs} runs)`,
        get(`/api/runs?group=${GROUP}`),
        expire,
        coldIterations,
      ],
      [`GET /api/runs, cold (Scan of ${runs} runs)`, get('/api/runs'), expire, coldIterations],
      [`GET /api/runs?group right after a POST /telemetry to it`, get(`/api/runs?group=${GROUP}`), send],
      [`GET /api/runs right after a POST /telemetry`, get('/api/runs'), send],
      [`GET /api/runs?group (${runs} runs, newest first, page 1 of 25)`, get(`/api/runs?group=${GROUP}`)],
      [`GET /api/runs?group&q=canary&status=fail`, get(`/api/runs?group=${GROUP}&q=canary&status=fail`)],
      [`GET /api/runs?group&sort=size&order=desc`, get(`/api/runs?group=${GROUP}&sort=size&order=desc`)],
      [`GET /api/runs?group&page=300`, get(`/api/runs?group=${GROUP}&page=300`)],
      [`GET /api/runs (every group: Scan of ${runs})`, get('/api/runs')],
      [`GET /api/runs/<group>/<run> (run page JSON)`, get(`/api/runs/${GROUP}/${run}`)],
      [
        'links for 25 files: 1 × POST /download-urls (browser)',
        () =>
          expectOk(
            fetch(`${base}/download-urls`, {
              method: 'POST',
              headers: { authorization, 'content-type': 'application/json' },
              body: JSON.stringify({ keys }),
            }),
          ),
      ],
      [
        'links for 25 files: 25 × GET /download-url/… (reference UI)',
        async () => {
          for (const key of keys) await get(`/download-url/${key}`)();
        },
      ],
    ];
    for (const [test, request, before, times = iterations] of cases) {
      await request(); // warm: scrypt result cached, handler loaded
      const ms: number[] = [];
      for (let i = 0; i < times; i++) {
        await before?.();
        const start = performance.now();
        await request();
        ms.push(performance.now() - start);
      }
      ms.sort((a, b) => a - b);
      const at = (q: number) =>
        Math.round((ms[Math.min(ms.length - 1, Math.floor(q * ms.length))] as number) * 10) / 10;
      rows.push({ test, n: times, 'p50 ms': at(0.5), 'p95 ms': at(0.95), 'max ms': at(1) });
    }
    const batch = rows.find((r) => String(r.test).includes('1 × POST'));
    const perRow = rows.find((r) => String(r.test).includes('25 × GET'));
    const ratio = Math.round((Number(perRow?.['p50 ms']) / Number(batch?.['p50 ms'])) * 10) / 10;
    report('telemetry-browser', rows, {
      server:
        'local runtime HTTP gateway → API Gateway v2 event → telemetry.api; embedded S3 and DynamoDB (dynalite)',
      client: 'sequential fetch from the same process (one user)',
      runs,
      iterations,
      seedSeconds,
      'per-row links ÷ batch (p50)': ratio,
      loadavg: { before: loadBefore, after: os.loadavg() },
    });
    console.log(`25 links: one batch request is ${ratio}× faster than one request per row (p50)`);
  } finally {
    db.destroy();
    s3.destroy();
    await runtime.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

async function expectOk(response: Promise<Response>): Promise<void> {
  const res = await response;
  const body = await res.text();
  if (res.status !== 200) throw new Error(`${res.url}: ${res.status} ${body.slice(0, 200)}`);
}

await main();
