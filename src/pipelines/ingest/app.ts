/**
 * The ingest HTTP API as a Hono app: the same app is served by `hono/aws-lambda` on Lambda
 * (see handler.ts) and can be served by `@hono/node-server` directly.
 */

import type { Logger } from '@aws-lambda-powertools/logger';
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { type Context, Hono } from 'hono';
import { HTTPException } from 'hono/http-exception';
import type { ContentfulStatusCode } from 'hono/utils/http-status';
import { isTributaryError } from '../../core/errors.js';
import { fromItem } from './attribute-values.js';
import { authenticate, BASIC_CHALLENGE, type Credentials } from './auth.js';
import { parseMany, parseSingle } from './body.js';
import type { IngestConfig } from './config.js';
import { COMPAT_MESSAGE, DEFAULT_LIST_LIMIT, IDEMPOTENCY_HEADER, MAX_LIST_LIMIT } from './constants.js';
import {
  BadRequestError,
  IngestError,
  NotStoredError,
  RateLimitedError,
  TooLargeError,
  UnauthorizedError,
} from './errors.js';
import { checkIdempotencyKey, fingerprint, IdempotencyStore, type StoredResponse } from './idempotency.js';
import { uuidv7 } from './ids.js';
import { stringifyJson } from './json.js';
import { lambdaEventText } from './lambda-body.js';
import { RateLimiter } from './rate-limit.js';
import { recordValidator } from './record-schema.js';
import { recordWriter } from './record-writer.js';
import { checkUniqueIds, prepareRecord } from './records.js';
import { getRecord, listRecords, writeBatches } from './store.js';

/** What one request needs, resolved from the invocation's environment (see handler.ts). */
export interface IngestServices {
  config: IngestConfig;
  dynamo: DynamoDBClient;
  table: string;
  idempotencyTable: string;
  /** The auth secret's credentials (cached by the caller); only called when AUTH_MODE is `secret`. */
  credentials: () => Promise<Credentials>;
}

export interface AppOptions {
  services: () => IngestServices | Promise<IngestServices>;
  logger?: Logger;
  now?: () => Date;
  newId?: () => string;
}

type AppEnv = { Variables: { services: IngestServices; caller: string } };

const JSON_TYPE = { 'content-type': 'application/json; charset=utf-8' };

const SERVER_SIDE_THROTTLING = new Set([
  'ProvisionedThroughputExceededException',
  'ThrottlingException',
  'RequestLimitExceeded',
]);

export function createIngestApp(options: AppOptions): Hono<AppEnv> {
  const now = options.now ?? (() => new Date());
  const newId = options.newId ?? (() => uuidv7());
  let limiter: RateLimiter | undefined;
  const app = new Hono<AppEnv>();

  app.use(async (c, next) => {
    // Resolved once per environment: no await (and its promise-hook work) when already there.
    const resolving = options.services();
    const services = resolving instanceof Promise ? await resolving : resolving;
    c.set('services', services);
    const { config } = services;
    const caller =
      config.AUTH_MODE === 'none'
        ? 'anonymous'
        : authenticate(
            { apiKey: c.req.header('x-api-key'), authorization: c.req.header('authorization') },
            await services.credentials(),
          );
    c.set('caller', caller);
    if (!limiter?.matches(config.RATE_LIMIT_PER_SECOND, config.RATE_LIMIT_BURST))
      limiter = new RateLimiter(config.RATE_LIMIT_PER_SECOND, config.RATE_LIMIT_BURST);
    limiter.take(caller);
    await next();
  });

  // A Content-Length over the limit is refused before the body is read (Hono's Lambda adapter
  // sets it from the body that arrived); readBody measures the body too. Hono's bodyLimit does
  // the same, but its first `c.req.raw.body` makes @hono/node-server's lightweight Request build
  // a full one (measured: 7 % of the local runtime's CPU on POST /post).
  const limitBody = async (c: Context<AppEnv>, next: () => Promise<void>) => {
    const max = c.get('services').config.MAX_BODY_BYTES;
    const declared = c.req.header('content-length');
    if (declared !== undefined && c.req.header('transfer-encoding') === undefined && Number(declared) > max)
      throw new TooLargeError(`the body is larger than ${max} bytes (MAX_BODY_BYTES)`);
    await next();
  };

  app.post('/post', limitBody, async (c) => {
    const { config, dynamo, table } = c.get('services');
    const body = await readBody(c);
    return idempotent(c, 'POST /post', body, async () => {
      const validate = config.RECORD_SCHEMA ? recordValidator(config.RECORD_SCHEMA) : undefined;
      const { id, item } = prepareRecord(parseSingle(body), {
        requireId: true,
        receivedAt: now().toISOString(),
        newId,
        validate,
        label: 'the record',
      });
      await recordWriter(dynamo, table).put(id, item);
      return { status: 200, body: JSON.stringify({ message: COMPAT_MESSAGE, id }) };
    });
  });

  app.post('/records', limitBody, async (c) => {
    const { config, dynamo, table } = c.get('services');
    const body = await readBody(c);
    return idempotent(c, 'POST /records', body, async () => {
      const values = parseMany(body, c.req.header('content-type'), config.MAX_RECORDS_PER_REQUEST);
      const validate = config.RECORD_SCHEMA ? recordValidator(config.RECORD_SCHEMA) : undefined;
      const receivedAt = now().toISOString();
      const records = values.map((value, i) =>
        prepareRecord(value, { requireId: false, receivedAt, newId, validate, label: `record ${i}` }),
      );
      checkUniqueIds(records);
      await writeBatches(dynamo, table, records, { concurrency: config.WRITE_CONCURRENCY });
      const ids = records.map((r) => r.id);
      return {
        status: 200,
        body: JSON.stringify({
          message: `stored ${ids.length} record${ids.length === 1 ? '' : 's'}`,
          count: ids.length,
          ids,
        }),
      };
    });
  });

  app.get('/records/:id', async (c) => {
    const { dynamo, table } = c.get('services');
    const id = c.req.param('id');
    const item = await getRecord(dynamo, table, id);
    if (!item) return c.json({ error: 'NotFound', message: `no record with Id "${id}"` }, 404);
    return c.body(stringifyJson(fromItem(item)), 200, JSON_TYPE);
  });

  app.get('/records', async (c) => {
    const { dynamo, table } = c.get('services');
    const since = parseSince(c.req.query('since'));
    const limit = parseLimit(c.req.query('limit'));
    const cursor = c.req.query('cursor') || undefined;
    const page = await listRecords(dynamo, table, { since, limit, cursor });
    const records = page.items.map((item) => stringifyJson(fromItem(item)));
    return c.body(
      `{"count":${records.length},"cursor":${JSON.stringify(page.cursor ?? null)},"records":[${records.join(',')}]}`,
      200,
      JSON_TYPE,
    );
  });

  app.notFound((c) =>
    c.json({ error: 'NotFound', message: `no route for ${c.req.method} ${c.req.path}` }, 404),
  );

  app.onError((err, c) => {
    if (err instanceof HTTPException) return err.getResponse();
    if (isTributaryError(err)) {
      const headers: Record<string, string> = {};
      if (err instanceof UnauthorizedError) headers['www-authenticate'] = BASIC_CHALLENGE;
      if (err instanceof RateLimitedError) headers['retry-after'] = String(err.retryAfterSeconds);
      const extra = err instanceof NotStoredError ? { stored: err.stored, notStored: err.notStored } : {};
      if (!(err instanceof IngestError)) options.logger?.error('request failed', { error: err.message });
      return c.json(
        { error: err.code, message: err.message, ...extra },
        err.httpStatus as ContentfulStatusCode,
        headers,
      );
    }
    const name = (err as { name?: string }).name ?? '';
    if (name === 'ValidationException') {
      // DynamoDB refused what passed our checks (its size or number rules differ at the edges).
      return c.json({ error: 'Rejected', message: `DynamoDB refused the request: ${err.message}` }, 400);
    }
    if (SERVER_SIDE_THROTTLING.has(name)) {
      return c.json({ error: 'Throttled', message: 'the table is throttling writes: retry later' }, 503, {
        'retry-after': '1',
      });
    }
    options.logger?.error('request failed', { error: { name, message: err.message, stack: err.stack } });
    return c.json({ error: 'InternalError', message: 'internal error' }, 500);
  });

  return app;
}

