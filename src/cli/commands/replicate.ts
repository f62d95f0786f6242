import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { HeadBucketCommand } from '@aws-sdk/client-s3';
import type { Command } from 'commander';
import { unguardedS3Client } from '../../clients/factory.js';
import { resolveSettings, s3Client } from '../../clients/index.js';
import { TributaryError, UsageError } from '../../core/errors.js';
import { type AccessGuard, type Env, runInScope } from '../../core/invocation.js';
import { readConfig } from '../../core/pipeline.js';
import { enabledPipelines, type LocalConfig, loadConfig } from '../../local/config.js';
import { findFunction, resolveFunctions, UnknownFunctionError } from '../../local/runtime/functions.js';
import { startRuntime } from '../../local/runtime.js';
import { runningRuntime, statePaths } from '../../local/state.js';
import {
  type BackfillProgress,
  type BackfillReport,
  backfill,
  checkpointFile,
  type Endpoints,
  targetStore,
  tuningOf,
  type VerifyReport,
  verifyReplica,
} from '../../pipelines/replication/index.js';
import replication from '../../pipelines/replication/pipeline.js';
import { formatBytes, readStoreSecretFile, terminalProgress } from '../format.js';
import { loadPipelines } from '../registry.js';

const FUNCTION_ID = 'replication.replicate';

interface CommonOptions {
  source: string;
  prefix?: string;
  concurrency?: string;
  targetBucket?: string;
  targetPrefix?: string;
  targetSecretFile?: string;
  sourceEndpoint?: string;
  json?: boolean;
}

/** `--json` prints this; the exit code says whether the run was complete. */
export class BackfillIncompleteError extends TributaryError {
  constructor(message: string, exitCode: number) {
    super(message, 'BackfillIncomplete', exitCode, 500);
  }
}

export class ReplicaDiffersError extends TributaryError {
  constructor(report: VerifyReport) {
    super(
      `the target differs from the source: ${report.missingCount} missing, ${report.extraCount} extra, ${report.differingCount} differing`,
      'ReplicaDiffers',
      1,
      409,
    );
  }
}

/**
 * `tributary replicate backfill|verify`: the replication pipeline's bulk tools. By default
 * they run as the `replicate` function runs locally (its env, grants and target secret) against
 * the embedded S3 endpoint; `--source-endpoint` points them at another store (`aws` for AWS S3
 * with the usual credential chain).
 */
export function register(program: Command): void {
  const replicate = program.command('replicate').description('bulk tools of the replication pipeline');
  const common = (cmd: Command) =>
    cmd
      .requiredOption('--source <bucket>', 'the source bucket')
      .option('--prefix <prefix>', 'only source keys starting with this', '')
      .option('--concurrency <n>', 'objects in flight (1-256)', '8')
      .option('--target-bucket <bucket>', 'target bucket (default: the pipeline config TARGET_BUCKET)')
      .option('--target-prefix <prefix>', 'target key prefix (default: the pipeline config TARGET_PREFIX)')
      .option(
        '--target-secret-file <file>',
        'JSON with lc_access_key, lc_secret_key, lc_endpoint_url [, lc_region] (default: the pipeline secret)',
      )
      .option(
        '--source-endpoint <url>',
        'source S3 endpoint, or "aws" (default: the local runtime\'s embedded endpoint)',
      )
      .option('--json', 'print the report as JSON');

  common(replicate.command('backfill'))
    .description(
      'copy existing objects the target lacks or holds stale; progress on stderr; resumes an interrupted run',
    )
    .action(async (opts: CommonOptions) => {
      process.env.LOG_LEVEL ??= 'WARN';
      const report = await backfillCommand(opts);
      process.stdout.write(opts.json ? `${JSON.stringify(report, null, 2)}\n` : formatBackfill(report));
      if (report.interrupted) {
        throw new BackfillIncompleteError('interrupted: run the same command again to resume', 130);
      }
      if (report.failed > 0) {
        throw new BackfillIncompleteError(
          `${report.failed} object(s) failed; run the same command again to retry them`,
          1,
        );
      }
    });

  common(replicate.command('verify'))
    .description('compare source and target: missing, extra and differing objects; exit 1 when they differ')
    .action(async (opts: CommonOptions) => {
      process.env.LOG_LEVEL ??= 'WARN';
      const report = await verifyCommand(opts);
      process.stdout.write(opts.json ? `${JSON.stringify(report, null, 2)}\n` : formatVerify(report));
      if (!report.inSync) throw new ReplicaDiffersError(report);
    });
}

