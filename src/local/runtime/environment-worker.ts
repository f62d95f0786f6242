import { parentPort, workerData } from 'node:worker_threads';
import type { Env } from '../../core/invocation.js';
import type { Pipeline } from '../../core/pipeline.js';
import type { EnvironmentData, FromEnvironment, ToEnvironment } from './environment-protocol.js';
import { type LocalFunction, resolveFunctions } from './functions.js';
import { invokeFunction } from './invoke.js';

/**
 * One execution environment (worker thread): it imports the pipelines module itself, so the
 * functions here have their own module state, SDK clients and caches, as a separate Lambda
 * instance would, and runs the invocations the gateway posts to it.
 */
const data = workerData as EnvironmentData;
const port = parentPort;
if (!port) throw new Error('environment-worker runs only as a worker thread');

const functions = load();
// An import that fails must end the environment (the pool answers its requests and logs it).
functions.catch((err: unknown) => {
  setImmediate(() => {
    throw err;
  });
});

port.on('message', (message: ToEnvironment) => {
  if (message.type === 'invoke') void run(message.id, message.functionId, message.event, message.requestId);
});

async function load(): Promise<Map<string, LocalFunction>> {
  const module = (await import(data.moduleUrl)) as { pipelines?: Pipeline[] };
  const wanted = new Set(data.pipelines);
  const pipelines = (module.pipelines ?? []).filter((p) => wanted.has(p.name));
  const resolved = resolveFunctions({
    pipelines,
    config: data.config,
    paths: data.paths,
    endpoints: data.endpoints,
  });
  const functions = new Map<string, LocalFunction>();
  for (const [id, env] of Object.entries(data.envs)) {
    const fn = resolved.get(id);
    if (!fn) throw new Error(`execution environment: ${data.moduleUrl} has no function "${id}"`);
    // The same environment the main thread resolved (process.env as it was at runtime start).
    functions.set(id, { ...fn, env: Object.freeze({ ...env }) as Env });
  }
  await Promise.all([...functions.values()].map((fn) => fn.handler()));
  port?.postMessage({ type: 'ready' } satisfies FromEnvironment);
  return functions;
}

async function run(id: number, functionId: string, event: unknown, requestId: string): Promise<void> {
  let reply: FromEnvironment;
  try {
    const fn = (await functions).get(functionId);
    if (!fn) throw new Error(`execution environment has no function "${functionId}"`);
    const value = await invokeFunction(fn, event, { region: data.config.region, requestId });
    reply = { type: 'result', id, value };
  } catch (err) {
    const e = err instanceof Error ? err : new Error(String(err));
    reply = {
      type: 'error',
      id,
      error: { name: e.name, message: e.message, ...(e.stack ? { stack: e.stack } : {}) },
    };
  }
  try {
    port?.postMessage(reply);
  } catch {
    // Not structured-cloneable (a function, a class instance with methods…): send what
    // JSON keeps, which is what the gateway would have sent for it anyway.
    try {
      const value = reply.type === 'result' ? JSON.parse(JSON.stringify(reply.value ?? null)) : null;
      port?.postMessage({ type: 'result', id, value } satisfies FromEnvironment);
    } catch (err) {
      const message = `function returned a result that cannot be sent: ${(err as Error).message}`;
      port?.postMessage({
        type: 'error',
        id,
        error: { name: 'TypeError', message },
      } satisfies FromEnvironment);
    }
  }
}
