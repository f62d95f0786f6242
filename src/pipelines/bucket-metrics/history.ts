import type { StoredMetric } from '../../core/metrics.js';
import { DEFAULT_NAMESPACE, DIMENSION, METRIC } from './constants.js';

export interface BucketPoint {
  timestamp: string;
  bytes?: number;
  objects?: number;
}

export interface BucketSeries {
  bucket: string;
  points: BucketPoint[];
}

/**
 * Size and object count per bucket over time, from the local metrics history: what the
 * console charts. Only whole-bucket data points (dimension BucketName alone), oldest first.
 */
export function bucketHistory(
  metrics: readonly StoredMetric[],
  namespace = DEFAULT_NAMESPACE,
): BucketSeries[] {
  const byBucket = new Map<string, Map<string, BucketPoint>>();
  for (const m of metrics) {
    if (m.namespace !== namespace) continue;
    const dims = Object.keys(m.dimensions);
    if (dims.length !== 1 || dims[0] !== DIMENSION.bucket) continue;
    if (m.name !== METRIC.bucketSize && m.name !== METRIC.objects) continue;
    const bucket = m.dimensions[DIMENSION.bucket] as string;
    const points = byBucket.get(bucket) ?? new Map<string, BucketPoint>();
    const point = points.get(m.timestamp) ?? { timestamp: m.timestamp };
    if (m.name === METRIC.bucketSize) point.bytes = m.value;
    else point.objects = m.value;
    points.set(m.timestamp, point);
    byBucket.set(bucket, points);
  }
  return [...byBucket.entries()]
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([bucket, points]) => ({
      bucket,
      points: [...points.values()].sort((a, b) => a.timestamp.localeCompare(b.timestamp)),
    }));
}
