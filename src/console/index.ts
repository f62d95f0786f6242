import path from 'node:path';
import type { Logger } from '@aws-lambda-powertools/logger';
import type { Hono } from 'hono';
import { type LocalConfig, physicalName } from '../local/config.js';
import type { InvocationEvent, InvocationEvents } from '../local/runtime/events.js';
import type { Endpoints, LocalFunction } from '../local/runtime/functions.js';
import type { DeadLetterQueue } from '../local/runtime/queue.js';
import type { StatePaths } from '../local/state.js';
import { DEFAULT_NAMESPACE } from '../pipelines/bucket-metrics/constants.js';
import { PROMETHEUS_CONTENT_TYPE } from '../pipelines/bucket-metrics/prometheus.js';
import { ConsoleHttpError, consoleApi } from './api.js';
import { consoleAssets } from './assets.js';
import { consoleCredentials, requireAuth, sameOrigin } from './auth.js';
import type { ConsoleContext } from './context.js';
import { InvocationHistory } from './history.js';
import { renderMetricsEndpoint } from './metrics-endpoint.js';
import { MetricsHistory } from './metrics-history.js';
import { buildOverview } from './overview.js';
import { consolePage } from './page.js';
import { localStores, type Stores } from './stores.js';

export { InvocationHistory } from './history.js';

export interface ConsoleOptions {
  config: LocalConfig;
  paths: StatePaths;
  functions: ReadonlyMap<string, LocalFunction>;
  dlq: DeadLetterQueue;
  events: InvocationEvents;
  endpoints: Endpoints;
  pending: () => Map<string, { count: number; oldestAt: string }>;
  upcoming: () => { functionId: string; expression: string; nextRun?: string }[];
  queueDepth: () => number;
  kickQueue: () => void;
  logger: Logger;
}

export interface Console {
  history: InvocationHistory;
  /** Mounts `/`, `/console/…` and `/metrics` (the gateway calls it before mounting pipelines). */
  routes(app: Hono): void;
  /** Ends the live event streams, so the HTTP server can close without waiting for them. */
  endStreams(): void;
  /** Closes the history file (after the invoker stopped). */
  close(): void;
}

/** Where the console keeps its state: `<state>/console/`. */
export const consoleDir = (paths: StatePaths): string => path.join(paths.root, 'console');

/**
 * The web console: opens the invocation history (and starts recording the runtime's
 * events into it) now, so nothing the resumed queue runs is missed; serves the page and
 * its API once the gateway mounts `routes`.
 */
export function openConsole(options: ConsoleOptions): Console {
  const { config, logger } = options;
  const credentials = consoleCredentials(config);
  const history = InvocationHistory.open(consoleDir(options.paths));
  logger.debug('invocation history loaded', { ...history.loaded });
  const metrics = new MetricsHistory(options.paths.metrics);
  const listeners = new Set<(seq: number, event: InvocationEvent) => void>();
  const closeListeners = new Set<() => void>();
  const unsubscribe = options.events.on((event) => {
    const seq = history.record(event);
    for (const listener of listeners) listener(seq, event);
  });
  let stores: Stores | undefined;
  const functionsList = [...options.functions.values()];
  const pipelineOf = (name: string) => functionsList.find((fn) => fn.pipeline.name === name)?.pipeline;

  if (!credentials && !isLoopback(config.host)) {
    logger.warn('the console and /metrics are open to anyone who can reach this host; set console.users', {
      host: config.host,
    });
  }

  const ctx: ConsoleContext = {
    functions: options.functions,
    history,
    metrics,
    dlq: options.dlq,
    record: (event) => options.events.emit(event),
    subscribe: (listener) => {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    onClose: (listener) => {
      closeListeners.add(listener);
      return () => closeListeners.delete(listener);
    },
    kickQueue: options.kickQueue,
    pending: options.pending,
    overviewSources: () => ({
      config,
      functions: options.functions,
      aggregates: history.aggregates,
      pending: options.pending,
      upcoming: options.upcoming,
      queueDepth: options.queueDepth,
      dlqDepth: () => options.dlq.depth(),
    }),
    bucketNamespace: () => config.pipelines['bucket-metrics']?.config.NAMESPACE || DEFAULT_NAMESPACE,
    resourceName: (name, key) => {
      const pipeline = pipelineOf(name);
      return pipeline && key in pipeline.resources ? physicalName(config, pipeline, key) : undefined;
    },
    stores: () => {
      stores ??= localStores(config, options.endpoints);
      return stores;
    },
  };

  const routes = (app: Hono) => {
    const guard = credentials ? requireAuth(credentials) : undefined;
    for (const pattern of ['/', '/console', '/console/*', '/metrics']) {
      if (guard) app.use(pattern, guard);
      app.use(pattern, sameOrigin);
    }
    app.get('/', (c) =>
      c.html(
        consolePage({
          pipelines: [...new Set(functionsList.map((f) => f.pipeline.name))],
          overview: buildOverview(ctx.overviewSources()),
        }),
      ),
    );
    app.get('/console', (c) => c.redirect('/', 308));
    for (const asset of consoleAssets()) {
      app.get(`/console/assets/${asset.name}`, (c) => {
        const { body, etag } = asset.load();
        const headers = { 'Content-Type': asset.type, 'Cache-Control': 'no-cache', ETag: etag };
        if (c.req.header('if-none-match') === etag) return c.body(null, 304, headers);
        return c.body(body, 200, headers);
      });
    }
    const api = consoleApi(ctx);
    api.onError((err, c) => {
      if (err instanceof ConsoleHttpError) return c.json({ message: err.message }, err.status);
      logger.error('console API error', { error: { name: err.name, message: err.message } });
      return c.json({ message: `console could not answer: ${err.message}` }, 500);
    });
    app.route('/console/api', api);
    app.get('/metrics', (c) =>
      c.body(
        renderMetricsEndpoint(metrics.read(), history.aggregates.summaries(), {
          queue: options.queueDepth(),
          dlq: options.dlq.depth(),
        }),
        200,
        { 'Content-Type': PROMETHEUS_CONTENT_TYPE },
      ),
    );
  };

  return {
    history,
    routes,
    endStreams: () => {
      for (const listener of [...closeListeners]) listener();
    },
    close: () => {
      unsubscribe();
      history.close();
      stores?.s3.destroy();
      stores?.dynamo.destroy();
    },
  };
}

function isLoopback(host: string): boolean {
  return host === 'localhost' || host === '::1' || host.startsWith('127.');
}
