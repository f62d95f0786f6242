/**
 * Puts that cannot use the item they replace skip reading it (src/local/dynamodb/blind-puts.ts):
 * which puts skip the read, and that everything the stored item decides (conditions,
 * ReturnValues, consumed capacity, index upkeep) still answers as DynamoDB does.
 */

import { mkdtemp, rm } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  BatchWriteItemCommand,
  ConditionalCheckFailedException,
  CreateTableCommand,
  DynamoDBClient,
  GetItemCommand,
  PutItemCommand,
  QueryCommand,
} from '@aws-sdk/client-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type PutItemAction, withBlindPuts } from '../../../src/local/dynamodb/blind-puts.js';
import { type DynamoServer, startDynamoServer } from '../../../src/local/dynamodb/index.js';

const putItem = createRequire(import.meta.url)('dynalite/actions/putItem.js') as PutItemAction;

/** A dynalite store holding one item under `id = "a"`, counting the reads of stored items. */
function fakeStore(indexes: { GlobalSecondaryIndexes?: unknown[] } = {}) {
  const reads: string[] = [];
  const writes: string[] = [];
  const table = {
    TableName: 't',
    TableStatus: 'ACTIVE',
    KeySchema: [{ AttributeName: 'id', KeyType: 'HASH' }],
    AttributeDefinitions: [{ AttributeName: 'id', AttributeType: 'S' }],
    ...indexes,
  };
  const itemDb = {
    lock: (_key: string, fn: (release: <F>(cb: F) => F) => void) => fn((cb) => cb),
    get: (key: string, cb: (err: Error | null, value?: unknown) => void) => {
      reads.push(key);
      cb(null, { id: { S: 'a' }, old: { S: 'yes' } });
    },
    put: (key: string, _value: unknown, cb: (err: Error | null) => void) => {
      writes.push(key);
      cb(null);
    },
  };
  const store = {
    getTable: (_name: string, cb: (err: Error | null, table?: unknown) => void) => cb(null, table),
    getItemDb: () => itemDb,
    getIndexDb: () => ({
      put: (_k: string, _v: unknown, cb: () => void) => cb(),
      del: (_k: string, cb: () => void) => cb(),
    }),
  };
  return { store, reads, writes };
}

function put(store: unknown, data: object): Promise<unknown> {
  return new Promise((resolve, reject) =>
    withBlindPuts(putItem)(
      store as never,
      { TableName: 't', Item: { id: { S: 'a' } }, ...data } as never,
      (err, out) => (err ? reject(err) : resolve(out)),
    ),
  );
}

describe('blind puts: which puts read the stored item', () => {
  it('a put with no condition, no ALL_OLD and no consumed capacity on a table without indexes writes without reading', async () => {
    const { store, reads, writes } = fakeStore();
    await put(store, { ReturnValues: 'NONE', ReturnConsumedCapacity: 'NONE' });
    expect(reads).toEqual([]);
    expect(writes).toHaveLength(1);
  });

  it.each([
    [
      'a ConditionExpression',
      { _condition: { expression: {} }, ConditionExpression: 'attribute_exists(id)' },
    ],
    ['Expected', { Expected: { id: { Exists: true, Value: { S: 'a' } } } }],
    ['ReturnValues ALL_OLD', { ReturnValues: 'ALL_OLD' }],
    ['ReturnConsumedCapacity TOTAL', { ReturnConsumedCapacity: 'TOTAL' }],
    ['ReturnConsumedCapacity INDEXES', { ReturnConsumedCapacity: 'INDEXES' }],
  ])('a put with %s reads it', async (_what, data) => {
    const { store, reads } = fakeStore();
    await put(store, data).catch(() => undefined);
    expect(reads).toHaveLength(1);
  });

  it('a put on a table with a global secondary index reads it (the old index entry must go)', async () => {
    const { store, reads, writes } = fakeStore({
      GlobalSecondaryIndexes: [
        {
          IndexName: 'g',
          KeySchema: [{ AttributeName: 'site', KeyType: 'HASH' }],
          Projection: { ProjectionType: 'ALL' },
        },
      ],
    });
    await put(store, {});
    expect(reads).toHaveLength(1);
    expect(writes).toHaveLength(1);
  });
});

