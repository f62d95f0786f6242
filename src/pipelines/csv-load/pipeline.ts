import { z } from 'zod';
import { publish, readWrite, remove, write } from '../../core/grants.js';
import { definePipeline } from '../../core/pipeline.js';
import { bucket, table, topic } from '../../core/resources.js';
import { onObjectCreated } from '../../core/triggers.js';
import {
  CHECKPOINTS_PREFIX,
  DEFAULT_BATCH_CONCURRENCY,
  DEFAULT_KEY_COLUMN,
  DEFAULT_LANDING_PREFIX,
  DEFAULT_SUFFIX,
} from './constants.js';

/** Unset and empty env values both mean "default". */
const optional = <T extends z.ZodType>(schema: T) =>
  z.preprocess((v) => (v === '' ? undefined : v), schema.optional());

const flag = z.enum(['true', 'false']).transform((v) => v === 'true');

export const config = z.object({
  /** Objects under this prefix are loaded: the S3 notification's prefix filter. */
  LANDING_PREFIX: z
    .string()
    .min(1, 'must not be empty: the pipeline writes reports and checkpoints in the same bucket')
    .refine((p) => !p.startsWith(CHECKPOINTS_PREFIX), `must not lie under ${CHECKPOINTS_PREFIX}`)
    .default(DEFAULT_LANDING_PREFIX),
  /** Objects ending in this (or this + `.gz`) are loaded: the notification's suffix filter. */
  SUFFIX: z.string().min(1).default(DEFAULT_SUFFIX),
  KEY_COLUMN: z.string().min(1).default(DEFAULT_KEY_COLUMN),
  SORT_KEY_COLUMN: optional(z.string()),
  /** `,` `;` or a tab (also spelled `tab`). */
  DELIMITER: z
    .enum([',', ';', '\t', 'tab'], { error: 'must be "," ";" or a tab ("tab")' })
    .default(',')
    .transform((d) => (d === 'tab' ? '\t' : d) as ',' | ';' | '\t'),
  INFER_TYPES: optional(flag).transform((v) => v ?? false),
  /** JSON object column → "string" | "number" | "boolean". */
  COLUMN_TYPES: optional(z.string()),
  BATCH_CONCURRENCY: optional(z.coerce.number().int().min(1).max(64)).transform(
    (v) => v ?? DEFAULT_BATCH_CONCURRENCY,
  ),
  /** Time kept back to flush and checkpoint before the function's timeout (default: 20 %, 5–60 s). */
  CHECKPOINT_RESERVE_SECONDS: optional(z.coerce.number().int().min(1).max(600)),
  /** Optional: notifications are also POSTed here as JSON. */
  WEBHOOK_URL: optional(z.url({ protocol: /^https?$/ })),
});

/**
 * CSV files landing under `data/` in the landing bucket, streamed into a table. A load that
 * runs out of time writes `checkpoints/<key>.json`; that object's creation invokes the same
 * function again, which continues from the checkpoint — on AWS and locally alike.
 */
export default definePipeline({
  name: 'csv-load',
  description: 'CSV files landing in a bucket, streamed into a table with reports and notifications',
  config,
  resources: {
    landing: bucket({ name: 'tributary-landing', env: 'LANDING_BUCKET' }),
    target: table({ name: 'products', env: 'TARGET_TABLE', partitionKey: { name: 'ID', type: 'S' } }),
    notifications: topic({ name: 'tributary-csv-load', env: 'NOTIFY_TOPIC_ARN' }),
  },
  functions: {
    load: {
      description: 'Loads one CSV object (or continues a checkpointed load) into the target table',
      memoryMb: 1024,
      timeoutSeconds: 900,
      triggers: [
        onObjectCreated('landing', {
          prefix: { configKey: 'LANDING_PREFIX' },
          suffix: { configKey: 'SUFFIX' },
        }),
        onObjectCreated('landing', {
          prefix: { configKey: 'LANDING_PREFIX' },
          suffix: { configKey: 'SUFFIX', append: '.gz' },
        }),
        onObjectCreated('landing', { prefix: CHECKPOINTS_PREFIX, suffix: '.json' }),
      ],
      grants: [readWrite('landing'), remove('landing'), write('target'), publish('notifications')],
    },
  },
  handlers: () => import('./handler.js'),
});
