import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { gzipSync } from 'node:zlib';
import {
  CreateTableCommand,
  DeleteTableCommand,
  DynamoDBClient,
  GetItemCommand,
  ScanCommand,
} from '@aws-sdk/client-dynamodb';
import { GetObjectCommand, ListObjectsV2Command, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import type { Context } from 'aws-lambda';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runInScope } from '../../../src/core/invocation.js';
import { loadConfig } from '../../../src/local/config.js';
import { type Runtime, startRuntime } from '../../../src/local/runtime.js';
import { load } from '../../../src/pipelines/csv-load/handler.js';
import csvLoad from '../../../src/pipelines/csv-load/pipeline.js';
import type { LoadReport } from '../../../src/pipelines/csv-load/types.js';
import { isolatedRuntimeEnv } from '../../helpers/runtime-env.js';
import { REPO, runCli } from '../../local/runtime/helpers.js';

const BUCKET = 'tributary-landing';
const TABLE = 'products';

async function until<T>(probe: () => Promise<T | undefined>, timeoutMs = 20_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 50));
  }
}

describe('csv-load end to end through the local runtime', () => {
  let runtime: Runtime;
  let s3: S3Client;
  let dynamo: DynamoDBClient;
  let dir: string;
  let env: Record<string, string>;
  let notifications: string;
  const savedNotificationsFile = process.env.TRIBUTARY_NOTIFICATIONS_FILE;

  beforeAll(async () => {
    dir = mkdtempSync(path.join(os.tmpdir(), 'tributary-csv-load-'));
    notifications = path.join(dir, 'notifications.jsonl');
    // The runtime passes its environment to functions; this is the local notification log.
    process.env.TRIBUTARY_NOTIFICATIONS_FILE = notifications;
    writeFileSync(
      path.join(dir, 'tributary.config.json'),
      JSON.stringify({
        retryBaseDelayMs: 50,
        pipelines: { 'csv-load': { config: { INFER_TYPES: 'true', CHECKPOINT_RESERVE_SECONDS: '5' } } },
      }),
    );
    env = {
      TRIBUTARY_CONFIG: path.join(dir, 'tributary.config.json'),
      ...isolatedRuntimeEnv(path.join(dir, 'state')),
    };
    const config = loadConfig({ pipelines: [csvLoad], env, cwd: REPO });
    runtime = await startRuntime({
      pipelines: [csvLoad],
      config,
      gateway: false,
      scheduler: false,
      pollMs: 50,
    });
    const credentials = { accessKeyId: config.accessKeyId, secretAccessKey: config.secretAccessKey };
    s3 = new S3Client({
      endpoint: runtime.endpoints.s3Url,
      region: config.region,
      forcePathStyle: true,
      credentials,
    });
    dynamo = new DynamoDBClient({
      endpoint: runtime.endpoints.dynamodbUrl,
      region: config.region,
      credentials,
    });
  });
  afterAll(async () => {
    await runtime?.close();
    s3?.destroy();
    dynamo?.destroy();
    if (savedNotificationsFile === undefined) delete process.env.TRIBUTARY_NOTIFICATIONS_FILE;
    else process.env.TRIBUTARY_NOTIFICATIONS_FILE = savedNotificationsFile;
    rmSync(dir, { recursive: true, force: true });
  });

  const put = (Key: string, Body: string | Buffer) =>
    s3.send(new PutObjectCommand({ Bucket: BUCKET, Key, Body }));
  const text = async (Key: string) =>
    (await s3.send(new GetObjectCommand({ Bucket: BUCKET, Key }))).Body?.transformToString() ?? '';
  const reportOf = (key: string) => text(`reports/${key}.json`).then((t) => JSON.parse(t) as LoadReport);
  /** Waits for a report newer than `after`. */
  const reportAfter = (key: string, after: number) =>
    until(async () => {
      const report = await reportOf(key).catch(() => undefined);
      return report && Date.parse(report.finishedAt) >= after ? report : undefined;
    });
  const item = (id: string) =>
    dynamo.send(new GetItemCommand({ TableName: TABLE, Key: { ID: { S: id } } })).then((r) => r.Item);
  const notes = () =>
    readFileSync(notifications, 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { subject: string; message: string });

  it('loads every row of a landed file, reports invalid rows, and notifies PARTIAL', async () => {
    const key = 'data/spring products.csv'; // a space: the event carries it URL-encoded
    const rows = Array.from({ length: 60 }, (_, i) => `P${i},Widget ${i},${i}.10,${i % 2 === 0}`);
    const body = `\ufeffID,name,price,in_stock\r\n${rows.join('\r\n')}\r\nP60,short row\r\n,no key,1,true\r\nP61,"big, ""exact""",12345678901234567890.123456789,false\r\n`;
    const before = Date.now();

    await put(key, body);
    const report = await reportAfter(key, before);

    expect(report).toMatchObject({
      status: 'PARTIAL',
      source: { bucket: BUCKET, key },
      table: TABLE,
      rowsRead: 63,
      rowsWritten: 61,
      rowsInvalid: 2,
      invocations: 1,
      columns: ['ID', 'name', 'price', 'in_stock'],
    });
    expect(report.invalidSample).toEqual([
      { line: 62, reason: 'expected 4 columns, got 2', raw: 'P60,short row' },
      { line: 63, reason: 'key column ID is empty', raw: ',no key,1,true' },
    ]);
    expect(await item('P61')).toEqual({
      ID: { S: 'P61' },
      name: { S: 'big, "exact"' },
      price: { N: '12345678901234567890.123456789' },
      in_stock: { BOOL: false },
    });
    // DynamoDB (and dynalite) store numbers normalised: 0.10 → 0.1, same value.
    expect(await item('P0')).toMatchObject({ price: { N: '0.1' }, in_stock: { BOOL: true } });

    const [invalidFile] = report.invalidRecords;
    expect(invalidFile).toMatch(/^invalid-records\/data\/spring products\.csv\/[0-9a-f-]+\.jsonl$/);
    const lines = (await text(invalidFile as string))
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    expect(lines.map((l) => l.line)).toEqual([62, 63]);

    const note = notes().find((n) => n.subject === `csv-load PARTIAL: ${key}`);
    expect(note?.message).toContain('61/63 rows written, 2 invalid');
  });

  it('reloads the same file idempotently: same items, report overwritten', async () => {
    const key = 'data/reload.csv';
    const body = 'ID,v\nR1,1\nR2,2\nR1,3\n';
    await put(key, body);
    const first = await reportAfter(key, 0);
    const before = Date.now();
    await put(key, body);
    const second = await reportAfter(key, before);

    expect(first).toMatchObject({ status: 'SUCCEEDED', rowsRead: 3, rowsWritten: 3, rowsCollapsed: 1 });
    expect(second).toMatchObject({ status: 'SUCCEEDED', rowsRead: 3, rowsWritten: 3 });
    expect(second.finishedAt > first.finishedAt).toBe(true);
    expect(await item('R1')).toEqual({ ID: { S: 'R1' }, v: { N: '3' } });
  });

  it('rejects a file without the key column whole: FAILED report, nothing written, no retries', async () => {
    const key = 'data/no-key.csv';
    await put(key, 'SKU,name\nNK1,a\nNK2,b\n');
    const report = await reportAfter(key, 0);

    expect(report).toMatchObject({ status: 'FAILED', rowsRead: 0, rowsWritten: 0 });
    expect(report.error).toBe('file rejected: the key column ID is not in the header (columns: SKU, name)');
    expect(await item('NK1')).toBeUndefined();
    expect(notes().some((n) => n.subject === `csv-load FAILED: ${key}`)).toBe(true);
    expect(runtime.dlq.list().filter((l) => JSON.stringify(l.event).includes('no-key'))).toEqual([]);
  });

  it('loads .csv.gz and ignores objects outside the prefix or suffix', async () => {
    const rows = Array.from({ length: 500 }, (_, i) => `G${i},${i}`).join('\n');
    await put('data/zipped.csv.gz', gzipSync(`ID,n\n${rows}\n`));
    await put('elsewhere/x.csv', 'ID\nX1\n');
    await put('data/x.txt', 'ID\nX2\n');
    const report = await reportAfter('data/zipped.csv.gz', 0);

    expect(report).toMatchObject({ status: 'SUCCEEDED', rowsRead: 500, rowsWritten: 500 });
    expect(await item('G499')).toEqual({ ID: { S: 'G499' }, n: { N: '499' } });
    const reports = await s3.send(new ListObjectsV2Command({ Bucket: BUCKET, Prefix: 'reports/' }));
    expect(reports.Contents?.map((c) => c.Key)).not.toContain('reports/elsewhere/x.csv.json');
    expect(await item('X1')).toBeUndefined();
    expect(await item('X2')).toBeUndefined();
  });

  it('checkpoints when time runs low, and the checkpoint object invokes the continuation', async () => {
    const key = 'data/large.csv';
    const rows = Array.from({ length: 2000 }, (_, i) => `L${i},"row ${i}"`).join('\n');
    await s3.send(
      new PutObjectCommand({ Bucket: BUCKET, Key: 'staging/large.csv', Body: `ID,label\n${rows}\n` }),
    );
    await put(key, `ID,label\n${rows}\n`);
    // The runtime loads it once on its own; wait for that, then run a short-on-time invocation by hand.
    await reportAfter(key, 0);
    const fn = runtime.functions.get('csv-load.load');
    let asked = 0;
    const context = {
      awsRequestId: 'short-on-time',
      getRemainingTimeInMillis: () => (++asked <= 2 ? 60_000 : 1_000),
    } as unknown as Context;
    const event = {
      Records: [
        {
          eventName: 'ObjectCreated:Put',
          s3: { bucket: { name: BUCKET }, object: { key: 'data/large.csv' } },
        },
      ],
    };
    const before = Date.now();

    const results = await runInScope({ env: fn?.env ?? {}, ...(fn ? { guard: fn.guard } : {}) }, () =>
      load(event as never, context),
    );

    expect(results).toEqual([
      { key, outcome: 'checkpointed', checkpoint: 'checkpoints/data/large.csv.json', rowsRead: 768 },
    ]);
    const report = await reportAfter(key, before);
    expect(report).toMatchObject({ status: 'SUCCEEDED', rowsRead: 2000, rowsWritten: 2000, invocations: 2 });
    await until(async () =>
      (await s3.send(new ListObjectsV2Command({ Bucket: BUCKET, Prefix: 'checkpoints/' }))).KeyCount === 0
        ? true
        : undefined,
    );
  });

  it('retries a load that cannot write twice, dead-letters it, and `tributary dlq redrive` loads it', async () => {
    await dynamo.send(new DeleteTableCommand({ TableName: TABLE }));
    const key = 'data/redrive.csv';
    await put(key, 'ID,v\nD1,1\nD2,2\n');
    const [letter] = await until(async () => {
      const letters = runtime.dlq.list().filter((l) => JSON.stringify(l.event).includes('redrive.csv'));
      return letters.length > 0 ? letters : undefined;
    });
    expect(letter).toMatchObject({ functionId: 'csv-load.load', attempts: 3 });
    const failed = await reportOf(key);
    expect(failed).toMatchObject({ status: 'FAILED', rowsWritten: 0 });
    expect(failed.error).toMatch(/^load failed: .*(not found|non-existent)/i);

    await dynamo.send(
      new CreateTableCommand({
        TableName: TABLE,
        AttributeDefinitions: [{ AttributeName: 'ID', AttributeType: 'S' }],
        KeySchema: [{ AttributeName: 'ID', KeyType: 'HASH' }],
        BillingMode: 'PAY_PER_REQUEST',
      }),
    );
    const before = Date.now();
    const redrive = await runCli(['dlq', 'redrive', '--id', letter?.id as string], {
      ...env,
      TRIBUTARY_PIPELINES: path.join(REPO, 'test/pipelines/csv-load/fixture-pipelines.ts'),
    });
    expect(redrive.code).toBe(0);

    const report = await reportAfter(key, before);
    expect(report).toMatchObject({ status: 'SUCCEEDED', rowsWritten: 2 });
    const scan = await dynamo.send(new ScanCommand({ TableName: TABLE }));
    expect(scan.Items?.map((i) => i.ID?.S).sort()).toEqual(['D1', 'D2']);
  });
});
