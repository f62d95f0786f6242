import { BatchWriteItemCommand, type DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { BatchWriteFn } from './batch-writer.js';

/** BatchWriteItem against one table; resolves to what DynamoDB left unprocessed. */
export function batchWriteTo(client: DynamoDBClient, table: string): BatchWriteFn {
  return async (requests) => {
    const out = await client.send(new BatchWriteItemCommand({ RequestItems: { [table]: requests } }));
    return out.UnprocessedItems?.[table] ?? [];
  };
}
