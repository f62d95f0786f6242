/**
 * Run by store-io.test.ts as a child process: starts the endpoint on the data dir given,
 * writes 4 batches of 25 and one PutItem concurrently, prints how many were acknowledged and
 * waits to be killed — it never closes the endpoint, so nothing is flushed on the way out.
 */
import { BatchWriteItemCommand, DynamoDBClient, PutItemCommand } from '@aws-sdk/client-dynamodb';
import { startDynamoServer } from '../../../src/local/dynamodb/index.js';

const CREDENTIALS = { accessKeyId: 'store-io', secretAccessKey: 'store-io-secret' };
const TABLE = 'coalesced';

const dataDir = process.argv[2];
if (!dataDir) throw new Error('usage: write-then-wait.fixture.ts <dataDir>');
const server = await startDynamoServer({ dataDir, credentials: [CREDENTIALS] });
await server.ensureTable({ name: TABLE, partitionKey: { name: 'id', type: 'S' } });
const client = new DynamoDBClient({ endpoint: server.url, region: 'us-east-1', credentials: CREDENTIALS });
const batch = async (n: number): Promise<number> => {
  const out = await client.send(
    new BatchWriteItemCommand({
      RequestItems: {
        [TABLE]: Array.from({ length: 25 }, (_, i) => ({
          PutRequest: { Item: { id: { S: `b-${n}-${i}` } } },
        })),
      },
    }),
  );
  return 25 - (out.UnprocessedItems?.[TABLE]?.length ?? 0);
};
const single = async (): Promise<number> => {
  await client.send(new PutItemCommand({ TableName: TABLE, Item: { id: { S: 'single' } } }));
  return 1;
};
const counts = await Promise.all([batch(0), batch(1), batch(2), batch(3), single()]);
process.stdout.write(`acknowledged ${counts.reduce((a, b) => a + b, 0)}\n`);
setInterval(() => undefined, 60_000);
