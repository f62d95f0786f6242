import { createLogger } from '../../core/logger.js';
import { emitMetrics } from '../../core/metrics.js';
import { bucketMetricData } from './metric-data.js';
import type { BucketScan } from './types.js';

const logger = createLogger('bucket-metrics');

/**
 * Publishes a finished bucket through the one metrics interface: CloudWatch EMF on Lambda
 * (no API call, no PutMetricData throttling, timestamps from the listing), the local metrics
 * history when TRIBUTARY_METRICS_FILE is set. A failed bucket is logged with its error.
 */
export function publishBucket(namespace: string, scan: BucketScan): void {
  if (scan.status === 'failed') {
    logger.error('bucket not measured', { bucket: scan.bucket, error: scan.error });
  } else {
    logger.info('bucket measured', {
      bucket: scan.bucket,
      objects: scan.totals.objects,
      bytes: scan.totals.bytes,
      ...(scan.notes.length > 0 ? { notes: scan.notes } : {}),
    });
  }
  emitMetrics(namespace, bucketMetricData(scan));
}
