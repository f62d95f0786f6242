/**
 * `npm run bench -- telemetry`: the telemetry API on this machine, through the local runtime's
 * HTTP gateway (API Gateway v2 events into the `api` Lambda handler), with the embedded S3
 * and DynamoDB endpoints in the same process, users from a secret with real scrypt hashes.
 *
 * wrk (Debian: `apt-get install -y wrk`) on loopback, one thread, 16 connections:
 * - GET /presigned-url (what each krkn upload worker asks for per file), and the same through
 *   the `api` handler alone (API Gateway event, no HTTP) to separate it from the gateway;
 * - GET /api/pipelines, a route the gateway answers itself (no function, no I/O): the floor;
 * - POST /telemetry with a ~20 KB run JSON (stored to S3 and indexed in DynamoDB);
 * - GET /navigate/<group> on a group holding 10,000 runs (complete listing, one response),
 *   plus single sequential requests for its latency alone: the first (process cold), uncached
 *   (after the listing cache expired) and warm (cached).
 * Each wrk row also reports the server's CPU time per request (process.cpuUsage), which other
 * engineers' load on the shared cores inflates much less than it does req/s and latency.
 * Targets (issue 5): ≥ 3,000 presigned URLs/s with p99 < 20 ms; /navigate of 10,000 runs < 200 ms.
 * The async invoker is off (upload indexing is not measured). Rate limits are off for the bench (RATE_LIMIT_PER_SECOND=0, IP_RATE_LIMIT_PER_SECOND=0).
 *
 * Env: TELEMETRY_BENCH_SECONDS (per wrk run, default 15), TELEMETRY_BENCH_RUNS (default 10000).
 */
