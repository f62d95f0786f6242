/**
 * The endpoint's coalesced LevelDB I/O (src/local/dynamodb/store-io.ts) must keep dynalite's
 * semantics: per-key ordering under concurrency, table changes seen at once, and writes
 * acknowledged only once LevelDB has them (they survive the process being killed).
 */
import { spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  BatchWriteItemCommand,
  ConditionalCheckFailedException,
  CreateTableCommand,
  DeleteTableCommand,
  DescribeTableCommand,
  DynamoDBClient,
  GetItemCommand,
  PutItemCommand,
  ResourceNotFoundException,
  ScanCommand,
  UpdateItemCommand,
} from '@aws-sdk/client-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type DynamoServer, startDynamoServer } from '../../../src/local/dynamodb/index.js';
import { copyJson } from '../../../src/local/dynamodb/store-io.js';

const CREDENTIALS = { accessKeyId: 'store-io', secretAccessKey: 'store-io-secret' };
const TABLE = { name: 'coalesced', partitionKey: { name: 'id', type: 'S' } } as const;

const clientFor = (server: DynamoServer) =>
  new DynamoDBClient({ endpoint: server.url, region: 'us-east-1', credentials: CREDENTIALS, maxAttempts: 1 });

describe('embedded DynamoDB endpoint: coalesced LevelDB I/O', () => {
  let dir: string;
  let server: DynamoServer;
  let client: DynamoDBClient;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'dynamo-store-io-'));
    server = await startDynamoServer({ dataDir: join(dir, 'db'), credentials: [CREDENTIALS] });
    client = clientFor(server);
    await server.ensureTable(TABLE);
  });

  afterAll(async () => {
    client?.destroy();
    await server?.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('lets exactly one of 20 concurrent conditional puts of one key win', async () => {
    // Arrange
    const put = (n: number) =>
      client.send(
        new PutItemCommand({
          TableName: TABLE.name,
          Item: { id: { S: 'race' }, writer: { N: String(n) } },
          ConditionExpression: 'attribute_not_exists(id)',
        }),
      );
    // Act
    const outcomes = await Promise.allSettled(Array.from({ length: 20 }, (_, n) => put(n)));
    // Assert
    const won = outcomes.filter((o) => o.status === 'fulfilled');
    const lost = outcomes.filter((o) => o.status === 'rejected');
    expect(won).toHaveLength(1);
    for (const o of lost) expect(o.reason).toBeInstanceOf(ConditionalCheckFailedException);
    const item = await client.send(new GetItemCommand({ TableName: TABLE.name, Key: { id: { S: 'race' } } }));
    expect(outcomes[Number(item.Item?.writer?.N)]?.status).toBe('fulfilled');
  });

  it('loses no increment among 30 concurrent UpdateItem ADDs, with batch writes of other keys in between', async () => {
    // Arrange
    const add = () =>
      client.send(
        new UpdateItemCommand({
          TableName: TABLE.name,
          Key: { id: { S: 'counter' } },
          UpdateExpression: 'ADD hits :one',
          ExpressionAttributeValues: { ':one': { N: '1' } },
        }),
      );
    const batch = (n: number) =>
      client.send(
        new BatchWriteItemCommand({
          RequestItems: {
            [TABLE.name]: Array.from({ length: 25 }, (_, i) => ({
              PutRequest: { Item: { id: { S: `bulk-${n}-${i}` } } },
            })),
          },
        }),
      );
    // Act
    await Promise.all([...Array.from({ length: 30 }, add), ...Array.from({ length: 4 }, (_, n) => batch(n))]);
    // Assert
    const counter = await client.send(
      new GetItemCommand({ TableName: TABLE.name, Key: { id: { S: 'counter' } }, ConsistentRead: true }),
    );
    expect(counter.Item?.hits).toEqual({ N: '30' });
    const bulk = await client.send(
      new ScanCommand({
        TableName: TABLE.name,
        Select: 'COUNT',
        FilterExpression: 'begins_with(id, :p)',
        ExpressionAttributeValues: { ':p': { S: 'bulk-' } },
      }),
    );
    expect(bulk.Count).toBe(100);
  });

  it('sees a table deleted and created again with another key schema at once', async () => {
    // Arrange
    const name = 'recreated';
    await server.ensureTable({ name, partitionKey: { name: 'a', type: 'S' } });
    await client.send(new PutItemCommand({ TableName: name, Item: { a: { S: 'first' } } }));
    // Act
    await client.send(new DeleteTableCommand({ TableName: name }));
    const gone = client.send(new PutItemCommand({ TableName: name, Item: { a: { S: 'second' } } }));
    await expect(gone).rejects.toBeInstanceOf(ResourceNotFoundException);
    await client.send(
      new CreateTableCommand({
        TableName: name,
        BillingMode: 'PAY_PER_REQUEST',
        KeySchema: [{ AttributeName: 'b', KeyType: 'HASH' }],
        AttributeDefinitions: [{ AttributeName: 'b', AttributeType: 'N' }],
      }),
    );
    // Assert
    const described = await client.send(new DescribeTableCommand({ TableName: name }));
    expect(described.Table?.KeySchema).toEqual([{ AttributeName: 'b', KeyType: 'HASH' }]);
    const oldKey = client.send(new PutItemCommand({ TableName: name, Item: { a: { S: 'third' } } }));
    await expect(oldKey).rejects.toThrow(/Missing the key b/);
    await client.send(new PutItemCommand({ TableName: name, Item: { b: { N: '1' } } }));
    const count = await client.send(new ScanCommand({ TableName: name, Select: 'COUNT' }));
    expect(count.Count).toBe(1);
  });

  it('makes many tables created at once ACTIVE', async () => {
    // Arrange
    const names = Array.from({ length: 6 }, (_, i) => `parallel-${i}`);
    // Act
    await Promise.all(
      names.map((name) => server.ensureTable({ name, partitionKey: { name: 'k', type: 'S' } })),
    );
    // Assert
    for (const name of names) {
      const described = await client.send(new DescribeTableCommand({ TableName: name }));
      expect(described.Table?.TableStatus).toBe('ACTIVE');
    }
  });
});

