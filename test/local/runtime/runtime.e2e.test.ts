import { rmSync, writeFileSync } from 'node:fs';
import { request as httpRequest } from 'node:http';
import { createServer, type Server } from 'node:net';
import path from 'node:path';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DeleteObjectCommand, GetObjectCommand, PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { DynamoDBDocumentClient, GetCommand } from '@aws-sdk/lib-dynamodb';
import type { APIGatewayProxyEventV2, ScheduledEvent } from 'aws-lambda';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AccessNotGrantedError, ConfigError } from '../../../src/core/errors.js';
import { type Runtime, startRuntime } from '../../../src/local/runtime.js';
import { pipelines } from '../../fixtures/pipelines.js';
import { type Call, calls, configFor, makeWorkspace, runCli, s3For, until } from './helpers.js';

describe('local runtime, end to end through the real endpoints', () => {
  let runtime: Runtime;
  let s3: S3Client;
  let dir: string;
  let env: Record<string, string>;
  const of = (fn: string) => calls(dir).filter((c) => c.fn === fn);

  beforeAll(async () => {
    ({ dir, env } = makeWorkspace({ retryBaseDelayMs: 50 }));
    runtime = await startRuntime({ pipelines, config: configFor(env), pollMs: 50 });
    s3 = s3For(runtime);
  });
  afterAll(async () => {
    await runtime?.close();
    s3?.destroy();
    rmSync(dir, { recursive: true, force: true });
  });

  it('delivers an S3 event only to the functions whose bucket, event type, prefix and suffix match', async () => {
    const put = (Bucket: string, Key: string, Body: string) =>
      s3.send(new PutObjectCommand({ Bucket, Key, Body }));

    await put('fixture-inbox', 'data/report 1.csv', 'a,b\n1,2\n');
    await put('fixture-inbox', 'data/report.txt', 'wrong suffix');
    await put('fixture-inbox', 'elsewhere/report.csv', 'wrong prefix');
    await put('fixture-other', 'x.bin', 'other bucket');
    await s3.send(new DeleteObjectCommand({ Bucket: 'fixture-inbox', Key: 'data/report.txt' }));
    await until(() => of('onCsv').length === 1 && of('onOther').length === 1 && of('onRemoved').length === 1);
    await new Promise((r) => setTimeout(r, 300)); // anything misrouted would have run by now

    expect(of('onCsv')).toEqual([
      expect.objectContaining({
        key: 'data/report 1.csv',
        body: 'a,b\n1,2\n', // read back through s3Client() in the handler's scope
        eventName: 'ObjectCreated:Put',
        records: 1,
        functionName: 'fixture-events-onCsv',
      }),
    ]);
    expect((of('onCsv')[0] as Call).remainingMs).toBeGreaterThan(50_000);
    expect(of('onOther')).toEqual([expect.objectContaining({ key: 'x.bin' })]);
    expect(of('onRemoved')).toEqual([
      expect.objectContaining({ key: 'data/report.txt', eventName: 'ObjectRemoved:Delete' }),
    ]);
    expect(calls(dir).filter((c) => !['onCsv', 'onOther', 'onRemoved'].includes(c.fn))).toEqual([]);
  });

  it('retries a failing function twice, dead-letters it, and `tributary dlq redrive` runs it again', async () => {
    await s3.send(new PutObjectCommand({ Bucket: 'fixture-inbox', Key: 'fail/one.json', Body: '{}' }));
    const [letter] = await until(() => (runtime.dlq.depth() > 0 ? runtime.dlq.list() : undefined));

    expect(of('failing')).toHaveLength(3);
    expect(letter).toMatchObject({
      functionId: 'fixture-events.failing',
      attempts: 3,
      error: { name: 'RangeError', message: 'cannot process fail/one.json' },
    });
    expect(letter?.event).toMatchObject({ Records: [{ s3: { object: { key: 'fail/one.json' } } }] });

    const list = await runCli(['dlq', 'list'], env);
    expect(list.code).toBe(0);
    expect(list.stdout).toContain(letter?.id);
    expect(list.stdout).toContain('RangeError: cannot process fail/one.json');

    writeFileSync(path.join(dir, 'heal'), '');
    const redrive = await runCli(['dlq', 'redrive', '--id', letter?.id as string], env);
    expect(redrive.code).toBe(0);
    expect(redrive.stdout).toMatch(
      /redrove 1 entry to the queue; the running tributary dev \(pid \d+\) picks it up now/,
    );
    await until(() => of('failing').some((c) => c.healed === true));
    await until(() => runtime.queueDepth() === 0);

    expect(runtime.dlq.depth()).toBe(0);
    rmSync(path.join(dir, 'heal'));
  });

  it('fails a handler calling an action it is not granted with AccessNotGrantedError', async () => {
    const event = { Records: [{ eventName: 'ObjectCreated:Put', s3: { object: { key: 'sneak/x' } } }] };

    const run = runtime.invoke('fixture-events.sneaky', event);

    await expect(run).rejects.toThrow(AccessNotGrantedError);
    await expect(run).rejects.toThrow(
      'fixture-events.sneaky is not granted s3:PutObject on s3:fixture-inbox',
    );
    await expect(
      s3.send(new GetObjectCommand({ Bucket: 'fixture-inbox', Key: 'stolen.txt' })),
    ).rejects.toMatchObject({ name: 'NoSuchKey' });
  });

  it('dead-letters an S3-triggered function whose ungranted call failed, naming the error', async () => {
    await s3.send(new PutObjectCommand({ Bucket: 'fixture-inbox', Key: 'sneak/y.txt', Body: 'y' }));
    const letter = await until(() =>
      runtime.dlq.list().find((l) => l.functionId === 'fixture-events.sneaky'),
    );

    expect(letter.error).toMatchObject({
      name: 'AccessNotGrantedError',
      message:
        'fixture-events.sneaky is not granted s3:PutObject on s3:fixture-inbox: add the grant to its pipeline declaration',
    });
    expect(runtime.dlq.discard(letter.id)).toBe(true);
  });

  it('`tributary invoke` runs against the running runtime’s endpoints', async () => {
    const result = await runCli(
      ['invoke', 'fixture-events.putItem', '--event', '-'],
      env,
      '{"id":"cli-1","value":"c"}',
    );
    const again = await runtime.invoke('fixture-events.putItem', { id: 'cli-1', value: 'c' });

    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    expect(JSON.parse(result.stdout)).toEqual({
      stored: { id: 'cli-1', value: 'c' },
      otherBucketVisible: false,
    });
    expect(again).toEqual({ stored: { id: 'cli-1', value: 'c' }, otherBucketVisible: false });
  });

  it('writes table items through documentClient() in the function scope', async () => {
    const result = await runtime.invoke('fixture-events.putItem', { id: 'i-1', value: 'v' });

    expect(result).toEqual({ stored: { id: 'i-1', value: 'v' }, otherBucketVisible: false });
  });

  it('fires a schedule with an EventBridge scheduled event', async () => {
    runtime.fireSchedule('fixture-events.tick');
    const [call] = await until(() => (of('tick').length > 0 ? of('tick') : undefined));

    expect((call as unknown as { event: ScheduledEvent }).event).toMatchObject({
      version: '0',
      'detail-type': 'Scheduled Event',
      source: 'aws.events',
      account: '000000000000',
      region: 'us-east-1',
      resources: ['arn:aws:events:us-east-1:000000000000:rule/fixture-events-tick-schedule'],
      detail: {},
    });
  });

  it('answers /healthz with each component', async () => {
    const response = await fetch(`${runtime.endpoints.httpUrl}/healthz`);
    const health = (await response.json()) as Record<string, Record<string, Record<string, unknown>>>;

    expect(response.status).toBe(200);
    expect(health.status).toBe('ok');
    expect(health.components).toMatchObject({
      s3: { status: 'ok', url: runtime.endpoints.s3Url },
      dynamodb: { status: 'ok', url: runtime.endpoints.dynamodbUrl },
      queue: { status: 'ok', depth: expect.any(Number) },
      dlq: { status: 'ok', depth: 0 },
      scheduler: {
        status: 'ok',
        schedules: [
          { functionId: 'fixture-events.tick', expression: 'rate(1 minute)', nextRun: expect.any(String) },
        ],
      },
    });
    expect(health.pipelines).toEqual([
      expect.objectContaining({ name: 'fixture-events' }),
      expect.objectContaining({ name: 'fixture-api' }),
    ]);
  });

  it('serves HTTP routes as API Gateway v2 events over the real port', async () => {
    const response = await fetch(`${runtime.endpoints.httpUrl}/fixture-api/files/a/b.txt?x=1`);
    const { event } = (await response.json()) as { event: APIGatewayProxyEventV2 };

    expect(response.status).toBe(201);
    expect(event).toMatchObject({
      routeKey: 'GET /files/{proxy+}',
      rawPath: '/files/a/b.txt',
      pathParameters: { proxy: 'a/b.txt' },
      queryStringParameters: { x: '1' },
      requestContext: { http: { method: 'GET', sourceIp: '127.0.0.1' } },
    });
  });

  it('refuses a body over 10 MB with 413 over the real port', async () => {
    const response = await fetch(`${runtime.endpoints.httpUrl}/fixture-api/echo`, {
      method: 'POST',
      headers: { 'content-type': 'application/octet-stream' },
      body: Buffer.alloc(10 * 1024 * 1024 + 1),
    });

    expect(response.status).toBe(413);
  });

  /** A POST with a chunked body (no Content-Length): what streaming clients send. */
  function postChunked(url: string, chunks: number, chunkBytes: number) {
    return new Promise<{ status: number; body: string; closed: boolean }>((resolve, reject) => {
      const request = httpRequest(url, {
        method: 'POST',
        headers: { 'content-type': 'application/octet-stream' },
      });
      request.on('response', (response) => {
        let body = '';
        response.setEncoding('utf8');
        response.on('data', (chunk: string) => {
          body += chunk;
        });
        response.on('end', () =>
          resolve({
            status: response.statusCode ?? 0,
            body,
            closed: response.headers.connection === 'close',
          }),
        );
      });
      request.on('error', reject);
      const chunk = Buffer.alloc(chunkBytes, 'a');
      let sent = 0;
      const write = () => {
        while (sent < chunks) {
          sent++;
          if (!request.write(chunk)) return void request.once('drain', write);
        }
        request.end();
      };
      write();
    });
  }

  it('takes a chunked body within 10 MB whole, and refuses a longer one with 413 (not a reset)', async () => {
    const echo = `${runtime.endpoints.httpUrl}/fixture-api/echo`;
    const within = await postChunked(echo, 10, 64 * 1024);
    const over = await postChunked(echo, 11, 1024 * 1024);
    const { event } = JSON.parse(within.body) as { event: APIGatewayProxyEventV2 };

    expect(within.status).toBe(201);
    expect(Buffer.from(event.body ?? '', event.isBase64Encoded ? 'base64' : 'utf8')).toEqual(
      Buffer.alloc(10 * 64 * 1024, 'a'),
    );
    expect(over.status).toBe(413);
    expect(JSON.parse(over.body)).toEqual({ message: 'Request Entity Too Large' });
    expect(over.closed).toBe(true);
  });
});

