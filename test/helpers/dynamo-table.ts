import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { type DynamoServer, startDynamoServer } from '../../src/local/dynamodb/index.js';

type TableSpec = Parameters<DynamoServer['ensureTable']>[0];

/** An embedded DynamoDB endpoint with one table, and a client for it that does not retry. */
export async function startTableEndpoint(table: TableSpec): Promise<{
  server: DynamoServer;
  client: DynamoDBClient;
  close(): Promise<void>;
}> {
  const server = await startDynamoServer();
  await server.ensureTable(table);
  const client = new DynamoDBClient({
    endpoint: server.url,
    region: 'us-east-1',
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
    maxAttempts: 1,
  });
  return {
    server,
    client,
    async close() {
      client.destroy();
      await server.close();
    },
  };
}
