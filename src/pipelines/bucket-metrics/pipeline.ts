import { putMetrics, read, readWrite, remove } from '../../core/grants.js';
import { definePipeline } from '../../core/pipeline.js';
import { bucket, secret } from '../../core/resources.js';
import { onObjectCreated, onSchedule } from '../../core/triggers.js';
import { bucketMetricsConfig } from './config.js';
import { CHECKPOINT_PREFIX, RUN_NAMESPACE } from './constants.js';

/**
 * Every bucket's true size and object count in an S3-compatible store (Lyve Cloud, MinIO,
 * the embedded endpoint), on a schedule, into CloudWatch (EMF) or the local metrics history.
 * A run that outlives its invocation writes a checkpoint to the state bucket, and that
 * object's creation invokes `collect` again to continue.
 */
export default definePipeline({
  name: 'bucket-metrics',
  description: 'Sizes and object counts of every bucket in an S3-compatible store, as CloudWatch metrics',
  config: bucketMetricsConfig,
  resources: {
    store: secret({ name: 'tributary/bucket-metrics/store', env: 'STORE_SECRET' }),
    state: bucket({ name: 'tributary-bucket-metrics-state', env: 'STATE_BUCKET' }),
  },
  functions: {
    collect: {
      description: 'Lists every bucket (delimiter fan-out, shared concurrency) and publishes its metrics',
      memoryMb: 1024,
      timeoutSeconds: 900,
      triggers: [
        onSchedule({ configKey: 'SCHEDULE' }),
        onObjectCreated('state', { prefix: CHECKPOINT_PREFIX, suffix: '.json' }),
      ],
      grants: [
        read('store'),
        readWrite('state'),
        remove('state'),
        putMetrics({ configKey: 'NAMESPACE' }),
        putMetrics(RUN_NAMESPACE),
      ],
    },
  },
  handlers: () => import('./handler.js'),
});
