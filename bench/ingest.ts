/**
 * `npm run bench -- ingest`: the ingest pipeline on this machine, through the local runtime.
 *
 * 1. HTTP: wrk (Debian: `apt-get install -y wrk`) on loopback against the runtime's HTTP
 *    gateway (`/ingest/...`, API Gateway v2 events into the Lambda handler), with the
 *    runtime's embedded DynamoDB endpoint (dynalite, on disk, in a worker thread) in the same process:
 *    single-record `POST /post` (also with an Idempotency-Key: two more DynamoDB writes per
 *    request) and 25-record `POST /records`, throughput and p99. Side by
 *    side, the sample's approach on the same endpoint and the same wrk script: a bare
 *    `node:http` server that JSON.parses the body and PutItems it (no auth, no checks, no
 *    idempotency, no Lambda event) — the ceiling a single-record API reaches on this endpoint.
 * 2. Weekly summary: INGEST_BENCH_RECORDS (default 1,000,000) records loaded into the table,
 *    then the summary function run in a child process, so its peak RSS is its own (the
 *    endpoints stay in this process).
 *
 * Env: INGEST_BENCH_RECORDS, INGEST_BENCH_SECONDS (per wrk run, default 10), INGEST_BENCH_ROUNDS
 * (interleaved rounds of every wrk run, the best kept, default 2), INGEST_BENCH_SKIP
 * (`http` or `summary`), INGEST_BENCH_ONLY (wrk runs to do, comma-separated: `sample`, `single`,
 * `idempotent`, `batched`; default all), INGEST_BENCH_WARMUP (seconds of unmeasured wrk before
 * each run, default 2: the JIT has compiled the path before it is timed).
 *
 * Besides the process's CPU per request, each run reports it per thread (Linux /proc): the
 * main thread (the gateway), the two busiest other threads (the function's execution
 * environment and the DynamoDB endpoint's thread, in either order) and the rest (V8's GC
 * helper threads, libuv's pool).
 */
import { spawn, spawnSync } from 'node:child_process';
import { readdirSync, readFileSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { loadavg } from 'node:os';
import { fileURLToPath } from 'node:url';
import {
  type AttributeValue,
  BatchWriteItemCommand,
  type BatchWriteItemCommandOutput,
  DynamoDBClient,
  type WriteRequest,
} from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, PutCommand } from '@aws-sdk/lib-dynamodb';
import { batchedRecordsLua, singleRecordLua } from './lib/ingest-wrk.js';
import { type Row, report } from './lib/report.js';
import { startBenchRuntime } from './lib/runtime.js';
import { runWrk as runWrkWith, type WrkResult } from './lib/wrk.js';

const ROLE = process.env.INGEST_BENCH_ROLE;
const WEEK = '2026-W47';
const WEEK_START = Date.parse('2026-11-16T00:00:00.000Z');
const API_KEY = 'bench-key-0123456789';

