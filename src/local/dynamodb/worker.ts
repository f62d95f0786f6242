/**
 * Entry point of the DynamoDB endpoint's worker thread: dynalite's HTTP parsing, JSON
 * validation, SigV4 checks and LevelDB work run here, off the local runtime's main thread.
 * Protocol with server.ts: workerData is the EndpointOptions; the worker answers `listening`
 * or `failed`, and on `close` stops the endpoint, answers `closed` and exits.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { ConfigError, errorMessage } from '../../core/errors.js';
import { type EndpointOptions, startEndpoint } from './endpoint.js';

export type ToWorker = { type: 'close' };
export type FromWorker =
  | { type: 'listening'; port: number }
  | { type: 'failed'; configError: boolean; message: string }
  | { type: 'closed' };

const parent = parentPort;
if (!parent) throw new Error('src/local/dynamodb/worker.ts runs only as a worker thread');
const post = (message: FromWorker) => parent.postMessage(message);

try {
  const endpoint = await startEndpoint(workerData as EndpointOptions);
  parent.on('message', (message: ToWorker) => {
    if (message.type !== 'close') throw new Error(`unknown message to the DynamoDB worker: ${message.type}`);
    void endpoint.close().then(() => {
      post({ type: 'closed' });
      parent.close();
    });
  });
  post({ type: 'listening', port: endpoint.port });
} catch (err) {
  post({ type: 'failed', configError: err instanceof ConfigError, message: errorMessage(err) });
  parent.close();
}
