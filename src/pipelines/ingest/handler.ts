/**
 * The ingest pipeline's Lambda handlers, one per declared function. The same code runs on
 * AWS and in the local runtime: names, endpoints and credentials come from the invocation's
 * environment (currentEnv()), clients from src/clients.
 */
import type { APIGatewayProxyEventV2, Context, ScheduledEvent } from 'aws-lambda';
import { handle, type LambdaEvent } from 'hono/aws-lambda';
import { dynamoDbClient, readSecretOrLocalDefault, s3Client } from '../../clients/index.js';
import { UsageError } from '../../core/errors.js';
import { currentEnv, type Env } from '../../core/invocation.js';
import { createLogger } from '../../core/logger.js';
import { readConfig, resourceName } from '../../core/pipeline.js';
import { createIngestApp, type IngestServices } from './app.js';
import { type Credentials, parseCredentials } from './auth.js';
import type { IngestConfig } from './config.js';
import { DEV_KEY, devKeySecret } from './dev-key.js';
import { withRoutePath } from './http-path.js';
import pipeline from './pipeline.js';
import { runWeeklySummary, summaryKeys } from './summary.js';
import { lastCompleteWeek, parseIsoWeek } from './week.js';

const logger = createLogger('ingest');

// Config is parsed once per environment (once per Lambda instance; once per function locally).
const configs = new WeakMap<Env, IngestConfig>();
function configOf(env: Env): IngestConfig {
  let config = configs.get(env);
  if (!config) {
    config = readConfig(pipeline, env);
    configs.set(env, config);
  }
  return config;
}

// readSecret caches the secret; this keeps the parsed (hashed) form of the last one seen.
// Locally, an auth secret that is not configured falls back to a generated dev key.
let lastCredentials: { text: string; credentials: Credentials } | undefined;
async function credentialsOf(env: Env): Promise<Credentials> {
  const secret = await readSecretOrLocalDefault(resourceName(pipeline, 'auth', env), DEV_KEY, devKeySecret);
  const text = JSON.stringify(secret);
  if (lastCredentials?.text !== text) lastCredentials = { text, credentials: parseCredentials(secret) };
  return lastCredentials.credentials;
}

// Resolved once per environment too: the client factory validates its settings on every call.
const servicesByEnv = new WeakMap<Env, IngestServices>();
function services(): IngestServices {
  const env = currentEnv();
  let resolved = servicesByEnv.get(env);
  if (!resolved) {
    resolved = {
      config: configOf(env),
      dynamo: dynamoDbClient(),
      table: resourceName(pipeline, 'records', env),
      idempotencyTable: resourceName(pipeline, 'idempotency', env),
      credentials: () => credentialsOf(env),
    };
    servicesByEnv.set(env, resolved);
  }
  return resolved;
}

const app = createIngestApp({ services, logger });
const serve = handle(app);

/** HTTP API (payload format 2.0): POST /post, POST /records, GET /records, GET /records/{id}. */
export const api = (event: APIGatewayProxyEventV2, context?: Context) =>
  // @types/aws-lambda allows an undefined body where Hono's own event type says null.
  serve({ ...withRoutePath(event), body: event.body ?? null } as unknown as LambdaEvent, context);

/** A scheduled event, or a manual invocation naming the week: `{"week": "2026-W47"}`. */
export type SummaryEvent = Partial<Pick<ScheduledEvent, 'time'>> & { week?: string };

export interface SummaryResult {
  week: string;
  recordCount: number;
  exportKey: string;
  exportBytes: number;
  summaryKey: string;
  durationMs: number;
}

/**
 * Weekly summary. Without a week it summarises the last complete ISO week before the
 * event's time — on the default Monday 00:00 UTC schedule, the week that just ended.
 */
export const summary = async (event: SummaryEvent = {}, _context?: Context): Promise<SummaryResult> => {
  const env = currentEnv();
  const config = configOf(env);
  const week = event.week !== undefined ? parseIsoWeek(event.week) : lastCompleteWeek(eventTime(event.time));
  const result = await runWeeklySummary({
    dynamo: dynamoDbClient(),
    s3: s3Client(),
    table: resourceName(pipeline, 'records', env),
    bucket: resourceName(pipeline, 'summaries', env),
    week,
    segments: config.SUMMARY_SEGMENTS,
  });
  const out: SummaryResult = {
    week: result.week,
    recordCount: result.recordCount,
    exportKey: result.export.key,
    exportBytes: result.export.bytes,
    summaryKey: summaryKeys(week).summary,
    durationMs: result.scan.durationMs,
  };
  logger.info('weekly summary written', { ...out });
  return out;
};

function eventTime(time: string | undefined): Date {
  if (time === undefined) return new Date();
  const date = new Date(time);
  if (Number.isNaN(date.getTime())) throw new UsageError(`event time "${time}" is not a date`);
  return date;
}
