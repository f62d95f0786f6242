import { rmSync } from 'node:fs';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Logger } from '@aws-lambda-powertools/logger';
import { createAdaptorServer } from '@hono/node-server';
import type { S3EventRecord, ScheduledEvent } from 'aws-lambda';
import type { Hono } from 'hono';
import { type Console, openConsole } from '../console/index.js';
import { ConfigError } from '../core/errors.js';
import { createLogger } from '../core/logger.js';
import type { Pipeline } from '../core/pipeline.js';
import type { TableResource } from '../core/resources.js';
import { enabledPipelines, type LocalConfig, physicalName, validatePipelineConfigs } from './config.js';
import { startDynamoServer } from './dynamodb/index.js';
import { EnvironmentPool } from './runtime/environments.js';
import { InvocationEvents } from './runtime/events.js';
import { type Endpoints, findFunction, type LocalFunction, resolveFunctions } from './runtime/functions.js';
import { createGateway } from './runtime/gateway.js';
import { invokeFunction } from './runtime/invoke.js';
import { AsyncInvoker } from './runtime/invoker.js';
import { DeadLetterQueue, type QueueEntry } from './runtime/queue.js';
import { routeS3Record } from './runtime/router.js';
import { Scheduler, scheduledFunctions } from './runtime/scheduler.js';
import { startS3Server } from './s3/index.js';
import { prepareStateDir, runningRuntime, type StatePaths, writeFileDurably } from './state.js';

export interface RuntimeOptions {
  pipelines: readonly Pipeline[];
  config: LocalConfig;
  /** Start the HTTP gateway (default true). `tributary invoke` runs without it. */
  gateway?: boolean;
  /** Start the schedule triggers (default true). */
  scheduler?: boolean;
  /** Deliver queued events (default true). Without it, events still queue durably. */
  invoker?: boolean;
  /** How often the queue dir is scanned for entries other processes wrote (default 250 ms). */
  pollMs?: number;
  /** How long close() waits for invocations in flight (default 10 s). */
  shutdownGraceMs?: number;
  /**
   * Execution environments (worker threads) for HTTP-triggered functions (default: config's
   * `environments`); 0 runs them on the main thread.
   */
  environments?: number;
  /**
   * The module whose `pipelines` export the environments load (default: the registry,
   * src/pipelines/index.ts). Functions of pipelines not found there run on the main thread.
   */
  pipelineModule?: string;
  /** Extra gateway routes. */
  routes?: (app: Hono) => void;
  /** Serve the console at `/` and `/metrics`, recording the invocation history (default: with the gateway). */
  console?: boolean;
  logger?: Logger;
}

export interface ComponentHealth {
  status: 'ok' | 'down' | 'stopped' | 'disabled';
  [detail: string]: unknown;
}

export interface HealthReport {
  status: 'ok' | 'degraded';
  components: {
    s3: ComponentHealth;
    dynamodb: ComponentHealth;
    queue: ComponentHealth;
    dlq: ComponentHealth;
    scheduler: ComponentHealth;
    gateway: ComponentHealth;
  };
  pipelines: { name: string; functions: string[] }[];
}

export interface Runtime {
  config: LocalConfig;
  paths: StatePaths;
  endpoints: Endpoints & { httpUrl?: string };
  functions: ReadonlyMap<string, LocalFunction>;
  /** Runs a function once, synchronously, in its scope (no retries). Unknown id → UsageError listing known ones. */
  invoke(functionId: string, event: unknown): Promise<unknown>;
  /** Queues an asynchronous invocation (durably). */
  enqueue(functionId: string, event: unknown): Promise<QueueEntry>;
  /** Fires a function's schedule trigger now, instead of waiting for it. */
  fireSchedule(functionId: string): ScheduledEvent[];
  dlq: DeadLetterQueue;
  /** Each invocation's start, outcome, retry, burial, redrive and discard, as they happen. */
  events: InvocationEvents;
  /** The console (and its invocation history), when it runs. */
  console?: Console;
  queueDepth(): number;
  health(): Promise<HealthReport>;
  /** Graceful: stop accepting, let invocations in flight finish (bounded), keep the rest queued. */
  close(): Promise<void>;
}