async function main(): Promise<void> {
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true';
  process.env.LOG_LEVEL ??= 'WARN';
  const records = Number(process.env.INGEST_BENCH_RECORDS ?? 1_000_000);
  const seconds = Number(process.env.INGEST_BENCH_SECONDS ?? 10);
  const rounds = Number(process.env.INGEST_BENCH_ROUNDS ?? 2);
  const skip = process.env.INGEST_BENCH_SKIP ?? '';
  const { default: ingest } = await import('../src/pipelines/ingest/pipeline.js');

  const { dir, config, runtime } = await startBenchRuntime({
    name: 'ingest',
    pipelines: [ingest],
    configFile: () => ({
      pipelines: { ingest: { config: { RATE_LIMIT_PER_SECOND: '0', SUMMARY_SEGMENTS: '4' } } },
      secrets: { [ingest.resources.auth.name]: { 'apikey:bench': API_KEY } },
    }),
    runtime: { scheduler: false },
  });
  localCredentials = { accessKeyId: config.accessKeyId, secretAccessKey: config.secretAccessKey };
  const rows: Row[] = [];
  const notes: Record<string, unknown> = {
    server:
      'local runtime HTTP gateway → API Gateway v2 event → ingest.api (hono/aws-lambda) in an execution environment (worker thread); dynalite on disk, in another worker thread of the same process',
  };
  try {
    if (!skip.includes('http')) {
      const wrk = spawnSync('wrk', ['--version']);
      if (wrk.error) throw new Error('wrk is not installed: apt-get install -y wrk');
      const base = runtime.endpoints.httpUrl as string;
      const sample = await startSampleServer(runtime.endpoints.dynamodbUrl, ingest.resources.records.name);
      try {
        const only = (process.env.INGEST_BENCH_ONLY ?? 'sample,single,idempotent,batched').split(',');
        const tests = [
          {
            key: 'sample',
            test: 'sample: node:http → PutItem (1 record)',
            url: sample.url,
            script: 'single',
            path: '/post',
            records: 1,
          },
          {
            key: 'single',
            test: 'POST /post (1 record)',
            url: base,
            script: 'single',
            path: '/ingest/post',
            records: 1,
          },
          {
            key: 'idempotent',
            test: 'POST /post with Idempotency-Key (1 record)',
            url: base,
            script: 'idempotent',
            path: '/ingest/post',
            records: 1,
          },
          {
            key: 'batched',
            test: 'POST /records (25 records)',
            url: base,
            script: 'batched',
            path: '/ingest/records',
            records: 25,
          },
        ] as const;
        // Rounds interleaved (every test once, then again) and the best kept per test: on
        // shared cores the best run is the least disturbed one; every round's rate is shown.
        const results = new Map<string, (WrkResult & ThreadSplit)[]>();
        for (let round = 0; round < rounds; round++) {
          for (const t of tests) {
            if (!only.includes(t.key)) continue;
            const runs = results.get(t.key) ?? [];
            runs.push(await runWrk(t.url, t.script, seconds, t.path));
            results.set(t.key, runs);
          }
        }
        const best: Record<string, number> = {};
        for (const t of tests) {
          const runs = results.get(t.key);
          if (!runs) continue;
          const top = runs.reduce((a, b) => (b['req/s'] > a['req/s'] ? b : a));
          best[t.key] = top['req/s'] * t.records;
          rows.push({
            test: t.test,
            ...top,
            'records/s': Math.round(top['req/s'] * t.records),
            'records/s rounds': runs.map((r) => Math.round(r['req/s'] * t.records)).join(' / '),
          });
        }
        notes.method = `best of ${rounds} interleaved rounds of ${seconds} s per wrk run (each after ${process.env.INGEST_BENCH_WARMUP ?? 2} s of unmeasured warm-up); "records/s rounds" lists every round`;
        const single = { 'req/s': best.single ?? Number.NaN };
        const peer = { 'req/s': best.sample ?? Number.NaN };
        const batched = { 'req/s': (best.batched ?? Number.NaN) / 25 };
        const ratio = (a: number, b: number) => Math.round((a / b) * 100) / 100;
        notes.ratios = {
          'POST /post vs sample (records/s)': ratio(single['req/s'], peer['req/s']),
          'POST /records vs sample (records/s)': ratio(batched['req/s'] * 25, peer['req/s']),
          'POST /post vs target 1,000 records/s': ratio(single['req/s'], 1000),
          'POST /records vs target 10,000 records/s': ratio(batched['req/s'] * 25, 10_000),
        };
        notes.loadAfterHttp = load1();
      } finally {
        await sample.close();
      }
    }
    if (!skip.includes('summary')) {
      notes.loadBeforeSummary = load1();
      const loaded = await load(runtime.endpoints.dynamodbUrl, ingest.resources.records.name, records);
      rows.push({ test: `load ${records} records (BatchWriteItem, 16 in flight)`, 'records/s': loaded });
      const child = await runSummaryChild(runtime.endpoints, ingest);
      rows.push({
        test: `weekly summary of ${records} records`,
        seconds: Math.round(child.ms / 100) / 10,
        'records/s': Math.round(records / (child.ms / 1000)),
        'peak RSS MB': child.maxRssMb,
        'export MB': Math.round((child.result.exportBytes / 1_048_576) * 10) / 10,
      });
      notes.summary = child.result;
    }
  } finally {
    await runtime.close();
    rmSync(dir, { recursive: true, force: true });
  }
  notes.targets = {
    'POST /post records/s': '≥ 1,000',
    'POST /records records/s': '≥ 10,000',
    'summary peak RSS MB': '< 300',
  };
  notes.loadAverage = { atStart: loadAtStart, atEnd: load1(), cores: 2 };
  report('ingest', rows, notes);
}

