import {
  type DynamoDBClient,
  GetItemCommand,
  ScanCommand,
  type ScanCommandOutput,
} from '@aws-sdk/client-dynamodb';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { Item } from '../../../src/pipelines/ingest/attribute-values.js';
import { RecordWriter } from '../../../src/pipelines/ingest/record-writer.js';
import { startTableEndpoint } from '../../helpers/dynamo-table.js';

const TABLE = { name: 'writer-records', partitionKey: { name: 'Id', type: 'S' } } as const;

describe('RecordWriter (group commit of single-record writes)', () => {
  let endpoint: Awaited<ReturnType<typeof startTableEndpoint>>;
  let client: DynamoDBClient;
  /** Names of the commands the client sent, observed through its middleware stack. */
  let sent: string[];

  beforeAll(async () => {
    endpoint = await startTableEndpoint(TABLE);
    client = endpoint.client;
    client.middlewareStack.add(
      (next, context) => (args) => {
        sent.push(context.commandName as string);
        return next(args);
      },
      { step: 'initialize' },
    );
  });

  beforeEach(() => {
    sent = [];
  });

  afterAll(async () => {
    await endpoint?.close();
  });

  const item = (id: string, extra: Item = {}): Item => ({ Id: { S: id }, ...extra });
  const stored = async (id: string) =>
    (await client.send(new GetItemCommand({ TableName: TABLE.name, Key: { Id: { S: id } } }))).Item;

  it('writes a lone record with PutItem, as on Lambda', async () => {
    // Arrange
    const writer = new RecordWriter(client, TABLE.name);
    // Act
    await writer.put('alone', item('alone', { n: { N: '1' } }));
    // Assert
    expect(sent).toEqual(['PutItemCommand']);
    expect(await stored('alone')).toEqual(item('alone', { n: { N: '1' } }));
  });

  it('stores 60 concurrent records with far fewer calls, each promise settling once its record is stored', async () => {
    // Arrange
    const writer = new RecordWriter(client, TABLE.name);
    const ids = Array.from({ length: 60 }, (_, i) => `many-${i}`);
    // Act
    await Promise.all(ids.map((id) => writer.put(id, item(id))));
    // Assert
    expect(sent.length).toBeLessThan(10);
    expect(sent).toContain('BatchWriteItemCommand');
    const scan: ScanCommandOutput = await client.send(
      new ScanCommand({
        TableName: TABLE.name,
        Select: 'COUNT',
        FilterExpression: 'begins_with(Id, :p)',
        ExpressionAttributeValues: { ':p': { S: 'many-' } },
      }),
    );
    expect(scan.Count).toBe(60);
  });

  it('never puts one Id twice in a batch: concurrent writes of one Id all succeed, the last one stays', async () => {
    // Arrange
    const writer = new RecordWriter(client, TABLE.name);
    const writes = [1, 2, 3].map((n) => writer.put('same', item('same', { v: { N: String(n) } })));
    const others = Array.from({ length: 5 }, (_, i) => writer.put(`other-${i}`, item(`other-${i}`)));
    // Act
    const outcomes = await Promise.allSettled([...writes, ...others]);
    // Assert
    expect(outcomes.every((o) => o.status === 'fulfilled')).toBe(true);
    expect((await stored('same'))?.v).toEqual({ N: '3' });
  });

  it('gives a record DynamoDB refuses its own error and stores the others of its batch', async () => {
    // Arrange: an empty string key fails the whole BatchWriteItem on DynamoDB and here.
    const writer = new RecordWriter(client, TABLE.name);
    const first = writer.put('first', item('first'));
    const good = Array.from({ length: 4 }, (_, i) => writer.put(`good-${i}`, item(`good-${i}`)));
    const bad = writer.put('', item(''));
    // Act
    const [firstOutcome, badOutcome, ...goodOutcomes] = await Promise.allSettled([first, bad, ...good]);
    // Assert
    expect(firstOutcome?.status).toBe('fulfilled');
    expect(badOutcome?.status).toBe('rejected');
    expect((badOutcome as PromiseRejectedResult).reason).toMatchObject({ name: 'ValidationException' });
    expect(goodOutcomes.every((o) => o.status === 'fulfilled')).toBe(true);
    for (let i = 0; i < 4; i++) expect(await stored(`good-${i}`)).toEqual(item(`good-${i}`));
    expect(sent).toContain('BatchWriteItemCommand');
  });
});