export async function startRuntime(options: RuntimeOptions): Promise<Runtime> {
  const { config } = options;
  const logger = options.logger ?? createLogger('tributary-local');
  const pipelines = enabledPipelines(config, options.pipelines);
  validatePipelineConfigs(config, pipelines);
  const paths = prepareStateDir(config.stateDir, config.secrets);
  const other = runningRuntime(paths);
  if (other && other.pid !== process.pid) {
    throw new ConfigError(
      `state directory ${paths.root} is in use by another tributary runtime (pid ${other.pid}); stop it or set TRIBUTARY_STATE_DIR`,
    );
  }

  const cleanups: (() => Promise<void>)[] = [];
  const closeAll = async () => {
    for (const cleanup of cleanups.splice(0).reverse()) {
      await cleanup().catch((err) => logger.error('shutdown step failed', { error: String(err) }));
    }
  };

  try {
    // S3 notifications may arrive as soon as the endpoint listens; they wait for the router.
    let routeRecord: ((record: S3EventRecord) => Promise<unknown>) | undefined;
    let markReady: () => void = () => {};
    const ready = new Promise<void>((resolve) => {
      markReady = resolve;
    });

    const s3 = await listening('TRIBUTARY_S3_PORT', config.s3Port, () =>
      startS3Server({
        host: config.host,
        port: config.s3Port,
        dataDir: paths.s3,
        region: config.region,
        credentials: [{ accessKeyId: config.accessKeyId, secretAccessKey: config.secretAccessKey }],
        onEvent: async (record) => {
          await ready;
          await routeRecord?.(record);
        },
      }),
    );
    cleanups.push(() => s3.close());
    const dynamo = await listening('TRIBUTARY_DYNAMODB_PORT', config.dynamodbPort, () =>
      startDynamoServer({
        host: config.host,
        port: config.dynamodbPort,
        dataDir: paths.dynamodb,
        // The same keys the S3 endpoint verifies; functions and the CLI sign with them.
        credentials: [{ accessKeyId: config.accessKeyId, secretAccessKey: config.secretAccessKey }],
      }),
    );
    cleanups.push(() => dynamo.close());

    await createResources(pipelines, config, s3, dynamo);

    const endpoints: Endpoints = { s3Url: s3.url, dynamodbUrl: dynamo.url };
    const functions = resolveFunctions({ pipelines, config, paths, endpoints });
    await Promise.all([...functions.values()].map((fn) => fn.handler()));

    const dlq = new DeadLetterQueue(paths.dlq, paths.queue);
    const events = new InvocationEvents((err) =>
      logger.error('an invocation event listener failed', { error: String(err) }),
    );
    const invoker = new AsyncInvoker({
      functions,
      queueDir: paths.queue,
      dlq,
      region: config.region,
      retryBaseDelayMs: config.retryBaseDelayMs,
      concurrency: config.concurrency,
      ...(options.pollMs !== undefined ? { pollMs: options.pollMs } : {}),
      logger,
      events,
    });
    // Late-bound: the console reads the scheduler, which is created after the invoker starts.
    // Late-bound: the environments open with the gateway, after the runtime object exists.
    let environmentStats: (() => EnvironmentPool['stats']) | undefined;
    let upcoming: () => { functionId: string; expression: string; nextRun?: string }[] = () => [];
    // Opened before the invoker starts, so what the resumed queue runs is recorded too.
    const webConsole =
      options.gateway !== false && options.console !== false
        ? openConsole({
            config,
            paths,
            functions,
            dlq,
            events,
            endpoints: { s3Url: s3.url, dynamodbUrl: dynamo.url },
            pending: () => invoker.pendingByFunction(),
            upcoming: () => upcoming(),
            queueDepth: () => invoker.depth(),
            kickQueue: () => invoker.kick(),
            logger,
          })
        : undefined;
    if (webConsole) cleanups.push(async () => webConsole.close());
    routeRecord = (record) =>
      Promise.all(
        routeS3Record(record, functions.values(), config).map((fn) =>
          invoker.enqueue(fn.id, { Records: [record] }),
        ),
      );
    markReady();
    if (options.invoker !== false) {
      invoker.start();
      cleanups.push(async () => {
        const { unfinished } = await invoker.stop(options.shutdownGraceMs ?? 10_000);
        if (unfinished > 0) logger.warn('invocations still running at shutdown stay queued', { unfinished });
      });
    }

    const scheduler = new Scheduler({
      scheduled: scheduledFunctions(functions.values()),
      region: config.region,
      deliver: (fn, event) => invoker.enqueue(fn.id, event),
      onError: (err, fn) =>
        logger.error('could not queue a scheduled event', { functionId: fn.id, error: String(err) }),
    });
    upcoming = () => scheduler.upcoming();
    if (options.scheduler !== false) {
      scheduler.start();
      cleanups.push(async () => scheduler.stop());
    }

    const runtime: Runtime = {
      config,
      paths,
      endpoints,
      functions,
      invoke: (id, event) => invokeFunction(findFunction(functions, id), event, { region: config.region }),
      enqueue: async (id, event) => invoker.enqueue(findFunction(functions, id).id, event),
      fireSchedule: (id) => scheduler.fireNow(findFunction(functions, id).id),
      dlq,
      events,
      ...(webConsole ? { console: webConsole } : {}),
      queueDepth: () => invoker.depth(),
      health: async () => {
        const [s3Status, dynamoStatus] = await Promise.all([probe(s3.url), probe(dynamo.url)]);
        const components: HealthReport['components'] = {
          s3: { status: s3Status, url: s3.url },
          dynamodb: { status: dynamoStatus, url: dynamo.url },
          queue: {
            status: options.invoker === false ? 'disabled' : 'ok',
            depth: invoker.depth(),
            inFlight: invoker.stats.inFlight,
            succeeded: invoker.stats.succeeded,
            failedAttempts: invoker.stats.failedAttempts,
          },
          dlq: { status: 'ok', depth: dlq.depth() },
          scheduler: {
            status: options.scheduler === false ? 'disabled' : scheduler.isRunning ? 'ok' : 'stopped',
            schedules: scheduler.upcoming(),
          },
          gateway: {
            status: options.gateway === false ? 'disabled' : 'ok',
            url: runtime.endpoints.httpUrl,
            ...(environmentStats ? { environments: environmentStats() } : {}),
          },
        };
        const down = Object.values(components).some((c) => c.status === 'down' || c.status === 'stopped');
        return {
          status: down ? 'degraded' : 'ok',
          components,
          pipelines: pipelines.map((p) => ({
            name: p.name,
            functions: Object.keys(p.functions).map((f) => `${p.name}.${f}`),
          })),
        };
      },
      close: closeAll,
    };

    if (options.gateway !== false) {
      const size = options.environments ?? config.environments;
      const environments =
        size > 0
          ? await EnvironmentPool.open(
              {
                size,
                config,
                paths,
                endpoints,
                logger,
                ...(options.pipelineModule ? { moduleUrl: options.pipelineModule } : {}),
              },
              functions.values(),
            )
          : undefined;
      if (environments) environmentStats = () => environments.stats;
      // Runs after the server closed (cleanups run in reverse): requests in flight finish first.
      if (environments) cleanups.push(() => environments.close(options.shutdownGraceMs ?? 10_000));
      const app = createGateway({
        functions: functions.values(),
        region: config.region,
        logger,
        health: async () => {
          const report = await runtime.health();
          return { status: report.status === 'ok' ? 200 : 503, body: report };
        },
        routes: (app) => {
          webConsole?.routes(app);
          options.routes?.(app);
        },
        events,
        ...(environments ? { environments } : {}),
      });
      const server = createAdaptorServer({ fetch: app.fetch }) as Server;
      const port = await listening('TRIBUTARY_HTTP_PORT', config.httpPort, () =>
        listen(server, config.host, config.httpPort),
      );
      runtime.endpoints.httpUrl = `http://${urlHost(config.host)}:${port}`;
      environments?.prewarm();
      cleanups.push(
        () =>
          new Promise<void>((resolve) => {
            server.close(() => resolve());
            server.closeIdleConnections();
            setTimeout(() => server.closeAllConnections(), options.shutdownGraceMs ?? 10_000).unref();
          }),
      );
      // Runs before the server closes (cleanups run in reverse): live event streams never end by themselves.
      if (webConsole) cleanups.push(async () => webConsole.endStreams());
    }

    writeFileDurably(
      paths.runtime,
      `${JSON.stringify({
        pid: process.pid,
        httpUrl: runtime.endpoints.httpUrl ?? '',
        s3Url: s3.url,
        dynamodbUrl: dynamo.url,
        startedAt: new Date().toISOString(),
      })}\n`,
    );
    // Runs last on close (cleanups run in reverse): the state dir is free once all else stopped.
    cleanups.unshift(async () => rmSync(paths.runtime, { force: true }));
    return runtime;
  } catch (err) {
    await closeAll();
    throw err;
  }
}

