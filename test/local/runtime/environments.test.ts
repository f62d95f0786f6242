import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { ConfigError } from '../../../src/core/errors.js';
import { definePipeline } from '../../../src/core/pipeline.js';
import { onHttp } from '../../../src/core/triggers.js';
import { loadConfig } from '../../../src/local/config.js';
import type { InvocationEvent } from '../../../src/local/runtime/events.js';
import { type Runtime, startRuntime } from '../../../src/local/runtime.js';
import { isolatedRuntimeEnv } from '../../helpers/runtime-env.js';
import { envApi } from './fixtures/environment-pipelines.js';

const MODULE = new URL('./fixtures/environment-pipelines.ts', import.meta.url).href;

/** Not in MODULE: its functions stay on the main thread. */
const adhoc = definePipeline({
  name: 'adhoc',
  description: 'the same handlers, defined in the test',
  config: z.object({}),
  resources: {},
  functions: {
    whoami: { triggers: [onHttp('GET /whoami')], grants: [] },
    echo: { triggers: [onHttp('ANY /echo/{proxy+}')], grants: [] },
  },
  handlers: () => import('./fixtures/environment-handlers.js'),
});

interface Whoami {
  threadId: number;
  calls: number;
  functionName: string;
  lambdaName: string;
}

describe('execution environments (worker threads) for HTTP functions', () => {
  let dir: string;
  let runtime: Runtime;
  let base: string;
  const events: InvocationEvent[] = [];

  beforeAll(async () => {
    dir = mkdtempSync(path.join(os.tmpdir(), 'tributary-envs-'));
    const config = loadConfig({
      pipelines: [envApi, adhoc],
      env: isolatedRuntimeEnv(path.join(dir, 'state')),
      cwd: dir,
    });
    runtime = await startRuntime({
      pipelines: [envApi, adhoc],
      config,
      environments: 2,
      pipelineModule: MODULE,
      scheduler: false,
      invoker: false,
      console: false,
      shutdownGraceMs: 5_000,
    });
    runtime.events.on((event) => events.push(event));
    base = runtime.endpoints.httpUrl as string;
  });

  afterAll(async () => {
    await runtime?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const whoami = async (pipeline: string, wait = 0): Promise<Whoami> => {
    const response = await fetch(`${base}/${pipeline}/whoami?wait=${wait}`);
    expect(response.status).toBe(200);
    return (await response.json()) as Whoami;
  };

  it('runs a pipeline of the module in a worker thread, with its own function scope', async () => {
    const inEnvironment = await whoami('env-api');
    const onMain = await whoami('adhoc');

    expect(inEnvironment.threadId).not.toBe(0);
    expect(inEnvironment.functionName).toBe('env-api-whoami');
    expect(inEnvironment.lambdaName).toBe('env-api-whoami');
    expect(onMain.threadId).toBe(0);
    expect(onMain.functionName).toBe('adhoc-whoami');
  });

  it('reuses one warm environment for requests one at a time, and emits the invocation events on the main thread', async () => {
    const first = await whoami('env-api');
    const second = await whoami('env-api');

    expect(second.threadId).toBe(first.threadId);
    expect(second.calls).toBe(first.calls + 1);
    const forFunction = events.filter((e) => e.functionId === 'env-api.whoami');
    expect(forFunction.filter((e) => e.type === 'started').length).toBeGreaterThanOrEqual(3);
    expect(forFunction.filter((e) => e.type === 'succeeded').length).toBeGreaterThanOrEqual(3);
  });

  it('scales out under concurrent requests and sends each to the least busy environment', async () => {
    // The first burst finds the warm environment busy: a second one starts.
    await Promise.all([whoami('env-api', 50), whoami('env-api', 50)]);
    await until(async () => {
      const health = (await (await fetch(`${base}/healthz`)).json()) as {
        components: { gateway: { environments: { ready: number } } };
      };
      return health.components.gateway.environments.ready === 2;
    });

    const burst = await Promise.all(Array.from({ length: 6 }, () => whoami('env-api', 150)));

    const threads = new Set(burst.map((r) => r.threadId));
    expect(threads.size).toBe(2);
    const perThread = [...threads].map((t) => burst.filter((r) => r.threadId === t).length);
    expect(perThread).toEqual([3, 3]);
  });

  it('passes request bodies (text and binary) and results (headers, multi-value headers, cookies, base64) as the main thread does', async () => {
    const request = (pipeline: string) =>
      fetch(`${base}/${pipeline}/echo/a%20b/c?x=1&x=2&y=z`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', cookie: 'a=1; b=2', 'x-custom': 'v' },
        body: '{"héllo":"wörld"}',
      });
    const [fromEnvironment, fromMain] = await Promise.all([request('env-api'), request('adhoc')]);

    expect(fromEnvironment.status).toBe(207);
    const headersOf = (r: Response) =>
      [...r.headers].filter(([name]) => !['date', 'content-length', 'x-function'].includes(name));
    expect(headersOf(fromEnvironment)).toEqual(headersOf(fromMain));
    expect(fromEnvironment.headers.getSetCookie()).toEqual(['session=abc; Path=/', 'theme=dark']);
    expect(fromEnvironment.headers.get('x-multi')).toBe('a, b');
    const seen = (await fromEnvironment.json()) as Record<string, unknown>;
    expect(seen).toEqual(await fromMain.json());
    expect(seen).toMatchObject({
      body: '{"héllo":"wörld"}',
      isBase64Encoded: false,
      cookies: ['a=1', 'b=2'],
      query: { x: '1,2', y: 'z' },
      pathParameters: { proxy: 'a b/c' },
    });

    const bytes = Buffer.from(Array.from({ length: 256 }, (_, i) => i));
    const binary = await fetch(`${base}/env-api/echo/bin?binary=1`, {
      method: 'PUT',
      headers: { 'content-type': 'application/octet-stream' },
      body: bytes,
    });
    expect(binary.status).toBe(200);
    expect(Buffer.from(await binary.arrayBuffer()).equals(bytes)).toBe(true);
  });

  it('answers 500 for a function error and logs it; a result that cannot be cloned is sent as JSON would', async () => {
    const failed = await fetch(`${base}/env-api/fail`);
    expect(failed.status).toBe(500);
    expect(await failed.json()).toEqual({ message: 'Internal Server Error' });
    expect(events.find((e) => e.functionId === 'env-api.fail' && e.type === 'failed')).toMatchObject({
      error: { name: 'RangeError', message: 'handler failed on purpose' },
    });

    const odd = await fetch(`${base}/env-api/odd`);
    expect(odd.status).toBe(200);
    expect(await odd.json()).toEqual({ kept: 1 });
  });

  it('times a function out with 500 (TimeoutError) after its timeout', async () => {
    const started = Date.now();
    const response = await fetch(`${base}/env-api/slow`);

    expect(response.status).toBe(500);
    expect(Date.now() - started).toBeLessThan(2_900);
    expect(events.find((e) => e.functionId === 'env-api.slow' && e.type === 'failed')).toMatchObject({
      error: { name: 'TimeoutError', message: 'Task timed out after 1.00 seconds' },
    });
    // The environment stays usable.
    expect((await whoami('env-api')).threadId).not.toBe(0);
  });

  it('answers 502 when the environment crashes, and replaces it', async () => {
    const before = await whoami('env-api');

    const crashed = await fetch(`${base}/env-api/crash`);

    expect(crashed.status).toBe(502);
    expect(await crashed.json()).toEqual({ message: 'Bad Gateway' });
    const after = await whoami('env-api');
    expect(after.threadId).not.toBe(0);
    expect(after.threadId).not.toBe(before.threadId);
  });

  it('answers 500 for a function that blocks its environment past the timeout, and discards that environment', async () => {
    const before = await whoami('env-api');

    const blocked = await fetch(`${base}/env-api/block`);

    expect(blocked.status).toBe(500);
    const after = await whoami('env-api');
    expect(after.threadId).not.toBe(before.threadId);
  });

  it('lets a request in flight finish on shutdown', async () => {
    const inFlight = fetch(`${base}/env-api/whoami?wait=600`);
    await new Promise((resolve) => setTimeout(resolve, 150));

    await runtime.close();

    const response = await inFlight;
    expect(response.status).toBe(200);
    expect(((await response.json()) as Whoami).threadId).not.toBe(0);
  });
});

describe('environments setting', () => {
  it.each([
    [{ TRIBUTARY_ENVIRONMENTS: '3' }, 3],
    [{ TRIBUTARY_ENVIRONMENTS: '0' }, 0],
  ])('reads %o', (env, expected) => {
    expect(loadConfig({ pipelines: [], env, cwd: os.tmpdir() }).environments).toBe(expected);
  });

  it('defaults to the cores beside the main thread: at least 1, at most 4', () => {
    const n = loadConfig({ pipelines: [], env: {}, cwd: os.tmpdir() }).environments;

    expect(n).toBe(Math.min(4, Math.max(1, os.availableParallelism() - 1)));
  });

  it.each(['two', '-1', '65', '1.5'])('refuses TRIBUTARY_ENVIRONMENTS=%s', (raw) => {
    const load = () => loadConfig({ pipelines: [], env: { TRIBUTARY_ENVIRONMENTS: raw }, cwd: os.tmpdir() });

    expect(load).toThrow(ConfigError);
    expect(load).toThrow('TRIBUTARY_ENVIRONMENTS');
  });
});

async function until(probe: () => Promise<boolean>, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await probe())) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}
