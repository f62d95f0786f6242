import { randomUUID } from 'node:crypto';
import type { Logger } from '@aws-lambda-powertools/logger';
import { getConnInfo } from '@hono/node-server/conninfo';
import { type Context, Hono } from 'hono';
import { fromResultV2, matchRoute, parseRoute, type Route, sortRoutes, toEventV2 } from './apigw.js';
import { EnvironmentCrashedError, type EnvironmentPool } from './environments.js';
import type { InvocationEvents } from './events.js';
import { LOCAL_ACCOUNT_ID, type LocalFunction } from './functions.js';
import { invokeFunction } from './invoke.js';
import { readBody, TOO_LARGE } from './request-body.js';

/** API Gateway's payload limit. */
export const MAX_BODY_BYTES = 10 * 1024 * 1024;

interface MountedRoute {
  route: Route;
  fn: LocalFunction;
}

export interface GatewayOptions {
  functions: Iterable<LocalFunction>;
  region: string;
  logger: Logger;
  health: () => Promise<{ status: number; body: unknown }>;
  /** Lets other components (the console) add routes before the pipelines are mounted. */
  routes?: (app: Hono) => void;
  /** Where each HTTP invocation's start and outcome are reported (the console listens). */
  events?: InvocationEvents;
  /** Execution environments (worker threads) for the functions they run; the rest run on this thread. */
  environments?: EnvironmentPool;
}

/**
 * The HTTP side of the local runtime: `/healthz`, `/api/pipelines`, and each pipeline with
 * HTTP routes mounted at `/<pipeline>/…`, where the request becomes an API Gateway v2 event
 * and the function runs synchronously (no retries, as API Gateway invokes Lambda).
 * `/` and `/console` are left for the console.
 */
export function createGateway(options: GatewayOptions): Hono {
  const app = new Hono();
  const byPipeline = new Map<string, MountedRoute[]>();
  for (const fn of options.functions) {
    for (const trigger of fn.spec.triggers) {
      if (trigger.kind !== 'http') continue;
      const mounted = byPipeline.get(fn.pipeline.name) ?? [];
      for (const key of trigger.routes) mounted.push({ route: parseRoute(key), fn });
      byPipeline.set(fn.pipeline.name, mounted);
    }
  }

  app.get('/healthz', async (c) => {
    const { status, body } = await options.health();
    return c.json(body as object, status as 200);
  });
  app.get('/api/pipelines', (c) =>
    c.json({
      pipelines: [...byPipeline.entries()].map(([name, mounted]) => ({
        name,
        basePath: `/${name}`,
        routes: mounted.map((m) => ({ routeKey: m.route.routeKey, functionId: m.fn.id })),
      })),
    }),
  );
  options.routes?.(app);

  for (const [name, mounted] of byPipeline) {
    const sorted = sortRoutes(mounted.map((m) => m.route));
    const fnOf = new Map(mounted.map((m) => [m.route, m.fn]));
    const handle = (c: Context) => serveRoute(c, name, sorted, fnOf, options);
    app.all(`/${name}`, handle);
    app.all(`/${name}/*`, handle);
  }

  app.notFound((c) => c.json({ message: 'Not Found' }, 404));
  app.onError((err, c) => {
    options.logger.error('gateway error', { error: { name: err.name, message: err.message } });
    return c.json({ message: 'Internal Server Error' }, 500);
  });
  return app;
}

async function serveRoute(
  c: Context,
  pipeline: string,
  routes: Route[],
  fnOf: Map<Route, LocalFunction>,
  options: GatewayOptions,
): Promise<Response> {
  const method = c.req.method.toUpperCase();
  // GET and HEAD carry no body: only other methods are read (and limited).
  const body = method === 'GET' || method === 'HEAD' ? undefined : await readBody(c, MAX_BODY_BYTES);
  // What is left of the body is not read: close the connection after the answer.
  if (body === TOO_LARGE)
    return c.json({ message: 'Request Entity Too Large' }, 413, { connection: 'close' });
  const url = new URL(c.req.url);
  const path = url.pathname.slice(pipeline.length + 1) || '/';
  const match = matchRoute(routes, method, path);
  if (!match) return c.json({ message: 'Not Found' }, 404);
  const fn = fnOf.get(match.route) as LocalFunction;
  const requestId = randomUUID();
  const event = toEventV2({
    method,
    path,
    rawQueryString: url.search.slice(1),
    headers: c.req.raw.headers,
    body,
    sourceIp: sourceIp(c),
    domainName: c.req.header('host') ?? url.host,
    match,
    apiId: pipeline,
    accountId: LOCAL_ACCOUNT_ID,
    requestId,
    now: new Date(),
  });
  let result: unknown;
  const base = { functionId: fn.id, entryId: requestId, source: 'http' as const };
  const started = performance.now();
  options.events?.emit({ ...base, type: 'started', at: new Date().toISOString(), attempt: 1 });
  try {
    result = await (options.environments?.runs(fn)
      ? options.environments.invoke(fn, event, requestId)
      : invokeFunction(fn, event, { region: options.region, requestId }));
    options.events?.emit({
      ...base,
      type: 'succeeded',
      at: new Date().toISOString(),
      attempt: 1,
      durationMs: performance.now() - started,
    });
  } catch (err) {
    const e = err instanceof Error ? err : new Error(String(err));
    options.events?.emit({
      ...base,
      type: 'failed',
      at: new Date().toISOString(),
      attempt: 1,
      durationMs: performance.now() - started,
      error: { name: e.name, message: e.message },
    });
    options.logger.error('function failed', {
      functionId: fn.id,
      requestId,
      error: { name: e.name, message: e.message, stack: e.stack },
    });
    // The environment died under the request (Lambda: Runtime.ExitError): nothing answered it.
    if (err instanceof EnvironmentCrashedError) return c.json({ message: 'Bad Gateway' }, 502);
    return c.json({ message: 'Internal Server Error' }, 500);
  }
  try {
    return fromResultV2(result);
  } catch (err) {
    options.logger.error('function returned a response API Gateway cannot send', {
      functionId: fn.id,
      requestId,
      error: (err as Error).message,
    });
    return c.json({ message: 'Internal Server Error' }, 500);
  }
}

function sourceIp(c: Context): string {
  try {
    return getConnInfo(c).remote.address ?? '127.0.0.1';
  } catch {
    return '127.0.0.1';
  }
}