describe('blind puts through the endpoint: what the stored item decides is unchanged', () => {
  const CREDENTIALS = { accessKeyId: 'blind', secretAccessKey: 'blind-secret' };
  let dir: string;
  let server: DynamoServer;
  let client: DynamoDBClient;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'dynamo-blind-puts-'));
    server = await startDynamoServer({ dataDir: join(dir, 'db'), credentials: [CREDENTIALS] });
    client = new DynamoDBClient({
      endpoint: server.url,
      region: 'us-east-1',
      credentials: CREDENTIALS,
      maxAttempts: 1,
    });
    await server.ensureTable({ name: 'plain', partitionKey: { name: 'id', type: 'S' } });
    await client.send(
      new CreateTableCommand({
        TableName: 'indexed',
        BillingMode: 'PAY_PER_REQUEST',
        KeySchema: [{ AttributeName: 'id', KeyType: 'HASH' }],
        AttributeDefinitions: [
          { AttributeName: 'id', AttributeType: 'S' },
          { AttributeName: 'site', AttributeType: 'S' },
        ],
        GlobalSecondaryIndexes: [
          {
            IndexName: 'bySite',
            KeySchema: [{ AttributeName: 'site', KeyType: 'HASH' }],
            Projection: { ProjectionType: 'ALL' },
          },
        ],
      }),
    );
  });

  afterAll(async () => {
    client?.destroy();
    await server?.close();
    await rm(dir, { recursive: true, force: true });
  });

  const batchPut = (table: string, items: Record<string, { S: string }>[]) =>
    client.send(
      new BatchWriteItemCommand({
        RequestItems: { [table]: items.map((Item) => ({ PutRequest: { Item } })) },
      }),
    );

  it('a BatchWriteItem over stored items replaces them whole', async () => {
    await batchPut('plain', [
      { id: { S: 'r1' }, v: { S: 'one' }, gone: { S: 'x' } },
      { id: { S: 'r2' }, v: { S: 'two' }, gone: { S: 'y' } },
    ]);
    await batchPut('plain', [
      { id: { S: 'r1' }, v: { S: 'uno' } },
      { id: { S: 'r2' }, v: { S: 'dos' } },
    ]);
    const got = await Promise.all(
      ['r1', 'r2'].map((id) =>
        client.send(new GetItemCommand({ TableName: 'plain', Key: { id: { S: id } } })),
      ),
    );
    expect(got.map((g) => g.Item)).toEqual([
      { id: { S: 'r1' }, v: { S: 'uno' } },
      { id: { S: 'r2' }, v: { S: 'dos' } },
    ]);
  });

  it('a PutItem still returns the old item (ALL_OLD) and still fails its condition on a stored item', async () => {
    await client.send(
      new PutItemCommand({ TableName: 'plain', Item: { id: { S: 'p' }, v: { S: 'first' } } }),
    );
    const replaced = await client.send(
      new PutItemCommand({
        TableName: 'plain',
        Item: { id: { S: 'p' }, v: { S: 'second' } },
        ReturnValues: 'ALL_OLD',
      }),
    );
    const guarded = client.send(
      new PutItemCommand({
        TableName: 'plain',
        Item: { id: { S: 'p' }, v: { S: 'third' } },
        ConditionExpression: 'attribute_not_exists(id)',
      }),
    );

    expect(replaced.Attributes).toEqual({ id: { S: 'p' }, v: { S: 'first' } });
    await expect(guarded).rejects.toBeInstanceOf(ConditionalCheckFailedException);
  });

  it('consumed capacity still counts the larger stored item an overwrite replaces', async () => {
    await client.send(
      new PutItemCommand({ TableName: 'plain', Item: { id: { S: 'big' }, v: { S: 'x'.repeat(3_500) } } }),
    );
    const out = await client.send(
      new PutItemCommand({ TableName: 'plain', Item: { id: { S: 'big' } }, ReturnConsumedCapacity: 'TOTAL' }),
    );
    expect(out.ConsumedCapacity?.CapacityUnits).toBe(4);
  });

  it('a BatchWriteItem moving an item to another index key leaves no entry under the old one', async () => {
    await batchPut('indexed', [{ id: { S: 'm' }, site: { S: 'lab-1' } }]);
    await batchPut('indexed', [{ id: { S: 'm' }, site: { S: 'lab-2' } }]);
    const bySite = (site: string) =>
      client.send(
        new QueryCommand({
          TableName: 'indexed',
          IndexName: 'bySite',
          KeyConditionExpression: 'site = :s',
          ExpressionAttributeValues: { ':s': { S: site } },
        }),
      );
    expect((await bySite('lab-1')).Items).toEqual([]);
    expect((await bySite('lab-2')).Items).toEqual([{ id: { S: 'm' }, site: { S: 'lab-2' } }]);
  });
});
