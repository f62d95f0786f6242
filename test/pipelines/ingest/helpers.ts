import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import { runInScope } from '../../../src/core/invocation.js';
import { loadConfig } from '../../../src/local/config.js';
import { type Runtime, startRuntime } from '../../../src/local/runtime.js';
import ingest from '../../../src/pipelines/ingest/pipeline.js';
import { isolatedRuntimeEnv } from '../../helpers/runtime-env.js';
import { REPO } from '../../local/runtime/helpers.js';

export const API_KEY = 'test-key-0123456789';
export const USER = 'alice';
export const PASSWORD = 'wonderland';

/** The auth secret as a test stores it: one key in clear, one user as a SHA-256 digest. */
export const AUTH_SECRET_VALUE = {
  'apikey:tester': API_KEY,
  'apikey:other': 'other-key-9876543210',
  [`user:${USER}`]: `sha256:${createHash('sha256').update(PASSWORD).digest('hex')}`,
};

export interface Call {
  method: string;
  path: string;
  query?: string;
  body?: string;
  headers?: Record<string, string>;
  /** Route key as API Gateway matched it (default: derived from method and path). */
  routeKey?: string;
  /** What precedes the route in rawPath, e.g. `/prod` for a named stage. */
  prefix?: string;
  stage?: string;
}

const ROUTES = ['/post', '/records', '/records/{id}'];

function routeKeyOf(method: string, path: string): string {
  const segments = path.split('/').filter(Boolean);
  const template =
    ROUTES.find((r) => {
      const parts = r.split('/').filter(Boolean);
      return (
        parts.length === segments.length && parts.every((p, i) => p.startsWith('{') || p === segments[i])
      );
    }) ?? path;
  return `${method} ${template}`;
}

/** An API Gateway HTTP API (payload 2.0) event, as API Gateway or the local gateway sends it. */
export function httpEvent(call: Call): APIGatewayProxyEventV2 {
  const rawPath = `${call.prefix ?? ''}${call.path}`;
  const routeKey = call.routeKey ?? routeKeyOf(call.method, call.path);
  const headers: Record<string, string> = {
    host: 'api.example.test',
    'x-api-key': API_KEY,
    ...(call.body !== undefined ? { 'content-type': 'application/json' } : {}),
    ...call.headers,
  };
  for (const [k, v] of Object.entries(headers)) if (v === '') delete headers[k];
  return {
    version: '2.0',
    routeKey,
    rawPath,
    rawQueryString: call.query ?? '',
    headers,
    requestContext: {
      accountId: '000000000000',
      apiId: 'ingest',
      domainName: 'api.example.test',
      domainPrefix: 'api',
      http: {
        method: call.method,
        path: rawPath,
        protocol: 'HTTP/1.1',
        sourceIp: '127.0.0.1',
        userAgent: 'vitest',
      },
      requestId: 'req',
      routeKey,
      stage: call.stage ?? '$default',
      time: '18/Nov/2026:10:00:00 +0000',
      timeEpoch: 0,
    },
    ...(call.body !== undefined ? { body: call.body } : {}),
    isBase64Encoded: false,
  };
}

export interface Answer {
  status: number;
  headers: Record<string, string>;
  body: string;
  json: () => unknown;
}

type ApiHandler = (event: APIGatewayProxyEventV2) => Promise<unknown>;

export async function invoke(api: ApiHandler, env: Record<string, string>, call: Call): Promise<Answer> {
  const result = (await runInScope({ env }, () => api(httpEvent(call)))) as APIGatewayProxyStructuredResultV2;
  const headers = Object.fromEntries(
    Object.entries(result.headers ?? {}).map(([k, v]) => [k.toLowerCase(), String(v)]),
  );
  const body = result.isBase64Encoded
    ? Buffer.from(result.body ?? '', 'base64').toString()
    : (result.body ?? '');
  return { status: Number(result.statusCode), headers, body, json: () => JSON.parse(body) };
}

/** The ingest pipeline in a local runtime of its own, as `tributary dev` runs it. */
export interface IngestRuntime {
  /** The temp dir holding the config file and the state; removed by close(). */
  dir: string;
  /** The env the runtime was configured from (for the CLI against the same state dir). */
  env: Record<string, string>;
  runtime: Runtime;
  /** `http://127.0.0.1:<port>/ingest` */
  base: string;
  close(): Promise<void>;
}

/** A temp dir with `configFile` as tributary.config.json, state under it, ports chosen by the OS. */
export async function startIngestRuntime(configFile: object, environments?: number): Promise<IngestRuntime> {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'tributary-ingest-'));
  writeFileSync(path.join(dir, 'tributary.config.json'), JSON.stringify(configFile));
  const env = {
    TRIBUTARY_CONFIG: path.join(dir, 'tributary.config.json'),
    ...isolatedRuntimeEnv(path.join(dir, 'state')),
    // The CLI loads the real registry, where ingest is registered.
    TRIBUTARY_PIPELINES: '',
  };
  const config = loadConfig({ pipelines: [ingest], env, cwd: REPO });
  const runtime = await startRuntime({
    pipelines: [ingest],
    config: environments === undefined ? config : { ...config, environments },
    scheduler: false,
  });
  return {
    dir,
    env,
    runtime,
    base: `${runtime.endpoints.httpUrl}/ingest`,
    async close() {
      await runtime.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