async function readBody(c: Context<AppEnv>): Promise<string> {
  const body = lambdaEventText(c.env) ?? (await c.req.text());
  const max = c.get('services').config.MAX_BODY_BYTES;
  // On Lambda the body arrives whole, with or without a Content-Length: measure it too.
  if (Buffer.byteLength(body, 'utf8') > max)
    throw new TooLargeError(`the body is larger than ${max} bytes (MAX_BODY_BYTES)`);
  return body;
}

/**
 * Runs a write once per Idempotency-Key (when the header is present): a repeat gets the
 * first response, marked `Idempotent-Replayed: true`.
 */
async function idempotent(
  c: Context<AppEnv>,
  route: string,
  body: string,
  run: () => Promise<StoredResponse>,
): Promise<Response> {
  const key = c.req.header(IDEMPOTENCY_HEADER);
  if (key === undefined) return respond(c, await run());
  checkIdempotencyKey(key);
  const { dynamo, idempotencyTable, config } = c.get('services');
  const store = new IdempotencyStore(dynamo, idempotencyTable, config.IDEMPOTENCY_TTL_SECONDS);
  const scoped = `${c.get('caller')}#${key}`;
  const print = fingerprint(route, '', c.req.header('content-type') ?? '', body);
  const begun = await store.begin(scoped, print);
  if (begun.kind === 'replay') return respond(c, begun.response, { 'idempotent-replayed': 'true' });
  let response: StoredResponse;
  try {
    response = await run();
  } catch (err) {
    await store.release(scoped).catch(() => undefined);
    throw err;
  }
  await store.complete(scoped, print, response);
  return respond(c, response);
}

function respond(
  c: Context<AppEnv>,
  response: StoredResponse,
  headers: Record<string, string> = {},
): Response {
  return c.body(response.body, response.status as ContentfulStatusCode, { ...JSON_TYPE, ...headers });
}

const SINCE = /^\d{4}-\d{2}-\d{2}(T\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|[+-]\d{2}:\d{2})?)?$/;

/** `since` as an ISO instant (UTC); a date alone is its midnight UTC, a time without a zone is UTC. */
export function parseSince(value: string | undefined): string | undefined {
  if (value === undefined || value === '') return undefined;
  const match = SINCE.exec(value);
  const zoned = match && match[1] !== undefined && match[4] === undefined ? `${value}Z` : value;
  const date = match ? new Date(zoned) : undefined;
  if (!date || Number.isNaN(date.getTime()))
    throw new BadRequestError(
      `since must be an ISO 8601 date or time (e.g. 2026-11-16T00:00:00Z), not "${value}"`,
    );
  return date.toISOString();
}

export function parseLimit(value: string | undefined): number {
  if (value === undefined || value === '') return DEFAULT_LIST_LIMIT;
  const n = Number(value);
  if (!/^\d+$/.test(value) || n < 1 || n > MAX_LIST_LIMIT)
    throw new BadRequestError(`limit must be a whole number from 1 to ${MAX_LIST_LIMIT}, not "${value}"`);
  return n;
}
