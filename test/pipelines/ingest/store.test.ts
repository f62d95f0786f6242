import { type DynamoDBClient, GetItemCommand } from '@aws-sdk/client-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { NotStoredError } from '../../../src/pipelines/ingest/errors.js';
import { JsonNumber } from '../../../src/pipelines/ingest/json.js';
import type { PreparedRecord } from '../../../src/pipelines/ingest/records.js';
import { writeBatches } from '../../../src/pipelines/ingest/store.js';
import { startTableEndpoint } from '../../helpers/dynamo-table.js';

const TABLE = { name: 'store-records', partitionKey: { name: 'Id', type: 'S' } } as const;

describe('writeBatches against the embedded DynamoDB endpoint', () => {
  let endpoint: Awaited<ReturnType<typeof startTableEndpoint>>;
  let client: DynamoDBClient;

  beforeAll(async () => {
    endpoint = await startTableEndpoint(TABLE);
    client = endpoint.client;
  });

  afterAll(async () => {
    await endpoint?.close();
  });

  const record = (id: string, n = 1): PreparedRecord => ({
    id,
    record: { Id: id, n: new JsonNumber(String(n)) },
    item: { Id: { S: id }, n: { N: String(n) } },
  });
  // DynamoDB refuses a key of the wrong type with a ValidationException for the whole batch.
  const refused = (id: string): PreparedRecord => ({
    id,
    record: { Id: new JsonNumber('1') },
    item: { Id: { N: '1' } },
  });
  const stored = async (id: string) =>
    (await client.send(new GetItemCommand({ TableName: TABLE.name, Key: { Id: { S: id } } }))).Item;

  it('stores one batch of 25 in one call', async () => {
    // Arrange
    const records = Array.from({ length: 25 }, (_, i) => record(`one-${i}`, i));
    // Act
    await writeBatches(client, TABLE.name, records, { concurrency: 4 });
    // Assert
    expect(await stored('one-0')).toEqual({ Id: { S: 'one-0' }, n: { N: '0' } });
    expect(await stored('one-24')).toEqual({ Id: { S: 'one-24' }, n: { N: '24' } });
  });

  it('stores more than 25 records in several batches', async () => {
    // Arrange
    const records = Array.from({ length: 60 }, (_, i) => record(`many-${i}`, i));
    // Act
    await writeBatches(client, TABLE.name, records, { concurrency: 2 });
    // Assert
    for (const i of [0, 25, 59])
      expect(await stored(`many-${i}`)).toEqual({ Id: { S: `many-${i}` }, n: { N: String(i) } });
  });

  it("throws DynamoDB's own error when a single batch is refused", async () => {
    // Arrange
    const records = [record('lone-ok'), refused('lone-bad')];
    // Act
    const err = await writeBatches(client, TABLE.name, records, { concurrency: 4 }).catch((e: unknown) => e);
    // Assert
    expect((err as Error).name).toBe('ValidationException');
    expect(await stored('lone-ok')).toBeUndefined();
  });

  it('names the stored and the not-stored records when a later batch is refused', async () => {
    // Arrange: the first batch is fine, the second is refused, one at a time.
    const records = [
      ...Array.from({ length: 25 }, (_, i) => record(`part-${i}`)),
      refused('part-bad'),
      record('part-after'),
    ];
    // Act
    const err = await writeBatches(client, TABLE.name, records, { concurrency: 1 }).catch((e: unknown) => e);
    // Assert
    expect(err).toBeInstanceOf(NotStoredError);
    const notStored = err as NotStoredError;
    expect(notStored.message).toBe(
      '2 of 27 records were not stored (DynamoDB kept throttling or failed); the stored ones are listed: retry the others',
    );
    expect(notStored.stored).toHaveLength(25);
    expect(notStored.notStored.sort()).toEqual(['part-after', 'part-bad']);
    expect(await stored('part-0')).toEqual({ Id: { S: 'part-0' }, n: { N: '1' } });
  });

  it('does nothing for no records', async () => {
    // Act / Assert
    await expect(writeBatches(client, TABLE.name, [], { concurrency: 4 })).resolves.toBeUndefined();
  });
});
