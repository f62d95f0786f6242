/**
 * `npm run bench -- environments`: the local runtime's HTTP path with HTTP-triggered functions
 * on the main thread vs in 1, 2, 3 execution environments (worker threads), side by side.
 *
 * Each variant is a fresh child process (the runtime with the registry's telemetry and ingest
 * pipelines, embedded endpoints in the same process) measured with wrk -t1 -c16 on loopback:
 * - GET /telemetry/presigned-url (issue 5: ≥ 3,000 req/s, p99 < 20 ms),
 * - POST /ingest/post, one record (issue 6: ≥ 1,000 records/s),
 * - POST /ingest/records, 25 records (issue 6: ≥ 10,000 records/s),
 * after a short warm-up, plus the runtime's start time and its first (cold) request. Every row
 * has the server's CPU per request (all threads: process.cpuUsage) and how busy its main
 * thread was (event-loop utilization). Variants alternate, round by round, so a drifting host
 * load hits all of them alike. `base` runs this same file in another tree (the code before
 * environments; it ignores the setting).
 *
 * Env: ENV_BENCH_VARIANTS (default `base,0,1,2,3`; a number is TRIBUTARY_ENVIRONMENTS),
 * ENV_BENCH_ROUNDS (default 2), ENV_BENCH_SECONDS (per wrk run, default 5), ENV_BENCH_BASE
 * (the base tree, default /tmp/base-gw, with node_modules).
 */
import { execFile, spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, rmSync } from 'node:fs';
import os from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { batchedRecordsLua, singleRecordLua } from './lib/ingest-wrk.js';
import { type Row, report } from './lib/report.js';
import { startBenchRuntime } from './lib/runtime.js';
import { runWrk, type WrkResult } from './lib/wrk.js';

const USER = 'krkn-bench';
const PASSWORD = 'bench-password-0123';
const API_KEY = 'bench-key-0123456789';
const UUID = '3f1e4b9c-5a2d-4c8e-9b7a-1d2e3f4a5b6c';
const MARK = 'ENV-BENCH-RESULT ';

interface ChildResult {
  startMs: number;
  firstRequestMs: number;
  rows: { test: string; wrk: WrkResult; mainBusyPct: number; recordsPerRequest: number }[];
}

const load = () => os.loadavg().map((l) => Math.round(l * 100) / 100);

async function child(): Promise<void> {
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true';
  process.env.LOG_LEVEL ??= 'WARN';
  const seconds = Number(process.env.ENV_BENCH_SECONDS ?? 5);
  const environments = Number(process.env.ENV_BENCH_ENVIRONMENTS ?? 0);
  const { default: telemetry } = await import('../src/pipelines/telemetry/pipeline.js');
  const { default: ingest } = await import('../src/pipelines/ingest/pipeline.js');
  const { hashPassword } = await import('../src/pipelines/telemetry/passwords.js');
  const users = { [USER]: `writer,reader:${await hashPassword(PASSWORD)}` };
  const started = performance.now();
  const { dir, runtime } = await startBenchRuntime({
    name: 'environments',
    pipelines: [telemetry, ingest],
    configFile: () => ({
      pipelines: {
        telemetry: { config: { RATE_LIMIT_PER_SECOND: '0', IP_RATE_LIMIT_PER_SECOND: '0' } },
        ingest: { config: { RATE_LIMIT_PER_SECOND: '0' } },
      },
      secrets: {
        [telemetry.resources.users.name]: users,
        [ingest.resources.auth.name]: { 'apikey:bench': API_KEY },
      },
    }),
    // The base tree does not know the option and ignores it.
    runtime: { scheduler: false, invoker: false, environments } as object,
  });
  const startMs = performance.now() - started;
  const base = runtime.endpoints.httpUrl as string;
  const authorization = `Basic ${Buffer.from(`${USER}:${PASSWORD}`).toString('base64')}`;
  const presignPath = `/telemetry/presigned-url?request_id=g/1700000000-${UUID}&remote_filename=prometheus-00.tar`;
  const first = performance.now();
  const response = await fetch(`${base}${presignPath}`, { headers: { authorization } });
  await response.text();
  if (response.status !== 200) throw new Error(`presigned-url answered ${response.status}`);
  const firstRequestMs = performance.now() - first;

  const presignLua = `request = function() return wrk.format("GET", "${presignPath}", { ["Authorization"] = "${authorization}" }) end`;
  const postLua = singleRecordLua('/ingest/post', API_KEY, 'env');
  const recordsLua = batchedRecordsLua('/ingest/records', API_KEY);
  const rows: ChildResult['rows'] = [];
  try {
    // Warm-up: every environment started and its JIT warm before anything is measured.
    await runWrk({ base, lua: presignLua, seconds: 2 });
    await runWrk({ base, lua: postLua, seconds: 1 });
    for (const [test, lua, recordsPerRequest] of [
      ['GET /presigned-url', presignLua, 1],
      ['POST /post (1 record)', postLua, 1],
      ['POST /records (25 records)', recordsLua, 25],
    ] as const) {
      const elu = performance.eventLoopUtilization();
      const wrk = await runWrk({ base, lua, seconds });
      const busy = performance.eventLoopUtilization(elu);
      rows.push({ test, wrk, mainBusyPct: Math.round(busy.utilization * 100), recordsPerRequest });
    }
  } finally {
    await runtime.close();
    rmSync(dir, { recursive: true, force: true });
  }
  process.stdout.write(`${MARK}${JSON.stringify({ startMs, firstRequestMs, rows } satisfies ChildResult)}\n`);
}