// The runtime's embedded endpoints verify SigV4 with the local credentials (config defaults).
let localCredentials = { accessKeyId: 'tributary', secretAccessKey: 'tributary-local-secret' };

const load1 = (): number[] => loadavg().map((l) => Math.round(l * 10) / 10);
const loadAtStart = load1();

/**
 * The sample's approach, as a Node port of its Lambda would do it: parse, check the Id is a
 * string, put the object as it came (DocumentClient, numbers as doubles), answer as the sample.
 */
async function startSampleServer(
  endpoint: string,
  table: string,
): Promise<{ url: string; close: () => Promise<void> }> {
  const client = DynamoDBDocumentClient.from(
    new DynamoDBClient({
      endpoint,
      region: 'us-east-1',
      credentials: localCredentials,
    }),
  );
  const server: Server = createServer(async (req, res) => {
    let body = '';
    for await (const chunk of req) body += chunk;
    try {
      const item = JSON.parse(body) as { Id?: unknown };
      if (typeof item.Id !== 'string') throw new Error('Id must be a string');
      await client.send(new PutCommand({ TableName: table, Item: item }));
      res.writeHead(200, { 'content-type': 'application/json' }).end('{"message":"Execution successfully!"}');
    } catch {
      res.writeHead(502).end();
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    close: async () => {
      await new Promise<void>((resolve) => server.close(() => resolve()));
      client.destroy();
    },
  };
}

/** The wrk script of one of the bench's runs. */
function luaFor(script: 'single' | 'idempotent' | 'batched', path: string): string {
  if (script === 'batched') return batchedRecordsLua(path, API_KEY);
  return singleRecordLua(path, API_KEY, script === 'single' ? 'bench' : 'idem', script === 'idempotent');
}

type ThreadSplit = {
  'main µs/req': number;
  'busiest thread µs/req': number;
  'next thread µs/req': number;
  'other µs/req': number;
};

/** CPU ticks (user + system, 1/100 s) of each of this process's threads, by thread id. */
function threadTicks(): Map<number, number> {
  const ticks = new Map<number, number>();
  for (const tid of readdirSync('/proc/self/task')) {
    try {
      const stat = readFileSync(`/proc/self/task/${tid}/stat`, 'utf8');
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      ticks.set(Number(tid), Number(fields[11]) + Number(fields[12]));
    } catch {
      // The thread ended between the listing and the read.
    }
  }
  return ticks;
}

/** Per-request CPU of the main thread, the two busiest other threads and the rest, between two snapshots. */
function splitThreads(
  before: Map<number, number>,
  after: Map<number, number>,
  requests: number,
): ThreadSplit {
  const us = (ticks: number) => Math.round((ticks * 10_000) / requests);
  const others: number[] = [];
  let main = 0;
  for (const [tid, t] of after) {
    const delta = t - (before.get(tid) ?? 0);
    if (tid === process.pid) main = delta;
    else others.push(delta);
  }
  others.sort((a, b) => b - a);
  const rest = others.slice(2).reduce((a, b) => a + b, 0);
  return {
    'main µs/req': us(main),
    'busiest thread µs/req': us(others[0] ?? 0),
    'next thread µs/req': us(others[1] ?? 0),
    'other µs/req': us(rest),
  };
}

const runWrk = async (
  base: string,
  script: 'single' | 'idempotent' | 'batched',
  seconds: number,
  urlPath: string,
): Promise<WrkResult & ThreadSplit> => {
  const options = {
    base,
    lua: luaFor(script, urlPath),
    debug: Boolean(process.env.INGEST_BENCH_DEBUG),
  };
  const warmup = Number(process.env.INGEST_BENCH_WARMUP ?? 2);
  if (warmup > 0) await runWrkWith({ ...options, seconds: warmup });
  const before = threadTicks();
  const result = await runWrkWith({ ...options, seconds });
  const requests = result['req/s'] * seconds;
  return { ...result, ...splitThreads(before, threadTicks(), requests) };
};

/** Loads records spread over the bench week straight into the table; returns records/s. */
async function load(endpoint: string, table: string, count: number): Promise<number> {
  const client = new DynamoDBClient({
    endpoint,
    region: 'us-east-1',
    credentials: localCredentials,
  });
  const started = Date.now();
  let next = 0;
  const weekMs = 7 * 86_400_000;
  const item = (i: number): Record<string, AttributeValue> => ({
    Id: { S: `rec-${String(i).padStart(8, '0')}` },
    receivedAt: { S: new Date(WEEK_START + Math.floor((i / count) * weekMs)).toISOString() },
    temp: { N: String((i % 400) / 10) },
    humidity: { N: String(i % 100) },
    site: { S: `site-${i % 50}` },
    ...(i % 3 === 0 ? { note: { S: 'checked' } } : {}),
  });
  const worker = async () => {
    while (next < count) {
      const from = next;
      next = Math.min(count, next + 25);
      let pending: WriteRequest[] | undefined = [];
      for (let i = from; i < next; i++) pending.push({ PutRequest: { Item: item(i) } });
      while (pending && pending.length > 0) {
        const out: BatchWriteItemCommandOutput = await client.send(
          new BatchWriteItemCommand({ RequestItems: { [table]: pending } }),
        );
        pending = out.UnprocessedItems?.[table];
      }
      if (from % 100_000 === 0 && from > 0) process.stderr.write(`loaded ${from} records\n`);
    }
  };
  await Promise.all(Array.from({ length: 16 }, worker));
  client.destroy();
  return Math.round(count / ((Date.now() - started) / 1000));
}

interface ChildResult {
  ms: number;
  maxRssMb: number;
  result: { exportBytes: number; recordCount: number };
}

async function runSummaryChild(
  endpoints: { s3Url: string; dynamodbUrl: string },
  ingest: { resources: { records: { name: string }; summaries: { name: string } } },
): Promise<ChildResult> {
  const env = {
    ...process.env,
    INGEST_BENCH_ROLE: 'summary',
    AWS_REGION: 'us-east-1',
    AWS_ACCESS_KEY_ID: localCredentials.accessKeyId,
    AWS_SECRET_ACCESS_KEY: localCredentials.secretAccessKey,
    AWS_ENDPOINT_URL_S3: endpoints.s3Url,
    AWS_ENDPOINT_URL_DYNAMODB: endpoints.dynamodbUrl,
    S3_FORCE_PATH_STYLE: 'true',
    TABLE_NAME: ingest.resources.records.name,
    SUMMARY_BUCKET: ingest.resources.summaries.name,
    SUMMARY_SEGMENTS: '4',
  };
  const self = fileURLToPath(import.meta.url);
  const child = spawn(process.execPath, ['--import', 'tsx', self], {
    env,
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  let out = '';
  child.stdout.on('data', (d) => {
    out += d;
  });
  const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
  if (code !== 0) throw new Error(`summary child exited ${code}: ${out}`);
  return JSON.parse(out.trim().split('\n').at(-1) as string) as ChildResult;
}

/** The child: the summary handler as Lambda would run it, nothing else in the process. */
async function summaryChild(): Promise<void> {
  const { summary } = await import('../src/pipelines/ingest/handler.js');
  const started = Date.now();
  const result = await summary({ week: WEEK });
  const ms = Date.now() - started;
  const maxRssMb = Math.round(process.resourceUsage().maxRSS / 1024);
  process.stdout.write(`${JSON.stringify({ ms, maxRssMb, result })}\n`);
}

// Last, so that every constant above is initialised.
if (ROLE === 'summary') await summaryChild();
else await main();
