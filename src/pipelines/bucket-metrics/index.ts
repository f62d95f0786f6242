export { type BucketFilter, parseBucketPatterns, selectBuckets } from './bucket-filter.js';
export {
  type CollectOptions,
  type CollectResult,
  collectBuckets,
  listBucketNames,
  UnknownBucketError,
} from './collect-run.js';
export { type BucketMetricsConfig, bucketMetricsConfig } from './config.js';
export * from './constants.js';
export {
  bucketDashboard,
  bucketDashboardWidgets,
  type DashboardBody,
  type DashboardOptions,
  type DashboardWidget,
} from './dashboard.js';
export { type BucketPoint, type BucketSeries, bucketHistory } from './history.js';
export { createLimiter, type Limiter } from './limiter.js';
export { bucketMetricData } from './metric-data.js';
export { default } from './pipeline.js';
export {
  PROMETHEUS_CONTENT_TYPE,
  parseMetricsHistory,
  prometheusName,
  renderPrometheus,
} from './prometheus.js';
export { publishBucket } from './publish.js';
export { ancestorPrefixes, newBucketScan, scanBucket } from './scan.js';
export { type StoreClient, storeClient } from './store-client.js';
export type * from './types.js';