describe('embedded DynamoDB endpoint: acknowledged writes survive the process being killed', () => {
  let dir: string;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'dynamo-kill-'));
  });

  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('finds every item a killed process had acknowledged', async () => {
    // Arrange: a child process writes, reports the acknowledged count, and is killed with SIGKILL.
    const dataDir = join(dir, 'db');
    const child = spawn(
      process.execPath,
      ['--import', 'tsx', fileURLToPath(new URL('./write-then-wait.fixture.ts', import.meta.url)), dataDir],
      { stdio: ['ignore', 'pipe', 'inherit'], env: { ...process.env, LOG_LEVEL: 'ERROR' } },
    );
    const acknowledged = await new Promise<number>((resolve, reject) => {
      let out = '';
      child.stdout.on('data', (d) => {
        out += d;
        const match = /acknowledged (\d+)/.exec(out);
        if (match) resolve(Number(match[1]));
      });
      child.once('exit', (code) => reject(new Error(`fixture exited ${code} before acknowledging: ${out}`)));
    });
    const exited = new Promise((resolve) => child.once('exit', resolve));
    // Act
    child.kill('SIGKILL');
    await exited;
    const server = await startDynamoServer({ dataDir, credentials: [CREDENTIALS] });
    const client = clientFor(server);
    try {
      // Assert
      const count = await client.send(new ScanCommand({ TableName: TABLE.name, Select: 'COUNT' }));
      expect(acknowledged).toBe(101);
      expect(count.Count).toBe(acknowledged);
    } finally {
      client.destroy();
      await server.close();
    }
  }, 20_000);
});

describe('copyJson (table descriptions handed out from the cache)', () => {
  it('gives what JSON.parse of the text gives, own __proto__ keys included, sharing nothing', () => {
    // Arrange
    const text =
      '{"TableName":"t","KeySchema":[{"AttributeName":"Id","KeyType":"HASH"}],"n":1.5,"z":null,"b":false,"__proto__":{"x":[1,[2]]}}';
    const source = JSON.parse(text) as Record<string, unknown>;
    // Act
    const copy = copyJson(source) as Record<string, unknown>;
    // Assert
    expect(copy).toEqual(JSON.parse(text));
    expect(JSON.stringify(copy)).toBe(JSON.stringify(source));
    expect(Object.getPrototypeOf(copy)).toBe(Object.prototype);
    expect(Object.hasOwn(copy, '__proto__')).toBe(true);
    const first = (copy.KeySchema as { KeyType: string }[])[0];
    if (first) first.KeyType = 'RANGE';
    expect(first?.KeyType).toBe('RANGE');
    expect((source.KeySchema as { KeyType: string }[])[0]?.KeyType).toBe('HASH');
  });
});