describe('restart', () => {
  it('loses nothing: a pending retry runs after restart; objects and items survive', async () => {
    const { dir, env } = makeWorkspace({ retryBaseDelayMs: 1_000 });
    const first = await startRuntime({ pipelines, config: configFor(env), pollMs: 50 });
    const s3 = s3For(first);
    await s3.send(new PutObjectCommand({ Bucket: 'fixture-inbox', Key: 'keep/me.txt', Body: 'kept' }));
    await first.invoke('fixture-events.putItem', { id: 'kept', value: 'yes' });
    await s3.send(new PutObjectCommand({ Bucket: 'fixture-inbox', Key: 'late/job.txt', Body: 'x' }));
    await until(() => calls(dir).some((c) => c.fn === 'late'));
    await first.close();
    s3.destroy();
    const pending = first.dlq.queue.list();

    writeFileSync(path.join(dir, 'heal'), '');
    const second = await startRuntime({ pipelines, config: configFor(env), pollMs: 50 });
    try {
      await until(() => calls(dir).some((c) => c.fn === 'late' && c.healed === true));
      const s3Again = s3For(second);
      const object = await s3Again.send(
        new GetObjectCommand({ Bucket: 'fixture-inbox', Key: 'keep/me.txt' }),
      );
      const documents = DynamoDBDocumentClient.from(
        new DynamoDBClient({
          endpoint: second.endpoints.dynamodbUrl,
          region: 'us-east-1',
          credentials: {
            accessKeyId: second.config.accessKeyId,
            secretAccessKey: second.config.secretAccessKey,
          },
        }),
      );
      const item = await documents.send(new GetCommand({ TableName: 'fixture-items', Key: { id: 'kept' } }));
      await until(() => second.queueDepth() === 0);

      expect(pending).toEqual([expect.objectContaining({ functionId: 'fixture-events.late', attempts: 1 })]);
      expect(await object.Body?.transformToString()).toBe('kept');
      expect(item.Item).toEqual({ id: 'kept', value: 'yes' });
      s3Again.destroy();
      documents.destroy();
    } finally {
      await second.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('startup errors', () => {
  let blocker: Server;
  let busyPort: number;
  beforeAll(async () => {
    blocker = createServer();
    await new Promise<void>((resolve) => blocker.listen(0, '127.0.0.1', resolve));
    busyPort = (blocker.address() as { port: number }).port;
  });
  afterAll(() => new Promise<void>((resolve) => blocker.close(() => resolve())));

  it.each([['TRIBUTARY_S3_PORT'], ['TRIBUTARY_DYNAMODB_PORT'], ['TRIBUTARY_HTTP_PORT']])(
    'names the setting when %s is in use',
    async (name) => {
      const { dir, env } = makeWorkspace();

      const start = startRuntime({ pipelines, config: configFor({ ...env, [name]: String(busyPort) }) });

      await expect(start).rejects.toThrow(ConfigError);
      await expect(start).rejects.toThrow(`port ${busyPort} is in use; set ${name}`);
      rmSync(dir, { recursive: true, force: true });
    },
  );

  it('refuses to start with an invalid schedule in config', async () => {
    const { dir, env } = makeWorkspace();
    writeFileSync(
      env.TRIBUTARY_CONFIG as string,
      JSON.stringify({
        pipelines: {
          'fixture-events': { config: { RECORD_DIR: dir, TICK_SCHEDULE: 'cron(0 0 * * * *)' } },
          'fixture-api': { config: { RECORD_DIR: dir } },
        },
      }),
    );

    const start = startRuntime({ pipelines, config: configFor(env) });

    await expect(start).rejects.toThrow(/exactly one of day-of-month and day-of-week must be "\?"/);
    rmSync(dir, { recursive: true, force: true });
  });
});
