import { randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse, STATUS_CODES } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { createLogger } from '../../core/logger.js';
import { BufferPool } from './buffer-pool.js';
import { DEFAULT_HOST, DEFAULT_REGION, IO_CHUNK, LIMITS } from './constants.js';
import type { RequestContext, ServerState } from './context.js';
import { safeDecode, utf8Length } from './encoding.js';
import { errors, isS3Error, type S3Error } from './errors.js';
import { HashWorkers } from './hashers.js';
import { isValidBucketName } from './operations/buckets.js';
import { operationFor } from './router.js';
import { authenticate, parseQuery } from './sigv4.js';
import { Store } from './store.js';
import type { S3Server, S3ServerOptions } from './types.js';
import { xmlDocument } from './xml.js';

const log = createLogger('s3-endpoint');

/** Free I/O buffers kept per pool between requests (IO_CHUNK each). */
const KEPT_BUFFERS = 32;
/** Body slots out at once across all PUTs (IO_CHUNK each): past 128 MiB held by request bodies,
 * further body bytes wait for a slot (so do uploads stalled mid-body: 128 of them would block PUTs). */
const MAX_BODY_SLOTS = 128;

interface Target {
  rawPath: string;
  rawQuery: string;
  bucket: string | undefined;
  key: string | undefined;
}

