// Console overview with 100,000 recorded invocations: server time (in process and over HTTP),
// full page load in headless Chromium, history rebuild at start — against the 300 ms target,
// and side by side with the naive alternative (re-reading the log per request).
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { chromium } from 'playwright-core';
import { Aggregates } from '../src/console/aggregates.js';
import { HISTORY_FILE, InvocationHistory } from '../src/console/history.js';
import { buildOverview } from '../src/console/overview.js';
import { loadConfig } from '../src/local/config.js';
import type { InvocationEvent } from '../src/local/runtime/events.js';
import { startRuntime } from '../src/local/runtime.js';
import { pipelines } from '../test/fixtures/pipelines.js';
import { report } from './lib/report.js';

process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true';
process.env.LOG_LEVEL ??= 'ERROR';
const INVOCATIONS = Number(process.env.BENCH_INVOCATIONS ?? 100_000);
const REPEAT = 30;
const TARGET_MS = 300;

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] as number;
const p95 = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length * 0.95)] as number;
const r1 = (x: number) => Math.round(x * 10) / 10;
const loadBefore = os.loadavg();

const dir = mkdtempSync(path.join(os.tmpdir(), 'bench-console-'));
const stateDir = path.join(dir, 'state');
mkdirSync(stateDir, { recursive: true });
writeFileSync(
  path.join(dir, 'tributary.config.json'),
  JSON.stringify({
    pipelines: {
      'fixture-events': { config: { RECORD_DIR: dir } },
      'fixture-api': { config: { RECORD_DIR: dir } },
    },
  }),
);

// 1. Record the invocations, as the runtime would (mixed functions, outcomes, latencies).
const functionIds = pipelines.flatMap((p) => Object.keys(p.functions).map((f) => `${p.name}.${f}`));
let t = performance.now();
const history = InvocationHistory.open(path.join(stateDir, 'console'));
const start = Date.now() - INVOCATIONS * 1000;
for (let i = 0; i < INVOCATIONS; i++) {
  const functionId = functionIds[i % functionIds.length] as string;
  const at = new Date(start + i * 1000).toISOString();
  const base = {
    functionId,
    entryId: `00000000-0000-4000-8000-${String(i).padStart(12, '0')}`,
    source: 'async' as const,
    at,
  };
  const durationMs = 5 + ((i * 7919) % 2000) / 10;
  const event: InvocationEvent =
    i % 50 === 7
      ? {
          ...base,
          type: 'failed',
          attempt: 1,
          durationMs,
          error: { name: 'Error', message: `boom ${i}` },
          retryAt: at,
        }
      : { ...base, type: 'succeeded', attempt: 1, durationMs };
  history.record(event);
}
history.close();
const recordMs = performance.now() - t;
const logBytes = readFileSync(path.join(stateDir, 'console', HISTORY_FILE)).length;

// 2. Start the runtime on that state dir: the history is rebuilt from the log.
const env = {
  TRIBUTARY_CONFIG: path.join(dir, 'tributary.config.json'),
  TRIBUTARY_STATE_DIR: stateDir,
  TRIBUTARY_HTTP_PORT: '0',
  TRIBUTARY_S3_PORT: '0',
  TRIBUTARY_DYNAMODB_PORT: '0',
};
t = performance.now();
const runtime = await startRuntime({
  pipelines,
  config: loadConfig({ pipelines, env, cwd: dir }),
  scheduler: false,
});
const startMs = performance.now() - t;
const loaded = runtime.console?.history.loaded;
const url = runtime.endpoints.httpUrl as string;

