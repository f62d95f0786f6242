import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { AccessNotGrantedError } from '../../../src/core/errors.js';
import { createLogger } from '../../../src/core/logger.js';
import { loadConfig } from '../../../src/local/config.js';
import { findFunction, resolveFunctions } from '../../../src/local/runtime/functions.js';
import { FunctionTimeoutError, invokeFunction } from '../../../src/local/runtime/invoke.js';
import { AsyncInvoker, MAX_ATTEMPTS } from '../../../src/local/runtime/invoker.js';
import { DeadLetterQueue } from '../../../src/local/runtime/queue.js';
import { prepareStateDir } from '../../../src/local/state.js';
import { pipelines } from '../../fixtures/pipelines.js';

let root: string;
beforeEach(() => {
  root = mkdtempSync(path.join(os.tmpdir(), 'tributary-invoker-'));
});
afterEach(() => rmSync(root, { recursive: true, force: true }));

/** Functions resolved as the runtime would, with endpoints nobody listens on (these handlers make no SDK calls). */
function setup(overrides: { retryBaseDelayMs?: number; concurrency?: number; pollMs?: number } = {}) {
  writeFileSync(
    path.join(root, 'tributary.config.json'),
    JSON.stringify({
      retryBaseDelayMs: overrides.retryBaseDelayMs ?? 20,
      concurrency: overrides.concurrency ?? 4,
      pipelines: {
        'fixture-events': { config: { RECORD_DIR: root }, resources: { inbox: 'renamed-inbox' } },
        'fixture-api': { config: { RECORD_DIR: root } },
      },
    }),
  );
  const config = loadConfig({ pipelines, env: {}, cwd: root });
  const paths = prepareStateDir(config.stateDir, { 'api-token': { token: 't' } });
  const functions = resolveFunctions({
    pipelines,
    config,
    paths,
    endpoints: { s3Url: 'http://127.0.0.1:9', dynamodbUrl: 'http://127.0.0.1:9' },
  });
  const dlq = new DeadLetterQueue(paths.dlq, paths.queue);
  const invoker = new AsyncInvoker({
    functions,
    queueDir: paths.queue,
    dlq,
    region: config.region,
    retryBaseDelayMs: config.retryBaseDelayMs,
    concurrency: config.concurrency,
    pollMs: overrides.pollMs ?? 20,
    logger: createLogger('test'),
  });
  return { config, paths, functions, dlq, invoker };
}

const calls = () =>
  existsSync(path.join(root, 'calls.jsonl'))
    ? readFileSync(path.join(root, 'calls.jsonl'), 'utf8')
        .trim()
        .split('\n')
        .map((line) => JSON.parse(line) as Record<string, unknown>)
    : [];

async function until<T>(probe: () => T | undefined | false, timeoutMs = 10_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = probe();
    if (value) return value;
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 20));
  }
}

const s3Event = (key: string) => ({ Records: [{ eventName: 'ObjectCreated:Put', s3: { object: { key } } }] });

describe('function scope', () => {
  it('gives a function its config, granted resource names, endpoints and local credentials only', () => {
    const { functions, paths } = setup();

    const onCsv = findFunction(functions, 'fixture-events.onCsv');
    const putItem = findFunction(functions, 'fixture-events.putItem');

    expect(onCsv.env).toMatchObject({
      RECORD_DIR: root,
      INBOX_BUCKET: 'renamed-inbox',
      AWS_ENDPOINT_URL_S3: 'http://127.0.0.1:9',
      AWS_ENDPOINT_URL_DYNAMODB: 'http://127.0.0.1:9',
      AWS_ACCESS_KEY_ID: 'tributary',
      AWS_SECRET_ACCESS_KEY: 'tributary-local-secret',
      AWS_REGION: 'us-east-1',
      S3_FORCE_PATH_STYLE: 'true',
      TRIBUTARY_SECRETS_FILE: paths.secrets,
    });
    expect(onCsv.env.OTHER_BUCKET).toBeUndefined();
    expect(onCsv.env.ITEMS_TABLE).toBeUndefined();
    expect(putItem.env.ITEMS_TABLE).toBe('fixture-items');
  });

  it('guards actions by grant and physical name', () => {
    const { functions } = setup();
    const onCsv = findFunction(functions, 'fixture-events.onCsv');
    const putItem = findFunction(functions, 'fixture-events.putItem');

    expect(() => onCsv.guard('s3:GetObject', { service: 's3', name: 'renamed-inbox' })).not.toThrow();
    expect(() => onCsv.guard('s3:ListBucket', { service: 's3', name: 'renamed-inbox' })).not.toThrow();
    expect(() => onCsv.guard('s3:PutObject', { service: 's3', name: 'renamed-inbox' })).toThrow(
      AccessNotGrantedError,
    );
    expect(() => onCsv.guard('s3:GetObject', { service: 's3', name: 'fixture-inbox' })).toThrow(
      /fixture-events.onCsv is not granted s3:GetObject on s3:fixture-inbox/,
    );
    expect(() => onCsv.guard('cloudwatch:PutMetricData', { service: 'cloudwatch', name: '*' })).toThrow(
      AccessNotGrantedError,
    );
    expect(() =>
      putItem.guard('dynamodb:PutItem', { service: 'dynamodb', name: 'fixture-items' }),
    ).not.toThrow();
    expect(() =>
      putItem.guard('cloudwatch:PutMetricData', { service: 'cloudwatch', name: '*' }),
    ).not.toThrow();
  });

  it('names the known functions for an unknown id', () => {
    const { functions } = setup();

    expect(() => findFunction(functions, 'fixture-events.nope')).toThrow(
      /unknown function "fixture-events.nope"; known functions: fixture-api.boom, fixture-api.echo, .*fixture-events.tick/,
    );
  });
});

