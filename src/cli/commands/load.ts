import { createReadStream, statSync } from 'node:fs';
import path from 'node:path';
import { PassThrough, type Readable } from 'node:stream';
import {
  DescribeTableCommand,
  type DescribeTableCommandOutput,
  DynamoDBClient,
} from '@aws-sdk/client-dynamodb';
import { S3Client } from '@aws-sdk/client-s3';
import { type Command, Option } from 'commander';
import { resolveSettings, s3Config } from '../../clients/index.js';
import { ConfigError, TributaryError, UsageError } from '../../core/errors.js';
import type { KeyType } from '../../core/resources.js';
import { loadConfig } from '../../local/config.js';
import { runningRuntime, statePaths } from '../../local/state.js';
import { DEFAULT_BATCH_CONCURRENCY, DEFAULT_KEY_COLUMN } from '../../pipelines/csv-load/constants.js';
import type { Delimiter } from '../../pipelines/csv-load/csv-rows.js';
import { batchWriteTo } from '../../pipelines/csv-load/dynamo.js';
import { CsvRejectedError } from '../../pipelines/csv-load/errors.js';
import { FileInvalidRowSink } from '../../pipelines/csv-load/invalid-rows.js';
import { parseColumnTypes } from '../../pipelines/csv-load/item.js';
import { LoadFailure, type LoadOutcome, loadCsv } from '../../pipelines/csv-load/loader.js';
import { buildReport, summaryLine } from '../../pipelines/csv-load/report.js';
import { keySchemaFor } from '../../pipelines/csv-load/settings.js';
import { gunzipped, openS3Object } from '../../pipelines/csv-load/source.js';
import type { LoadCounters, LoadReport } from '../../pipelines/csv-load/types.js';
import { loadPipelines } from '../registry.js';

export interface LoadCsvCommandOptions {
  table: string;
  keyColumn?: string;
  sortKeyColumn?: string;
  inferTypes?: boolean;
  columnTypes?: string;
  delimiter: string;
  concurrency: string;
  invalidRecords?: string;
  json?: boolean;
  progress?: boolean;
}

/**
 * `tributary load csv <file|s3://bucket/key> --table T`: the csv-load pipeline's loader, run
 * from the CLI. Writes to the DynamoDB endpoint of a running `tributary dev` (same state
 * dir), otherwise to the one the environment names (AWS_ENDPOINT_URL_DYNAMODB, or AWS).
 * Exit codes: 0 every row written, 2 some rows invalid, 1 failed, 64 bad arguments.
 */
export function register(program: Command): void {
  const load = program.command('load').description('load files into tables');
  load
    .command('csv')
    .description('stream a CSV (local file or s3://bucket/key, optionally .gz) into a DynamoDB table')
    .argument('<source>', 'a local file, or s3://bucket/key')
    .requiredOption('--table <name>', 'target table (its key schema is read with DescribeTable)')
    .option('--key-column <name>', 'column holding the partition key (must be the table’s key attribute)')
    .option('--sort-key-column <name>', 'column holding the sort key')
    .option('--infer-types', 'store numbers and booleans as such, omit empty cells')
    .option('--column-types <json>', 'JSON map column → string|number|boolean')
    .addOption(new Option('--delimiter <char>', 'field delimiter: , ; or tab').default(','))
    .option('--concurrency <n>', 'BatchWriteItem calls in flight', String(DEFAULT_BATCH_CONCURRENCY))
    .option(
      '--invalid-records <file>',
      'where invalid rows go as JSON lines (default: <source name>.invalid.jsonl)',
    )
    .option('--json', 'print the load report as JSON on stdout')
    .option('--no-progress', 'no progress line on stderr')
    .action(async (source: string, opts: LoadCsvCommandOptions) => {
      const report = await loadCsvCommand(source, opts);
      if (opts.json) process.stdout.write(`${JSON.stringify(report, null, 2)}\n`);
      if (report.status === 'SUCCEEDED') {
        process.stderr.write(`${summaryLine(report)}\n`);
        return;
      }
      // main() prints the message and exits with the code: 2 partial, 1 failed.
      throw new TributaryError(
        summaryLine(report),
        `Load${report.status}`,
        report.status === 'PARTIAL' ? 2 : 1,
      );
    });
}