try {
  // 3. Server time: building the overview in process, and GET /console/api/overview over HTTP.
  const ctxSources = () => ({
    config: runtime.config,
    functions: runtime.functions,
    aggregates: runtime.console?.history.aggregates as Aggregates,
    pending: () => new Map(),
    upcoming: () => [],
    queueDepth: () => runtime.queueDepth(),
    dlqDepth: () => runtime.dlq.depth(),
  });
  const inProcess: number[] = [];
  for (let i = 0; i < REPEAT; i++) {
    t = performance.now();
    buildOverview(ctxSources());
    inProcess.push(performance.now() - t);
  }
  const overHttp: number[] = [];
  let attempts = 0;
  for (let i = 0; i < REPEAT; i++) {
    t = performance.now();
    const body = (await (await fetch(`${url}/console/api/overview`)).json()) as {
      totals: { attempts: number };
    };
    overHttp.push(performance.now() - t);
    attempts = body.totals.attempts;
  }
  if (attempts !== INVOCATIONS)
    throw new Error(`overview counts ${attempts} attempts, expected ${INVOCATIONS}`);

  // The naive alternative: re-read and aggregate the whole log on each request.
  const naive: number[] = [];
  for (let i = 0; i < 5; i++) {
    t = performance.now();
    const aggregates = new Aggregates();
    for (const line of readFileSync(path.join(stateDir, 'console', HISTORY_FILE), 'utf8').split('\n')) {
      if (line) aggregates.apply(JSON.parse(line) as InvocationEvent);
    }
    buildOverview({ ...ctxSources(), aggregates });
    naive.push(performance.now() - t);
  }

  // 4. Full page load in Chromium: navigation to the overview table rendered from the API.
  const browser = await chromium.launch({
    executablePath: '/usr/bin/chromium',
    args: ['--headless', '--no-sandbox', '--disable-gpu'],
  });
  const page = await browser.newPage();
  const pageLoads: number[] = [];
  const loadEvents: number[] = [];
  for (let i = 0; i < 10; i++) {
    t = performance.now();
    await page.goto(`${url}/`, { waitUntil: 'load' });
    await page.waitForSelector('tr[data-function="fixture-events.onCsv"]');
    pageLoads.push(performance.now() - t);
    loadEvents.push(
      await page.evaluate(() => {
        // From navigation start to the overview table in the DOM, as the page itself measures it.
        return performance.getEntriesByName('overview-rendered')[0]?.startTime ?? Number.NaN;
      }),
    );
  }
  // The floor under the current machine load: the same browser loading a static page from the same server.
  const floor: number[] = [];
  for (let i = 0; i < 10; i++) {
    await page.goto(`${url}/console/assets/console.css`, { waitUntil: 'load' });
    floor.push(
      await page.evaluate(() => {
        // In the page (DOM types are not in this tsconfig): the navigation entry's load end.
        const [nav] = performance
          .getEntries()
          .filter((e) => String(e.entryType) === 'navigation') as unknown as {
          loadEventEnd: number;
        }[];
        return nav?.loadEventEnd ?? Number.NaN;
      }),
    );
  }
  await browser.close();

  const rows = [
    {
      measure: 'overview, built in process',
      median_ms: r1(median(inProcess)),
      p95_ms: r1(p95(inProcess)),
      target_ms: TARGET_MS,
    },
    {
      measure: 'GET /console/api/overview (HTTP)',
      median_ms: r1(median(overHttp)),
      p95_ms: r1(p95(overHttp)),
      target_ms: TARGET_MS,
    },
    {
      measure: 'page in Chromium: goto → table (Playwright wall)',
      median_ms: r1(median(pageLoads)),
      p95_ms: r1(Math.max(...pageLoads)),
      target_ms: TARGET_MS,
    },
    {
      measure: 'page in Chromium: navigation start → table (in-page mark)',
      median_ms: r1(median(loadEvents)),
      p95_ms: r1(Math.max(...loadEvents)),
      target_ms: TARGET_MS,
    },
    {
      measure: 'floor: a static asset, navigation start → load (in-page)',
      median_ms: r1(median(floor)),
      p95_ms: r1(Math.max(...floor)),
      target_ms: '',
    },
    {
      measure: 'naive: re-read + aggregate the log per request',
      median_ms: r1(median(naive)),
      p95_ms: r1(Math.max(...naive)),
      target_ms: TARGET_MS,
    },
    {
      measure: 'history rebuild at start (once)',
      median_ms: r1(loaded?.ms ?? Number.NaN),
      p95_ms: '',
      target_ms: '',
    },
  ];
  report('console', rows, {
    invocations: INVOCATIONS,
    functions: functionIds.length,
    logBytes,
    recordMs: r1(recordMs),
    recordPerEventUs: r1((recordMs * 1000) / INVOCATIONS),
    runtimeStartMs: r1(startMs),
    rebuild: loaded,
    ratioNaiveOverAggregatesHttp: r1(median(naive) / median(overHttp)),
    ratioPageLoadToTarget: r1(median(loadEvents) / TARGET_MS),
    ratioPageLoadToStaticFloor: r1(median(loadEvents) / median(floor)),
    loadavgBefore: loadBefore,
    loadavgAfter: os.loadavg(),
  });
  console.log(
    `${INVOCATIONS} invocations, ${(logBytes / 1_048_576).toFixed(1)} MiB log; rebuilt in ${r1(loaded?.ms ?? 0)} ms; loadavg ${os
      .loadavg()
      .map((x) => x.toFixed(2))
      .join(' ')}`,
  );
} finally {
  await runtime.close();
  rmSync(dir, { recursive: true, force: true });
}
