/**
 * The krkn telemetry API and run browser as a Hono app: served by `hono/aws-lambda` on
 * Lambda (handler.ts) and, through the same handler, by the local runtime's gateway.
 */
import type { Logger } from '@aws-lambda-powertools/logger';
import type { S3Client } from '@aws-sdk/client-s3';
import { type Context, Hono, type Next } from 'hono';
import type { ContentfulStatusCode } from 'hono/utils/http-status';
import { isTributaryError } from '../../core/errors.js';
import { APP_CSS } from './assets/app-css.js';
import { APP_JS } from './assets/app-js.js';
import { authenticate, authorize } from './auth.js';
import type { TelemetryConfig } from './config.js';
import {
  BASE_PATH_HEADER,
  BASIC_CHALLENGE,
  MAX_DOWNLOAD_KEYS,
  MAX_INLINE_TELEMETRY_BYTES,
  MAX_PAGE_SIZE,
  PARAM,
  type Role,
  TELEMETRY_FILE,
} from './constants.js';
import {
  BadRequestError,
  NotFoundError,
  RateLimitedError,
  type RateScope,
  TelemetryError,
  TooLargeError,
  UnauthorizedError,
} from './errors.js';
import { ListingCache, listingKey } from './listing-cache.js';
import { type BrowserView, renderPage } from './page.js';
import type { UrlSigner } from './presign.js';
import { RateLimiter } from './rate-limit.js';
import type { RunIndex } from './run-index.js';
import { runRecord } from './run-record.js';
import { parseRunQuery, searchRuns } from './search.js';
import { exists, listLevel, listRunFiles, putJson, readText } from './storage.js';
import { checkJsonContentType, parseTelemetry } from './telemetry-body.js';
import type { User, UserTable } from './users.js';
import {
  checkGroup,
  checkPath,
  checkRunFolder,
  checkSegment,
  objectKey,
  required,
  uploadKey,
} from './validation.js';

/** What one request needs, resolved from the invocation's environment (handler.ts). */
export interface TelemetryServices {
  config: TelemetryConfig;
  /** Reads and writes the bucket. */
  s3: S3Client;
  /** Signs the URLs clients use directly (no checksum parameters in them). */
  signer: UrlSigner;
  bucket: string;
  index: RunIndex;
  users: () => Promise<UserTable>;
}

export interface AppOptions {
  services: () => TelemetryServices | Promise<TelemetryServices>;
  logger?: Logger;
  now?: () => Date;
  /** Client IP when there is no API Gateway request context (direct app tests). */
  clientIp?: (c: Context) => string | undefined;
}

type AppEnv = {
  Bindings: { event?: { requestContext?: { http?: { sourceIp?: string } } } };
  Variables: { services: TelemetryServices; user: User; base: string };
};

const TEXT = { 'content-type': 'text/plain; charset=utf-8' };
const NO_STORE = { 'cache-control': 'no-store' };
const PRESIGNED_HEADERS = { ...TEXT, ...NO_STORE };

/** What a route answers outside Hono (handler.ts's direct `GET /presigned-url`). */
export interface DirectResponse {
  status: number;
  headers: Record<string, string>;
  body: string;
}

export interface DirectRequest {
  authorization: string | undefined;
  ip: string;
  query: (name: string) => string | undefined;
}

export interface TelemetryApi {
  app: Hono<AppEnv>;
  /**
   * `GET /presigned-url` without building a fetch Request and Response: the same admission,
   * route logic and error answers as through the app, at a third of the CPU (it is the one
   * request krkn makes per uploaded file).
   */
  presignedUrl(request: DirectRequest): Promise<DirectResponse>;
}

