import { read, readWrite } from '../../core/grants.js';
import { definePipeline } from '../../core/pipeline.js';
import { bucket, secret, table } from '../../core/resources.js';
import { onHttp, onSchedule } from '../../core/triggers.js';
import { ingestConfig } from './config.js';

/**
 * JSON records into the `Datastore` table over HTTP, and once a week a summary and a
 * gzipped JSON Lines export of that week's records in the summary bucket.
 */
export default definePipeline({
  name: 'ingest',
  description: 'JSON ingest API into a table, with a weekly summary and export to a bucket',
  config: ingestConfig,
  resources: {
    records: table({ name: 'Datastore', env: 'TABLE_NAME', partitionKey: { name: 'Id', type: 'S' } }),
    idempotency: table({
      name: 'ingest-idempotency',
      env: 'IDEMPOTENCY_TABLE',
      partitionKey: { name: 'Key', type: 'S' },
    }),
    summaries: bucket({ name: 'tributary-ingest-summaries', env: 'SUMMARY_BUCKET' }),
    auth: secret({ name: 'tributary/ingest/auth', env: 'AUTH_SECRET' }),
  },
  functions: {
    api: {
      description: 'POST /post, POST /records, GET /records, GET /records/{id}',
      memoryMb: 512,
      timeoutSeconds: 29, // API Gateway's integration timeout
      triggers: [onHttp('POST /post', 'POST /records', 'GET /records', 'GET /records/{id}')],
      grants: [readWrite('records'), readWrite('idempotency'), read('auth')],
    },
    summary: {
      description: "Weekly: the past ISO week's records as summary.json and export.jsonl.gz",
      memoryMb: 1024,
      timeoutSeconds: 900,
      triggers: [onSchedule({ configKey: 'SUMMARY_SCHEDULE' })],
      grants: [read('records'), readWrite('summaries')],
    },
  },
  handlers: () => import('./handler.js'),
});
