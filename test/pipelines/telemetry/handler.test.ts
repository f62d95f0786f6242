import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { auth, runFolder, startTelemetry, type TelemetryRuntime, telemetryDoc } from './helpers.js';

/**
 * The `api` handler with the events API Gateway sends on AWS: a named stage in rawPath
 * (`api_url` = `https://…/production`), the matched route key, paths not normalised.
 */
describe('telemetry api handler behind an API Gateway stage', () => {
  let t: TelemetryRuntime;
  beforeAll(async () => {
    t = await startTelemetry();
  });
  afterAll(async () => {
    await t?.close();
  });

  function event(
    method: string,
    rawPath: string,
    routeKey: string,
    init: { query?: string; body?: string; headers?: Record<string, string>; proxy?: string } = {},
  ): APIGatewayProxyEventV2 {
    return {
      version: '2.0',
      routeKey,
      rawPath,
      rawQueryString: init.query ?? '',
      headers: { host: 'abc123.execute-api.eu-west-1.amazonaws.com', ...init.headers },
      ...(init.query ? { queryStringParameters: Object.fromEntries(new URLSearchParams(init.query)) } : {}),
      ...(init.proxy !== undefined ? { pathParameters: { proxy: init.proxy } } : {}),
      requestContext: {
        accountId: '123456789012',
        apiId: 'abc123',
        domainName: 'abc123.execute-api.eu-west-1.amazonaws.com',
        domainPrefix: 'abc123',
        http: {
          method,
          path: rawPath,
          protocol: 'HTTP/1.1',
          sourceIp: '203.0.113.9',
          userAgent: 'python-requests/2.28',
        },
        requestId: 'req-1',
        routeKey,
        stage: 'production',
        time: '14/Nov/2023:22:13:20 +0000',
        timeEpoch: 1_700_000_000_000,
      },
      ...(init.body !== undefined ? { body: init.body } : {}),
      isBase64Encoded: false,
    };
  }
  const invoke = async (e: APIGatewayProxyEventV2) =>
    (await t.runtime.invoke('telemetry.api', e)) as APIGatewayProxyStructuredResultV2;

  it('serves POST {api_url}/telemetry with the stage in the path', async () => {
    const run = runFolder(1_700_000_000);
    const res = await invoke(
      event('POST', '/production/telemetry', 'POST /telemetry', {
        query: `request_id=${run}&telemetry_group=staged`,
        body: JSON.stringify(telemetryDoc()),
        headers: { authorization: auth('krkn'), 'content-type': 'application/json' },
      }),
    );
    expect(res.statusCode).toBe(200);
    expect(res.body).toBe(`record staged/${run}/telemetry.json created`);
  });

  it('serves GET {api_url}/presigned-url with the stage in the path', async () => {
    const res = await invoke(
      event('GET', '/production/presigned-url', 'GET /presigned-url', {
        query: `request_id=staged/${runFolder(1_700_000_000)}&remote_filename=prometheus-00.tar`,
        headers: { authorization: auth('krkn') },
      }),
    );
    expect(res.statusCode).toBe(200);
    expect(res.body).toMatch(
      /^http:\/\/127\.0\.0\.1:\d+\/tributary-telemetry\/staged\/.+prometheus-00\.tar\?/,
    );
  });

  // GET /presigned-url is answered without Hono's Request/Response (handler.ts): the same
  // results, headers included, as every other route's.
  it.each([
    [
      'a URL',
      'krkn',
      `request_id=g/${runFolder(1_700_000_000)}&remote_filename=p.tar`,
      200,
      /^http:.*\/g\/.+\/p\.tar\?/,
    ],
    [
      'the first of repeated params, `+` and %XX decoded',
      'krkn',
      `request_id=g/${runFolder(1_700_000_000)}&remote_filename=a%2Bb+c.tar&remote_filename=x`,
      400,
      /^\[bad request\]: remote_filename /,
    ],
    ['a missing param', 'krkn', 'request_id=g/r', 400, /^\[bad request\]: missing remote_filename param$/],
    ['no credentials', undefined, 'request_id=g/r&remote_filename=f', 401, /credentials are required/],
    [
      'a reader',
      'viewer',
      'request_id=g/r&remote_filename=f',
      403,
      /lacks the writer role needed to upload files/,
    ],
  ] as const)('GET /presigned-url answers %s', async (_what, user, query, status, body) => {
    const res = await invoke(
      event('GET', '/production/presigned-url', 'GET /presigned-url', {
        query,
        headers: user ? { authorization: auth(user) } : {},
      }),
    );
    expect(res.statusCode).toBe(status);
    expect(res.body).toMatch(body);
    expect(res.headers).toEqual({
      'content-type': 'text/plain; charset=utf-8',
      'x-content-type-options': 'nosniff',
      ...(status === 200 ? { 'cache-control': 'no-store' } : {}),
      ...(status === 401 ? { 'www-authenticate': expect.stringMatching(/^Basic /) } : {}),
    });
  });

  it('redirects / to the stage’s /files/, and links carry the stage', async () => {
    const root = await invoke(
      event('GET', '/production', 'GET /', { headers: { authorization: auth('viewer') } }),
    );
    const navigate = await invoke(
      event('GET', '/production/navigate/staged', 'GET /navigate/{proxy+}', {
        proxy: 'staged',
        query: 'limit=1',
        headers: { authorization: auth('viewer') },
      }),
    );
    expect(root.statusCode).toBe(302);
    expect(root.headers?.location).toBe('/production/files/');
    expect(navigate.statusCode).toBe(200);
    expect(JSON.parse(navigate.body as string)).toHaveLength(1);
  });

  it('ignores a client’s own X-Forwarded-Prefix (links cannot be pointed elsewhere)', async () => {
    const res = await invoke(
      event('GET', '/production', 'GET /', {
        headers: { authorization: auth('viewer'), 'x-forwarded-prefix': 'https://evil.example' },
      }),
    );
    expect(res.headers?.location).toBe('/production/files/');
  });

  it.each([
    ['/production/navigate/..', 'GET /navigate/{proxy+}', '..', /must not contain "\." or "\.\."/],
    ['/production/navigate/%2E%2E', 'GET /navigate/{proxy+}', '..', /must not contain/],
    ['/production/navigate/g%2F..%2Fx', 'GET /navigate/{proxy+}', 'g/../x', /must not contain/],
    [
      '/production/download-url/g/../../etc/passwd',
      'GET /download-url/{proxy+}',
      'g/../../etc/passwd',
      /must not contain/,
    ],
    [
      '/production/download-url/g/r/%2Fetc%2Fpasswd',
      'GET /download-url/{proxy+}',
      'g/r//etc/passwd',
      /may only contain|empty/,
    ],
    ['/production/files/%2E%2E/', 'GET /files/{proxy+}', '..', /must not contain/],
    ['/production/api/runs/g/..', 'GET /api/runs/{group}/{run}', undefined, /must not contain/],
  ])('answers 400 to the unnormalised path %s', async (rawPath, routeKey, proxy, message) => {
    const e = event('GET', rawPath, routeKey, {
      headers: { authorization: auth('viewer') },
      ...(proxy ? { proxy } : {}),
    });
    if (routeKey.includes('{group}')) e.pathParameters = { group: 'g', run: '..' };
    const res = await invoke(e);
    expect(res.statusCode).toBe(400);
    expect(res.body).toMatch(message);
  });

  it('answers 401 with WWW-Authenticate, and 500 without details when the users secret is unusable', async () => {
    const res = await invoke(event('GET', '/production/navigate', 'GET /navigate'));
    expect(res.statusCode).toBe(401);
    expect(res.headers?.['www-authenticate']).toMatch(/^Basic realm=/);
  });
});
