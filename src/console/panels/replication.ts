import type { S3Client } from '@aws-sdk/client-s3';
import type { StoredMetric } from '../../core/metrics.js';
import { CONTINUATION_PREFIX, METRIC, METRICS_NAMESPACE } from '../../pipelines/replication/constants.js';
import { continuedFrom, isContinuation } from '../../pipelines/replication/continuation.js';
import type { FunctionSummary } from '../aggregates.js';
import { getJson, listAll } from './s3-json.js';

export interface SourceBucketReplication {
  sourceBucket: string;
  objects: number;
  bytes: number;
  failures: number;
  /** ReplicationLatency: from the source object's LastModified to its copy's completion. */
  lagMs?: { last: number; avg: number; max: number };
  lastCopiedAt?: string;
  lastFailureAt?: string;
}

export interface ReplicationStatus {
  running: boolean;
  buckets: SourceBucketReplication[];
  /** Events waiting for `replication.replicate`, and how long the oldest has waited. */
  backlog: { queued: number; oldestQueuedAt?: string; oldestAgeMs?: number };
  invocations?: FunctionSummary;
  /** Multipart copies handed over from one invocation to the next, still under way. */
  continuing?: ContinuingCopy[];
}

/** A copy longer than one invocation, as its latest continuation in the state bucket says. */
export interface ContinuingCopy {
  source: string;
  target: string;
  size: number;
  bytesDone: number;
  partsDone: number;
  invocations: number;
  startedAt: string;
  /** When the last step handed over. */
  updatedAt?: string;
}

/** The copies under way across invocations: the continuations waiting in the state bucket. */
export async function continuingCopies(
  s3: S3Client,
  stateBucket: string,
  limit = 50,
): Promise<ContinuingCopy[]> {
  const objects = (await listAll(s3, stateBucket, CONTINUATION_PREFIX)).filter((o) =>
    o.Key?.endsWith('.json'),
  );
  objects.sort((a, b) => (b.LastModified?.getTime() ?? 0) - (a.LastModified?.getTime() ?? 0));
  const newest = objects.slice(0, limit);
  const bodies = await Promise.all(newest.map((o) => getJson(s3, stateBucket, o.Key as string)));
  return bodies.flatMap((body, i) => {
    if (!isContinuation(body)) return [];
    const c = body;
    const updatedAt = newest[i]?.LastModified?.toISOString();
    return [
      {
        source: `${c.source.bucket}/${c.source.key}`,
        target: `${c.target.bucket}/${c.target.key}`,
        size: c.source.size,
        bytesDone: continuedFrom(c),
        partsDone: c.parts.length,
        invocations: c.invocations,
        startedAt: c.startedAt,
        ...(updatedAt ? { updatedAt } : {}),
      },
    ];
  });
}

/** Replication's own metrics (emitMetrics → the local history), summed per source bucket. */
export function replicationStatus(
  metrics: readonly StoredMetric[],
  backlog: { count: number; oldestAt: string } | undefined,
  invocations: FunctionSummary | undefined,
  running: boolean,
  now = new Date(),
): ReplicationStatus {
  const byBucket = new Map<
    string,
    SourceBucketReplication & { lagSum: number; lagCount: number; lagAt: string }
  >();
  for (const m of metrics) {
    if (m.namespace !== METRICS_NAMESPACE) continue;
    const bucket = m.dimensions.SourceBucket ?? '';
    let b = byBucket.get(bucket);
    if (!b) {
      b = { sourceBucket: bucket, objects: 0, bytes: 0, failures: 0, lagSum: 0, lagCount: 0, lagAt: '' };
      byBucket.set(bucket, b);
    }
    if (m.name === METRIC.objects) {
      b.objects += m.value;
      if (!b.lastCopiedAt || b.lastCopiedAt < m.timestamp) b.lastCopiedAt = m.timestamp;
    } else if (m.name === METRIC.bytes) b.bytes += m.value;
    else if (m.name === METRIC.failures) {
      b.failures += m.value;
      if (!b.lastFailureAt || b.lastFailureAt < m.timestamp) b.lastFailureAt = m.timestamp;
    } else if (m.name === METRIC.latency) {
      b.lagSum += m.value;
      b.lagCount++;
      const max = Math.max(b.lagMs?.max ?? 0, m.value);
      const last = m.timestamp >= b.lagAt ? m.value : (b.lagMs?.last ?? m.value);
      if (m.timestamp >= b.lagAt) b.lagAt = m.timestamp;
      b.lagMs = { last, avg: b.lagSum / b.lagCount, max };
    }
  }
  const buckets = [...byBucket.values()]
    .sort((a, b) => a.sourceBucket.localeCompare(b.sourceBucket))
    .map(({ lagSum: _s, lagCount: _c, lagAt: _a, ...b }) =>
      b.lagMs ? { ...b, lagMs: { ...b.lagMs, avg: Math.round(b.lagMs.avg) } } : b,
    );
  return {
    running,
    buckets,
    backlog: {
      queued: backlog?.count ?? 0,
      ...(backlog
        ? {
            oldestQueuedAt: backlog.oldestAt,
            oldestAgeMs: Math.max(0, now.getTime() - Date.parse(backlog.oldestAt)),
          }
        : {}),
    },
    ...(invocations ? { invocations } : {}),
  };
}
