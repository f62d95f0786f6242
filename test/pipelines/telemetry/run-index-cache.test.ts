/**
 * The run index's per-instance search cache, against the embedded DynamoDB endpoint: writes
 * through any RunIndex of the instance show at once, other writers within the max age.
 */
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, PutCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { physicalName } from '../../../src/local/config.js';
import telemetry from '../../../src/pipelines/telemetry/pipeline.js';
import { RunIndex } from '../../../src/pipelines/telemetry/run-index.js';
import { type RunRecord, runRecord } from '../../../src/pipelines/telemetry/run-record.js';
import { auth, runFolder, startTelemetry, type TelemetryRuntime, telemetryDoc } from './helpers.js';

let rt: TelemetryRuntime;
let base: DynamoDBClient;
/** This instance's client (the handler keeps one per endpoint). */
let doc: DynamoDBDocumentClient;
/** Another client of the same endpoint: another function in this process, or (writing around
 * RunIndex) another instance such as a CLI process. */
let other: DynamoDBDocumentClient;
let otherBase: DynamoDBClient;
let table: string;

const record = (group: string, ts: number, tag = 'nightly'): RunRecord =>
  runRecord(group, runFolder(ts, undefined, tag), telemetryDoc() as never, {
    receivedAt: new Date(ts * 1000),
    bytes: 100,
  });
const runsOf = async (index: RunIndex, group: string | undefined, maxAge = 60) =>
  (await index.searchable(group, maxAge)).map((r) => r.run).sort();

beforeAll(async () => {
  rt = await startTelemetry({ RATE_LIMIT_PER_SECOND: '0', IP_RATE_LIMIT_PER_SECOND: '0' });
  const { config } = rt.runtime;
  const client = () =>
    new DynamoDBClient({
      endpoint: rt.runtime.endpoints.dynamodbUrl,
      region: config.region,
      credentials: { accessKeyId: config.accessKeyId, secretAccessKey: config.secretAccessKey },
    });
  base = client();
  otherBase = client();
  doc = DynamoDBDocumentClient.from(base, { marshallOptions: { removeUndefinedValues: true } });
  other = DynamoDBDocumentClient.from(otherBase, { marshallOptions: { removeUndefinedValues: true } });
  table = physicalName(config, telemetry, 'index');
});

afterAll(async () => {
  base?.destroy();
  otherBase?.destroy();
  await rt?.close();
});

describe('RunIndex.searchable', () => {
  it('reads only the attributes search needs', async () => {
    const index = new RunIndex(doc, table);
    await index.putRun(record('projection', 1_700_000_000));
    await index.putFile('projection', runFolder(1_700_000_000, undefined, 'nightly'), 'a.tar', {
      size: 7,
      modified: '',
    });
    const [run] = await index.searchable('projection', 60);
    expect(Object.keys(run ?? {}).sort()).toEqual(
      [
        'cloud_type',
        'cluster_version',
        'files',
        'group',
        'job_status',
        'run',
        'run_tag',
        'run_time',
        'run_uuid',
        'scenarios',
      ].sort(),
    );
    expect(run?.files?.['a.tar']?.size).toBe(7);
  });

  it("shows this instance's writes at once, through any RunIndex and client (putRun, putFile, deleteRun)", async () => {
    const api = new RunIndex(doc, table);
    // The upload indexer runs in the same process with a client (and credentials) of its own.
    const indexer = new RunIndex(other, table);
    await api.putRun(record('same', 1_700_000_000));
    expect(await runsOf(api, 'same')).toHaveLength(1);
    const all = (await runsOf(api, undefined)).length;

    await new RunIndex(doc, table).putRun(record('same', 1_700_000_600, 'canary'));
    expect(await runsOf(api, 'same')).toHaveLength(2);
    expect(await runsOf(api, undefined)).toHaveLength(all + 1);

    const run = runFolder(1_700_000_600, undefined, 'canary');
    await indexer.putFile('same', run, 'prometheus-00.tar', { size: 42, modified: '' });
    const found = (await api.searchable('same', 60)).find((r) => r.run === run);
    expect(found?.files?.['prometheus-00.tar']?.size).toBe(42);

    await indexer.deleteRun('same', run);
    expect(await runsOf(api, 'same')).toEqual([runFolder(1_700_000_000, undefined, 'nightly')]);
    expect(await runsOf(api, undefined)).toHaveLength(all);
  });

  it("shows another instance's writes once the max age has passed; 0 reads every time", async () => {
    const index = new RunIndex(doc, table);
    await index.putRun(record('elsewhere', 1_700_000_000));
    expect(await runsOf(index, 'elsewhere', 60)).toHaveLength(1);
    await other.send(new PutCommand({ TableName: table, Item: record('elsewhere', 1_700_000_600) }));
    // Within the max age this instance still answers from what it read: the documented staleness.
    expect(await runsOf(index, 'elsewhere', 60)).toHaveLength(1);
    expect(await runsOf(index, 'elsewhere', 0)).toHaveLength(2);
    await other.send(new PutCommand({ TableName: table, Item: record('elsewhere', 1_700_001_200) }));
    await new Promise((r) => setTimeout(r, 50));
    expect(await runsOf(index, 'elsewhere', 0.02)).toHaveLength(3);
  });

  it('does not keep a read that overlapped a write, nor hand it to a later request', async () => {
    const index = new RunIndex(doc, table);
    await index.putRun(record('overlap', 1_700_000_000));
    const reading = index.searchable('overlap', 60);
    const writing = index.putRun(record('overlap', 1_700_000_600));
    await Promise.all([reading, writing]);
    expect(await runsOf(index, 'overlap')).toHaveLength(2);
    // Concurrent searches of the same group share one read.
    await index.putRun(record('overlap', 1_700_001_200));
    const [a, b] = await Promise.all([index.searchable('overlap', 60), index.searchable('overlap', 60)]);
    expect(a).toBe(b);
    expect(a).toHaveLength(3);
  });
});

