import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import type { Hono } from 'hono';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLogger } from '../../../src/core/logger.js';
import { loadConfig } from '../../../src/local/config.js';
import { fromResultV2, matchRoute, parseRoute, sortRoutes } from '../../../src/local/runtime/apigw.js';
import { resolveFunctions } from '../../../src/local/runtime/functions.js';
import { createGateway, MAX_BODY_BYTES } from '../../../src/local/runtime/gateway.js';
import { prepareStateDir } from '../../../src/local/state.js';
import { pipelines } from '../../fixtures/pipelines.js';

describe('route matching (API Gateway HTTP API precedence)', () => {
  const routes = sortRoutes(
    [
      'ANY /{proxy+}',
      'GET /files/{proxy+}',
      'GET /files/readme',
      'GET /items/{id}',
      'POST /items/{id}',
      'ANY /items/{id}',
    ].map(parseRoute),
  );

  it.each([
    ['GET', '/files/readme', 'GET /files/readme', undefined],
    ['GET', '/files/a/b c.txt', 'GET /files/{proxy+}', { proxy: 'a/b c.txt' }],
    ['GET', '/items/42', 'GET /items/{id}', { id: '42' }],
    ['POST', '/items/42', 'POST /items/{id}', { id: '42' }],
    ['DELETE', '/items/42', 'ANY /items/{id}', { id: '42' }],
    ['DELETE', '/other/thing', 'ANY /{proxy+}', { proxy: 'other/thing' }],
    ['GET', '/items/42/extra', 'ANY /{proxy+}', { proxy: 'items/42/extra' }],
  ])('%s %s → %s', (method, routePath, routeKey, params) => {
    const match = matchRoute(routes, method, routePath.replace(' ', '%20'));

    expect(match?.route.routeKey).toBe(routeKey);
    expect(match?.pathParameters).toEqual(params ?? {});
  });

  it('matches nothing outside the declared routes', () => {
    const narrow = sortRoutes(['POST /telemetry', 'GET /files/{proxy+}'].map(parseRoute));

    expect(matchRoute(narrow, 'GET', '/telemetry')).toBeUndefined();
    expect(matchRoute(narrow, 'GET', '/files')).toBeUndefined();
    expect(matchRoute(narrow, 'POST', '/telemetry/x')).toBeUndefined();
  });
});

describe('fromResultV2 (payload format 2.0 rules)', () => {
  it('sends a structured result as given', async () => {
    const response = fromResultV2({
      statusCode: 202,
      headers: { 'x-a': '1', 'x-n': 2 as unknown as string },
      cookies: ['a=1', 'b=2'],
      body: 'accepted',
    });

    expect(response.status).toBe(202);
    expect(response.headers.get('x-n')).toBe('2');
    expect(response.headers.getSetCookie()).toEqual(['a=1', 'b=2']);
    expect(await response.text()).toBe('accepted');
  });

  it('decodes a base64 body', async () => {
    const bytes = Buffer.from([0, 1, 2, 255]);

    const response = fromResultV2({ statusCode: 200, body: bytes.toString('base64'), isBase64Encoded: true });

    expect(Buffer.from(await response.arrayBuffer())).toEqual(bytes);
  });

  it.each([
    [{ hello: 'world' }, '{"hello":"world"}'],
    ['text', '"text"'],
    [undefined, 'null'],
    [[1, 2], '[1,2]'],
  ])('sends %j without statusCode as 200 JSON', async (result, body) => {
    const response = fromResultV2(result);

    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe('application/json');
    expect(await response.text()).toBe(body);
  });
});

