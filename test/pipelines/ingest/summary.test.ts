import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import {
  type AttributeValue,
  BatchWriteItemCommand,
  type BatchWriteItemCommandOutput,
  DeleteItemCommand,
  DynamoDBClient,
  type WriteRequest,
} from '@aws-sdk/client-dynamodb';
import { GetObjectCommand, HeadObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { UsageError } from '../../../src/core/errors.js';
import { runInScope } from '../../../src/core/invocation.js';
import { type DynamoServer, startDynamoServer } from '../../../src/local/dynamodb/index.js';
import {
  LOCAL_ACCESS_KEY_ID,
  LOCAL_SECRET_ACCESS_KEY,
  type S3Server,
  startS3Server,
} from '../../../src/local/s3/index.js';
import { type SummaryEvent, summary } from '../../../src/pipelines/ingest/handler.js';
import pipeline from '../../../src/pipelines/ingest/pipeline.js';
import { runWeeklySummary, type WeekSummary } from '../../../src/pipelines/ingest/summary.js';
import { parseIsoWeek } from '../../../src/pipelines/ingest/week.js';

const TABLE = pipeline.resources.records;
const BUCKET = pipeline.resources.summaries.name;
const credentials = { accessKeyId: LOCAL_ACCESS_KEY_ID, secretAccessKey: LOCAL_SECRET_ACCESS_KEY };

let dir: string;
let dynamo: DynamoServer;
let s3Server: S3Server;
let db: DynamoDBClient;
let s3: S3Client;
let env: Record<string, string>;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'ingest-summary-'));
  [dynamo, s3Server] = await Promise.all([
    startDynamoServer(),
    startS3Server({ dataDir: join(dir, 's3'), credentials: [credentials] }),
  ]);
  await dynamo.ensureTable(TABLE);
  await s3Server.createBucket(BUCKET);
  db = new DynamoDBClient({ endpoint: dynamo.url, region: 'us-east-1', credentials });
  s3 = new S3Client({ endpoint: s3Server.url, region: 'us-east-1', credentials, forcePathStyle: true });
  env = {
    AWS_REGION: 'us-east-1',
    AWS_ACCESS_KEY_ID: LOCAL_ACCESS_KEY_ID,
    AWS_SECRET_ACCESS_KEY: LOCAL_SECRET_ACCESS_KEY,
    AWS_ENDPOINT_URL_DYNAMODB: dynamo.url,
    AWS_ENDPOINT_URL_S3: s3Server.url,
    S3_FORCE_PATH_STYLE: 'true',
    TABLE_NAME: TABLE.name,
    SUMMARY_BUCKET: BUCKET,
    SUMMARY_SEGMENTS: '3',
  };
});

afterAll(async () => {
  db?.destroy();
  s3?.destroy();
  await Promise.all([dynamo?.close(), s3Server?.close()]);
  await rm(dir, { recursive: true, force: true });
});

type Item = Record<string, AttributeValue>;

async function seed(items: Item[]): Promise<void> {
  for (let i = 0; i < items.length; i += 25) {
    const batch = items.slice(i, i + 25).map((Item) => ({ PutRequest: { Item } }));
    let pending: WriteRequest[] | undefined = batch;
    while (pending && pending.length > 0) {
      const out: BatchWriteItemCommandOutput = await db.send(
        new BatchWriteItemCommand({ RequestItems: { [TABLE.name]: pending } }),
      );
      pending = out.UnprocessedItems?.[TABLE.name];
    }
  }
}

const record = (id: string, receivedAt: string | undefined, extra: Item = {}) => ({
  Id: { S: id },
  ...(receivedAt ? { receivedAt: { S: receivedAt } } : {}),
  ...extra,
});

async function getObject(key: string): Promise<{ body: Buffer; metadata: Record<string, string> }> {
  const out = await s3.send(new GetObjectCommand({ Bucket: BUCKET, Key: key }));
  return {
    body: Buffer.from(
      await (out.Body as { transformToByteArray(): Promise<Uint8Array> }).transformToByteArray(),
    ),
    metadata: out.Metadata ?? {},
  };
}

const exportLines = async (week: string) =>
  gunzipSync((await getObject(`summaries/${week}/export.jsonl.gz`)).body)
    .toString('utf8')
    .split('\n')
    .filter(Boolean);
const summaryJson = async (week: string) =>
  JSON.parse((await getObject(`summaries/${week}/summary.json`)).body.toString('utf8')) as WeekSummary;

const run = (event: SummaryEvent, overrides: Record<string, string> = {}) =>
  runInScope({ env: { ...env, ...overrides } }, () => summary(event));

