import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Command } from 'commander';
import { TributaryError, UsageError } from '../../core/errors.js';
import { type Env, runInScope } from '../../core/invocation.js';
import { emitMetrics } from '../../core/metrics.js';
import { readConfig } from '../../core/pipeline.js';
import { parseSchedule } from '../../core/schedule.js';
import { enabledPipelines, loadConfig } from '../../local/config.js';
import {
  findFunction,
  type LocalFunction,
  resolveFunctions,
  UnknownFunctionError,
} from '../../local/runtime/functions.js';
import { startRuntime } from '../../local/runtime.js';
import { runningRuntime, statePaths } from '../../local/state.js';
import {
  type BucketScan,
  bucketDashboard,
  bucketMetricData,
  collectBuckets,
  listBucketNames,
  selectBuckets,
  storeClient,
  UnknownBucketError,
} from '../../pipelines/bucket-metrics/index.js';
import bucketMetrics from '../../pipelines/bucket-metrics/pipeline.js';
import { formatBytes, readStoreSecretFile, terminalProgress } from '../format.js';
import { loadPipelines } from '../registry.js';

const FUNCTION_ID = 'bucket-metrics.collect';

/** Exit 1 after the table when any bucket could not be measured. */
export class BucketsFailedError extends TributaryError {
  constructor(readonly failed: BucketScan[]) {
    super(
      `${failed.length} bucket(s) could not be measured: ${failed.map((s) => `${s.bucket} (${s.error?.code}: ${s.error?.message})`).join('; ')}`,
      'CollectionErrors',
      1,
      500,
    );
  }
}

/**
 * `tributary metrics collect|dashboard`: the bucket-metrics pipeline from the command line,
 * in the collect function's own scope (env, grants, local metrics history). The store is the
 * one its secret names, the one `--endpoint-secret-file` describes, or else the embedded
 * endpoint (of a running `tributary dev`, or started for the command).
 */
export function register(program: Command): void {
  const metrics = program
    .command('metrics')
    .description('bucket sizes and object counts (bucket-metrics pipeline)');
  metrics
    .command('collect')
    .description(
      'measure every bucket now (progress on stderr), print a table, publish to the local metrics history',
    )
    .option('--bucket <name>', 'only this bucket (repeatable, or comma-separated)', collectList, [])
    .option(
      '--endpoint-secret-file <file>',
      'JSON with lc_access_key, lc_secret_key, lc_endpoint_url [, lc_region]',
    )
    .option('--json', 'print the results as JSON instead of a table')
    .action(async (opts: { bucket: string[]; endpointSecretFile?: string; json?: boolean }) => {
      process.env.LOG_LEVEL ??= 'WARN';
      const scans = await collectCommand(opts);
      process.stdout.write(opts.json ? `${JSON.stringify(scans, null, 2)}\n` : formatTable(scans));
      const failed = scans.filter((s) => s.status === 'failed');
      if (failed.length > 0) throw new BucketsFailedError(failed);
    });
  metrics
    .command('dashboard')
    .description('write a CloudWatch dashboard (DashboardBody JSON) for the real bucket list')
    .option('--out <file>', 'write to this file instead of stdout')
    .option('--region <region>', 'region of the metrics (default: AWS_REGION or us-east-1)')
    .option(
      '--endpoint-secret-file <file>',
      'JSON with lc_access_key, lc_secret_key, lc_endpoint_url [, lc_region]',
    )
    .action(async (opts: { out?: string; region?: string; endpointSecretFile?: string }) => {
      process.env.LOG_LEVEL ??= 'WARN';
      const body = await dashboardCommand(opts);
      const text = `${JSON.stringify(body, null, 2)}\n`;
      if (opts.out) {
        try {
          writeFileSync(opts.out, text);
        } catch (err) {
          throw new UsageError(`cannot write ${opts.out}: ${(err as Error).message}`);
        }
        process.stderr.write(`wrote ${opts.out} (${body.widgets.length} widgets)\n`);
      } else process.stdout.write(text);
    });
}