describe('createGateway', () => {
  let root: string;
  let app: Hono;

  beforeAll(() => {
    root = mkdtempSync(path.join(os.tmpdir(), 'tributary-gateway-'));
    const config = loadConfig({
      pipelines,
      env: {},
      cwd: root,
    });
    config.pipelines['fixture-api'] = { config: { RECORD_DIR: root }, resources: {}, enabled: true };
    config.pipelines['fixture-events'] = { config: { RECORD_DIR: root }, resources: {}, enabled: true };
    const paths = prepareStateDir(config.stateDir, {});
    const functions = resolveFunctions({
      pipelines,
      config,
      paths,
      endpoints: { s3Url: 'http://127.0.0.1:9', dynamodbUrl: 'http://127.0.0.1:9' },
    });
    app = createGateway({
      functions: functions.values(),
      region: 'us-east-1',
      logger: createLogger('test'),
      health: async () => ({ status: 200, body: { status: 'ok' } }),
    });
  });
  afterAll(() => rmSync(root, { recursive: true, force: true }));

  it('converts a request into an API Gateway v2 event', async () => {
    const response = await app.request('http://localhost:3000/fixture-api/echo?a=1&b=2&a=3', {
      method: 'POST',
      headers: {
        'Content-Type': 'application/json',
        Cookie: 'x=1; y=2',
        'User-Agent': 'test-agent',
        'X-Mixed': 'v',
      },
      body: JSON.stringify({ run: 'r1' }),
    });
    const { event } = (await response.json()) as { event: APIGatewayProxyEventV2 };

    expect(response.status).toBe(201);
    expect(response.headers.get('x-function')).toBe('fixture-api-echo');
    expect(response.headers.get('x-multi')).toBe('a, b');
    expect(response.headers.getSetCookie()).toEqual(['session=abc; Path=/', 'theme=dark']);
    expect(event).toMatchObject({
      version: '2.0',
      routeKey: 'POST /echo',
      rawPath: '/echo',
      rawQueryString: 'a=1&b=2&a=3',
      cookies: ['x=1', 'y=2'],
      queryStringParameters: { a: '1,3', b: '2' },
      body: '{"run":"r1"}',
      isBase64Encoded: false,
      requestContext: {
        accountId: '000000000000',
        apiId: 'fixture-api',
        domainName: 'localhost:3000',
        http: { method: 'POST', path: '/echo', protocol: 'HTTP/1.1', userAgent: 'test-agent' },
        routeKey: 'POST /echo',
        stage: '$default',
      },
    });
    expect(event.headers).toMatchObject({ 'content-type': 'application/json', 'x-mixed': 'v' });
    expect(event.headers.cookie).toBeUndefined();
    expect(event.pathParameters).toBeUndefined();
    expect(event.requestContext.requestId).toMatch(/^[0-9a-f-]{36}$/);
    expect(event.requestContext.time).toMatch(/^\d{2}\/\w{3}\/\d{4}:\d{2}:\d{2}:\d{2} \+0000$/);
    expect(Math.abs(event.requestContext.timeEpoch - Date.now())).toBeLessThan(60_000);
  });

  it('base64-encodes a binary body and fills greedy path parameters', async () => {
    const bytes = Buffer.from([0xff, 0x00, 0x10]);

    const response = await app.request('http://localhost/fixture-api/any/deep/er/x.bin', {
      method: 'PUT',
      headers: { 'content-type': 'application/octet-stream' },
      body: bytes,
    });
    const { event } = (await response.json()) as { event: APIGatewayProxyEventV2 };

    expect(event.routeKey).toBe('ANY /any/{proxy+}');
    expect(event.pathParameters).toEqual({ proxy: 'deep/er/x.bin' });
    expect(event.isBase64Encoded).toBe(true);
    expect(Buffer.from(event.body ?? '', 'base64')).toEqual(bytes);
    expect(event.queryStringParameters).toBeUndefined();
  });

  it('answers a plain object or string result as JSON', async () => {
    const object = await app.request('http://localhost/fixture-api/plain');
    const text = await app.request('http://localhost/fixture-api/text');

    expect(await object.json()).toEqual({ hello: 'world', path: '/plain' });
    expect(await text.json()).toBe('just text');
  });

  it.each([
    ['an undeclared route', 'GET', '/fixture-api/nope'],
    ['a declared path with another method', 'GET', '/fixture-api/echo'],
    ['a pipeline without HTTP routes', 'GET', '/fixture-events/anything'],
    ['an unknown pipeline', 'GET', '/nobody/here'],
    ['the root, left for the console', 'GET', '/'],
    ['the console path, left for the console', 'GET', '/console'],
  ])('answers 404 JSON for %s', async (_what, method, url) => {
    const response = await app.request(`http://localhost${url}`, { method });

    expect(response.status).toBe(404);
    expect(await response.json()).toEqual({ message: 'Not Found' });
  });

  it('answers 500 JSON without the stack when the handler throws', async () => {
    const response = await app.request('http://localhost/fixture-api/boom', { method: 'POST' });
    const text = await response.text();

    expect(response.status).toBe(500);
    expect(JSON.parse(text)).toEqual({ message: 'Internal Server Error' });
    expect(text).not.toContain('secret stack');
  });

  it('answers 413 for a body over 10 MB', async () => {
    const response = await app.request('http://localhost/fixture-api/echo', {
      method: 'POST',
      headers: { 'content-type': 'application/octet-stream', 'content-length': String(MAX_BODY_BYTES + 1) },
      body: Buffer.alloc(MAX_BODY_BYTES + 1),
    });

    expect(response.status).toBe(413);
    expect(await response.json()).toEqual({ message: 'Request Entity Too Large' });
  });

  it('lists the mounted pipelines', async () => {
    const response = await app.request('http://localhost/api/pipelines');

    expect(await response.json()).toEqual({
      pipelines: [
        {
          name: 'fixture-api',
          basePath: '/fixture-api',
          routes: [
            { routeKey: 'POST /echo', functionId: 'fixture-api.echo' },
            { routeKey: 'GET /files/{proxy+}', functionId: 'fixture-api.echo' },
            { routeKey: 'GET /items/{id}', functionId: 'fixture-api.echo' },
            { routeKey: 'ANY /any/{proxy+}', functionId: 'fixture-api.echo' },
            { routeKey: 'GET /plain', functionId: 'fixture-api.plain' },
            { routeKey: 'GET /text', functionId: 'fixture-api.plain' },
            { routeKey: 'ANY /boom', functionId: 'fixture-api.boom' },
          ],
        },
      ],
    });
  });
});
