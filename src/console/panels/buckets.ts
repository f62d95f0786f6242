import type { StoredMetric } from '../../core/metrics.js';
import { DEFAULT_NAMESPACE } from '../../pipelines/bucket-metrics/constants.js';
import { type BucketSeries, bucketHistory } from '../../pipelines/bucket-metrics/history.js';

export interface BucketCharts {
  namespace: string;
  since?: string;
  buckets: BucketSeries[];
}

/** Size and object count per bucket over time, from the local metrics history. */
export function bucketCharts(
  metrics: readonly StoredMetric[],
  namespace = DEFAULT_NAMESPACE,
  since?: Date,
): BucketCharts {
  const from = since?.toISOString();
  const recent = from === undefined ? metrics : metrics.filter((m) => m.timestamp >= from);
  return { namespace, ...(from ? { since: from } : {}), buckets: bucketHistory(recent, namespace) };
}
