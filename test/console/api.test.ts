import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runInScope } from '../../src/core/invocation.js';
import { emitMetrics } from '../../src/core/metrics.js';
import type { InvocationEvent } from '../../src/local/runtime/events.js';
import { type Runtime, startRuntime } from '../../src/local/runtime.js';
import { pipelines } from '../fixtures/pipelines.js';
import { configFor, makeWorkspace, s3For, until } from '../local/runtime/helpers.js';

interface DlqBody {
  depth: number;
  entries: { id: string; functionId: string; attempts: number; error: { name: string; message: string } }[];
}

describe('console API', () => {
  let runtime: Runtime;
  let s3: S3Client;
  let dir: string;
  let base: string;
  const get = (p: string, init?: RequestInit) => fetch(`${base}${p}`, init);
  const post = (p: string, headers: Record<string, string> = {}) =>
    fetch(`${base}${p}`, { method: 'POST', headers });
  const json = async <T>(p: string): Promise<T> => (await get(p)).json() as Promise<T>;
  const put = (Key: string) =>
    s3.send(new PutObjectCommand({ Bucket: 'fixture-inbox', Key, Body: 'id,name\n1,a\n' }));
  const deadLetterFor = async (key: string) => {
    await put(key);
    return until(async () => {
      const dlq = await json<DlqBody>('/console/api/dlq');
      return dlq.entries.find((e) => e.functionId === 'fixture-events.failing');
    });
  };

  beforeAll(async () => {
    const workspace = makeWorkspace({ retryBaseDelayMs: 20 });
    dir = workspace.dir;
    runtime = await startRuntime({
      pipelines,
      config: configFor(workspace.env),
      scheduler: false,
      pollMs: 50,
    });
    base = runtime.endpoints.httpUrl as string;
    s3 = s3For(runtime);
  });
  afterAll(async () => {
    s3?.destroy();
    await runtime?.close();
  });

  it('serves the page and its assets from the runtime, no CDN', async () => {
    const page = await get('/');
    const html = await page.text();

    expect(page.status).toBe(200);
    expect(html).toContain('<title>Tributary console</title>');
    const assets = [...html.matchAll(/(?:src|href)="([^"#]+)"/g)].map((m) => m[1] as string);
    expect(assets.filter((a) => /^https?:/.test(a))).toEqual([]);
    for (const asset of assets.filter((a) => a.startsWith('/console/assets/'))) {
      const response = await get(asset);
      expect(response.status, asset).toBe(200);
      expect((await response.text()).length, asset).toBeGreaterThan(100);
    }
    const uplot = await get('/console/assets/uPlot.iife.min.js');
    expect(
      await get('/console/assets/uPlot.iife.min.js', {
        headers: { 'if-none-match': uplot.headers.get('etag') ?? '' },
      }),
    ).toHaveProperty('status', 304);
  });

  it('counts asynchronous and HTTP invocations in the overview, with triggers', async () => {
    // Act
    await put('data/ok.csv');
    await fetch(`${base}/fixture-api/echo`, { method: 'POST', body: '{}' });
    // Assert
    const overview = await until(async () => {
      const o = await json<{
        pipelines: { name: string; functions: { id: string; stats: { succeeded: number } }[] }[];
      }>('/console/api/overview');
      const fns = o.pipelines.flatMap((p) => p.functions);
      const ok = (id: string) => (fns.find((f) => f.id === id)?.stats.succeeded ?? 0) > 0;
      return ok('fixture-events.onCsv') && ok('fixture-api.echo') ? o : undefined;
    });
    const events = overview.pipelines.find((p) => p.name === 'fixture-events');
    const onCsv = events?.functions.find((f) => f.id === 'fixture-events.onCsv') as unknown as {
      triggers: { kind: string; text: string }[];
      stats: { latencyMs: { p95: number } };
    };
    expect(onCsv.triggers).toEqual([
      { kind: 's3', text: 's3:ObjectCreated:* s3://fixture-inbox/data/*.csv' },
    ]);
    expect(onCsv.stats.latencyMs.p95).toBeGreaterThan(0);
    const runs = await json<{ runs: { outcome: string; source: string }[] }>(
      '/console/api/functions/fixture-api.echo/runs',
    );
    expect(runs.runs[0]).toMatchObject({ outcome: 'succeeded', source: 'http' });
  });

  it('records retries and the dead letter, and redrive empties the DLQ', async () => {
    // Arrange
    const letter = await deadLetterFor('fail/one');
    expect(letter).toMatchObject({
      attempts: 3,
      error: { name: 'RangeError', message: 'cannot process fail/one' },
    });
    // The entry is in the DLQ a moment before its events are reported.
    const mine = await until(async () => {
      const recent = await json<{ events: { event: InvocationEvent }[] }>(
        '/console/api/events/recent?limit=500',
      );
      const events = recent.events.map((e) => e.event).filter((e) => e.entryId === letter.id);
      return events.some((e) => e.type === 'dead-lettered') ? events : undefined;
    });
    expect(mine.map((e) => (e.type === 'failed' && e.retryAt ? 'retry' : e.type))).toEqual([
      'retry',
      'retry',
      'failed',
      'dead-lettered',
    ]);
    // Act
    writeFileSync(path.join(dir, 'heal'), '');
    const redrive = await post(`/console/api/dlq/${letter.id}/redrive`);
    // Assert
    expect(redrive.status).toBe(200);
    expect(await redrive.json()).toEqual({ redriven: [letter.id] });
    expect((await json<DlqBody>('/console/api/dlq')).depth).toBe(0);
    await until(async () => {
      const r = await json<{ events: { event: InvocationEvent }[] }>('/console/api/events/recent?limit=500');
      return r.events.some((e) => e.event.entryId === letter.id && e.event.type === 'succeeded');
    });
  });

  it('discards a dead letter, then answers 404 for it', async () => {
    const heal = path.join(dir, 'heal');
    const { rmSync } = await import('node:fs');
    rmSync(heal, { force: true });
    const letter = await deadLetterFor('fail/two');

    const first = await post(`/console/api/dlq/${letter.id}/discard`);
    const second = await post(`/console/api/dlq/${letter.id}/discard`);

    expect(first.status).toBe(200);
    expect(second.status).toBe(404);
    expect(await second.json()).toEqual({ message: `no DLQ entry "${letter.id}"` });
    expect((await json<DlqBody>('/console/api/dlq')).depth).toBe(0);
  });

  it('streams live events over SSE, after a cursor', async () => {
    // Arrange: start after everything recorded so far, so only live events arrive
    const { lastSeq } = await json<{ lastSeq: number }>('/console/api/events/recent?limit=1');
    const controller = new AbortController();
    const response = await get(`/console/api/events?after=${lastSeq}`, { signal: controller.signal });
    expect(response.headers.get('content-type')).toContain('text/event-stream');
    const reader = (response.body as ReadableStream<Uint8Array>).getReader();
    const decoder = new TextDecoder();
    let text = '';
    // Act
    await put('data/streamed.csv');
    while (
      !/"functionId":"fixture-events.onCsv"[^\n]*"type":"succeeded"|"type":"succeeded"[^\n]*"functionId":"fixture-events.onCsv"/.test(
        text,
      )
    ) {
      const { value, done } = await reader.read();
      if (done) break;
      text += decoder.decode(value);
    }
    controller.abort();
    // Assert
    const ids = [...text.matchAll(/^id: (\d+)$/gm)].map((m) => Number(m[1]));
    expect(ids.length).toBeGreaterThanOrEqual(2); // started, succeeded
    expect(ids.every((id) => id > lastSeq)).toBe(true);
    expect(text).toContain('event: invocation');
  });

  it.each([
    ['an unknown DLQ id', 'POST', '/console/api/dlq/00000000-0000-0000-0000-000000000000/redrive', 404],
    ['an unknown DLQ id (GET)', 'GET', '/console/api/dlq/nope', 404],
    ['a malformed DLQ id', 'POST', '/console/api/dlq/..%2F..%2Fetc/discard', 400],
    ['GET on a POST route', 'GET', '/console/api/dlq/abc/redrive', 405],
    ['DELETE on the overview', 'DELETE', '/console/api/overview', 405],
    ['a non-integer window', 'GET', '/console/api/buckets?hours=abc', 400],
    ['a window out of range', 'GET', '/console/api/buckets?hours=0', 400],
    ['a negative cursor', 'GET', '/console/api/events/recent?after=-1', 400],
    ['a limit too large', 'GET', '/console/api/events/recent?limit=100000', 400],
    ['an unknown function', 'GET', '/console/api/functions/nope.nope/runs', 404],
    ['csv-load when it does not run', 'GET', '/console/api/csv-loads', 404],
    ['ingest when it does not run', 'GET', '/console/api/ingest', 404],
    ['an unknown API path', 'GET', '/console/api/nothing', 404],
  ])('answers %s with %s and a message', async (_what, method, url, status) => {
    const response = await fetch(`${base}${url}`, { method });
    const body = (await response.json()) as { message: string };

    expect(response.status).toBe(status);
    expect(body.message).toEqual(expect.any(String));
    if (status === 405) expect(response.headers.get('allow')).toMatch(/^(GET|POST)/);
  });

  it('refuses a cross-site POST (CSRF) but takes one without Origin (curl)', async () => {
    const crossSite = await post('/console/api/dlq/redrive-all', { origin: 'http://evil.example' });
    const fetchSite = await post('/console/api/dlq/redrive-all', { 'sec-fetch-site': 'cross-site' });
    const curl = await post('/console/api/dlq/redrive-all');

    expect(crossSite.status).toBe(403);
    expect(fetchSite.status).toBe(403);
    expect(curl.status).toBe(200);
  });

  it('serves bucket charts, replication status and /metrics from the local metrics history', async () => {
    // Arrange: what bucket-metrics and replication write through emitMetrics in a function
    runInScope({ env: { TRIBUTARY_METRICS_FILE: runtime.paths.metrics }, guard: () => {} }, () => {
      emitMetrics('LyveCloudBucketSizes', [
        { name: 'BucketSizeBytes', value: 1024, unit: 'Bytes', dimensions: { BucketName: 'b1' } },
        { name: 'NumberOfObjects', value: 3, unit: 'Count', dimensions: { BucketName: 'b1' } },
      ]);
      emitMetrics('Tributary/Replication', [
        { name: 'ObjectsReplicated', value: 1, unit: 'Count', dimensions: { SourceBucket: 'src' } },
        { name: 'BytesReplicated', value: 500, unit: 'Bytes', dimensions: { SourceBucket: 'src' } },
        { name: 'ReplicationLatency', value: 40, unit: 'Milliseconds', dimensions: { SourceBucket: 'src' } },
      ]);
    });
    // Act
    const buckets = await json<{
      buckets: { bucket: string; points: { bytes: number; objects: number }[] }[];
    }>('/console/api/buckets?hours=24');
    const replication = await json<{ running: boolean; buckets: unknown[] }>('/console/api/replication');
    const metrics = await get('/metrics');
    const text = await metrics.text();
    // Assert
    expect(buckets.buckets).toEqual([
      { bucket: 'b1', points: [expect.objectContaining({ bytes: 1024, objects: 3 })] },
    ]);
    expect(replication.running).toBe(false);
    expect(replication.buckets).toEqual([
      expect.objectContaining({
        sourceBucket: 'src',
        objects: 1,
        bytes: 500,
        lagMs: { last: 40, avg: 40, max: 40 },
      }),
    ]);
    expect(metrics.headers.get('content-type')).toContain('text/plain; version=0.0.4');
    expect(text).toContain('lyve_cloud_bucket_sizes_bucket_size_bytes{bucket_name="b1"} 1024');
    expect(text).toContain('tributary_replication_bytes_replicated{source_bucket="src"} 500');
    expect(text).toMatch(
      /tributary_function_attempts_total\{function="fixture-events.onCsv",outcome="succeeded"\} [1-9]/,
    );
    expect(text).toMatch(/^tributary_dlq_depth 0$/m);
  });
});

describe('console auth', () => {
  let runtime: Runtime;
  let base: string;
  const basic = (user: string, password: string) =>
    `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}`;

  beforeAll(async () => {
    const workspace = makeWorkspace({
      console: { users: { admin: 's3cret' }, authSecret: 'api-auth' },
      secrets: { 'api-auth': { 'apikey:ci': 'key-123' } },
    });
    runtime = await startRuntime({
      pipelines,
      config: configFor(workspace.env),
      scheduler: false,
      invoker: false,
    });
    base = runtime.endpoints.httpUrl as string;
  });
  afterAll(async () => {
    await runtime?.close();
  });

  it.each(['/', '/console/assets/console.js', '/console/api/overview', '/metrics'])(
    'challenges an anonymous request to %s',
    async (url) => {
      const response = await fetch(`${base}${url}`);
      expect(response.status).toBe(401);
      expect(response.headers.get('www-authenticate')).toContain('Basic realm="tributary-console"');
    },
  );

  it('takes the configured user, and the API key of the auth secret', async () => {
    const user = await fetch(`${base}/console/api/overview`, {
      headers: { authorization: basic('admin', 's3cret') },
    });
    const key = await fetch(`${base}/metrics`, { headers: { 'x-api-key': 'key-123' } });
    const wrong = await fetch(`${base}/`, { headers: { authorization: basic('admin', 'nope') } });

    expect(user.status).toBe(200);
    expect(key.status).toBe(200);
    expect(wrong.status).toBe(401);
  });

  it('refuses to start when console.authSecret names no secret', async () => {
    const workspace = makeWorkspace({ console: { authSecret: 'missing' } });

    await expect(
      startRuntime({ pipelines, config: configFor(workspace.env), scheduler: false, invoker: false }),
    ).rejects.toThrow(/console.authSecret "missing" is not an object in "secrets"/);
  });

  it('leaves /healthz open', async () => {
    expect((await fetch(`${base}/healthz`)).status).toBe(200);
  });
});
