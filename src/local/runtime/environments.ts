import type { Worker } from 'node:worker_threads';
import type { Logger } from '@aws-lambda-powertools/logger';
import type { Pipeline } from '../../core/pipeline.js';
import type { LocalConfig } from '../config.js';
import type { StatePaths } from '../state.js';
import { startModuleWorker } from '../worker-module.js';
import type {
  EnvironmentData,
  FromEnvironment,
  SerializedError,
  ToEnvironment,
} from './environment-protocol.js';
import type { Endpoints, LocalFunction } from './functions.js';
import { FunctionTimeoutError } from './invoke.js';

/** The registry (src/pipelines/index.ts): what execution environments load unless told otherwise. */
export const REGISTRY_MODULE = new URL('../../pipelines/index.js', import.meta.url).href;

/**
 * How long past a function's timeout the gateway waits for its environment to answer at all.
 * The environment times the function out itself; silence beyond this means its thread is
 * stuck (a handler blocking the event loop), so the environment is discarded, as Lambda does.
 */
export const UNRESPONSIVE_GRACE_MS = 2_000;

/** The environment running the invocation exited or crashed before answering (API Gateway: 502). */
export class EnvironmentCrashedError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'EnvironmentCrashedError';
  }
}

export interface EnvironmentPoolOptions {
  /** Most environments running at once (≥ 1). */
  size: number;
  /** Module exporting `pipelines`; only functions of pipelines found there (the same objects) run in environments. */
  moduleUrl?: string;
  config: LocalConfig;
  paths: StatePaths;
  endpoints: Endpoints;
  logger: Logger;
}

interface Pending {
  resolve: (value: unknown) => void;
  reject: (err: Error) => void;
  timer: NodeJS.Timeout;
}

interface Environment {
  index: number;
  worker: Worker;
  ready: boolean;
  inFlight: Map<number, Pending>;
  /** Set once it is being discarded: no new work, its exit is expected. */
  retired: boolean;
}

/**
 * HTTP-triggered functions in several execution environments (worker threads), as Lambda
 * scales out: an environment is started when a request arrives and every running one is
 * busy (up to `size`), and each request goes to the least busy ready environment (ties: the
 * lowest, so a lone caller keeps reusing one warm environment, as on Lambda). A crashed
 * environment's requests fail with EnvironmentCrashedError and the next request starts a
 * replacement.
 */
export class EnvironmentPool {
  private readonly environments: Environment[] = [];
  private readonly eligible = new Set<Pipeline>();
  private data: EnvironmentData | undefined;
  private nextId = 1;
  private nextIndex = 0;
  private closing = false;
  private readonly idleWaiters = new Set<() => void>();

  private constructor(private readonly options: EnvironmentPoolOptions) {}

  /**
   * Reads the module's `pipelines` (on this thread too, to know which pipeline objects are
   * the module's); functions of other pipelines (defined ad hoc) stay on the main thread.
   */
  static async open(
    options: EnvironmentPoolOptions,
    functions: Iterable<LocalFunction>,
  ): Promise<EnvironmentPool> {
    const pool = new EnvironmentPool(options);
    const moduleUrl = options.moduleUrl ?? REGISTRY_MODULE;
    const module = (await import(moduleUrl)) as { pipelines?: Pipeline[] };
    const known = new Set(module.pipelines ?? []);
    const envs: Record<string, LocalFunction['env']> = {};
    const names = new Set<string>();
    for (const fn of functions) {
      if (!known.has(fn.pipeline) || !fn.spec.triggers.some((t) => t.kind === 'http')) continue;
      pool.eligible.add(fn.pipeline);
      names.add(fn.pipeline.name);
      envs[fn.id] = fn.env;
    }
    pool.data = {
      moduleUrl,
      pipelines: [...names],
      config: options.config,
      paths: options.paths,
      endpoints: options.endpoints,
      envs,
    };
    return pool;
  }

  /**
   * Starts the first environment now, without waiting for it (Lambda's provisioned
   * concurrency of 1): the first request then finds it warm instead of paying its ~1 s
   * cold start. Further environments still start on demand.
   */
  prewarm(): void {
    if (this.eligible.size > 0 && this.environments.length === 0 && !this.closing) this.start();
  }

  /** Whether this function runs in the environments (else: on the main thread, as before). */
  runs(fn: LocalFunction): boolean {
    return this.eligible.has(fn.pipeline);
  }