/** Path-style `/bucket/key`, or virtual-host style `bucket.localhost/key`. */
function parseTarget(req: IncomingMessage): Target {
  const url = req.url ?? '/';
  const q = url.indexOf('?');
  let rawPath = q === -1 ? url : url.slice(0, q);
  const rawQuery = q === -1 ? '' : url.slice(q + 1);
  if (/^https?:\/\//i.test(rawPath)) rawPath = rawPath.replace(/^https?:\/\/[^/]*/i, '') || '/';
  const hostname = (req.headers.host ?? '').replace(/:\d+$/, '').toLowerCase();
  if (hostname.endsWith('.localhost')) {
    const bucket = hostname.slice(0, -'.localhost'.length);
    const rest = rawPath.slice(1);
    return { rawPath, rawQuery, bucket, key: rest === '' ? undefined : safeDecode(rest) };
  }
  const rest = rawPath.slice(1);
  if (rest === '') return { rawPath, rawQuery, bucket: undefined, key: undefined };
  const slash = rest.indexOf('/');
  if (slash === -1) return { rawPath, rawQuery, bucket: safeDecode(rest), key: undefined };
  const key = rest.slice(slash + 1);
  return {
    rawPath,
    rawQuery,
    bucket: safeDecode(rest.slice(0, slash)),
    key: key === '' ? undefined : safeDecode(key),
  };
}

function errorXml(
  code: string,
  message: string,
  resource: string,
  requestId: string,
  details: Record<string, string> = {},
): string {
  return xmlDocument('Error', {
    Code: code,
    Message: message,
    ...details,
    Resource: resource,
    RequestId: requestId,
  });
}

function sendError(
  req: IncomingMessage,
  res: ServerResponse,
  err: S3Error,
  resource: string,
  requestId: string,
): void {
  if (res.headersSent) {
    res.destroy();
    return;
  }
  const body = errorXml(err.code, err.message, resource, requestId, err.details);
  // A body we will not read: drain a small one to keep the connection; close for a big one.
  if (!req.complete) {
    const length = Number(req.headers['content-length'] ?? Number.POSITIVE_INFINITY);
    if (length > 1024 * 1024) res.setHeader('Connection', 'close');
    req.unpipe();
    req.resume();
  }
  res.writeHead(err.status, {
    ...err.headers,
    'Content-Type': 'application/xml',
    'Content-Length': Buffer.byteLength(body),
  });
  res.end(req.method === 'HEAD' ? undefined : body);
}

async function handle(
  state: ServerState,
  secrets: Map<string, string>,
  req: IncomingMessage,
  res: ServerResponse,
): Promise<void> {
  const requestId = randomBytes(8).toString('hex').toUpperCase();
  const hostId = randomBytes(24).toString('base64');
  res.setHeader('x-amz-request-id', requestId);
  res.setHeader('x-amz-id-2', hostId);
  res.setHeader('Server', 'TributaryS3');
  let resource = '/';
  try {
    const target = parseTarget(req);
    resource = `/${target.bucket ?? ''}${target.key === undefined ? '' : `/${target.key}`}`;
    const method = (req.method ?? 'GET').toUpperCase();
    const pairs = parseQuery(target.rawQuery);
    const auth = authenticate(
      req,
      { method, rawPath: target.rawPath, rawQuery: target.rawQuery },
      pairs,
      (id) => secrets.get(id),
    );
    if (target.key !== undefined && utf8Length(target.key) > LIMITS.keyBytes) throw errors.keyTooLong();
    const query = new Map<string, string>();
    for (const [name, value] of pairs) if (!query.has(name)) query.set(name, value);
    const ctx: RequestContext = {
      server: state,
      req,
      res,
      requestId,
      hostId,
      method,
      bucket: target.bucket,
      key: target.key,
      query,
      auth,
    };
    await operationFor(ctx)(ctx);
  } catch (err) {
    if (isS3Error(err)) {
      sendError(req, res, err, resource, requestId);
    } else {
      log.error('request failed', { requestId, method: req.method, url: req.url, error: err as Error });
      sendError(req, res, errors.internal(), resource, requestId);
    }
  }
}

/** Answers requests Node's parser rejects (oversized or malformed headers) in S3's error format. */
function onClientError(err: NodeJS.ErrnoException, socket: Socket): void {
  if (!socket.writable || err.code === 'ECONNRESET') {
    socket.destroy();
    return;
  }
  const requestId = randomBytes(8).toString('hex').toUpperCase();
  const [status, code, message] =
    err.code === 'HPE_HEADER_OVERFLOW'
      ? [
          431,
          'RequestHeaderSectionTooLarge',
          `Your request header section exceeds the maximum allowed size (${LIMITS.headerBytes} bytes).`,
        ]
      : [400, 'BadRequest', 'An error occurred when parsing the HTTP request.'];
  const body = errorXml(code, message, '/', requestId);
  socket.end(
    `HTTP/1.1 ${status} ${STATUS_CODES[status]}\r\nContent-Type: application/xml\r\nContent-Length: ${Buffer.byteLength(body)}\r\nx-amz-request-id: ${requestId}\r\nConnection: close\r\n\r\n${body}`,
  );
}

/** Starts the embedded S3-compatible endpoint. */
export async function startS3Server(options: S3ServerOptions): Promise<S3Server> {
  if (options.credentials.length === 0) throw new Error('startS3Server: at least one credential is required');
  const store = await Store.open(options.dataDir);
  const hashers = new HashWorkers();
  const state: ServerState = {
    store,
    region: options.region ?? DEFAULT_REGION,
    onEvent: options.onEvent,
    bodies: { slots: new BufferPool(IO_CHUNK, KEPT_BUFFERS, true, MAX_BODY_SLOTS), hashers },
    readBuffers: new BufferPool(IO_CHUNK, KEPT_BUFFERS),
  };
  const secrets = new Map(options.credentials.map((c) => [c.accessKeyId, c.secretAccessKey]));
  const server = createServer({ maxHeaderSize: LIMITS.headerBytes, requestTimeout: 0 }, (req, res) => {
    void handle(state, secrets, req, res);
  });
  server.on('clientError', onClientError);
  const host = options.host ?? DEFAULT_HOST;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const port = (server.address() as AddressInfo).port;
  const urlHost = host.includes(':') ? `[${host}]` : host;
  return {
    url: `http://${urlHost}:${port}`,
    port,
    host,
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.close((err) => {
          store.close();
          void hashers.close().finally(() => (err ? reject(err) : resolve()));
        });
        server.closeAllConnections();
      }),
    async createBucket(name: string): Promise<void> {
      if (!isValidBucketName(name)) throw new Error(`Invalid bucket name: ${name}`);
      store.createBucket(name);
    },
  };
}