const collectList = (value: string, previous: string[]) => [
  ...previous,
  ...value
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean),
];

export interface CollectCommandOptions {
  bucket?: string[];
  endpointSecretFile?: string;
  /** Progress output (default: stderr when it is a terminal). */
  progress?: (line: string, done: boolean) => void;
}

export async function collectCommand(opts: CollectCommandOptions): Promise<BucketScan[]> {
  return inCollectScope(opts.endpointSecretFile, async (fn) => {
    const config = readConfig(bucketMetrics, fn.env);
    const { client } = await storeClient(secretName(), fn.env);
    const progress = opts.progress ?? terminalProgress();
    const started = Date.now();
    let objects = 0;
    let bytes = 0;
    let total = 0;
    let done = 0;
    const line = () => {
      const seconds = Math.max((Date.now() - started) / 1000, 0.001);
      return `listed ${objects.toLocaleString('en-US')} objects (${Math.round(objects / seconds).toLocaleString('en-US')}/s), ${formatBytes(bytes)} · ${done}/${total} buckets · ${seconds.toFixed(1)} s`;
    };
    const timer = setInterval(() => progress(line(), false), 250);
    try {
      const result = await collectBuckets({
        client,
        runId: `cli-${randomUUID().slice(0, 8)}`,
        prefixDepth: config.PREFIX_DEPTH,
        concurrency: config.CONCURRENCY,
        countMultipart: config.MULTIPART_UPLOADS,
        filter: { include: config.INCLUDE_BUCKETS, exclude: config.EXCLUDE_BUCKETS },
        ...(opts.bucket && opts.bucket.length > 0 ? { only: opts.bucket } : {}),
        onBuckets: (names) => {
          total = names.length;
        },
        onPage: (_bucket, page) => {
          objects += page.objects + page.noncurrentVersions;
          bytes += page.bytes;
        },
        onBucketFinished: (scan) => {
          done++;
          // The table reports each bucket; only the data points go to the metrics history.
          emitMetrics(config.NAMESPACE, bucketMetricData(scan));
        },
      });
      progress(line(), true);
      return result.finished.sort((a, b) => a.bucket.localeCompare(b.bucket));
    } catch (err) {
      if (err instanceof UnknownBucketError) throw new UsageError(err.message);
      throw err;
    } finally {
      clearInterval(timer);
    }
  });
}

export async function dashboardCommand(opts: { region?: string; endpointSecretFile?: string }) {
  const region = opts.region ?? process.env.AWS_REGION ?? 'us-east-1';
  if (!/^[a-z]{2}(-[a-z]+)+-\d$/.test(region))
    throw new UsageError(`--region "${region}" does not look like us-east-1`);
  return inCollectScope(opts.endpointSecretFile, async (fn) => {
    const config = readConfig(bucketMetrics, fn.env);
    const { client } = await storeClient(secretName(), fn.env);
    const buckets = selectBuckets(await listBucketNames(client), {
      include: config.INCLUDE_BUCKETS,
      exclude: config.EXCLUDE_BUCKETS,
    });
    return bucketDashboard({
      buckets,
      region,
      namespace: config.NAMESPACE,
      periodSeconds: dashboardPeriod(config.SCHEDULE),
    });
  });
}

const secretName = () => bucketMetrics.resources.store.name;

/** One data point per collection: a rate schedule's interval (whole minutes); cron schedules keep 6 h. */
export function dashboardPeriod(schedule: string): number {
  const parsed = parseSchedule(schedule);
  return parsed.kind === 'rate' ? Math.max(60, Math.round(parsed.everyMs / 60_000) * 60) : 21_600;
}

/**
 * Runs `work` as the collect function would run: its env (endpoints, credentials, metrics
 * file, secrets file) and its grants. `--endpoint-secret-file` becomes the store secret.
 */