export async function loadCsvCommand(source: string, opts: LoadCsvCommandOptions): Promise<LoadReport> {
  const delimiter = parseDelimiter(opts.delimiter);
  const concurrency = parseConcurrency(opts.concurrency);
  let columnTypes: ReturnType<typeof parseColumnTypes>;
  try {
    columnTypes = parseColumnTypes(opts.columnTypes);
  } catch (err) {
    throw new UsageError(`--column-types: ${(err as Error).message.replace(/^COLUMN_TYPES /, '')}`);
  }
  const target = parseSource(source);
  const { dynamo, s3 } = await clients();
  const keys = await tableKeys(dynamo, opts.table, opts.keyColumn, opts.sortKeyColumn);

  const began = Date.now();
  const startedAt = new Date(began).toISOString();
  const invalidPath =
    opts.invalidRecords ??
    `${path.basename(target.kind === 'file' ? target.path : target.key)}.invalid.jsonl`;
  const sink = new FileInvalidRowSink(invalidPath);
  const progress = new Progress(opts.progress !== false);
  let outcome: LoadOutcome | undefined;
  let failure: LoadFailure | undefined;
  try {
    const opened = await openSource(target, s3, progress);
    outcome = await loadCsv({
      bytes: opened,
      keys,
      typing: { inferTypes: opts.inferTypes ?? false, columnTypes },
      delimiter,
      write: batchWriteTo(dynamo, opts.table),
      concurrency,
      invalid: (row) => sink.add(row),
      onProgress: (c) => progress.update(c),
    });
  } catch (err) {
    failure =
      err instanceof LoadFailure ? err : new LoadFailure(err, zero(), { offset: 0, line: 0, header: [] });
  } finally {
    progress.done();
  }
  const invalidFile = await sink.close();
  const cause = failure?.cause;
  if (failure && !(cause instanceof CsvRejectedError) && isNotFound(cause)) {
    throw new TributaryError(`table ${opts.table} was not found`, 'NotFound', 1);
  }
  const report = buildReport({
    source: target.kind === 'file' ? { key: target.path } : { bucket: target.bucket, key: target.key },
    table: opts.table,
    counters: outcome?.counters ?? (failure as LoadFailure).counters,
    startedAt,
    durationMs: Date.now() - began,
    invocations: 1,
    invalidRecords: invalidFile ? [invalidFile] : [],
    invalidSample: sink.sample,
    ...(outcome ? { columns: outcome.position.header } : {}),
    ...(failure
      ? { error: cause instanceof CsvRejectedError ? `file rejected: ${failure.message}` : failure.message }
      : {}),
  });
  return report;
}

type Source = { kind: 'file'; path: string } | { kind: 's3'; bucket: string; key: string };

function parseSource(source: string): Source {
  if (source.startsWith('s3://')) {
    const match = /^s3:\/\/([^/]+)\/(.+)$/.exec(source);
    if (!match) throw new UsageError(`"${source}" is not s3://bucket/key`);
    return { kind: 's3', bucket: match[1] as string, key: match[2] as string };
  }
  let stat: ReturnType<typeof statSync>;
  try {
    stat = statSync(source);
  } catch {
    throw new UsageError(`cannot read ${source}: no such file`);
  }
  if (!stat.isFile()) throw new UsageError(`${source} is not a file`);
  return { kind: 'file', path: source };
}

async function openSource(source: Source, s3: S3Client, progress: Progress): Promise<NodeJS.ReadableStream> {
  if (source.kind === 's3') {
    const opened = await openS3Object(s3, source.bucket, source.key);
    progress.total = opened.gzip ? undefined : opened.size;
    return opened.bytes;
  }
  progress.total = statSync(source.path).size;
  const file = createReadStream(source.path);
  // ETA from the bytes read off disk, which for gzip are the compressed ones.
  const counted = new PassThrough();
  file.on('data', (chunk: string | Buffer) => {
    progress.sourceBytes += chunk.length;
  });
  file.on('error', (err) => counted.destroy(err));
  const stream = file.pipe(counted) as Readable;
  return (await isGzipFile(source.path)) ? gunzipped(stream) : stream;
}

async function isGzipFile(file: string): Promise<boolean> {
  if (file.toLowerCase().endsWith('.gz')) return true;
  const head = createReadStream(file, { start: 0, end: 1 });
  const chunks: Buffer[] = [];
  for await (const c of head) chunks.push(c as Buffer);
  const b = Buffer.concat(chunks);
  return b[0] === 0x1f && b[1] === 0x8b;
}

/** A running `tributary dev` on this state dir, else what the environment says (AWS by default). */
async function clients(): Promise<{ dynamo: DynamoDBClient; s3: S3Client }> {
  const env = process.env;
  if (!env.AWS_ENDPOINT_URL_DYNAMODB && !env.AWS_ENDPOINT_URL) {
    const config = loadConfig({ pipelines: await loadPipelines() });
    const running = runningRuntime(statePaths(config.stateDir));
    if (running) {
      const local = {
        region: config.region,
        credentials: { accessKeyId: config.accessKeyId, secretAccessKey: config.secretAccessKey },
      };
      return {
        dynamo: new DynamoDBClient({ ...local, endpoint: running.dynamodbUrl }),
        s3: new S3Client({ ...local, endpoint: running.s3Url, forcePathStyle: true }),
      };
    }
  }
  const dynamoSettings = resolveSettings('dynamodb');
  return {
    dynamo: new DynamoDBClient({
      region: dynamoSettings.region,
      maxAttempts: dynamoSettings.maxAttempts,
      ...(dynamoSettings.endpoint ? { endpoint: dynamoSettings.endpoint } : {}),
      ...(dynamoSettings.credentials ? { credentials: dynamoSettings.credentials } : {}),
    }),
    s3: new S3Client(s3Config(resolveSettings('s3'))),
  };
}

