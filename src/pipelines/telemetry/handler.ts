/**
 * The telemetry pipeline's Lambda handlers. `api` serves the Hono app through
 * `hono/aws-lambda` (API Gateway HTTP API, payload 2.0) on AWS and through the local
 * runtime's gateway; `indexUpload` records uploaded files in the run index.
 */
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2, Context, S3Event } from 'aws-lambda';
import { handle, type LambdaEvent } from 'hono/aws-lambda';
import { getQueryParam } from 'hono/utils/url';
import {
  documentClient,
  readSecretOrLocalDefault,
  SECRETS_FILE_VARIABLE,
  s3Client,
} from '../../clients/index.js';
import { ConfigError, UsageError } from '../../core/errors.js';
import { currentEnv, type Env } from '../../core/invocation.js';
import { createLogger } from '../../core/logger.js';
import { readConfig, resourceName } from '../../core/pipeline.js';
import { createTelemetryApi, type TelemetryServices } from './app.js';
import { splitPath } from './base-path.js';
import type { TelemetryConfig } from './config.js';
import { BASE_PATH_HEADER } from './constants.js';
import { DEV_USERS, devUsersSecret } from './dev-users.js';
import pipeline from './pipeline.js';
import { UrlSigner } from './presign.js';
import { type PruneResult, pruneRuns } from './prune.js';
import { RunIndex } from './run-index.js';
import { uploadedFile } from './run-record.js';
import { parseUsers, type UserTable } from './users.js';

const logger = createLogger('telemetry');

// Parsed once per environment (once per Lambda instance; once per function locally).
const configs = new WeakMap<Env, TelemetryConfig>();
function configOf(env: Env): TelemetryConfig {
  let config = configs.get(env);
  if (!config) {
    config = readConfig(pipeline, env);
    configs.set(env, config);
  }
  return config;
}

function runIndex(env: Env): RunIndex {
  return new RunIndex(documentClient(), resourceName(pipeline, 'index', env));
}

// readSecret caches the secret for minutes (and hands out a copy each time); this keeps the
// parsed form of the last secret seen, compared entry by entry (no serialization per request).
let lastUsers: { name: string; secret: Record<string, unknown>; users: UserTable } | undefined;
async function usersOf(env: Env, config: TelemetryConfig): Promise<UserTable> {
  if (config.USERS) return usersFromConfig(config.USERS);
  const name = resourceName(pipeline, 'users', env);
  // Locally, a users secret that is not configured falls back to generated dev users.
  const secret = await readSecretOrLocalDefault(name, DEV_USERS, devUsersSecret);
  if (lastUsers?.name !== name || !sameEntries(lastUsers.secret, secret))
    lastUsers = { name, secret, users: parseUsers(secret, name) };
  return lastUsers.users;
}

// Config is fixed per environment: parsed once per distinct text.
let configUsers: { text: string; users: UserTable } | undefined;
function usersFromConfig(text: string): UserTable {
  if (configUsers?.text !== text)
    configUsers = { text, users: parseUsers(parseUsersConfig(text), 'USERS (config)') };
  return configUsers.users;
}

function sameEntries(a: Record<string, unknown>, b: Record<string, unknown>): boolean {
  const keys = Object.keys(a);
  if (keys.length !== Object.keys(b).length) return false;
  return keys.every((k) => Object.hasOwn(b, k) && a[k] === b[k]);
}

function parseUsersConfig(text: string): Record<string, unknown> {
  try {
    const value: unknown = JSON.parse(text);
    if (typeof value === 'object' && value !== null && !Array.isArray(value))
      return value as Record<string, unknown>;
  } catch {
    // reported below, without echoing the value
  }
  throw new ConfigError('config USERS must be a JSON object: {"<user>": "<roles>:<scrypt hash>"}');
}

// One set per environment: clients, signer and index are reused across requests (as on a
// warm Lambda instance); only the users are re-read (readSecret caches them for minutes).
const servicesByEnv = new WeakMap<Env, TelemetryServices>();
function services(): TelemetryServices {
  const env = currentEnv();
  let found = servicesByEnv.get(env);
  if (!found) {
    const config = configOf(env);
    found = {
      config,
      s3: s3Client(),
      // Clients that use presigned URLs (krkn's requests.put, a browser) send no checksums.
      signer: new UrlSigner(
        s3Client({
          requestChecksumCalculation: 'WHEN_REQUIRED',
          responseChecksumValidation: 'WHEN_REQUIRED',
        }),
      ),
      bucket: resourceName(pipeline, 'runs', env),
      index: runIndex(env),
      users: () => usersOf(env, config),
    };
    servicesByEnv.set(env, found);
  }
  return found;
}

const telemetryApi = createTelemetryApi({ services, logger });
const serve = handle(telemetryApi.app);

/**
 * HTTP API (payload format 2.0). The routes see their own path; whatever precedes it in the
 * URL (a stage such as `/production`, a domain mapping, the local `/telemetry` mount) is
 * passed in a header the app uses for links and redirects — overwriting any a client sent.
 */
