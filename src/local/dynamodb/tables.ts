import {
  type AttributeDefinition,
  CreateTableCommand,
  DescribeTableCommand,
  type DynamoDBClient,
  type KeySchemaElement,
  ResourceInUseException,
  ResourceNotFoundException,
  type TableDescription,
} from '@aws-sdk/client-dynamodb';
import { ConfigError } from '../../core/errors.js';
import type { TableSpec } from './types.js';

const TABLE_NAME = /^[a-zA-Z0-9_.-]{3,255}$/;
const POLL_MS = 25;
const ACTIVE_TIMEOUT_MS = 30_000;

function keySchema(spec: TableSpec): KeySchemaElement[] {
  const keys: KeySchemaElement[] = [{ AttributeName: spec.partitionKey.name, KeyType: 'HASH' }];
  if (spec.sortKey) keys.push({ AttributeName: spec.sortKey.name, KeyType: 'RANGE' });
  return keys;
}

function attributeDefinitions(spec: TableSpec): AttributeDefinition[] {
  const defs = [{ AttributeName: spec.partitionKey.name, AttributeType: spec.partitionKey.type }];
  if (spec.sortKey) defs.push({ AttributeName: spec.sortKey.name, AttributeType: spec.sortKey.type });
  return defs;
}

function describeKeys(keys: KeySchemaElement[] = [], defs: AttributeDefinition[] = []): string {
  return keys
    .map((k) => `${k.AttributeName}:${defs.find((d) => d.AttributeName === k.AttributeName)?.AttributeType}`)
    .join(', ');
}

/** An existing table with another key schema cannot serve the declaration: say so instead of failing later. */
function checkSameKeys(spec: TableSpec, table: TableDescription): void {
  const want = describeKeys(keySchema(spec), attributeDefinitions(spec));
  const have = describeKeys(table.KeySchema, table.AttributeDefinitions);
  if (want !== have) {
    throw new ConfigError(`table ${spec.name} exists with key schema (${have}), declared (${want})`);
  }
}

async function describe(client: DynamoDBClient, name: string): Promise<TableDescription | undefined> {
  try {
    return (await client.send(new DescribeTableCommand({ TableName: name }))).Table;
  } catch (err) {
    if (err instanceof ResourceNotFoundException) return undefined;
    throw err;
  }
}

export function validateTableSpec(spec: TableSpec): void {
  if (!TABLE_NAME.test(spec.name)) {
    throw new ConfigError(
      `table name "${spec.name}" must be 3-255 characters of a-z, A-Z, 0-9, '_', '-', '.'`,
    );
  }
  if (!spec.partitionKey?.name) throw new ConfigError(`table ${spec.name} needs a partition key name`);
  if (spec.sortKey && spec.sortKey.name === spec.partitionKey.name) {
    throw new ConfigError(`table ${spec.name}: sort key and partition key are both "${spec.sortKey.name}"`);
  }
}

export async function ensureTable(client: DynamoDBClient, spec: TableSpec): Promise<void> {
  validateTableSpec(spec);
  let table = await describe(client, spec.name);
  if (!table) {
    try {
      await client.send(
        new CreateTableCommand({
          TableName: spec.name,
          BillingMode: 'PAY_PER_REQUEST',
          KeySchema: keySchema(spec),
          AttributeDefinitions: attributeDefinitions(spec),
        }),
      );
    } catch (err) {
      // Someone else created it between our describe and create: fine, wait for it below.
      if (!(err instanceof ResourceInUseException)) throw err;
    }
    table = await describe(client, spec.name);
  }
  const deadline = Date.now() + ACTIVE_TIMEOUT_MS;
  while (table?.TableStatus !== 'ACTIVE') {
    if (Date.now() > deadline) {
      throw new Error(`table ${spec.name} did not become ACTIVE (status ${table?.TableStatus ?? 'missing'})`);
    }
    await new Promise((resolve) => setTimeout(resolve, POLL_MS));
    table = await describe(client, spec.name);
  }
  checkSameKeys(spec, table);
}