async function tableKeys(dynamo: DynamoDBClient, table: string, keyColumn?: string, sortKeyColumn?: string) {
  let described: DescribeTableCommandOutput;
  try {
    described = await dynamo.send(new DescribeTableCommand({ TableName: table }));
  } catch (err) {
    if (isNotFound(err)) throw new TributaryError(`table ${table} does not exist`, 'NotFound', 1);
    throw err;
  }
  const t = described.Table;
  const typeOf = (name: string) =>
    (t?.AttributeDefinitions?.find((a) => a.AttributeName === name)?.AttributeType ?? 'S') as KeyType;
  const hash = t?.KeySchema?.find((k) => k.KeyType === 'HASH')?.AttributeName;
  const range = t?.KeySchema?.find((k) => k.KeyType === 'RANGE')?.AttributeName;
  if (!hash) throw new TributaryError(`table ${table} has no partition key in DescribeTable`, 'BadTable', 1);
  const declared = {
    name: table,
    partitionKey: { name: hash, type: typeOf(hash) },
    ...(range ? { sortKey: { name: range, type: typeOf(range) } } : {}),
  };
  try {
    return keySchemaFor(
      declared,
      keyColumn ?? (hash === DEFAULT_KEY_COLUMN ? DEFAULT_KEY_COLUMN : hash),
      sortKeyColumn ?? range,
    );
  } catch (err) {
    if (err instanceof ConfigError)
      throw new UsageError(
        err.message.replace(/KEY_COLUMN/g, '--key-column').replace(/SORT_--key-column/g, '--sort-key-column'),
      );
    throw err;
  }
}

function parseDelimiter(value: string): Delimiter {
  if (value === ',' || value === ';' || value === '\t') return value;
  if (value === 'tab' || value === '\\t') return '\t';
  throw new UsageError(`--delimiter must be , ; or tab, got "${value}"`);
}

function parseConcurrency(value: string): number {
  const n = Number(value);
  if (!/^\d+$/.test(value) || n < 1 || n > 64)
    throw new UsageError(`--concurrency must be 1-64, got "${value}"`);
  return n;
}

const isNotFound = (err: unknown) =>
  (err as { name?: string } | undefined)?.name === 'ResourceNotFoundException';
const zero = (): LoadCounters => ({
  rowsRead: 0,
  rowsWritten: 0,
  rowsInvalid: 0,
  rowsCollapsed: 0,
  bytesRead: 0,
});

/** rows, rows/s and ETA from bytes, on one rewritten line when stderr is a terminal, else every 10 s. */
class Progress {
  total: number | undefined;
  sourceBytes = 0;
  private readonly started = Date.now();
  private last = 0;
  private printed = false;
  private readonly tty = Boolean(process.stderr.isTTY);

  constructor(private readonly enabled: boolean) {}

  update(c: LoadCounters): void {
    const now = Date.now();
    if (!this.enabled || now - this.last < (this.tty ? 200 : 10_000)) return;
    this.last = now;
    const seconds = (now - this.started) / 1000;
    const rate = seconds > 0 ? c.rowsRead / seconds : 0;
    const done = this.sourceBytes || c.bytesRead;
    let eta = '';
    if (this.total && done > 0) {
      const fraction = Math.min(1, done / this.total);
      const left = fraction > 0 ? seconds / fraction - seconds : 0;
      eta = ` · ${(fraction * 100).toFixed(1)}% · ETA ${formatSeconds(left)}`;
    }
    const line = `${c.rowsRead.toLocaleString('en-US')} rows · ${Math.round(rate).toLocaleString('en-US')} rows/s · ${c.rowsInvalid} invalid${eta}`;
    if (this.tty) process.stderr.write(`\r\x1b[2K${line}`);
    else process.stderr.write(`${line}\n`);
    this.printed = true;
  }

  done(): void {
    if (this.tty && this.printed) process.stderr.write('\r\x1b[2K');
  }
}

function formatSeconds(s: number): string {
  const total = Math.round(s);
  const m = Math.floor(total / 60);
  return `${m}:${String(total % 60).padStart(2, '0')}`;
}
