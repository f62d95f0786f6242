import { DeleteObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import type { Context, S3Event, S3EventRecord } from 'aws-lambda';
import { s3Client } from '../../clients/index.js';
import { errorMessage } from '../../core/errors.js';
import { createLogger } from '../../core/logger.js';
import { emitMetrics, type MetricDatum } from '../../core/metrics.js';
import { readConfig, resourceName } from '../../core/pipeline.js';
import { withRetry } from '../../core/retry.js';
import type { ReplicationConfig } from './config.js';
import {
  CONTINUATION_PREFIX,
  DEADLINE_MARGIN_MS,
  METRIC,
  METRICS_NAMESPACE,
  MiB,
  OBJECT_RETRIES,
  RETRY_BASE_MS,
  RETRY_MAX_MS,
} from './constants.js';
import {
  type Continuation,
  deleteContinuation,
  readContinuation,
  writeContinuation,
} from './continuation.js';
import { ReplicationError } from './errors.js';
import { compareSequencers, decodeEventKey, targetKey } from './event-key.js';
import { abortUpload } from './multipart-upload.js';
import pipeline from './pipeline.js';
import { continueReplication, type Endpoints, replicateObject } from './replicate-object.js';
import { isNoSuchUpload, isRetryable, targetProblem } from './s3-errors.js';
import { type TargetStore, targetStore } from './target-client.js';
import { headTarget } from './target-state.js';
import type { RecordResult, ReplicationResult } from './types.js';

const logger = createLogger('replication');

/**
 * `ObjectCreated:*` → each record's object copied to the target. Every record is attempted;
 * records that fail make the invocation throw afterwards (Lambda retries twice, then the
 * DLQ), and the retry skips what already arrived. A source deleted before processing is
 * reported as `missing`, not thrown: retrying cannot bring it back.
 *
 * A multipart copy that would outlive the invocation stops just before its deadline with the
 * upload kept open, and writes a continuation to the state bucket; that object's creation
 * invokes this function again, which continues the copy where it stopped — so an object's size
 * is not bounded by Lambda's 15 minutes.
 */
export async function replicate(event: S3Event, context?: Partial<Context>): Promise<ReplicationResult> {
  const records = recordsOf(event);
  if (records.length === 0) return { records: [] };
  const config = readConfig(pipeline);
  const target = await targetStore(resourceName(pipeline, 'target'));
  const stateBucket = resourceName(pipeline, 'state');
  const deadline = deadlineSignal(context);
  const results: RecordResult[] = [];
  const failures: unknown[] = [];

  for (const record of records) {
    const started = Date.now();
    const key = safeKey(record);
    const bucket = record.s3?.bucket?.name ?? '';
    // Metrics count per source bucket; a continuation names its own.
    let sourceBucket = bucket;
    try {
      if (key === undefined) throw new ReplicationError('event record has no s3.object.key', 'InvalidEvent');
      let result: RecordResult;
      if (bucket === stateBucket) {
        if (!key.startsWith(CONTINUATION_PREFIX)) {
          results.push({
            key,
            outcome: 'skipped',
            reason: `not a continuation (outside ${CONTINUATION_PREFIX})`,
          });
          continue;
        }
        const continuation = await readContinuation(s3Client(), stateBucket, key);
        if (!continuation) {
          results.push({ key, outcome: 'skipped', reason: 'continuation already taken up (object gone)' });
          continue;
        }
        checkBelongs(continuation, key, config);
        sourceBucket = continuation.source.bucket;
        result = await continueCopy({ config, target, stateBucket, key, continuation }, deadline);
      } else {
        if (!passesFilter(config, key)) {
          results.push({ key, outcome: 'skipped', reason: 'outside SOURCE_PREFIX/SOURCE_SUFFIX' });
          continue;
        }
        const { eTag, size, sequencer } = record.s3.object;
        result = await replicateObject(
          endpointsFor(config, target, bucket),
          {
            key,
            ...(eTag ? { etag: eTag, pinVersion: true } : {}),
            ...(typeof size === 'number' ? { size } : {}),
            ...(sequencer ? { sequencer } : {}),
          },
          deadline,
          { suspendable: true },
        );
        if (result.continuation) await handOver(stateBucket, result.continuation, target.client);
      }
      results.push(withoutContinuation(result));
      report(result, sourceBucket, Date.now() - started);
    } catch (err) {
      failures.push(err);
      results.push({ key: key ?? '(none)', outcome: 'failed', reason: errorMessage(err) });
      logger.error('replication failed', { key, error: errorMessage(err) });
      emitMetrics(METRICS_NAMESPACE, [
        { name: METRIC.failures, value: 1, unit: 'Count', dimensions: { SourceBucket: sourceBucket } },
      ]);
    }
  }
  if (failures.length > 0) throw failureOf(failures, results);
  return { records: results };
}

function endpointsFor(config: ReplicationConfig, target: TargetStore, sourceBucket: string): Endpoints {
  return {
    source: { client: s3Client(), bucket: sourceBucket },
    target: {
      client: target.client,
      bucket: config.TARGET_BUCKET,
      prefix: config.TARGET_PREFIX,
      endpoint: target.endpoint,
    },
    tuning: tuningOf(config),
  };
}

/**
 * One step of a suspended copy, from its continuation object, which is deleted only once the
 * step's outcome is settled (and any next continuation written): a step that fails is retried
 * by Lambda from the same continuation. If the target lost the upload, the copy starts again
 * from the source — unless the target already holds that version (a duplicate delivery
 * completed it).
 */
async function continueCopy(
  step: {
    config: ReplicationConfig;
    target: TargetStore;
    stateBucket: string;
    key: string;
    continuation: Continuation;
  },
  deadline: AbortSignal | undefined,
): Promise<RecordResult> {
  const { continuation } = step;
  const endpoints = endpointsFor(step.config, step.target, continuation.source.bucket);
  let result: RecordResult;
  try {
    result = await continueReplication(endpoints, continuation, deadline);
  } catch (err) {
    if (!isNoSuchUpload(err)) throw err;
    logger.warn('the target no longer has the multipart upload: copying again from the start', {
      key: continuation.source.key,
      uploadId: continuation.uploadId,
    });
    const { source, sequencer } = continuation;
    result = await replicateObject(
      endpoints,
      {
        key: source.key,
        etag: source.etag,
        size: source.size,
        pinVersion: true,
        ...(sequencer ? { sequencer } : {}),
      },
      deadline,
      { suspendable: true },
    );
  }
  if (result.continuation) await handOver(step.stateBucket, result.continuation, step.target.client);
  await deleteContinuation(s3Client(), step.stateBucket, step.key);
  return result;
}

/**
 * A continuation names buckets; only this pipeline's source and its configured target are
 * taken, so that an object put in the state bucket cannot steer copies elsewhere.
 */
function checkBelongs(continuation: Continuation, key: string, config: ReplicationConfig): void {
  const { source, target } = continuation;
  const problem =
    source.bucket !== resourceName(pipeline, 'source')
      ? `its source bucket "${source.bucket}" is not this pipeline's`
      : target.bucket !== config.TARGET_BUCKET || target.key !== targetKey(config.TARGET_PREFIX, source.key)
        ? `its target s3://${target.bucket}/${target.key} is not where TARGET_BUCKET and TARGET_PREFIX put "${source.key}"`
        : undefined;
  if (problem) throw new ReplicationError(`continuation ${key} refused: ${problem}`, 'InvalidContinuation');
}

/** Writes the next continuation; if that fails, the open upload is aborted, not left behind. */
async function handOver(stateBucket: string, continuation: Continuation, target: S3Client): Promise<void> {
  const at = await writeContinuation(s3Client(), stateBucket, continuation).catch(async (err: unknown) => {
    await abortUpload(target, continuation.target.bucket, continuation.target.key, continuation.uploadId);
    throw err;
  });
  logger.info('copy continues in another invocation', {
    key: continuation.source.key,
    partsDone: continuation.parts.length,
    invocations: continuation.invocations,
    continuation: at,
  });
}

const withoutContinuation = ({ continuation: _, ...result }: RecordResult): RecordResult => result;

function report(result: RecordResult, sourceBucket: string, ms: number): void {
  const { key } = result;
  if (result.outcome === 'copied') {
    emitMetrics(METRICS_NAMESPACE, copiedMetrics(sourceBucket, result));
    logger.info('replicated', { key, bytes: result.bytes, parts: result.parts, ms });
  } else if (result.outcome !== 'continued') {
    logger.info(`not copied: ${result.outcome}`, { key, reason: result.reason });
  }
}

/**
 * `ObjectRemoved:*` → the target's copy deleted, when REPLICATE_DELETES=true. With the
 * setting off (the default) each record is reported as skipped and the target is not touched.
 * A copy written for a newer event (higher sequencer) than the delete is kept.
 */
export async function replicateDelete(event: S3Event): Promise<ReplicationResult> {
  const records = recordsOf(event);
  if (records.length === 0) return { records: [] };
  const config = readConfig(pipeline);
  if (!config.REPLICATE_DELETES) {
    return {
      records: records.map((r) => ({
        key: safeKey(r) ?? '(none)',
        outcome: 'skipped',
        reason: 'delete replication is off (REPLICATE_DELETES=false)',
      })),
    };
  }
  const target = await targetStore(resourceName(pipeline, 'target'));
  const results: RecordResult[] = [];
  const failures: unknown[] = [];
  for (const record of records) {
    const key = safeKey(record);
    try {
      if (key === undefined) throw new ReplicationError('event record has no s3.object.key', 'InvalidEvent');
      if (!passesFilter(config, key)) {
        results.push({ key, outcome: 'skipped', reason: 'outside SOURCE_PREFIX/SOURCE_SUFFIX' });
        continue;
      }
      const destination = targetKey(config.TARGET_PREFIX, key);
      const retry = {
        retries: OBJECT_RETRIES,
        baseMs: RETRY_BASE_MS,
        maxMs: RETRY_MAX_MS,
        retryable: isRetryable,
      };
      const state = await withRetry(
        () => headTarget(target.client, config.TARGET_BUCKET, destination),
        retry,
      );
      const { sequencer } = record.s3.object;
      if (!state) {
        results.push({ key, outcome: 'skipped', reason: 'the target has no such key' });
        continue;
      }
      if (sequencer && state.sequencer && compareSequencers(sequencer, state.sequencer) < 0) {
        results.push({ key, outcome: 'skipped', reason: 'the target holds a copy from a newer event' });
        continue;
      }
      await withRetry(
        () => target.client.send(new DeleteObjectCommand({ Bucket: config.TARGET_BUCKET, Key: destination })),
        retry,
      );
      results.push({ key, outcome: 'deleted' });
      logger.info('deleted on target', { key });
    } catch (err) {
      const clear = targetProblem(err, config.TARGET_BUCKET, target.endpoint) ?? err;
      failures.push(clear);
      results.push({ key: key ?? '(none)', outcome: 'failed', reason: errorMessage(clear) });
      logger.error('delete replication failed', { key, error: errorMessage(clear) });
    }
  }
  if (failures.length > 0) throw failureOf(failures, results);
  return { records: results };
}

/** S3's test event (sent when a notification is configured) has no Records. */
function recordsOf(event: S3Event | { Event?: string }): S3EventRecord[] {
  const records = (event as Partial<S3Event>).Records;
  return Array.isArray(records) ? records : [];
}

function safeKey(record: S3EventRecord): string | undefined {
  const encoded = record?.s3?.object?.key;
  return typeof encoded === 'string' ? decodeEventKey(encoded) : undefined;
}

const passesFilter = (config: ReplicationConfig, key: string): boolean =>
  key.startsWith(config.SOURCE_PREFIX) && key.endsWith(config.SOURCE_SUFFIX);

export const tuningOf = (config: ReplicationConfig) => ({
  multipartThresholdBytes: config.MULTIPART_THRESHOLD_MB * MiB,
  minPartSizeBytes: config.PART_SIZE_MB * MiB,
  partConcurrency: config.PART_CONCURRENCY,
  maxBufferBytes: config.MAX_BUFFER_MB * MiB,
});

function copiedMetrics(sourceBucket: string, result: RecordResult): MetricDatum[] {
  const dimensions = { SourceBucket: sourceBucket };
  const data: MetricDatum[] = [
    { name: METRIC.objects, value: 1, unit: 'Count', dimensions },
    { name: METRIC.bytes, value: result.bytes ?? 0, unit: 'Bytes', dimensions },
  ];
  if (result.lastModified) {
    data.push({
      name: METRIC.latency,
      value: Math.max(0, Date.now() - result.lastModified.getTime()),
      unit: 'Milliseconds',
      dimensions,
    });
  }
  return data;
}

/** Aborts copies before Lambda kills the function, so multipart uploads get aborted, not orphaned. */
function deadlineSignal(context?: Partial<Context>): AbortSignal | undefined {
  const remaining = context?.getRemainingTimeInMillis?.();
  if (remaining === undefined || !Number.isFinite(remaining)) return undefined;
  return AbortSignal.timeout(Math.max(1, remaining - DEADLINE_MARGIN_MS));
}

/** One error for the invocation: the first failure's own, when there is only one kind. */
function failureOf(failures: unknown[], results: RecordResult[]): Error {
  const failed = results.filter((r) => r.outcome === 'failed');
  if (failures.length === 1 && failures[0] instanceof Error) return failures[0];
  return new ReplicationError(
    `${failed.length} of ${results.length} records failed: ${failed.map((r) => `"${r.key}": ${r.reason}`).join('; ')}`,
  );
}