export function createTelemetryApi(options: AppOptions): TelemetryApi {
  const now = options.now ?? (() => new Date());
  const limiters = new Map<string, RateLimiter>();
  const listings = new ListingCache();
  // Rebuilt only when the config changes (a new environment), so buckets persist between requests.
  const limiter = (scope: RateScope, rate: number, burst: number): RateLimiter => {
    const key = `${scope}\n${rate}\n${burst}`;
    let found = limiters.get(key);
    if (!found) {
      for (const k of limiters.keys()) if (k.startsWith(`${scope}\n`)) limiters.delete(k);
      found = new RateLimiter(rate, burst, scope);
      limiters.set(key, found);
    }
    return found;
  };
  /** The client IP's rate limit, the login, the user's rate limit: every request passes here. */
  const admit = async (services: TelemetryServices, authorization: string | undefined, ip: string) => {
    const { config } = services;
    // Before authentication, so that guessing passwords is throttled too.
    limiter('client IP', config.IP_RATE_LIMIT_PER_SECOND, config.IP_RATE_LIMIT_BURST).take(ip);
    const failures = limiter(
      'client IP (failed logins)',
      config.AUTH_FAILURE_RATE_PER_SECOND,
      config.AUTH_FAILURE_BURST,
    );
    let user: User;
    try {
      // An IP that failed too often gets 429 before any password is hashed, but a credential
      // verified recently (a cheap lookup) still works: a shared NAT is not locked out.
      user = await authenticate(authorization, await services.users(), () => failures.check(ip));
    } catch (err) {
      // Only wrong credentials count: a browser's first, credential-less request is normal.
      if (err instanceof UnauthorizedError && authorization) failures.consume(ip);
      throw err;
    }
    limiter('user', config.RATE_LIMIT_PER_SECOND, config.RATE_LIMIT_BURST).take(user.name);
    return user;
  };

  const presign = (services: TelemetryServices, user: User, query: (name: string) => string | undefined) => {
    authorize(user, 'writer', 'upload files');
    const key = uploadKey(
      required(query(PARAM.requestId), PARAM.requestId),
      required(query(PARAM.remoteFilename), PARAM.remoteFilename),
    );
    return services.signer.putUrl(services.bucket, key, { expiresIn: services.config.S3_LINK_EXPIRATION });
  };

  const failed = (err: Error): DirectResponse => {
    const headers: Record<string, string> = { ...TEXT, 'x-content-type-options': 'nosniff' };
    if (err instanceof TelemetryError) {
      if (err instanceof UnauthorizedError) headers['www-authenticate'] = BASIC_CHALLENGE;
      if (err instanceof RateLimitedError) headers['retry-after'] = String(err.retryAfterSeconds);
      // The reference server's bodies are plain text ("[bad request]: …"); krkn prints them.
      const label = err.httpStatus === 400 ? '[bad request]: ' : '';
      return { status: err.httpStatus, headers, body: `${label}${err.message}` };
    }
    // A misconfiguration (users secret, grants) or a storage failure: the details go to the
    // function's log, not to a client that may not even be authenticated yet.
    const error = isTributaryError(err)
      ? { name: err.name, message: err.message }
      : { name: err.name, message: err.message, stack: err.stack };
    options.logger?.error('request failed', { error });
    return { status: 500, headers, body: 'internal error (see the telemetry function log)' };
  };

  const app = new Hono<AppEnv>();

  app.use(async (c, next) => {
    const services = await options.services();
    c.set('services', services);
    c.set('base', services.config.PUBLIC_BASE_PATH ?? c.req.header(BASE_PATH_HEADER) ?? '');
    const ip = c.env?.event?.requestContext?.http?.sourceIp ?? options.clientIp?.(c) ?? 'unknown';
    c.set('user', await admit(services, c.req.header('authorization'), ip));
    // Before next(): set on a finished response, Hono would have to rebuild it (and its body).
    c.header('x-content-type-options', 'nosniff');
    await next();
  });

  const role = (needed: Role, what: string) => async (c: Context<AppEnv>, next: Next) => {
    authorize(c.get('user'), needed, what);
    await next();
  };

  app.get('/', (c) => c.redirect(`${c.get('base')}/files/`, 302));

  app.post('/telemetry', role('writer', 'send telemetry'), async (c) => {
    const { config, s3, bucket, index } = c.get('services');
    checkJsonContentType(c.req.header('content-type'));
    const runFolder = checkRunFolder(required(c.req.query(PARAM.requestId), PARAM.requestId));
    const group = checkGroup(required(c.req.query(PARAM.group), PARAM.group));
    const declared = Number(c.req.header('content-length') ?? 0);
    if (declared > config.MAX_BODY_BYTES) throw tooLarge(config);
    const body = await c.req.text();
    // On Lambda the body arrives whole, with or without a Content-Length: measure it too.
    if (Buffer.byteLength(body, 'utf8') > config.MAX_BODY_BYTES) throw tooLarge(config);
    const doc = parseTelemetry(body);
    const key = `${group}/${runFolder}/${TELEMETRY_FILE}`;
    const pretty = `${JSON.stringify(doc, null, 4)}\n`;
    await putJson(s3, bucket, key, pretty);
    listings.invalidate(bucket, ['', `${group}/`]);
    await index.putRun(
      runRecord(group, runFolder, doc, { receivedAt: now(), bytes: Buffer.byteLength(pretty) }),
    );
    return c.text(`record ${key} created`, 200);
  });

  app.get('/presigned-url', async (c) => {
    const url = await presign(c.get('services'), c.get('user'), (name) => c.req.query(name));
    return c.body(url, 200, PRESIGNED_HEADERS);
  });

  app.get('/download-url/*', role('reader', 'download files'), async (c) => {
    const { config, s3, signer, bucket } = c.get('services');
    const key = objectKey(pathAfter(c, '/download-url/'));
    if (!(await exists(s3, bucket, key))) throw new NotFoundError(`no object ${key}`);
    const link = await signer.getUrl(bucket, key, { expiresIn: config.S3_LINK_EXPIRATION });
    return c.json({ download_link: link }, 200, NO_STORE);
  });

  // The browser asks for the links of one page of files at once (not one request per row).
  app.post('/download-urls', role('reader', 'download files'), async (c) => {
    const { config, signer, bucket } = c.get('services');
    checkJsonContentType(c.req.header('content-type'));
    const text = await c.req.text();
    if (text.length > 256 * 1024) throw new TooLargeError('the body is larger than 256 KB');
    let keys: unknown;
    try {
      keys = (JSON.parse(text) as { keys?: unknown }).keys;
    } catch {
      throw new BadRequestError('the body is not valid JSON');
    }
    if (!Array.isArray(keys) || keys.some((k) => typeof k !== 'string'))
      throw new BadRequestError('the body must be {"keys": ["<group>/<run>/<file>", …]}');
    if (keys.length > MAX_DOWNLOAD_KEYS)
      throw new BadRequestError(`at most ${MAX_DOWNLOAD_KEYS} keys per request`);
    const checked = (keys as string[]).map((k) => objectKey(k, 'key'));
    const links: Record<string, string> = {};
    await Promise.all(
      checked.map(async (key) => {
        links[key] = await signer.getUrl(bucket, key, { expiresIn: config.S3_LINK_EXPIRATION });
      }),
    );
    return c.json({ expiresIn: config.S3_LINK_EXPIRATION, links }, 200, NO_STORE);
  });

  const navigate = async (c: Context<AppEnv>) => {
    const { config, s3, bucket } = c.get('services');
    const rest = pathAfter(c, '/navigate').replace(/\/$/, '');
    const segments = rest === '' ? [] : checkPath(rest, 'path', 1, 2);
    const prefix = segments.length ? `${segments.join('/')}/` : '';
    const limitText = c.req.query('limit');
    let limit: number | undefined;
    if (limitText !== undefined) {
      limit = Number(limitText);
      if (!/^\d+$/.test(limitText) || limit < 1 || limit > MAX_PAGE_SIZE)
        throw new BadRequestError(`limit must be 1-${MAX_PAGE_SIZE}`);
    }
    const cursor = c.req.query('cursor') || undefined;
    if (cursor && cursor.length > 2048) throw new BadRequestError('cursor is too long');
    const key = listingKey(bucket, prefix, `${limit ?? ''}\n${cursor ?? ''}\n${config.NAVIGATE_MAX_ENTRIES}`);
    let page: { body: string; nextCursor?: string } | undefined = listings.get(key);
    if (!page) {
      const listing = await listLevel(s3, bucket, prefix, {
        ...(limit !== undefined ? { limit } : {}),
        ...(cursor ? { cursor } : {}),
        maxEntries: config.NAVIGATE_MAX_ENTRIES,
      });
      page = {
        body: JSON.stringify(listing.entries),
        ...(listing.nextCursor ? { nextCursor: listing.nextCursor } : {}),
      };
      listings.set(key, config.NAVIGATE_CACHE_SECONDS, page.body, page.nextCursor);
    }
    if (page.nextCursor) {
      c.header('x-next-cursor', page.nextCursor);
      const next = new URLSearchParams({
        ...(limit ? { limit: String(limit) } : {}),
        cursor: page.nextCursor,
      });
      c.header('link', `<${c.get('base')}/navigate${rest ? `/${rest}` : ''}?${next}>; rel="next"`);
    }
    return c.body(page.body, 200, { 'content-type': 'application/json', ...NO_STORE });
  };
  app.get('/navigate', role('reader', 'browse'), navigate);
  app.get('/navigate/*', role('reader', 'browse'), navigate);

  app.get('/api/runs', role('reader', 'browse'), async (c) => {
    const { config, index } = c.get('services');
    const query = parseRunQuery(c.req.query());
    const groupParam = c.req.query('group');
    const group = groupParam ? checkGroup(groupParam) : undefined;
    // Paging and sorting reuse this instance's read of the group for a few seconds (run-index.ts).
    const runs = await index.searchable(group, config.NAVIGATE_CACHE_SECONDS);
    return c.json(searchRuns(runs, query), 200, NO_STORE);
  });

  app.get('/api/runs/:group/:run', role('reader', 'browse'), async (c) => {
    const { s3, bucket, index } = c.get('services');
    const group = checkSegment(c.req.param('group') ?? '', 'group');
    const run = checkSegment(c.req.param('run') ?? '', 'run');
    const prefix = `${group}/${run}/`;
    const [record, files, telemetryText] = await Promise.all([
      index.getRun(group, run),
      listRunFiles(s3, bucket, prefix),
      readText(s3, bucket, `${prefix}${TELEMETRY_FILE}`, MAX_INLINE_TELEMETRY_BYTES),
    ]);
    if (!record && files.length === 0) throw new NotFoundError(`no run ${group}/${run}`);
    let telemetry: unknown = null;
    try {
      telemetry = telemetryText === undefined ? null : JSON.parse(telemetryText);
    } catch {
      telemetry = null;
    }
    return c.json({ group, run, record: record ?? null, files, telemetry }, 200, NO_STORE);
  });

  const page = (c: Context<AppEnv>) => {
    const rest = pathAfter(c, '/files');
    const segments = rest === '' ? [] : checkPath(rest.replace(/\/$/, ''), 'path', 1, 2);
    const view: BrowserView =
      segments.length === 0
        ? { kind: 'groups' }
        : segments.length === 1
          ? { kind: 'group', group: segments[0] as string }
          : { kind: 'run', group: segments[0] as string, run: segments[1] as string };
    return c.html(renderPage(c.get('base'), view), 200, {
      ...NO_STORE,
      'content-security-policy':
        "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'",
      'referrer-policy': 'no-referrer',
    });
  };
  app.get('/files', role('reader', 'browse'), page);
  app.get('/files/*', role('reader', 'browse'), page);

  const asset = (body: string, type: string) => (c: Context<AppEnv>) =>
    c.body(body, 200, { 'content-type': type, 'cache-control': 'private, max-age=300' });
  app.get('/assets/app.js', asset(APP_JS, 'text/javascript; charset=utf-8'));
  app.get('/assets/app.css', asset(APP_CSS, 'text/css; charset=utf-8'));

  app.notFound((c) => c.text(`no route for ${c.req.method} ${c.req.path}`, 404, TEXT));

  app.onError((err, c) => {
    const { status, headers, body } = failed(err);
    return c.body(body, status as ContentfulStatusCode, headers);
  });

  return {
    app,
    async presignedUrl(request) {
      try {
        const services = await options.services();
        const user = await admit(services, request.authorization, request.ip);
        const url = await presign(services, user, request.query);
        return {
          status: 200,
          headers: { ...PRESIGNED_HEADERS, 'x-content-type-options': 'nosniff' },
          body: url,
        };
      } catch (err) {
        return failed(err as Error);
      }
    },
  };
}

function tooLarge(config: TelemetryConfig): TooLargeError {
  return new TooLargeError(`the body is larger than ${config.MAX_BODY_BYTES} bytes (MAX_BODY_BYTES)`);
}

function decodeSegment(text: string): string {
  try {
    return decodeURIComponent(text);
  } catch {
    throw new BadRequestError('the path is not valid percent-encoding');
  }
}

/** The decoded path after a route's literal prefix (`/download-url/g/r/f` → `g/r/f`). */
function pathAfter(c: Context, literal: string): string {
  const pathname = new URL(c.req.url).pathname;
  const rest = pathname.startsWith(literal) ? pathname.slice(literal.length) : '';
  const trimmed = rest.startsWith('/') ? rest.slice(1) : rest;
  return trimmed.split('/').map(decodeSegment).join('/');
}