describe('RunIndex writes in this instance', () => {
  it('update the cached runs in place (no read of the group after a write)', async () => {
    const index = new RunIndex(doc, table);
    await index.putRun(record('patched', 1_700_000_000));
    expect(await runsOf(index, 'patched')).toHaveLength(1);
    // Written around RunIndex: this instance does not know of it until it reads the group again.
    await other.send(new PutCommand({ TableName: table, Item: record('patched', 1_700_000_600, 'around') }));
    await index.putRun(record('patched', 1_700_001_200, 'canary'));
    expect(await runsOf(index, 'patched')).toEqual([
      runFolder(1_700_000_000, undefined, 'nightly'),
      runFolder(1_700_001_200, undefined, 'canary'),
    ]);
    // The cached item is the one written, cut to the search attributes.
    const [canary] = (await index.searchable('patched', 60)).filter((r) => r.run_tag === 'canary');
    expect(canary).toMatchObject({ run_tag: 'canary', files: {} });
    expect(canary).not.toHaveProperty('build_url');
    expect(await runsOf(index, 'patched', 0)).toHaveLength(3);
  });

  it('drop the cached runs when writes overlap (their answers may arrive out of order)', async () => {
    const index = new RunIndex(doc, table);
    const run = runFolder(1_700_000_000, undefined, 'nightly');
    await index.putRun(record('overlapping', 1_700_000_000));
    expect(await runsOf(index, 'overlapping')).toHaveLength(1);
    await Promise.all(
      ['a.tar', 'b.tar', 'c.tar'].map((name) =>
        index.putFile('overlapping', run, name, { size: 1, modified: '' }),
      ),
    );
    const [found] = await index.searchable('overlapping', 60);
    expect(Object.keys(found?.files ?? {}).sort()).toEqual(['a.tar', 'b.tar', 'c.tar']);
  });

  it('drop the cached runs when a write fails', async () => {
    const index = new RunIndex(doc, table);
    await index.putRun(record('failing', 1_700_000_000));
    expect(await runsOf(index, 'failing')).toHaveLength(1);
    await other.send(new PutCommand({ TableName: table, Item: record('failing', 1_700_000_600) }));
    const tooBig = { ...record('failing', 1_700_001_200), build_url: 'x'.repeat(500_000) };
    await expect(index.putRun(tooBig)).rejects.toThrow();
    expect(await runsOf(index, 'failing')).toHaveLength(2);
  });
});

describe('GET /api/runs after writes in the same instance', () => {
  it('lists a run sent by POST /telemetry right after a search of its group', async () => {
    const search = async () => {
      const res = await fetch(`${rt.apiUrl}/api/runs?group=fresh&sort=run&order=asc`, {
        headers: { authorization: auth('viewer') },
      });
      expect(res.status).toBe(200);
      return ((await res.json()) as { total: number; runs: { run_tag: string }[] }).runs.map(
        (r) => r.run_tag,
      );
    };
    const send = async (ts: number, tag: string) => {
      const res = await fetch(
        `${rt.apiUrl}/telemetry?request_id=${runFolder(ts, undefined, tag)}&telemetry_group=fresh`,
        {
          method: 'POST',
          headers: { authorization: auth('krkn'), 'content-type': 'application/json' },
          body: JSON.stringify(telemetryDoc()),
        },
      );
      expect(res.status).toBe(200);
    };
    await send(1_700_000_000, 'first');
    expect(await search()).toEqual(['first']);
    await send(1_700_000_600, 'second');
    expect(await search()).toEqual(['first', 'second']);
  });
});