async function createResources(
  pipelines: Pipeline[],
  config: LocalConfig,
  s3: { createBucket(name: string): Promise<void> },
  dynamo: { ensureTable(spec: TableResource): Promise<void> },
): Promise<void> {
  const buckets = new Set<string>();
  const tables = new Map<string, TableResource>();
  for (const pipeline of pipelines) {
    for (const [key, resource] of Object.entries(pipeline.resources)) {
      const name = physicalName(config, pipeline, key);
      if (resource.kind === 'bucket') buckets.add(name);
      if (resource.kind === 'table') tables.set(name, { ...resource, name });
    }
  }
  for (const name of buckets) await s3.createBucket(name);
  for (const table of tables.values()) await dynamo.ensureTable(table);
}

/** Turns "address in use" into the setting to change. */
async function listening<T>(envName: string, port: number, start: () => Promise<T>): Promise<T> {
  try {
    return await start();
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'EADDRINUSE' || /EADDRINUSE|address (is )?(already )?in use/i.test(String(err))) {
      throw new ConfigError(`port ${port} is in use; set ${envName}`);
    }
    if (code === 'EADDRNOTAVAIL' || code === 'ENOTFOUND' || code === 'EACCES') {
      throw new ConfigError(`cannot listen on port ${port} (${code}); check TRIBUTARY_HOST and ${envName}`);
    }
    throw err;
  }
}

function listen(server: Server, host: string, port: number): Promise<number> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve((server.address() as AddressInfo).port);
    });
  });
}

function urlHost(host: string): string {
  return host.includes(':') ? `[${host}]` : host;
}

/** Any HTTP answer (even 403 to an unsigned request) means the endpoint is up. */
async function probe(url: string): Promise<'ok' | 'down'> {
  try {
    await fetch(url, { signal: AbortSignal.timeout(2_000) }).then((r) => r.body?.cancel());
    return 'ok';
  } catch {
    return 'down';
  }
}
