import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { gzipSync } from 'node:zlib';
import { DynamoDBClient, GetItemCommand } from '@aws-sdk/client-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startDynamoServer } from '../../../src/local/dynamodb/index.js';
import { runCli } from '../../local/runtime/helpers.js';

describe('tributary load csv', () => {
  let server: Awaited<ReturnType<typeof startDynamoServer>>;
  let dynamo: DynamoDBClient;
  let dir: string;
  let env: Record<string, string>;
  const credentials = { accessKeyId: 'cli-test', secretAccessKey: 'cli-test-secret' };

  beforeAll(async () => {
    server = await startDynamoServer({ port: 0 });
    await server.ensureTable({ name: 'products', partitionKey: { name: 'ID', type: 'S' } });
    await server.ensureTable({
      name: 'readings',
      partitionKey: { name: 'sensor', type: 'S' },
      sortKey: { name: 'at', type: 'N' },
    });
    dynamo = new DynamoDBClient({ endpoint: server.url, region: 'us-east-1', credentials });
    dir = mkdtempSync(path.join(os.tmpdir(), 'tributary-load-cli-'));
    env = {
      AWS_ENDPOINT_URL_DYNAMODB: server.url,
      AWS_REGION: 'us-east-1',
      AWS_ACCESS_KEY_ID: credentials.accessKeyId,
      AWS_SECRET_ACCESS_KEY: credentials.secretAccessKey,
      TRIBUTARY_STATE_DIR: path.join(dir, 'state'),
    };
  });
  afterAll(async () => {
    dynamo?.destroy();
    await server?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const file = (name: string, body: string | Buffer) => {
    const p = path.join(dir, name);
    writeFileSync(p, body);
    return p;
  };
  const item = (TableName: string, Key: Record<string, { S: string } | { N: string }>) =>
    dynamo.send(new GetItemCommand({ TableName, Key })).then((r) => r.Item);

  it('loads every row and exits 0; --json prints the report', async () => {
    const csv = file('ok.csv.gz', gzipSync('ID;price;ok\r\nA1;1.50;true\r\nA2;;false\r\n'));

    const result = await runCli(
      ['load', 'csv', csv, '--table', 'products', '--delimiter', ';', '--infer-types', '--json'],
      env,
    );

    expect(result.code).toBe(0);
    expect(JSON.parse(result.stdout)).toMatchObject({ status: 'SUCCEEDED', rowsRead: 2, rowsWritten: 2 });
    expect(result.stderr).toContain('SUCCEEDED');
    expect(await item('products', { ID: { S: 'A2' } })).toEqual({ ID: { S: 'A2' }, ok: { BOOL: false } });
  });

  it('exits 2 on a partial load and writes the invalid rows next to it', async () => {
    const csv = file('partial.csv', 'sensor,at,value\ns1,1,10\ns1,x,11\n');
    const invalid = path.join(dir, 'partial.invalid.jsonl');

    const result = await runCli(
      ['load', 'csv', csv, '--table', 'readings', '--invalid-records', invalid, '--no-progress'],
      env,
    );

    expect(result.code).toBe(2);
    expect(result.stderr).toContain('PARTIAL');
    expect(JSON.parse(readFileSync(invalid, 'utf8').trim())).toEqual({
      line: 3,
      reason: 'key column at: "x" is not a number',
      raw: 's1,x,11',
    });
    expect(await item('readings', { sensor: { S: 's1' }, at: { N: '1' } })).toMatchObject({
      value: { S: '10' },
    });
  });

  it('exits 1 when the file is rejected, writing nothing', async () => {
    const csv = file('nokey.csv', 'name\nx\n');
    const result = await runCli(['load', 'csv', csv, '--table', 'products'], env);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('file rejected: the key column ID is not in the header (columns: name)');
    expect(existsSync(path.join(dir, 'nokey.csv.invalid.jsonl'))).toBe(false);
  });

  it.each([
    [['--table', 'products', '--delimiter', '|'], 64, '--delimiter must be , ; or tab'],
    [
      ['--table', 'products', '--key-column', 'SKU'],
      64,
      '--key-column is "SKU" but table products has partition key "ID"',
    ],
    [['--table', 'products', '--concurrency', '0'], 64, '--concurrency must be 1-64'],
    [['--table', 'missing'], 1, 'table missing does not exist'],
  ])('%j → exit %i', async (args, code, message) => {
    const csv = file('any.csv', 'ID\n1\n');
    const result = await runCli(['load', 'csv', csv, ...args], env);
    expect(result.code).toBe(code);
    expect(result.stderr).toContain(message);
  });

  it('exits 64 for a source that does not exist or is not s3://bucket/key', async () => {
    const missing = await runCli(['load', 'csv', path.join(dir, 'nope.csv'), '--table', 'products'], env);
    const badUrl = await runCli(['load', 'csv', 's3://bucket-only', '--table', 'products'], env);
    expect([missing.code, badUrl.code]).toEqual([64, 64]);
    expect(missing.stderr).toContain('no such file');
    expect(badUrl.stderr).toContain('is not s3://bucket/key');
  });
});