async function parent(): Promise<void> {
  if (spawnSync('wrk', ['--version']).error) throw new Error('wrk is not installed: apt-get install -y wrk');
  const variants = (process.env.ENV_BENCH_VARIANTS ?? 'base,0,1,2,3').split(',').map((v) => v.trim());
  const rounds = Number(process.env.ENV_BENCH_ROUNDS ?? 2);
  const baseTree = process.env.ENV_BENCH_BASE ?? '/tmp/base-gw';
  const self = fileURLToPath(import.meta.url);
  const tree = join(self, '../..');
  if (variants.includes('base')) {
    if (!existsSync(join(baseTree, 'node_modules')))
      throw new Error(`ENV_BENCH_BASE ${baseTree} has no node_modules`);
    copyFileSync(self, join(baseTree, 'bench/environments.ts'));
  }
  const loadBefore = load();
  const results = new Map<string, ChildResult[]>();
  for (let round = 0; round < rounds; round++) {
    for (const variant of variants) {
      const cwd = variant === 'base' ? baseTree : tree;
      const { stdout } = await promisify(execFile)(
        process.execPath,
        ['--import', 'tsx', join(cwd, 'bench/environments.ts')],
        {
          cwd,
          env: {
            ...process.env,
            ENV_BENCH_CHILD: '1',
            ENV_BENCH_ENVIRONMENTS: variant === 'base' ? '0' : variant,
          },
          maxBuffer: 64 * 1024 * 1024,
        },
      );
      const line = stdout.split('\n').find((l) => l.startsWith(MARK));
      if (!line) throw new Error(`variant ${variant}: no result\n${stdout.slice(-2000)}`);
      const result = JSON.parse(line.slice(MARK.length)) as ChildResult;
      results.set(variant, [...(results.get(variant) ?? []), result]);
      console.error(
        `round ${round + 1} ${variant}: ${result.rows.map((r) => `${r.test} ${r.wrk['req/s']}/s`).join(', ')} (load ${load()[0]})`,
      );
    }
  }
  const label = (v: string) => (v === 'base' ? 'base (a955622)' : v === '0' ? 'main thread (0)' : `${v} env`);
  const rows: Row[] = [];
  const best = new Map<string, Map<string, number>>();
  for (const variant of variants) {
    const runs = results.get(variant) ?? [];
    for (const test of runs[0]?.rows.map((r) => r.test) ?? []) {
      // Best round by req/s (the run least disturbed by other load); all rounds are in the JSON.
      const all = runs.map((run) => run.rows.find((r) => r.test === test)).filter((r) => r !== undefined);
      const top = all.reduce((a, b) => (b.wrk['req/s'] > a.wrk['req/s'] ? b : a));
      best.set(test, (best.get(test) ?? new Map()).set(variant, top.wrk['req/s']));
      rows.push({
        variant: label(variant),
        test,
        'req/s': top.wrk['req/s'],
        'req/s rounds': all.map((r) => r.wrk['req/s']).join(' / '),
        'records/s': top.wrk['req/s'] * top.recordsPerRequest,
        'p50 ms': top.wrk['p50 ms'],
        'p99 ms': top.wrk['p99 ms'],
        'server CPU µs/req': top.wrk['server CPU µs/req'],
        'main thread busy %': top.mainBusyPct,
        errors: top.wrk.errors,
      });
    }
    rows.push({
      variant: label(variant),
      test: 'start (ms) / first request (ms)',
      'req/s': '-',
      'req/s rounds': runs
        .map((r) => `${Math.round(r.startMs)} / ${Math.round(r.firstRequestMs)}`)
        .join(' ; '),
    });
  }
  const ratios: Record<string, Record<string, number>> = {};
  const reference = variants.includes('base') ? 'base' : variants[0];
  for (const [test, byVariant] of best) {
    const ref = byVariant.get(reference as string) ?? Number.NaN;
    ratios[test] = Object.fromEntries(
      [...byVariant].map(([v, rps]) => [
        `${label(v)} vs ${label(reference as string)}`,
        Math.round((rps / ref) * 100) / 100,
      ]),
    );
  }
  report('environments', rows, {
    client: 'wrk -t1 -c16 on loopback, sharing the 2 cores with the server; each variant a fresh process',
    rounds,
    secondsPerRun: Number(process.env.ENV_BENCH_SECONDS ?? 5),
    ratiosOfBestRounds: ratios,
    targets: {
      'GET /presigned-url': '≥ 3,000 req/s, p99 < 20 ms',
      'POST /post': '≥ 1,000 records/s',
      'POST /records': '≥ 10,000 records/s',
    },
    rawRounds: Object.fromEntries(results),
    loadavgBefore: loadBefore,
    loadavgAfter: load(),
  });
}

await (process.env.ENV_BENCH_CHILD ? child() : parent());