  get stats(): { environments: number; ready: number; inFlight: number } {
    let ready = 0;
    let inFlight = 0;
    for (const env of this.environments) {
      if (env.ready) ready++;
      inFlight += env.inFlight.size;
    }
    return { environments: this.environments.length, ready, inFlight };
  }

  invoke(fn: LocalFunction, event: unknown, requestId: string): Promise<unknown> {
    if (this.closing) return Promise.reject(new EnvironmentCrashedError('the runtime is shutting down'));
    const env = this.pick();
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        env.inFlight.delete(id);
        reject(new FunctionTimeoutError(fn.timeoutMs));
        this.discard(env, `did not answer within ${fn.timeoutMs + UNRESPONSIVE_GRACE_MS} ms (${fn.id})`);
      }, fn.timeoutMs + UNRESPONSIVE_GRACE_MS);
      env.inFlight.set(id, { resolve, reject, timer });
      env.worker.postMessage({
        type: 'invoke',
        id,
        functionId: fn.id,
        event,
        requestId,
      } satisfies ToEnvironment);
    });
  }

  /** Graceful: waits (bounded) for invocations in flight, then ends every environment. */
  async close(graceMs: number): Promise<void> {
    this.closing = true;
    if (this.stats.inFlight > 0) {
      await new Promise<void>((resolve) => {
        const timer = setTimeout(done, graceMs);
        timer.unref();
        function done() {
          clearTimeout(timer);
          resolve();
        }
        this.idleWaiters.add(done);
      });
    }
    await Promise.all(
      [...this.environments].map((env) => {
        env.retired = true;
        return env.worker.terminate();
      }),
    );
  }

  private pick(): Environment {
    let best: Environment | undefined;
    for (const env of this.environments) {
      if (!env.ready) continue;
      if (!best || env.inFlight.size < best.inFlight.size) best = env;
    }
    // Scale out when no ready environment is idle and there is room, but send this request
    // to a warm one if there is any: a cold start is far longer than a queue of a few.
    const booting = this.environments.find((env) => !env.ready);
    if ((!best || best.inFlight.size > 0) && !booting && this.environments.length < this.options.size) {
      const started = this.start();
      return best ?? started;
    }
    if (best) return best;
    return booting ?? this.start();
  }

  private start(): Environment {
    const worker = startWorker(this.data as EnvironmentData);
    const env: Environment = {
      index: this.nextIndex++,
      worker,
      ready: false,
      inFlight: new Map(),
      retired: false,
    };
    this.environments.push(env);
    worker.on('message', (message: FromEnvironment) => {
      if (message.type === 'ready') {
        env.ready = true;
        return;
      }
      const pending = env.inFlight.get(message.id);
      if (!pending) return;
      env.inFlight.delete(message.id);
      clearTimeout(pending.timer);
      if (message.type === 'result') pending.resolve(message.value);
      else pending.reject(revive(message.error));
      this.settled();
    });
    worker.on('error', (err) => {
      if (!env.retired)
        this.options.logger.error('execution environment crashed', {
          environment: env.index,
          error: { name: err.name, message: err.message, stack: err.stack },
        });
      this.discard(env, `crashed: ${err.message}`);
    });
    worker.on('exit', (code) => this.discard(env, `exited with code ${code}`));
    return env;
  }

  /** Fails what the environment still had in flight and removes it; the next request starts a replacement. */
  private discard(env: Environment, why: string): void {
    const at = this.environments.indexOf(env);
    if (at >= 0) this.environments.splice(at, 1);
    const wasRetired = env.retired;
    env.retired = true;
    for (const [id, pending] of env.inFlight) {
      env.inFlight.delete(id);
      clearTimeout(pending.timer);
      pending.reject(new EnvironmentCrashedError(`execution environment ${env.index} ${why}`));
    }
    if (!wasRetired) void env.worker.terminate();
    this.settled();
  }

  private settled(): void {
    if (this.idleWaiters.size === 0 || this.stats.inFlight > 0) return;
    for (const done of [...this.idleWaiters]) done();
    this.idleWaiters.clear();
  }
}

function revive(error: SerializedError): Error {
  const e = new Error(error.message);
  e.name = error.name;
  if (error.stack) e.stack = error.stack;
  return e;
}

function startWorker(workerData: EnvironmentData): Worker {
  return startModuleWorker(import.meta.url, 'environment-worker', workerData);
}
