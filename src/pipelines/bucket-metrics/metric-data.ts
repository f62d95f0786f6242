import type { MetricDatum } from '../../core/metrics.js';
import { DIMENSION, METRIC } from './constants.js';
import type { BucketScan } from './types.js';

/**
 * A finished bucket as CloudWatch data points, stamped with the time its listing finished
 * (not the time they are sent). A failed bucket yields only CollectionErrors = 1: partial
 * totals would chart as a sudden shrink. Successful buckets report CollectionErrors = 0 so
 * an alarm on it has data, and empty buckets report 0 bytes and 0 objects, not nothing.
 */
export function bucketMetricData(scan: BucketScan): MetricDatum[] {
  const timestamp = new Date(scan.finishedAt ?? Date.now());
  const dimensions = { [DIMENSION.bucket]: scan.bucket };
  const datum = (name: string, value: number, unit: MetricDatum['unit'], dims = dimensions): MetricDatum => ({
    name,
    value,
    unit,
    dimensions: dims,
    timestamp,
  });
  if (scan.status === 'failed') return [datum(METRIC.errors, 1, 'Count')];
  const t = scan.totals;
  const data = [
    datum(METRIC.bucketSize, t.bytes, 'Bytes'),
    datum(METRIC.objects, t.objects, 'Count'),
    datum(METRIC.largestObject, t.largestObjectBytes, 'Bytes'),
    datum(METRIC.errors, 0, 'Count'),
  ];
  if (typeof scan.incompleteMultipartBytes === 'number') {
    data.push(datum(METRIC.incompleteMultipart, scan.incompleteMultipartBytes, 'Bytes'));
  }
  if (scan.versioning === 'enabled' || scan.versioning === 'suspended') {
    data.push(datum(METRIC.noncurrentVersions, t.noncurrentBytes, 'Bytes'));
  }
  for (const [prefix, p] of Object.entries(scan.prefixes).sort(([a], [b]) => a.localeCompare(b))) {
    const dims = { ...dimensions, [DIMENSION.prefix]: prefix };
    data.push(
      datum(METRIC.bucketSize, p.bytes, 'Bytes', dims),
      datum(METRIC.objects, p.objects, 'Count', dims),
    );
  }
  return data;
}
