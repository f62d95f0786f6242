import { randomUUID } from 'node:crypto';
import type { Context, S3Event, ScheduledEvent } from 'aws-lambda';
import { ConfigError } from '../../core/errors.js';
import { createLogger } from '../../core/logger.js';
import { emitMetrics } from '../../core/metrics.js';
import { readConfig, resourceName } from '../../core/pipeline.js';
import { deleteCheckpoint, isCheckpointKey, loadCheckpoint, saveCheckpoint } from './checkpoint-store.js';
import { collectBuckets } from './collect-run.js';
import { MAX_CONTINUATIONS, RUN_NAMESPACE } from './constants.js';
import pipeline from './pipeline.js';
import { publishBucket } from './publish.js';
import { storeClient } from './store-client.js';
import type { Checkpoint } from './types.js';

const logger = createLogger('bucket-metrics');

export interface CollectSummary {
  runId: string;
  sequence: number;
  buckets: number;
  finished: number;
  failed: string[];
  /** The checkpoint that continues the run, when this invocation ran out of time. */
  continuation?: string;
  objectsListed: number;
  requests: number;
}

/**
 * Scheduled: starts a run. Object created under the checkpoint prefix of the state bucket:
 * continues that run. Per-bucket failures are published (CollectionErrors) and logged, not
 * thrown — a throw would make Lambda retry the whole run; only a run that cannot start
 * (no secret, ListBuckets denied, bad checkpoint) fails the invocation.
 */
export async function collect(event: ScheduledEvent | S3Event, context: Context): Promise<CollectSummary[]> {
  const stateBucket = resourceName(pipeline, 'state');
  if (!isS3Event(event)) return [await runOnce(context, stateBucket)];
  const keys = event.Records.filter(
    (r) => r.s3.bucket.name === stateBucket && isCheckpointKey(decodeKey(r.s3.object.key)),
  ).map((r) => decodeKey(r.s3.object.key));
  if (keys.length === 0)
    logger.warn('S3 event without a checkpoint object: ignored', { records: event.Records.length });
  const summaries: CollectSummary[] = [];
  for (const key of keys) summaries.push(await runOnce(context, stateBucket, key));
  return summaries;
}

async function runOnce(
  context: Context,
  stateBucket: string,
  checkpointKey?: string,
): Promise<CollectSummary> {
  const config = readConfig(pipeline);
  const reserveMs = config.CHECKPOINT_RESERVE_SECONDS * 1000;
  if (context.getRemainingTimeInMillis() <= reserveMs) {
    throw new ConfigError(
      `the function has ${context.getRemainingTimeInMillis()} ms left at start, not more than CHECKPOINT_RESERVE_SECONDS (${config.CHECKPOINT_RESERVE_SECONDS} s): raise its timeout or lower the reserve`,
    );
  }
  const resume = checkpointKey ? await loadCheckpoint(stateBucket, checkpointKey) : undefined;
  const { client, endpoint, source } = await storeClient(resourceName(pipeline, 'store'));
  const runId =
    resume?.runId ?? `${new Date().toISOString().replace(/[:.]/g, '-')}-${randomUUID().slice(0, 8)}`;
  logger.info(resume ? 'continuing run' : 'starting run', {
    runId,
    sequence: resume?.sequence ?? 0,
    endpoint,
    source,
  });

  const started = Date.now();
  let objectsListed = 0;
  const result = await collectBuckets({
    client,
    runId,
    prefixDepth: config.PREFIX_DEPTH,
    concurrency: config.CONCURRENCY,
    countMultipart: config.MULTIPART_UPLOADS,
    filter: { include: config.INCLUDE_BUCKETS, exclude: config.EXCLUDE_BUCKETS },
    ...(resume ? { resume } : {}),
    shouldStop: () => context.getRemainingTimeInMillis() <= reserveMs,
    onPage: (_bucket, page) => {
      objectsListed += page.objects + page.noncurrentVersions;
    },
    onBucketFinished: (scan) => publishBucket(config.NAMESPACE, scan),
  });

  const { checkpoint } = result;
  let continuation: string | undefined;
  if (!result.complete) {
    if (result.requests === 0) {
      throw new ConfigError(
        `run ${runId} made no progress before the time budget ran out: raise the function's timeout or lower CHECKPOINT_RESERVE_SECONDS`,
      );
    }
    continuation = await handOver(stateBucket, checkpoint, config.NAMESPACE);
  }
  if (checkpointKey) await deleteCheckpoint(stateBucket, checkpointKey);

  const failed = checkpoint.finished.filter((f) => f.status === 'failed').map((f) => f.bucket);
  emitMetrics(RUN_NAMESPACE, [
    { name: 'ObjectsListed', value: objectsListed, unit: 'Count' },
    { name: 'ListRequests', value: result.requests, unit: 'Count' },
    { name: 'InvocationDuration', value: Date.now() - started, unit: 'Milliseconds' },
    { name: 'BucketsFinished', value: result.finished.length, unit: 'Count' },
    {
      name: 'BucketsFailed',
      value: result.finished.filter((s) => s.status === 'failed').length,
      unit: 'Count',
    },
    { name: 'Continuations', value: continuation ? 1 : 0, unit: 'Count' },
  ]);
  const summary: CollectSummary = {
    runId,
    sequence: checkpoint.sequence,
    buckets: checkpoint.finished.length + checkpoint.scans.length,
    finished: checkpoint.finished.length,
    failed,
    ...(continuation ? { continuation } : {}),
    objectsListed,
    requests: result.requests,
  };
  logger.info(continuation ? 'time budget reached: continuing in a new invocation' : 'run finished', {
    ...summary,
  });
  return summary;
}

/** Saves the next checkpoint (whose creation invokes `collect` again); gives up past MAX_CONTINUATIONS. */
async function handOver(
  stateBucket: string,
  checkpoint: Checkpoint,
  namespace: string,
): Promise<string | undefined> {
  const next: Checkpoint = { ...checkpoint, sequence: checkpoint.sequence + 1 };
  if (next.sequence > MAX_CONTINUATIONS) {
    for (const scan of next.scans) {
      scan.status = 'failed';
      scan.error = {
        code: 'TooManyContinuations',
        message: `not finished after ${MAX_CONTINUATIONS} continuations`,
      };
      scan.finishedAt = new Date().toISOString();
      publishBucket(namespace, scan);
    }
    return undefined;
  }
  return saveCheckpoint(stateBucket, next);
}

function isS3Event(event: ScheduledEvent | S3Event): event is S3Event {
  return Array.isArray((event as S3Event).Records);
}

/** S3 notifications URL-encode keys, spaces as `+`. */
const decodeKey = (key: string): string => decodeURIComponent(key.replace(/\+/g, ' '));