export async function backfillCommand(
  opts: CommonOptions & { progress?: (line: string, done: boolean) => void; signal?: AbortSignal },
): Promise<BackfillReport> {
  const concurrency = parseConcurrency(opts.concurrency);
  return inReplicationScope(opts, async ({ endpoints, stateDir }) => {
    const show = opts.progress ?? terminalProgress();
    const started = Date.now();
    let latest: BackfillProgress | undefined;
    const timer = setInterval(() => latest && show(progressLine(latest, started), false), 250);
    const stop = new AbortController();
    const onSignal = () => stop.abort();
    process.once('SIGINT', onSignal);
    opts.signal?.addEventListener('abort', onSignal, { once: true });
    try {
      const report = await backfill({
        endpoints,
        prefix: opts.prefix ?? '',
        concurrency,
        checkpointFile: checkpointFile(stateDir, {
          sourceBucket: endpoints.source.bucket,
          prefix: opts.prefix ?? '',
          targetEndpoint: endpoints.target.endpoint,
          targetBucket: endpoints.target.bucket,
          targetPrefix: endpoints.target.prefix,
        }),
        signal: stop.signal,
        onProgress: (p) => {
          latest = p;
        },
      });
      show(progressLine(report, started), true);
      return report;
    } finally {
      clearInterval(timer);
      process.off('SIGINT', onSignal);
    }
  });
}

export async function verifyCommand(opts: CommonOptions): Promise<VerifyReport> {
  const concurrency = parseConcurrency(opts.concurrency);
  return inReplicationScope(opts, ({ endpoints }) =>
    verifyReplica({ endpoints, prefix: opts.prefix ?? '', concurrency }),
  );
}

interface Scope {
  endpoints: Endpoints;
  stateDir: string;
}

/**
 * Runs `work` with the source and target the options name. Locally (no --source-endpoint)
 * that is the `replicate` function's own scope with the source resource pointed at --source,
 * so its grants apply; a running `tributary dev` is used, else the endpoints start for the command.
 */
