import type { Worker } from 'node:worker_threads';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { ConfigError, errorMessage } from '../../core/errors.js';
import { createLogger } from '../../core/logger.js';
import { startModuleWorker } from '../worker-module.js';
import type { EndpointOptions } from './endpoint.js';
import { ensureTable } from './tables.js';
import type { DynamoServer, DynamoServerOptions } from './types.js';
import type { FromWorker, ToWorker } from './worker.js';

const logger = createLogger('local-dynamodb');

/** How long close() waits for the worker to flush LevelDB before it is terminated. */
const CLOSE_TIMEOUT_MS = 10_000;

const workers = new WeakMap<DynamoServer, Worker>();

/** The thread serving an endpoint; for tests (not exported by index.ts). */
export function endpointWorker(server: DynamoServer): Worker | undefined {
  return workers.get(server);
}

/**
 * The embedded DynamoDB-compatible endpoint: dynalite behind a small wrapper so it can be
 * replaced. It runs in a worker thread, so its HTTP parsing, validation and LevelDB work use
 * another core than the runtime's gateway and functions. dynalite does not verify SigV4; the
 * wrapper does when given `credentials` (otherwise any credentials are accepted). Binds
 * 127.0.0.1 unless told otherwise. See docs/dynamodb-endpoint.md.
 */
export async function startDynamoServer(options: DynamoServerOptions = {}): Promise<DynamoServer> {
  const host = options.host ?? '127.0.0.1';
  const port = options.port ?? 0;
  if (!Number.isInteger(port) || port < 0 || port > 65_535) {
    throw new ConfigError(`DynamoDB endpoint port must be an integer 0-65535, got ${port}`);
  }
  if (options.credentials?.length === 0) throw new ConfigError('DynamoDB endpoint: credentials is empty');

  const endpoint: EndpointOptions = {
    host,
    port,
    dataDir: options.dataDir,
    credentials: options.credentials,
  };
  const worker = startWorker(endpoint);
  let exited = false;
  const exit = new Promise<number>((resolve) =>
    worker.once('exit', (code) => {
      exited = true;
      resolve(code);
    }),
  );
  const bound = await new Promise<number>((resolve, reject) => {
    const onMessage = (message: FromWorker) => {
      worker.off('error', onError);
      if (message.type === 'listening') resolve(message.port);
      else if (message.type === 'failed')
        reject(message.configError ? new ConfigError(message.message) : new Error(message.message));
    };
    const onError = (err: Error) => {
      worker.off('message', onMessage);
      reject(new Error(`DynamoDB endpoint failed to start: ${errorMessage(err)}`));
    };
    worker.once('message', onMessage);
    worker.once('error', onError);
    // Settles nothing once listening; otherwise a silent exit would leave the caller waiting.
    void exit.then((code) =>
      reject(new Error(`DynamoDB endpoint worker exited (code ${code}) before listening`)),
    );
  });

  let closing: Promise<void> | undefined;
  // The runtime must not die with its endpoint, nor lose it silently: say so, and let close() finish.
  let failed = false;
  worker.on('error', (err) => {
    failed = true;
    logger.error('DynamoDB endpoint worker failed; the endpoint is down', {
      error: errorMessage(err),
      stack: err.stack,
    });
  });
  void exit.then((code) => {
    if (!closing && !failed)
      logger.error('DynamoDB endpoint worker exited unexpectedly; the endpoint is down', { code });
  });

  const url = `http://${urlHost(host)}:${bound}`;
  // Only used to create tables.
  const admin = new DynamoDBClient({
    endpoint: url,
    region: 'us-east-1',
    credentials: options.credentials?.[0] ?? { accessKeyId: 'local', secretAccessKey: 'local' },
    maxAttempts: 2,
  });

  const server: DynamoServer = {
    url,
    port: bound,
    host,
    ensureTable: (spec) => ensureTable(admin, spec),
    close() {
      closing ??= (async () => {
        admin.destroy();
        if (exited) return;
        worker.postMessage({ type: 'close' } satisfies ToWorker);
        // The worker exits once dynalite has stopped listening and closed LevelDB.
        const timer = setTimeout(() => {
          logger.error('DynamoDB endpoint worker did not close in time; terminating it');
          void worker.terminate();
        }, CLOSE_TIMEOUT_MS);
        await exit;
        clearTimeout(timer);
      })();
      return closing;
    },
  };
  workers.set(server, worker);
  return server;
}

function startWorker(workerData: EndpointOptions): Worker {
  return startModuleWorker(import.meta.url, 'worker', workerData);
}

/** What a client dials: the wildcard addresses are reached through loopback. */
function urlHost(host: string): string {
  if (host === '0.0.0.0') return '127.0.0.1';
  if (host === '::') return '[::1]';
  return host.includes(':') ? `[${host}]` : host;
}
