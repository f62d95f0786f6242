import { read, readWrite, remove } from '../../core/grants.js';
import { definePipeline } from '../../core/pipeline.js';
import { bucket, secret, table } from '../../core/resources.js';
import { onHttp, onObjectCreated } from '../../core/triggers.js';
import { telemetryConfig } from './config.js';

/**
 * The krkn telemetry API (unmodified `krkn-lib` clients: POST /telemetry, GET /presigned-url,
 * then a presigned PUT straight to the bucket) and the run browser, with HTTP Basic auth.
 * Every upload that lands in the bucket is recorded in the run index, so browsing and search
 * read one index Query instead of every object.
 */
export default definePipeline({
  name: 'telemetry',
  description: 'krkn chaos-run telemetry API: run JSON, presigned uploads, run browser',
  config: telemetryConfig,
  resources: {
    runs: bucket({ name: 'tributary-telemetry', env: 'BUCKET_NAME' }),
    index: table({
      name: 'telemetry-runs',
      env: 'RUN_INDEX_TABLE',
      partitionKey: { name: 'group', type: 'S' },
      sortKey: { name: 'run', type: 'S' },
    }),
    users: secret({ name: 'tributary/telemetry/users', env: 'USERS_SECRET' }),
  },
  functions: {
    api: {
      description: 'The krkn telemetry endpoints, the JSON API and the /files/ browser',
      memoryMb: 1024,
      timeoutSeconds: 29, // API Gateway's integration timeout
      triggers: [
        onHttp(
          'GET /',
          'POST /telemetry',
          'GET /presigned-url',
          'GET /download-url/{proxy+}',
          'POST /download-urls',
          'GET /navigate',
          'GET /navigate/{proxy+}',
          'GET /api/runs',
          'GET /api/runs/{group}/{run}',
          'GET /files',
          'GET /files/{proxy+}',
          'GET /assets/{proxy+}',
          // Everything else (e.g. `/files/` with its trailing slash) still gets auth and a clear 404.
          'ANY /{proxy+}',
        ),
      ],
      grants: [readWrite('runs'), readWrite('index'), read('users')],
    },
    indexUpload: {
      description: 'Records each file uploaded to a run folder (name, size, time) in the run index',
      memoryMb: 256,
      timeoutSeconds: 30,
      triggers: [onObjectCreated('runs')],
      grants: [readWrite('index')],
    },
    prune: {
      description:
        'Retention, run by `tributary telemetry prune`: lists runs older than N days, deletes them when asked',
      memoryMb: 512,
      timeoutSeconds: 900,
      triggers: [],
      grants: [readWrite('runs'), remove('runs'), readWrite('index')],
    },
  },
  handlers: () => import('./handler.js'),
});