async function inReplicationScope<T>(opts: CommonOptions, work: (scope: Scope) => Promise<T>): Promise<T> {
  checkBucketName('--source', opts.source);
  if (opts.targetBucket !== undefined) checkBucketName('--target-bucket', opts.targetBucket);
  const secret = opts.targetSecretFile
    ? readStoreSecretFile('--target-secret-file', opts.targetSecretFile)
    : undefined;
  const sourceEndpoint = opts.sourceEndpoint ? sourceSettings(opts.sourceEndpoint) : undefined;
  const pipelines = await loadPipelines();
  const config = loadConfig({ pipelines });
  const known = enabledPipelines(config, pipelines).flatMap((p) =>
    Object.keys(p.functions).map((f) => `${p.name}.${f}`),
  );
  let tempDir: string | undefined;
  const secretName = replication.resources.target.name;
  const withSecret = (env: Env): Env => {
    if (!secret) return env;
    tempDir ??= mkdtempSync(path.join(os.tmpdir(), 'tributary-secret-'));
    const file = path.join(tempDir, 'secrets.json');
    writeFileSync(file, JSON.stringify({ [env.TARGET_SECRET ?? secretName]: secret }), { mode: 0o600 });
    return { ...env, TRIBUTARY_SECRETS_FILE: file };
  };
  const run = async (env: Env, guard: AccessGuard | undefined): Promise<T> =>
    runInScope({ env, ...(guard ? { guard } : {}) }, async () => {
      const settings = readConfig(replication, env);
      const target = await targetStore(env.TARGET_SECRET ?? secretName, env);
      const source = opts.sourceEndpoint
        ? unguardedS3Client(sourceSettings(opts.sourceEndpoint))
        : s3Client();
      await source.send(new HeadBucketCommand({ Bucket: opts.source })).catch((err: unknown) => {
        const status = (err as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode;
        if (status === 404) throw new UsageError(`source bucket "${opts.source}" does not exist`);
        throw err;
      });
      return work({
        stateDir: config.stateDir,
        endpoints: {
          source: { client: source, bucket: opts.source },
          target: {
            client: target.client,
            bucket: opts.targetBucket ?? settings.TARGET_BUCKET,
            prefix: opts.targetPrefix ?? settings.TARGET_PREFIX,
            endpoint: target.endpoint,
          },
          tuning: tuningOf(settings),
        },
      });
    });

  try {
    if (sourceEndpoint) {
      const env = withSecret({ ...process.env, ...config.pipelines.replication?.config });
      return await run(env, undefined);
    }
    if (!known.includes(FUNCTION_ID)) throw new UnknownFunctionError(FUNCTION_ID, known.sort());
    // The function may read the bucket the user named: point its source resource there.
    const scoped: LocalConfig = {
      ...config,
      pipelines: {
        ...config.pipelines,
        replication: {
          enabled: true,
          config: { ...config.pipelines.replication?.config },
          resources: { ...config.pipelines.replication?.resources, source: opts.source },
        },
      },
    };
    const paths = statePaths(config.stateDir);
    const running = runningRuntime(paths);
    const inFunction = async (s3Url: string, dynamodbUrl: string) => {
      const functions = resolveFunctions({
        pipelines,
        config: scoped,
        paths,
        endpoints: { s3Url, dynamodbUrl },
      });
      const fn = findFunction(functions, FUNCTION_ID);
      return run(withSecret(fn.env), fn.guard);
    };
    if (running) return await inFunction(running.s3Url, running.dynamodbUrl);
    const runtime = await startRuntime({
      pipelines,
      config,
      gateway: false,
      scheduler: false,
      invoker: false,
    });
    try {
      return await inFunction(runtime.endpoints.s3Url, runtime.endpoints.dynamodbUrl);
    } finally {
      await runtime.close();
    }
  } finally {
    if (tempDir) rmSync(tempDir, { recursive: true, force: true });
  }
}

function sourceSettings(endpoint: string) {
  if (endpoint === 'aws')
    return resolveSettings('s3', {}, { ...process.env, AWS_ENDPOINT_URL_S3: '', AWS_ENDPOINT_URL: '' });
  try {
    const url = new URL(endpoint);
    if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new Error('not http');
  } catch {
    throw new UsageError(`--source-endpoint "${endpoint}" must be an http(s) URL or "aws"`);
  }
  return resolveSettings('s3', { endpoint }, process.env);
}

function parseConcurrency(raw: string | undefined): number {
  const n = Number(raw ?? '8');
  if (!/^\d+$/.test(raw ?? '8') || n < 1 || n > 256) {
    throw new UsageError(`--concurrency "${raw}" must be a whole number from 1 to 256`);
  }
  return n;
}

function checkBucketName(flag: string, name: string): void {
  if (!/^[a-z0-9][a-z0-9.\-_]{1,254}$/.test(name)) {
    throw new UsageError(`${flag} "${name}" is not a bucket name (3-255 of a-z 0-9 . - _)`);
  }
}

export function progressLine(p: BackfillProgress, started: number): string {
  const seconds = Math.max((Date.now() - started) / 1000, 0.001);
  const rate = p.bytesCopied / seconds;
  const objectRate = p.objectsDone / seconds;
  const remainingBytes = Math.max(0, p.bytesTotal - p.bytesDone);
  const remainingObjects = Math.max(0, p.objectsTotal - p.objectsDone);
  const eta =
    remainingObjects === 0
      ? 0
      : rate > 0 && remainingBytes > 0
        ? remainingBytes / Math.max(rate, p.bytesDone / seconds || 1)
        : remainingObjects / Math.max(objectRate, 0.001);
  return [
    `${p.objectsDone.toLocaleString('en-US')}/${p.objectsTotal.toLocaleString('en-US')} objects`,
    `${formatBytes(p.bytesDone)}/${formatBytes(p.bytesTotal)}`,
    `${(rate / 1_000_000).toFixed(1)} MB/s`,
    `${objectRate.toFixed(0)} objects/s`,
    `copied ${p.copied}, skipped ${p.skipped}${p.missing ? `, gone ${p.missing}` : ''}${p.failed ? `, FAILED ${p.failed}` : ''}`,
    `ETA ${formatDuration(eta)}`,
  ].join(' · ');
}

function formatDuration(seconds: number): string {
  if (!Number.isFinite(seconds)) return '?';
  const s = Math.round(seconds);
  if (s < 60) return `${s}s`;
  if (s < 3600) return `${Math.floor(s / 60)}m${String(s % 60).padStart(2, '0')}s`;
  return `${Math.floor(s / 3600)}h${String(Math.floor((s % 3600) / 60)).padStart(2, '0')}m`;
}

export function formatBackfill(r: BackfillReport): string {
  const lines = [
    `backfill ${r.interrupted ? 'INTERRUPTED' : r.failed > 0 ? 'INCOMPLETE' : 'complete'} in ${(r.elapsedMs / 1000).toFixed(1)} s${r.resumedAfter !== undefined ? ` (resumed after "${r.resumedAfter}")` : ''}`,
    `  objects   ${r.objectsDone}/${r.objectsTotal} (${formatBytes(r.bytesDone)} of ${formatBytes(r.bytesTotal)})`,
    `  copied    ${r.copied} (${formatBytes(r.bytesCopied)})`,
    `  skipped   ${r.skipped} (already on the target)`,
    `  gone      ${r.missing} (deleted from the source during the run)`,
    `  failed    ${r.failed}`,
    ...r.failures.map((f) => `    ${f.key}: ${f.reason}`),
  ];
  return `${lines.join('\n')}\n`;
}

export function formatVerify(r: VerifyReport): string {
  const lines = [
    `${r.inSync ? 'in sync' : 'DIFFERENT'}: ${r.sourceObjects} source objects (${formatBytes(r.sourceBytes)}), ${r.same} same on the target`,
    `  missing on the target  ${r.missingCount}`,
    ...r.missing.map((k) => `    ${k}`),
    `  extra on the target    ${r.extraCount}`,
    ...r.extra.map((k) => `    ${k}`),
    `  differing              ${r.differingCount}`,
    ...r.differing.map((d) => `    ${d.key}: ${d.why}`),
  ];
  return `${lines.join('\n')}\n`;
}
