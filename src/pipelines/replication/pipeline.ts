import { read, readWrite, remove } from '../../core/grants.js';
import { definePipeline } from '../../core/pipeline.js';
import { bucket, secret } from '../../core/resources.js';
import { onObjectCreated, onObjectRemoved } from '../../core/triggers.js';
import { replicationConfig } from './config.js';
import { CONTINUATION_PREFIX, DEFAULT_TARGET_SECRET } from './constants.js';

/** SOURCE_PREFIX / SOURCE_SUFFIX filter the notifications themselves: other keys invoke nothing. */
const sourceFilter = {
  prefix: { configKey: 'SOURCE_PREFIX' },
  suffix: { configKey: 'SOURCE_SUFFIX' },
};

/**
 * Every object created in the source bucket, copied to a bucket on any S3-compatible store
 * (Lyve Cloud, MinIO, another AWS account) — streamed, any size, idempotent and in order.
 * Deletes are replicated only with REPLICATE_DELETES=true: the trigger is declared
 * regardless (triggers are static), and with the setting off `replicateDelete` reports each
 * record as skipped without touching the target.
 *
 * The state bucket holds continuations of copies too large for one invocation: each one's
 * creation invokes `replicate` again, which continues the copy (see handler.ts).
 */
export default definePipeline({
  name: 'replication',
  description: 'Copies every new object to a bucket on an S3-compatible store, streaming, any size',
  config: replicationConfig,
  resources: {
    source: bucket({ name: 'tributary-replication-source', env: 'SOURCE_BUCKET', versioned: true }),
    target: secret({ name: DEFAULT_TARGET_SECRET, env: 'TARGET_SECRET' }),
    state: bucket({ name: 'tributary-replication-state', env: 'STATE_BUCKET' }),
  },
  functions: {
    replicate: {
      description: 'ObjectCreated:* → stream the object to the target bucket (single PUT or multipart)',
      memoryMb: 1024,
      timeoutSeconds: 900,
      triggers: [
        onObjectCreated('source', sourceFilter),
        onObjectCreated('state', { prefix: CONTINUATION_PREFIX }),
      ],
      grants: [read('source'), read('target'), readWrite('state'), remove('state')],
    },
    replicateDelete: {
      description: 'ObjectRemoved:* → delete the copy on the target, when REPLICATE_DELETES=true',
      memoryMb: 256,
      timeoutSeconds: 60,
      triggers: [onObjectRemoved('source', sourceFilter)],
      grants: [read('target')],
    },
  },
  handlers: () => import('./handler.js'),
});
