import { mkdir } from 'node:fs/promises';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import { createRequire } from 'node:module';
import type { AddressInfo } from 'node:net';
import { Level } from 'level';
import { ConfigError, errorMessage } from '../../core/errors.js';
import { createLogger } from '../../core/logger.js';
import { type PutItemAction, withBlindPuts } from './blind-puts.js';
import { type DynaliteValidations, installFastTypeChecks } from './fast-types.js';
import { type AuthFailure, verifyRequest } from './sigv4.js';
import { coalesceStoreIo, type DynaliteStore } from './store-io.js';

const logger = createLogger('local-dynamodb');

/** What the endpoint needs; `startDynamoServer` has validated it. Structured-cloneable (it crosses into the worker). */
export interface EndpointOptions {
  host: string;
  port: number;
  dataDir?: string;
  credentials?: { accessKeyId: string; secretAccessKey: string }[];
}

export interface Endpoint {
  port: number;
  close(): Promise<void>;
}

/**
 * dynalite listening on `host:port`, with the request guards and SigV4 verification. Runs in
 * the endpoint's worker thread (see server.ts). Fails with a ConfigError for a locked data dir
 * (before listening) or a port it cannot bind.
 */
export async function startEndpoint(options: EndpointOptions): Promise<Endpoint> {
  const { host, port } = options;
  if (options.dataDir) await checkDataDirUsable(options.dataDir);

  // Tables become ACTIVE at once: the local runtime creates them at startup and has no reason to wait.
  const server = withStoreIo(() =>
    dynalite({ path: options.dataDir, createTableMs: 0, deleteTableMs: 0, updateTableMs: 0 }),
  );
  const keys = options.credentials
    ? new Map(options.credentials.map((c) => [c.accessKeyId, c.secretAccessKey]))
    : undefined;
  containRequestErrors(server, keys);
  try {
    await listen(server, port, host);
  } catch (err) {
    // dynalite closes its store only through server.close(), which needs a listening server.
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    await closeServer(server);
    throw err;
  }
  return { port: (server.address() as AddressInfo).port, close: () => closeServer(server) };
}

const requireDynalite = createRequire(import.meta.url);

/**
 * dynalite's actions capture putItem when they load (BatchWriteItem calls it per PutRequest),
 * so the blind put replaces the module's export before dynalite itself is loaded.
 */
function installBlindPuts(): void {
  if (requireDynalite.cache[requireDynalite.resolve('dynalite')])
    throw new Error('dynalite was loaded before its putItem could be wrapped');
  const path = requireDynalite.resolve('dynalite/actions/putItem.js');
  const putItem = requireDynalite(path) as PutItemAction;
  const loaded = requireDynalite.cache[path];
  if (!loaded) throw new Error(`dynalite's putItem module is not in the require cache: ${path}`);
  loaded.exports = withBlindPuts(putItem);
}
installBlindPuts();
const dynalite = requireDynalite('dynalite') as typeof import('dynalite').default;

/** dynalite's store module: `dynalite()` calls its `create` by name, which is where the store can be reached. */
const dynaliteDb = requireDynalite('dynalite/db/index.js') as {
  create: (options: unknown) => DynaliteStore;
};

installFastTypeChecks(requireDynalite('dynalite/validations/index.js') as DynaliteValidations, {
  putItem: (requireDynalite('dynalite/validations/putItem.js') as { types: object }).types,
  batchWriteItem: (requireDynalite('dynalite/validations/batchWriteItem.js') as { types: object }).types,
});

/** Creates a dynalite server whose store does its LevelDB I/O through store-io.ts. */
function withStoreIo(create: () => Server): Server {
  const original = dynaliteDb.create;
  let stores = 0;
  dynaliteDb.create = (storeOptions) => {
    const store = original(storeOptions);
    coalesceStoreIo(store);
    stores++;
    return store;
  };
  try {
    const server = create();
    if (stores !== 1) throw new Error(`dynalite created ${stores} stores, expected 1`);
    return server;
  } finally {
    dynaliteDb.create = original;
  }
}

/**
 * LevelDB allows one open handle per directory. dynalite opens it lazily and, when it is
 * locked, fails later with an uncaught iterator error; open it once here to fail clearly.
 */