export const api = (event: APIGatewayProxyEventV2, context?: Context) => {
  const env = currentEnv();
  const local = env[SECRETS_FILE_VARIABLE] && event.requestContext?.apiId === pipeline.name;
  const { routePath, basePath } = splitPath(event, local ? `/${pipeline.name}` : undefined);
  // URL parsing would resolve these silently (`/navigate/..` → `/`); a client sending them is wrong.
  if (hasDotSegment(routePath)) return badPath();
  // One request per uploaded file: answered without the fetch Request/Response round trip.
  if (routePath === '/presigned-url' && event.requestContext?.http?.method === 'GET')
    return presignedUrl(event);
  const headers = { ...event.headers, [BASE_PATH_HEADER]: basePath };
  // @types/aws-lambda allows an undefined body where Hono's own event type says null.
  const routed = { ...event, rawPath: routePath, headers, body: event.body ?? null };
  return serve(routed as unknown as LambdaEvent, context);
};

async function presignedUrl(event: APIGatewayProxyEventV2): Promise<APIGatewayProxyStructuredResultV2> {
  // Hono's own query parser, on the URL its adapter would build: the same first-value-wins
  // and `+`/percent decoding as `c.req.query()`.
  const url = `https://host/presigned-url?${event.rawQueryString ?? ''}`;
  const { status, headers, body } = await telemetryApi.presignedUrl({
    authorization: header(event.headers, 'authorization'),
    ip: event.requestContext?.http?.sourceIp ?? 'unknown',
    query: (name) => getQueryParam(url, name) as string | undefined,
  });
  return { statusCode: status, headers, body, isBase64Encoded: false };
}

/** API Gateway sends header names in lower case; other callers may not. */
function header(headers: APIGatewayProxyEventV2['headers'] | undefined, name: string): string | undefined {
  if (!headers) return undefined;
  const value = headers[name];
  if (value !== undefined) return value;
  for (const [k, v] of Object.entries(headers)) if (k.toLowerCase() === name) return v;
  return undefined;
}

function hasDotSegment(path: string): boolean {
  return path.split('/').some((segment) => {
    const decoded = segment.replace(/%2e/gi, '.');
    return decoded === '.' || decoded === '..';
  });
}

const badPath = () => ({
  statusCode: 400,
  headers: { 'content-type': 'text/plain; charset=utf-8', 'x-content-type-options': 'nosniff' },
  body: '[bad request]: the path must not contain "." or ".." segments',
});

export interface IndexUploadResult {
  indexed: string[];
  skipped: string[];
}

/** S3 ObjectCreated: `<group>/<run>/<file>` → the run's `files` map in the index. */
export const indexUpload = async (event: S3Event): Promise<IndexUploadResult> => {
  const env = currentEnv();
  const index = runIndex(env);
  const result: IndexUploadResult = { indexed: [], skipped: [] };
  const records = Array.isArray(event?.Records) ? event.Records : [];
  for (const record of records) {
    const encoded = record?.s3?.object?.key;
    if (typeof encoded !== 'string') continue;
    const key = decodeEventKey(encoded);
    const file = uploadedFile(key, record.s3.object.size ?? 0, record.eventTime);
    if (!file) {
      result.skipped.push(key);
      continue;
    }
    await index.putFile(file.group, file.run, file.name, file.summary);
    result.indexed.push(key);
  }
  if (result.skipped.length > 0) logger.info('not a run file, not indexed', { keys: result.skipped });
  return result;
};

/** S3 event keys are form-encoded (`+` for a space). */
function decodeEventKey(key: string): string {
  try {
    return decodeURIComponent(key.replace(/\+/g, ' '));
  } catch {
    return key;
  }
}

/** `{"olderThanDays": 30, "delete": false}`; `now` (ISO) only for tests and replays. */
export interface PruneEvent {
  olderThanDays?: unknown;
  delete?: unknown;
  now?: unknown;
}

/** Lists (and with `delete: true` deletes) runs older than `olderThanDays` days. */
export const prune = async (event: PruneEvent = {}): Promise<PruneResult> => {
  const env = currentEnv();
  const days = event.olderThanDays;
  if (typeof days !== 'number' || !Number.isFinite(days) || days < 0)
    throw new UsageError('olderThanDays must be a number of days ≥ 0');
  if (event.delete !== undefined && typeof event.delete !== 'boolean')
    throw new UsageError('delete must be true or false');
  const now = event.now === undefined ? new Date() : new Date(String(event.now));
  if (Number.isNaN(now.getTime())) throw new UsageError('now must be an ISO date');
  const result = await pruneRuns({
    s3: s3Client(),
    bucket: resourceName(pipeline, 'runs', env),
    index: runIndex(env),
    cutoff: new Date(now.getTime() - days * 86_400_000),
    delete: event.delete === true,
  });
  logger.info(result.deleted ? 'runs pruned' : 'runs older than the cutoff', {
    cutoff: result.cutoff,
    runs: result.runs.length,
    objectsDeleted: result.objectsDeleted,
  });
  return result;
};