import { spawnSync } from 'node:child_process';
import { rmSync } from 'node:fs';
import os from 'node:os';
import { PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { type Row, report } from './lib/report.js';
import { startBenchRuntime } from './lib/runtime.js';
import { runWrk as runWrkWith, type WrkResult } from './lib/wrk.js';

const USER = 'krkn-bench';
const PASSWORD = 'bench-password-0123';
const GROUP = 'bench-10k';
const UUID = '3f1e4b9c-5a2d-4c8e-9b7a-1d2e3f4a5b6c';

async function main(): Promise<void> {
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true';
  process.env.LOG_LEVEL ??= 'WARN';
  const seconds = Number(process.env.TELEMETRY_BENCH_SECONDS ?? 15);
  const runs = Number(process.env.TELEMETRY_BENCH_RUNS ?? 10_000);
  if (spawnSync('wrk', ['--version']).error) throw new Error('wrk is not installed: apt-get install -y wrk');
  const loadBefore = os.loadavg();
  const { default: telemetry } = await import('../src/pipelines/telemetry/pipeline.js');
  const { hashPassword } = await import('../src/pipelines/telemetry/passwords.js');

  const users = { [USER]: `writer,reader:${await hashPassword(PASSWORD)}` };
  // Without the invoker: S3 events (indexUpload) queue durably but are not run, so the numbers
  // are the API's own, not the index updates' that 10,000 seeded objects would trigger.
  const { dir, config, runtime } = await startBenchRuntime({
    name: 'telemetry',
    pipelines: [telemetry],
    configFile: () => ({
      pipelines: {
        telemetry: { config: { RATE_LIMIT_PER_SECOND: '0', IP_RATE_LIMIT_PER_SECOND: '0' } },
      },
      // Default scrypt cost (N = 2^14), as `tributary telemetry hash-password` writes it.
      secrets: { [telemetry.resources.users.name]: users },
    }),
    runtime: { scheduler: false, invoker: false },
  });
  const base = runtime.endpoints.httpUrl as string;
  const authorization = `Basic ${Buffer.from(`${USER}:${PASSWORD}`).toString('base64')}`;
  const rows: Row[] = [];
  const notes: Record<string, unknown> = {
    server:
      'local runtime HTTP gateway → API Gateway v2 event → telemetry.api (hono/aws-lambda); embedded S3 and DynamoDB (dynalite) in the same process',
    client: 'wrk -t1 -c16 on loopback, sharing the 2 cores with the server',
  };
  try {
    // The floor: the same HTTP server and gateway answering a route of its own (no function,
    // no auth, no I/O — /healthz probes the S3 and DynamoDB endpoints, so it is no floor).
    const floor = await runWrk(
      base,
      'pipelines',
      'request = function() return wrk.format("GET", "/api/pipelines") end',
      seconds,
    );
    rows.push({ test: 'GET /api/pipelines (gateway floor, for comparison)', ...floor, target: '-' });
    const presign = await runWrk(
      base,
      'presign',
      `request = function() return wrk.format("GET", "/telemetry/presigned-url?request_id=g/1700000000-${UUID}&remote_filename=prometheus-00.tar", { ["Authorization"] = "${authorization}" }) end`,
      seconds,
    );
    rows.push({ test: 'GET /presigned-url', ...presign, target: '≥ 3000 req/s, p99 < 20 ms' });
    const direct = await handlerOnly(runtime, authorization, 3000);
    rows.push({
      test: 'GET /presigned-url, handler only (API Gateway event → api(), no HTTP; sequential 3000×)',
      'req/s': direct.rps,
      'p50 ms': direct.p50,
      'p99 ms': direct.p99,
      'server CPU µs/req': direct.cpuMicros,
      errors: 0,
      target: '-',
    });

    const body = runJson(20 * 1024);
    const post = await runWrk(
      base,
      'post',
      `local body = [==[${body}]==]
local n = 0
request = function()
  n = n + 1
  return wrk.format("POST", "/telemetry/telemetry?telemetry_group=bench-post&request_id=" .. (1700000000 + n) .. "-${UUID}", { ["Authorization"] = "${authorization}", ["Content-Type"] = "application/json" }, body)
end`,
      seconds,
    );
    rows.push({
      test: `POST /telemetry (${Math.round(Buffer.byteLength(body) / 1024)} KB JSON)`,
      ...post,
      target: '-',
    });

    const seeded = await seed(runtime.endpoints.s3Url, config, telemetry.resources.runs.name, runs);
    notes.seed = seeded;
    const single = await sequential(`${base}/telemetry/navigate/${GROUP}`, authorization, 20, runs);
    rows.push({
      test: `GET /navigate/<group of ${runs} runs> cold (first request of the process: 10 S3 list pages)`,
      'p50 ms': single.cold,
      'p99 ms': single.cold,
      errors: 0,
      target: '< 200 ms',
    });
    rows.push({
      test: `GET /navigate/<group of ${runs} runs> uncached (listing cache expired, 3× one at a time)`,
      'p50 ms': single.uncachedP50,
      'p99 ms': single.uncachedMax,
      errors: 0,
      target: '< 200 ms',
    });
    rows.push({
      test: `GET /navigate/<group of ${runs} runs> warm (listing cached, 20× one at a time)`,
      'req/s': Math.round(1000 / single.mean),
      'p50 ms': single.p50,
      'p99 ms': single.max,
      errors: 0,
      target: '< 200 ms',
    });
    const navigate = await runWrk(
      base,
      'navigate',
      `request = function() return wrk.format("GET", "/telemetry/navigate/${GROUP}", { ["Authorization"] = "${authorization}" }) end`,
      Math.min(seconds, 10),
      4,
    );
    rows.push({
      test: `GET /navigate/<group of ${runs} runs> (wrk, 4 connections)`,
      ...navigate,
      target: '-',
    });
  } finally {
    await runtime.close();
    rmSync(dir, { recursive: true, force: true });
  }
  notes.loadavgBefore = loadBefore;
  notes.loadavgAfter = os.loadavg();
  report('telemetry', rows, notes);
}

/** The function alone, as Lambda would run it: the event API Gateway sends, in the function's scope. */
async function handlerOnly(
  runtime: { invoke(id: string, event: unknown): Promise<unknown> },
  authorization: string,
  count: number,
): Promise<{ rps: number; p50: number; p99: number; cpuMicros: number }> {
  const event = {
    version: '2.0',
    routeKey: 'GET /presigned-url',
    rawPath: '/presigned-url',
    rawQueryString: `request_id=g/1700000000-${UUID}&remote_filename=prometheus-00.tar`,
    headers: { host: 'bench.local', authorization },
    queryStringParameters: { request_id: `g/1700000000-${UUID}`, remote_filename: 'prometheus-00.tar' },
    requestContext: {
      accountId: '000000000000',
      apiId: 'bench',
      domainName: 'bench.local',
      domainPrefix: 'bench',
      http: {
        method: 'GET',
        path: '/presigned-url',
        protocol: 'HTTP/1.1',
        sourceIp: '127.0.0.1',
        userAgent: 'bench',
      },
      requestId: 'bench',
      routeKey: 'GET /presigned-url',
      stage: '$default',
      time: '14/Nov/2023:22:13:20 +0000',
      timeEpoch: 1_700_000_000_000,
    },
    isBase64Encoded: false,
  };
  const times: number[] = [];
  const cpu = process.cpuUsage();
  const started = performance.now();
  for (let i = 0; i < count; i++) {
    const t = performance.now();
    const result = (await runtime.invoke('telemetry.api', event)) as { statusCode: number };
    if (result.statusCode !== 200) throw new Error(`handler answered ${result.statusCode}`);
    times.push(performance.now() - t);
  }
  const total = performance.now() - started;
  const used = process.cpuUsage(cpu);
  times.sort((a, b) => a - b);
  const r2 = (n: number) => Math.round(n * 100) / 100;
  return {
    cpuMicros: Math.round((used.user + used.system) / count),
    rps: Math.round(count / (total / 1000)),
    p50: r2(times[Math.floor(count / 2)] as number),
    p99: r2(times[Math.floor(count * 0.99)] as number),
  };
}

/** A krkn run JSON padded with scenarios to about `bytes`. */
function runJson(bytes: number): string {
  const scenario = (i: number) => ({
    start_timestamp: 1_700_000_000 + i * 100,
    end_timestamp: 1_700_000_060 + i * 100,
    scenario: `scenarios/openshift/pod-scenario-${i}.yml`,
    scenario_type: 'pod_disruption_scenarios',
    exit_status: i % 7 === 0 ? 1 : 0,
    parameters_base64: '',
    parameters: {
      namespace: 'openshift-etcd',
      label_selector: 'app=etcd',
      kill: 1,
      krkn_pod_recovery_time: 120,
    },
    affected_pods: {
      recovered: [{ pod_name: `etcd-${i}`, namespace: 'openshift-etcd', pod_rescheduling_time: 3.2 }],
    },
  });
  const doc: Record<string, unknown> = {
    scenarios: [] as unknown[],
    node_summary_infos: [
      { count: 3, architecture: 'amd64', instance_type: 'm5.xlarge', nodes_type: 'master' },
    ],
    timestamp: '2023-11-14T22:13:20Z',
    total_node_count: 6,
    cloud_infrastructure: 'AWS',
    cloud_type: 'self-managed',
    cluster_version: '4.15.3',
    run_uuid: UUID,
    job_status: true,
  };
  const scenarios = doc.scenarios as unknown[];
  while (JSON.stringify(doc).length < bytes) scenarios.push(scenario(scenarios.length));
  return JSON.stringify(doc);
}

async function seed(
  endpoint: string,
  config: { region: string; accessKeyId: string; secretAccessKey: string },
  bucket: string,
  runs: number,
): Promise<{ runs: number; seconds: number }> {
  const s3 = new S3Client({
    endpoint,
    region: config.region,
    forcePathStyle: true,
    credentials: { accessKeyId: config.accessKeyId, secretAccessKey: config.secretAccessKey },
  });
  const started = Date.now();
  let next = 0;
  const worker = async () => {
    while (next < runs) {
      const i = next++;
      await s3.send(
        new PutObjectCommand({
          Bucket: bucket,
          Key: `${GROUP}/${1_600_000_000 + i}-${UUID}/telemetry.json`,
          Body: '{"scenarios":[]}',
        }),
      );
    }
  };
  await Promise.all(Array.from({ length: 32 }, worker));
  s3.destroy();
  return { runs, seconds: Math.round((Date.now() - started) / 100) / 10 };
}

async function sequential(
  url: string,
  authorization: string,
  count: number,
  expected: number,
): Promise<{
  cold: number;
  uncachedP50: number;
  uncachedMax: number;
  p50: number;
  max: number;
  mean: number;
}> {
  const get = async (): Promise<number> => {
    const started = performance.now();
    const res = await fetch(url, { headers: { authorization } });
    const entries = (await res.json()) as unknown[];
    const ms = performance.now() - started;
    if (res.status !== 200 || entries.length !== expected)
      throw new Error(
        `/navigate answered ${res.status} with ${entries.length} entries, expected ${expected}`,
      );
    return ms;
  };
  const cold = await get();
  // NAVIGATE_CACHE_SECONDS is 5 by default: past it, each request lists the bucket again.
  const uncached: number[] = [];
  for (let i = 0; i < 3; i++) {
    await new Promise((resolve) => setTimeout(resolve, 5_200));
    uncached.push(await get());
  }
  await get(); // fills the cache
  const times: number[] = [];
  for (let i = 0; i < count; i++) times.push(await get());
  times.sort((a, b) => a - b);
  uncached.sort((a, b) => a - b);
  const r1 = (n: number) => Math.round(n * 10) / 10;
  return {
    cold: r1(cold),
    uncachedP50: r1(uncached[1] as number),
    uncachedMax: r1(uncached[2] as number),
    p50: r1(times[Math.floor(times.length / 2)] as number),
    max: r1(times.at(-1) as number),
    mean: r1(times.reduce((a, b) => a + b, 0) / times.length),
  };
}

const runWrk = (
  base: string,
  _name: string,
  lua: string,
  seconds: number,
  connections = 16,
): Promise<WrkResult> =>
  runWrkWith({ base, lua, seconds, connections, debug: Boolean(process.env.TELEMETRY_BENCH_DEBUG) });

await main();
