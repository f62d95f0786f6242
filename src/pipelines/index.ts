import type { Pipeline } from '../core/pipeline.js';
import bucketMetrics from './bucket-metrics/pipeline.js';
import csvLoad from './csv-load/pipeline.js';
import ingest from './ingest/pipeline.js';
import replication from './replication/pipeline.js';
import telemetry from './telemetry/pipeline.js';

/**
 * Every pipeline the runtimes (local and cloud) and the CLI know. Each pipeline lives in its
 * own folder and is added here by its declaration (`./<name>/pipeline.js`).
 */
export const pipelines: Pipeline[] = [bucketMetrics, csvLoad, ingest, replication, telemetry];