async function inCollectScope<T>(
  secretFile: string | undefined,
  work: (fn: LocalFunction) => Promise<T>,
): Promise<T> {
  const secret = secretFile ? readStoreSecretFile('--endpoint-secret-file', secretFile) : undefined;
  const pipelines = await loadPipelines();
  const config = loadConfig({ pipelines });
  const known = enabledPipelines(config, pipelines).flatMap((p) =>
    Object.keys(p.functions).map((f) => `${p.name}.${f}`),
  );
  if (!known.includes(FUNCTION_ID)) throw new UnknownFunctionError(FUNCTION_ID, known.sort());

  let tempDir: string | undefined;
  const withSecret = (fn: LocalFunction): LocalFunction => {
    if (!secret) return fn;
    tempDir = mkdtempSync(path.join(os.tmpdir(), 'tributary-secret-'));
    const file = path.join(tempDir, 'secrets.json');
    writeFileSync(file, JSON.stringify({ [secretName()]: secret }), { mode: 0o600 });
    const env: Env = { ...fn.env, TRIBUTARY_SECRETS_FILE: file };
    return { ...fn, env };
  };
  const run = (fn: LocalFunction) => {
    const scoped = withSecret(fn);
    return runInScope({ env: scoped.env, guard: scoped.guard }, () => work(scoped));
  };
  try {
    const paths = statePaths(config.stateDir);
    const running = runningRuntime(paths);
    if (running) {
      const functions = resolveFunctions({
        pipelines,
        config,
        paths,
        endpoints: { s3Url: running.s3Url, dynamodbUrl: running.dynamodbUrl },
      });
      return await run(findFunction(functions, FUNCTION_ID));
    }
    const runtime = await startRuntime({
      pipelines,
      config,
      gateway: false,
      scheduler: false,
      invoker: false,
    });
    try {
      return await run(findFunction(new Map(runtime.functions), FUNCTION_ID));
    } finally {
      await runtime.close();
    }
  } finally {
    if (tempDir) rmSync(tempDir, { recursive: true, force: true });
  }
}

/** One row per bucket, then the total; errors in the last column. */
export function formatTable(scans: readonly BucketScan[]): string {
  const rows = scans.map((s) => [
    s.bucket,
    s.status === 'failed' ? '-' : s.totals.objects.toLocaleString('en-US'),
    s.status === 'failed' ? '-' : formatBytes(s.totals.bytes),
    s.status === 'failed' ? '-' : String(s.totals.bytes),
    s.status === 'failed' ? '-' : formatBytes(s.totals.largestObjectBytes),
    typeof s.incompleteMultipartBytes === 'number' ? formatBytes(s.incompleteMultipartBytes) : '-',
    s.status === 'failed' ? `ERROR ${s.error?.code}: ${s.error?.message}` : s.notes.join('; ') || 'ok',
  ]);
  const ok = scans.filter((s) => s.status !== 'failed');
  const objects = ok.reduce((n, s) => n + s.totals.objects, 0);
  const bytes = ok.reduce((n, s) => n + s.totals.bytes, 0);
  rows.push([
    `TOTAL (${scans.length} buckets)`,
    objects.toLocaleString('en-US'),
    formatBytes(bytes),
    String(bytes),
    '',
    '',
    `${scans.length - ok.length} failed`,
  ]);
  const header = ['BUCKET', 'OBJECTS', 'SIZE', 'BYTES', 'LARGEST', 'MULTIPART', 'STATUS'];
  const all = [header, ...rows];
  const widths = header.map((_, i) => Math.max(...all.map((r) => (r[i] ?? '').length)));
  const right = new Set([1, 2, 3, 4, 5]);
  return `${all
    .map((r) =>
      r
        .map((cell, i) => (right.has(i) ? cell.padStart(widths[i] ?? 0) : cell.padEnd(widths[i] ?? 0)))
        .join('  ')
        .trimEnd(),
    )
    .join('\n')}\n`;
}