async function checkDataDirUsable(dataDir: string): Promise<void> {
  try {
    await mkdir(dataDir, { recursive: true });
  } catch (err) {
    throw new ConfigError(`DynamoDB data dir ${dataDir} cannot be created: ${errorMessage(err)}`);
  }
  const db = new Level(dataDir);
  try {
    await db.open();
  } catch (err) {
    const cause = (err as { cause?: { code?: string } }).cause;
    const why =
      cause?.code === 'LEVEL_LOCKED'
        ? 'it is in use by another process or server'
        : errorMessage(cause ?? err);
    throw new ConfigError(`DynamoDB data dir ${dataDir} cannot be opened: ${why}`);
  }
  await db.close();
}

/**
 * dynalite rethrows request stream errors (`req.on('error', err => { throw err })`), so a
 * client hanging up mid-request takes the whole process down, and a synchronous throw while
 * validating a request does too. Swallow the former (the client is gone) and answer the
 * latter with a 500, like DynamoDB's InternalServerError.
 *
 * With `keys`, the body is held back until it is complete, its SigV4 signature checked, and
 * only then replayed to dynalite (which buffers whole bodies anyway, up to 16 MB).
 */
function containRequestErrors(server: Server, keys?: ReadonlyMap<string, string>): void {
  const handlers = server.listeners('request') as ((req: IncomingMessage, res: ServerResponse) => void)[];
  server.removeAllListeners('request');
  server.on('request', (req: IncomingMessage, res: ServerResponse) => {
    const emit = req.emit;
    const held: Buffer[] | undefined = keys && req.method === 'POST' ? [] : undefined;
    let heldBytes = 0;
    req.emit = function guardedEmit(this: IncomingMessage, event: string | symbol, ...args: unknown[]) {
      if (event === 'error') {
        res.destroy();
        return true;
      }
      try {
        if (held && keys && heldBytes <= MAX_VERIFIED_BODY) {
          if (event === 'data') {
            const chunk = args[0] as Buffer;
            held.push(chunk);
            heldBytes += chunk.length;
            // Too big to be a DynamoDB request: let dynalite answer it (413) unverified.
            if (heldBytes > MAX_VERIFIED_BODY) for (const c of held.splice(0)) emit.call(this, 'data', c);
            return true;
          }
          if (event === 'end') {
            const refused = verifyRequest(this, Buffer.concat(held), keys);
            if (refused) {
              answerAuthFailure(res, refused);
              return true;
            }
            for (const c of held.splice(0)) emit.call(this, 'data', c);
          }
        }
        return emit.call(this, event, ...args);
      } catch (err) {
        logger.error('DynamoDB endpoint failed on a request', { error: errorMessage(err) });
        answerInternalError(res);
        return true;
      }
    } as IncomingMessage['emit'];
    for (const handler of handlers) handler(req, res);
  });
}

/** dynalite's own request size limit. */
const MAX_VERIFIED_BODY = 16 * 1024 * 1024;

function answerAuthFailure(res: ServerResponse, failure: AuthFailure): void {
  const body = JSON.stringify({ __type: failure.type, message: failure.message });
  res.writeHead(400, {
    'Content-Type': 'application/x-amz-json-1.0',
    'Content-Length': Buffer.byteLength(body),
  });
  res.end(body);
}

function answerInternalError(res: ServerResponse): void {
  if (res.headersSent) {
    res.destroy();
    return;
  }
  const body = JSON.stringify({
    __type: 'com.amazonaws.dynamodb.v20120810#InternalServerError',
    message: 'The local DynamoDB endpoint failed on this request',
  });
  res.writeHead(500, {
    'Content-Type': 'application/x-amz-json-1.0',
    'Content-Length': Buffer.byteLength(body),
  });
  res.end(body);
}

/** dynalite's close stops listening, waits for pending LevelDB writes, then closes the store. */
async function closeServer(server: Server): Promise<void> {
  const closed = new Promise<void>((resolve, reject) =>
    server.close((err) => (err ? reject(err) : resolve())),
  );
  // Idle keep-alive sockets would otherwise hold close() open until they time out.
  server.closeIdleConnections();
  await closed;
}

function listen(server: Server, port: number, host: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const onError = (err: NodeJS.ErrnoException) => {
      const why = err.code === 'EADDRINUSE' ? 'the address is in use' : errorMessage(err);
      reject(new ConfigError(`DynamoDB endpoint cannot listen on ${host}:${port}: ${why}`));
    };
    server.once('error', onError);
    server.listen(port, host, () => {
      server.off('error', onError);
      resolve();
    });
  });
}