describe('invokeFunction', () => {
  it('fails an attempt that runs past the timeout', async () => {
    const { functions, config } = setup();

    const run = invokeFunction(findFunction(functions, 'fixture-events.slow'), {}, { region: config.region });

    await expect(run).rejects.toThrow(FunctionTimeoutError);
    await expect(run).rejects.toThrow('Task timed out after 1.00 seconds');
  });

  it('passes a Lambda context', async () => {
    const { functions, config } = setup();
    const fn = findFunction(functions, 'fixture-api.echo');

    const result = (await invokeFunction(
      fn,
      { rawPath: '/x' },
      { region: config.region, requestId: 'req-1' },
    )) as {
      headers: Record<string, string>;
    };

    expect(result.headers['x-function']).toBe('fixture-api-echo');
  });
});

describe('AsyncInvoker', () => {
  it('retries a failing function twice with backoff, then moves it to the DLQ with its errors', async () => {
    const { invoker, dlq } = setup({ retryBaseDelayMs: 50 });
    invoker.start();

    const entry = await invoker.enqueue('fixture-events.failing', s3Event('fail/a.txt'));
    const [letter] = await until(() => (dlq.depth() > 0 ? dlq.list() : undefined));
    await invoker.stop(1_000);

    expect(calls().filter((c) => c.fn === 'failing')).toHaveLength(MAX_ATTEMPTS);
    expect(letter).toMatchObject({
      id: entry.id,
      functionId: 'fixture-events.failing',
      attempts: 3,
      event: s3Event('fail/a.txt'),
      error: { name: 'RangeError', message: 'cannot process fail/a.txt' },
    });
    expect(letter?.errors).toHaveLength(3);
    expect(letter?.error.stack).toContain('RangeError: cannot process fail/a.txt');
    const gaps = (letter?.errors ?? []).map((e) => Date.parse(e.at));
    expect((gaps[1] as number) - (gaps[0] as number)).toBeGreaterThanOrEqual(50);
    expect((gaps[2] as number) - (gaps[1] as number)).toBeGreaterThanOrEqual(100);
    expect(invoker.depth()).toBe(0);
  });

  it('runs each entry once while its poll races the enqueue that is still writing it', async () => {
    const { invoker } = setup({ pollMs: 1, concurrency: 16 });
    invoker.start();

    const keys = Array.from({ length: 200 }, (_, i) => `k/${i}`);
    for (let i = 0; i < keys.length; i += 8) {
      await Promise.all(
        keys.slice(i, i + 8).map((key) => invoker.enqueue('fixture-events.onOther', s3Event(key))),
      );
    }
    await until(() => invoker.depth() === 0 && invoker.stats.inFlight === 0);
    await new Promise((r) => setTimeout(r, 50));
    await invoker.stop(1_000);

    const handled = calls().map((c) => c.key as string);
    expect(handled.sort()).toEqual([...keys].sort());
  });

  it('runs a redriven entry again and removes it on success', async () => {
    const { invoker, dlq } = setup();
    invoker.start();
    await invoker.enqueue('fixture-events.failing', s3Event('fail/b.txt'));
    await until(() => dlq.depth() > 0);

    writeFileSync(path.join(root, 'heal'), '');
    dlq.redrive();
    await until(() => calls().some((c) => c.fn === 'failing' && c.healed === true));
    await until(() => invoker.depth() === 0);
    await invoker.stop(1_000);

    expect(dlq.depth()).toBe(0);
    expect(invoker.stats.succeeded).toBe(1);
  });

  it('records a timeout as the attempt error', async () => {
    const { invoker, dlq } = setup({ retryBaseDelayMs: 0 });
    invoker.start();

    await invoker.enqueue('fixture-events.slow', s3Event('slow/x'));
    const [letter] = await until(() => (dlq.depth() > 0 ? dlq.list() : undefined), 20_000);
    await invoker.stop(2_000);

    expect(letter?.error).toMatchObject({
      name: 'TimeoutError',
      message: 'Task timed out after 1.00 seconds',
    });
  });

  it('keeps at most `concurrency` invocations of a function in flight', async () => {
    const { invoker } = setup({ concurrency: 2 });
    for (let i = 0; i < 5; i++) await invoker.enqueue('fixture-events.slow', s3Event(`slow/${i}`));

    invoker.start();
    await until(() => calls().length >= 2);
    await new Promise((r) => setTimeout(r, 300));
    const startedEarly = calls().filter((c) => c.fn === 'slow').length;
    await invoker.stop(5_000);

    expect(startedEarly).toBe(2);
  });

  it('leaves an entry queued for a function that is not running', async () => {
    const { invoker } = setup();
    invoker.queue.put({
      id: '11111111-1111-1111-1111-111111111111',
      functionId: 'removed.fn',
      event: {},
      attempts: 0,
      firstReceivedAt: new Date().toISOString(),
      nextAttemptAt: new Date().toISOString(),
      errors: [],
    });

    invoker.start();
    await new Promise((r) => setTimeout(r, 100));
    await invoker.stop(100);

    expect(invoker.depth()).toBe(1);
  });
});
