import { DeleteObjectCommand, GetObjectCommand, PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import type { Context, S3Event, S3EventRecord } from 'aws-lambda';
import { dynamoDbClient, s3Client } from '../../clients/index.js';
import { UsageError } from '../../core/errors.js';
import { createLogger } from '../../core/logger.js';
import { resourceName } from '../../core/pipeline.js';
import { parseCheckpoint } from './checkpoint.js';
import { batchWriteTo } from './dynamo.js';
import { CsvRejectedError } from './errors.js';
import { S3InvalidRowSink } from './invalid-rows.js';
import {
  checkpointKey,
  decodeEventKey,
  invalidRecordsKey,
  isOwnOutput,
  reportKey,
  sourceKeyOfCheckpoint,
} from './keys.js';
import { LoadFailure, type LoadOutcome, loadCsv } from './loader.js';
import { notifier } from './notify.js';
import pipeline from './pipeline.js';
import { buildReport, summaryLine } from './report.js';
import { type LoadSettings, loadSettings } from './settings.js';
import { openS3Object, SourceChangedError } from './source.js';
import type { Checkpoint, LoadReport } from './types.js';

const logger = createLogger('csv-load');

export type LoadResult =
  | { key: string; outcome: 'loaded'; report: LoadReport }
  | { key: string; outcome: 'checkpointed'; checkpoint: string; rowsRead: number }
  | { key: string; outcome: 'skipped'; reason: string };

/**
 * `csv-load.load`: every record of the S3 event (the sample read only the first), each key
 * URL-decoded. A data object is loaded from the start; a `checkpoints/…` object continues
 * the load it describes.
 */
export async function load(event: S3Event, context: Context): Promise<LoadResult[]> {
  if (!event || !Array.isArray(event.Records)) {
    throw new UsageError('csv-load.load expects an S3 event notification (an object with Records[])');
  }
  const settings = loadSettings();
  const results: LoadResult[] = [];
  for (const record of event.Records) results.push(await loadRecord(record, context, settings));
  return results;
}

async function loadRecord(
  record: S3EventRecord,
  context: Context,
  settings: LoadSettings,
): Promise<LoadResult> {
  const bucket = record.s3?.bucket?.name;
  const rawKey = record.s3?.object?.key;
  if (!bucket || !rawKey) throw new UsageError('S3 event record without s3.bucket.name / s3.object.key');
  const key = decodeEventKey(rawKey);
  const landing = resourceName(pipeline, 'landing');
  const skip = (reason: string): LoadResult => {
    logger.info('skipped', { bucket, key, reason });
    return { key, outcome: 'skipped', reason };
  };
  if (bucket !== landing) return skip(`bucket ${bucket} is not the landing bucket ${landing}`);

  const s3 = s3Client();
  const sourceOfCheckpoint = sourceKeyOfCheckpoint(key);
  if (sourceOfCheckpoint !== undefined) {
    const checkpoint = await readCheckpoint(s3, bucket, key);
    if (!checkpoint) return skip('no usable checkpoint (already consumed, or not one of ours)');
    if (checkpoint.key !== sourceOfCheckpoint || checkpoint.bucket !== bucket) {
      return skip('checkpoint does not match its key');
    }
    return run(s3, { bucket, key: checkpoint.key, checkpoint }, context, settings);
  }
  if (isOwnOutput(key)) return skip('the pipeline’s own output');
  const { LANDING_PREFIX, SUFFIX } = settings.config;
  if (!key.startsWith(LANDING_PREFIX)) return skip(`not under LANDING_PREFIX "${LANDING_PREFIX}"`);
  if (!key.endsWith(SUFFIX) && !key.endsWith(`${SUFFIX}.gz`)) return skip(`does not end in "${SUFFIX}"`);
  return run(s3, { bucket, key }, context, settings);
}

interface Job {
  bucket: string;
  key: string;
  checkpoint?: Checkpoint;
}

async function run(s3: S3Client, job: Job, context: Context, settings: LoadSettings): Promise<LoadResult> {
  const { bucket, key, checkpoint } = job;
  const began = Date.now();
  const startedAt = checkpoint?.startedAt ?? new Date(began).toISOString();
  const table = resourceName(pipeline, 'target');
  const sink = new S3InvalidRowSink(s3, bucket, invalidRecordsKey(key, context.awsRequestId));
  const notify = notifier(pipeline.resources.notifications.env);
  let etag = checkpoint?.etag;
  let gzip = checkpoint?.gzip ?? false;

  let outcome: LoadOutcome | undefined;
  let failure: LoadFailure | undefined;
  try {
    const source = await openS3Object(
      s3,
      bucket,
      key,
      checkpoint
        ? { offset: checkpoint.position.offset, gzip: checkpoint.gzip, ...(etag ? { etag } : {}) }
        : { offset: 0 },
    );
    etag = source.etag ?? etag;
    gzip = source.gzip;
    outcome = await loadCsv({
      bytes: source.bytes,
      keys: settings.keys,
      typing: settings.typing,
      delimiter: settings.config.DELIMITER,
      write: batchWriteTo(dynamoDbClient(), table),
      concurrency: settings.config.BATCH_CONCURRENCY,
      invalid: (row) => sink.add(row),
      ...(checkpoint ? { resume: checkpoint.position, counters: checkpoint.counters } : {}),
      shouldStop: timeBudget(context, settings.config.CHECKPOINT_RESERVE_SECONDS),
    });
  } catch (err) {
    if (err instanceof SourceChangedError) {
      // A newer upload replaced the file; its own event loads it from the start.
      await s3.send(new DeleteObjectCommand({ Bucket: bucket, Key: checkpointKey(key) }));
      logger.warn('source changed since the load started; checkpoint dropped', { bucket, key });
      return { key, outcome: 'skipped', reason: err.message };
    }
    failure =
      err instanceof LoadFailure
        ? err
        : new LoadFailure(
            err,
            checkpoint?.counters ?? emptyCounters(),
            checkpoint?.position ?? emptyPosition(),
          );
  }

  const invalidFile = await sink.close();
  const invalidRecords = [...(checkpoint?.invalidRecords ?? []), ...(invalidFile ? [invalidFile] : [])];
  const invalidSample = [...(checkpoint?.invalidSample ?? []), ...sink.sample].slice(0, 10);
  const durationMs = (checkpoint?.durationMs ?? 0) + (Date.now() - began);
  const invocations = (checkpoint?.invocations ?? 0) + 1;
  const source = { bucket, key, ...(etag ? { etag } : {}) };

  if (outcome && !outcome.done) {
    const next: Checkpoint = {
      version: 1,
      bucket,
      key,
      ...(etag ? { etag } : {}),
      gzip,
      position: outcome.position,
      counters: outcome.counters,
      startedAt,
      durationMs,
      invocations,
      invalidRecords,
      invalidSample,
    };
    // Last step: its creation invokes the continuation, so nothing after it may fail.
    const where = checkpointKey(key);
    await putJson(s3, bucket, where, next);
    logger.info('checkpointed', {
      bucket,
      key,
      offset: next.position.offset,
      rowsRead: next.counters.rowsRead,
    });
    return { key, outcome: 'checkpointed', checkpoint: where, rowsRead: next.counters.rowsRead };
  }

  const cause = failure?.cause;
  const rejected = cause instanceof CsvRejectedError;
  const report = buildReport({
    source,
    table,
    counters: outcome?.counters ?? (failure as LoadFailure).counters,
    startedAt,
    durationMs,
    invocations,
    invalidRecords,
    invalidSample,
    ...(outcome ? { columns: outcome.position.header } : {}),
    ...(failure
      ? {
          error: rejected
            ? `file rejected: ${failure.message}`
            : `load failed: ${failure.message} (the invocation is retried, then sent to the DLQ)`,
        }
      : {}),
  });
  await putJson(s3, bucket, reportKey(key), report);
  if (checkpoint && (!failure || rejected)) {
    await s3.send(new DeleteObjectCommand({ Bucket: bucket, Key: checkpointKey(key) }));
  }
  await notify(
    `csv-load ${report.status}: ${key}`,
    `${summaryLine(report)}\n\n${JSON.stringify(report, null, 2)}`,
  );
  logger.info('loaded', { summary: summaryLine(report) });
  // A rejected file is reported and done: retrying cannot fix it. Anything else is retried.
  if (failure && !rejected) throw cause;
  return { key, outcome: 'loaded', report };
}

/** Stop and checkpoint when the time left falls under the reserve (default 20 % of it, 5–60 s). */
function timeBudget(context: Context, reserveSeconds: number | undefined): (() => boolean) | undefined {
  if (typeof context?.getRemainingTimeInMillis !== 'function') return undefined;
  const reserveMs = reserveSeconds
    ? reserveSeconds * 1000
    : Math.min(60_000, Math.max(5_000, context.getRemainingTimeInMillis() * 0.2));
  return () => context.getRemainingTimeInMillis() < reserveMs;
}

async function readCheckpoint(s3: S3Client, bucket: string, key: string): Promise<Checkpoint | undefined> {
  try {
    const out = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
    const checkpoint = parseCheckpoint((await out.Body?.transformToString()) ?? '');
    if (!checkpoint) logger.warn('not a checkpoint', { bucket, key });
    return checkpoint;
  } catch (err) {
    if ((err as { name?: string }).name === 'NoSuchKey') return undefined;
    throw err;
  }
}

async function putJson(s3: S3Client, bucket: string, key: string, body: unknown): Promise<void> {
  await s3.send(
    new PutObjectCommand({
      Bucket: bucket,
      Key: key,
      Body: `${JSON.stringify(body, null, 2)}\n`,
      ContentType: 'application/json',
    }),
  );
}

const emptyCounters = () => ({ rowsRead: 0, rowsWritten: 0, rowsInvalid: 0, rowsCollapsed: 0, bytesRead: 0 });
const emptyPosition = () => ({ offset: 0, line: 0, header: [] });