describe('weekly summary', () => {
  beforeAll(async () => {
    // 2026-W47 is Monday 2026-11-16 to Monday 2026-11-23 (UTC).
    const inWeek = Array.from({ length: 240 }, (_, i) => {
      const day = 16 + (i % 7);
      const at = `2026-11-${day}T${String(i % 24).padStart(2, '0')}:00:00.000Z`;
      return record(`w47-${i}`, at, {
        temp: { N: String(i % 2 === 0 ? i : -i) },
        site: { S: `s${i % 3}` },
        ...(i === 0 ? { exact: { N: '12345678901234567890.123456789' } } : {}),
      });
    });
    await seed([
      ...inWeek,
      record('before', '2026-11-15T23:59:59.999Z'),
      record('after', '2026-11-23T00:00:00.000Z'),
      record('no-time', undefined),
    ]);
  });

  it('exports exactly the records received in the week, as plain JSON with exact numbers', async () => {
    // Act
    const result = await run({ week: '2026-W47' });
    // Assert
    expect(result).toMatchObject({
      week: '2026-W47',
      recordCount: 240,
      exportKey: 'summaries/2026-W47/export.jsonl.gz',
      summaryKey: 'summaries/2026-W47/summary.json',
    });
    const lines = await exportLines('2026-W47');
    expect(lines).toHaveLength(240);
    const ids = lines.map((l) => (JSON.parse(l) as { Id: string }).Id).sort();
    expect(ids).toEqual(Array.from({ length: 240 }, (_, i) => `w47-${i}`).sort());
    const first = lines.find((l) => l.includes('"w47-0"'));
    expect(first).toMatch(/"exact":12345678901234567890\.123456789[,}]/);
    expect(first).not.toMatch(/"S":|"N":/);
  });

  it('writes summary.json with counts per day, times, field presence and numeric stats', async () => {
    // Act
    await run({ week: '2026-W47' });
    const s = await summaryJson('2026-W47');
    // Assert
    expect(s.recordCount).toBe(240);
    expect(s.from).toBe('2026-11-16T00:00:00.000Z');
    expect(s.to).toBe('2026-11-23T00:00:00.000Z');
    expect(Object.values(s.recordsPerDay).reduce((a, b) => a + b, 0)).toBe(240);
    expect(Object.keys(s.recordsPerDay)).toHaveLength(7);
    expect(s.recordsPerDay['2026-11-16']).toBe(35);
    expect(s.firstReceivedAt).toBe('2026-11-16T00:00:00.000Z');
    expect(s.lastReceivedAt).toBe('2026-11-22T23:00:00.000Z');
    expect(s.fields.Id).toEqual({ present: 240 });
    expect(s.fields.exact?.present).toBe(1);
    expect(s.fields.temp?.numeric).toMatchObject({ count: 240, min: -239, max: 238 });
    expect(s.fields.site).toEqual({ present: 240 });
    expect(s.scan.segments).toBe(3);
    expect(s.scan.scannedItems).toBe(243);
  });

  it('replaces the week on a re-run, and summary.json names the export it belongs to', async () => {
    // Arrange
    await run({ week: '2026-W47' });
    await db.send(new DeleteItemCommand({ TableName: TABLE.name, Key: { Id: { S: 'w47-5' } } }));
    // Act
    await run({ week: '2026-W47' });
    // Assert
    const s = await summaryJson('2026-W47');
    const exported = await getObject('summaries/2026-W47/export.jsonl.gz');
    expect(s.recordCount).toBe(239);
    expect(await exportLines('2026-W47')).toHaveLength(239);
    expect(exported.metadata['run-id']).toBe(s.export.runId);
    expect(exported.body.length).toBe(s.export.bytes);
    await seed([record('w47-5', '2026-11-21T05:00:00.000Z')]);
  });

  it('leaves the previous files in place when a run fails', async () => {
    // Arrange
    await run({ week: '2026-W47' });
    const before = await summaryJson('2026-W47');
    // Act: the table is missing, so the scan fails after the upload has started
    const failing = run({ week: '2026-W47' }, { TABLE_NAME: 'no-such-table' });
    // Assert
    await expect(failing).rejects.toThrow(/non-existent table|not found|ResourceNotFound/i);
    const after = await summaryJson('2026-W47');
    expect(after.export.runId).toBe(before.export.runId);
    expect(await exportLines('2026-W47')).toHaveLength(before.recordCount);
  });

  it('on a scheduled event summarises the last complete week before the event time', async () => {
    // Act: EventBridge fires Monday 2026-11-23 00:00 UTC
    const result = await run({ time: '2026-11-23T00:00:00Z' });
    // Assert
    expect(result.week).toBe('2026-W47');
  });

  it('writes an empty export and zero counts for a week without records', async () => {
    const result = await run({ week: '2026-W10' });
    expect(result.recordCount).toBe(0);
    expect(await exportLines('2026-W10')).toEqual([]);
    expect((await summaryJson('2026-W10')).recordsPerDay['2026-03-02']).toBe(0);
  });

  it.each([
    [{ week: '2026-47' }, /week must look like 2026-W47/],
    [{ week: '2026-W54' }, /does not exist/],
    [{ time: 'not a time' }, /event time "not a time" is not a date/],
  ])('refuses %j', async (event, message) => {
    await expect(run(event)).rejects.toThrow(UsageError);
    await expect(run(event)).rejects.toThrow(message);
  });

  it('refuses to run with an invalid schedule in config', async () => {
    await expect(run({ week: '2026-W47' }, { SUMMARY_SCHEDULE: 'rate(7 minute)' })).rejects.toThrow(
      /SUMMARY_SCHEDULE: invalid schedule "rate\(7 minute\)"/,
    );
  });
});

describe('a large export', () => {
  it('streams through a multipart upload, part by part', async () => {
    // Arrange: about 9 MB of incompressible text in another week, so the export needs two 5 MiB parts
    const week = parseIsoWeek('2026-W30');
    const items = Array.from({ length: 6000 }, (_, i) =>
      record(`big-${i}`, new Date(week.start.getTime() + i * 60_000).toISOString(), {
        blob: { S: randomBytes(1100).toString('base64') },
      }),
    );
    await seed(items);
    // Act
    const result = await runWeeklySummary({
      dynamo: db,
      s3,
      table: TABLE.name,
      bucket: BUCKET,
      week,
      segments: 4,
      partSize: 5 * 1024 * 1024,
    });
    // Assert
    expect(result.recordCount).toBe(6000);
    expect(result.export.bytes).toBeGreaterThan(5 * 1024 * 1024);
    const head = await s3.send(new HeadObjectCommand({ Bucket: BUCKET, Key: result.export.key }));
    expect(head.ETag).toMatch(/-2"$/);
    expect(head.ContentLength).toBe(result.export.bytes);
    expect(await exportLines('2026-W30')).toHaveLength(6000);
  });
});
