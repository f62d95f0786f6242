/**
 * `npm run bench -- local-runtime`: the local runtime's own overhead on this machine.
 *
 * 1. S3 events: N objects put (8 in flight) to the embedded S3 endpoint; each notification is
 *    routed, written to the durable queue (fsync'd) before S3 answers, and run by the async
 *    invoker — a fixture handler that reads the object back through s3Client() and appends a
 *    line. Measured: puts/s as the client sees them, and events/s until every handler ran.
 * 2. HTTP gateway: M requests (16 in flight) to a fixture route, through request → API
 *    Gateway v2 event → handler → response. Requests/s and p50/p99 latency.
 *
 * Both stages also report CPU milliseconds per event/request (user + system of this one
 * process, which holds the client, the endpoints and the handlers): unlike the rates, that
 * does not depend on how loaded the machine is. `handled` counts handler calls; at-least-once
 * delivery may run a key twice, and `keys run twice` says how often it did.
 *
 * Env: LOCAL_BENCH_OBJECTS (default 2,000), LOCAL_BENCH_REQUESTS (default 5,000).
 */
import { readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { type Row, report } from './lib/report.js';
import { startBenchRuntime } from './lib/runtime.js';

process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true';
process.env.LOG_LEVEL ??= 'WARN';
const objects = Number(process.env.LOCAL_BENCH_OBJECTS ?? 2_000);
const requests = Number(process.env.LOCAL_BENCH_REQUESTS ?? 5_000);

const { pipelines } = await import('../test/fixtures/pipelines.js');

const { dir, config, runtime } = await startBenchRuntime({
  name: 'local-runtime',
  pipelines,
  configFile: (dir) => ({
    concurrency: 10,
    pipelines: {
      'fixture-events': { config: { RECORD_DIR: dir } },
      'fixture-api': { config: { RECORD_DIR: dir } },
    },
  }),
  runtime: { pollMs: 100 },
});
const rows: Row[] = [];

async function pool(count: number, inFlight: number, task: (i: number) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: inFlight }, async () => {
      while (next < count) await task(next++);
    }),
  );
}

try {
  const s3 = new S3Client({
    endpoint: runtime.endpoints.s3Url,
    region: config.region,
    forcePathStyle: true,
    credentials: { accessKeyId: config.accessKeyId, secretAccessKey: config.secretAccessKey },
  });
  const lines = () => {
    try {
      return readFileSync(join(dir, 'calls.jsonl'), 'utf8').split('\n').slice(0, -1);
    } catch {
      return [];
    }
  };
  const handled = () => lines().length;
  const cpuMs = (since: NodeJS.CpuUsage) => {
    const used = process.cpuUsage(since);
    return (used.user + used.system) / 1000;
  };
  const cpuStart = process.cpuUsage();
  const start = performance.now();
  await pool(objects, 8, async (i) => {
    await s3.send(
      new PutObjectCommand({ Bucket: 'fixture-inbox', Key: `data/${i}.csv`, Body: `row,${i}\n` }),
    );
  });
  const putMs = performance.now() - start;
  const deadline = Date.now() + 600_000;
  while (handled() < objects && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
  const allMs = performance.now() - start;
  const eventCpuMs = cpuMs(cpuStart);
  const perKey = new Map<string, number>();
  for (const line of lines()) {
    const { fn, key } = JSON.parse(line) as { fn: string; key?: string };
    if (fn === 'onCsv' && key) perKey.set(key, (perKey.get(key) ?? 0) + 1);
  }
  rows.push({
    stage: 'S3 put → durable queue → handler',
    count: objects,
    'puts/s': Math.round(objects / (putMs / 1000)),
    'events handled/s': Math.round(handled() / (allMs / 1000)),
    'total s': Math.round(allMs) / 1000,
    handled: handled(),
    'keys run twice': [...perKey.values()].filter((n) => n > 1).length,
    'CPU ms/event': Math.round((eventCpuMs / objects) * 10) / 10,
  });
  s3.destroy();

  const url = `${runtime.endpoints.httpUrl}/fixture-api/plain`;
  const latencies: number[] = [];
  const httpCpu = process.cpuUsage();
  const httpStart = performance.now();
  await pool(requests, 16, async () => {
    const t = performance.now();
    const response = await fetch(url);
    await response.arrayBuffer();
    if (response.status !== 200) throw new Error(`HTTP ${response.status}`);
    latencies.push(performance.now() - t);
  });
  const httpMs = performance.now() - httpStart;
  const httpCpuMs = cpuMs(httpCpu);
  latencies.sort((a, b) => a - b);
  const pct = (p: number) => Math.round((latencies[Math.floor((latencies.length - 1) * p)] ?? 0) * 100) / 100;
  rows.push({
    stage: 'HTTP gateway → v2 event → handler',
    count: requests,
    'requests/s': Math.round(requests / (httpMs / 1000)),
    'p50 ms': pct(0.5),
    'p99 ms': pct(0.99),
    'CPU ms/request': Math.round((httpCpuMs / requests) * 10) / 10,
  });
} finally {
  await runtime.close();
  rmSync(dir, { recursive: true, force: true });
}
report('local-runtime', rows, {
  objects,
  requests,
  notes:
    'One process: client, endpoints, router, queue, invoker, handlers. CPU ms = user + system of that process per event/request (includes the client side); rates depend on machine load, CPU ms much less.',
  loadAverage: (await import('node:os')).loadavg(),
});
