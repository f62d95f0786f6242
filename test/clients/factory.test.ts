import { BatchWriteItemCommand, GetItemCommand, PutItemCommand } from '@aws-sdk/client-dynamodb';
import { GetCommand, NumberValue, PutCommand, QueryCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  documentClient,
  dynamoDbClient,
  s3Client,
  secretsClient,
  unmarshallNumber,
} from '../../src/clients/index.js';
import { AccessNotGrantedError } from '../../src/core/errors.js';
import { type AccessGuard, runInScope } from '../../src/core/invocation.js';
import { type DynamoServer, startDynamoServer } from '../../src/local/dynamodb/index.js';

describe('s3Client resolved configuration', () => {
  it('points at a custom endpoint with path style, static credentials and WHEN_REQUIRED checksums', async () => {
    const env = {
      AWS_REGION: 'eu-west-1',
      AWS_ENDPOINT_URL_S3: 'http://127.0.0.1:9000',
      AWS_ACCESS_KEY_ID: 'AKIDLOCAL',
      AWS_SECRET_ACCESS_KEY: 'local-secret',
      AWS_RETRY_MODE: 'adaptive',
      AWS_MAX_ATTEMPTS: '5',
    };

    const client = runInScope({ env }, () => s3Client());

    expect(await client.config.endpoint?.()).toMatchObject({
      protocol: 'http:',
      hostname: '127.0.0.1',
      port: 9000,
    });
    expect(await client.config.region()).toBe('eu-west-1');
    expect(await client.config.credentials()).toMatchObject({
      accessKeyId: 'AKIDLOCAL',
      secretAccessKey: 'local-secret',
    });
    expect(client.config.forcePathStyle).toBe(true);
    expect(await client.config.maxAttempts()).toBe(5);
    expect(client.config.retryMode).toBe('adaptive');
    expect(await client.config.requestChecksumCalculation()).toBe('WHEN_REQUIRED');
    expect(await client.config.responseChecksumValidation()).toBe('WHEN_REQUIRED');
    // Per-class middleware resolution, and no logger middleware feeding a no-op logger.
    expect(client.config.cacheMiddleware).toBe(true);
    expect(client.middlewareStack.identify().some((m) => m.startsWith('loggerMiddleware'))).toBe(false);
  });

  it('on AWS: no endpoint override, virtual-hosted style, WHEN_SUPPORTED checksums', async () => {
    const client = runInScope({ env: { AWS_REGION: 'us-west-2' } }, () => s3Client());

    expect(client.config.endpoint).toBeUndefined();
    expect(client.config.forcePathStyle).toBe(false);
    expect(await client.config.requestChecksumCalculation()).toBe('WHEN_SUPPORTED');
    expect(await client.config.responseChecksumValidation()).toBe('WHEN_SUPPORTED');
  });

  it('overrides apply on top of the environment', async () => {
    const client = runInScope({ env: { AWS_REGION: 'us-west-2' } }, () =>
      s3Client({ endpoint: 'https://s3.us-east-1.lyvecloud.seagate.com', region: 'us-east-1' }),
    );

    expect(await client.config.endpoint?.()).toMatchObject({
      hostname: 's3.us-east-1.lyvecloud.seagate.com',
    });
    expect(await client.config.region()).toBe('us-east-1');
    expect(client.config.forcePathStyle).toBe(true);
    expect(await client.config.requestChecksumCalculation()).toBe('WHEN_REQUIRED');
  });

  it('caches one client per distinct settings', () => {
    const env = { AWS_ENDPOINT_URL_S3: 'http://127.0.0.1:9000' };

    const first = runInScope({ env }, () => s3Client());
    const second = runInScope({ env: { ...env } }, () => s3Client());
    const other = runInScope({ env: { ...env, AWS_REGION: 'eu-north-1' } }, () => s3Client());

    expect(second).toBe(first);
    expect(other).not.toBe(first);
  });

  it('secretsClient follows AWS_ENDPOINT_URL_SECRETS_MANAGER', async () => {
    const client = runInScope({ env: { AWS_ENDPOINT_URL_SECRETS_MANAGER: 'http://127.0.0.1:4566' } }, () =>
      secretsClient(),
    );

    expect(await client.config.endpoint?.()).toMatchObject({ hostname: '127.0.0.1', port: 4566 });
  });
});

describe('unmarshallNumber: plain numbers only when exact', () => {
  it.each([
    ['0', 0],
    ['42', 42],
    ['-17', -17],
    ['1.5', 1.5],
    ['0.1', 0.1],
    ['9007199254740991', 9007199254740991],
    ['1e+21', 1e21],
    ['1E2', 100],
    // Round-trip exact: written back it is the same DynamoDB number.
    ['0.000000000000000000000000000000000001', 1e-36],
  ])('%s → number %d', (text, expected) => {
    expect(unmarshallNumber(text)).toBe(expected);
  });

  it.each([
    '9007199254740993',
    '12345678901234567890123456789012345678',
    '0.1000000000000000000001',
    '123456789.123456789123',
  ])('%s → NumberValue with the exact digits', (text) => {
    const value = unmarshallNumber(text);

    expect(value).toBeInstanceOf(NumberValue);
    expect(String(value)).toBe(text);
  });
});

describe('DynamoDB clients against the embedded endpoint', () => {
  let server: DynamoServer;
  let env: Record<string, string>;
  const table = 'runs';
  const other = 'audit';

  beforeAll(async () => {
    server = await startDynamoServer({});
    await server.ensureTable({
      name: table,
      partitionKey: { name: 'pk', type: 'S' },
      sortKey: { name: 'n', type: 'N' },
    });
    await server.ensureTable({ name: other, partitionKey: { name: 'pk', type: 'S' } });
    env = {
      AWS_ENDPOINT_URL_DYNAMODB: server.url,
      AWS_ACCESS_KEY_ID: 'local',
      AWS_SECRET_ACCESS_KEY: 'local',
      AWS_MAX_ATTEMPTS: '1',
    };
  });

  afterAll(async () => {
    await server.close();
  });

  /** Like the local runtime's: only the listed action/table pairs. */
  const grants = (...allowed: string[]): AccessGuard => {
    return (action, { service, name }) => {
      if (!allowed.includes(`${action} ${name}`))
        throw new AccessNotGrantedError('demo.fn', action, `${service}:${name}`);
    };
  };

  it('a granted call goes through to the endpoint; an ungranted one is refused', async () => {
    const guard = grants(`dynamodb:PutItem ${table}`, `dynamodb:GetItem ${table}`);

    const { Item } = await runInScope({ env, guard }, async () => {
      const client = dynamoDbClient();
      await client.send(
        new PutItemCommand({ TableName: table, Item: { pk: { S: 'run-1' }, n: { N: '1' } } }),
      );
      return client.send(
        new GetItemCommand({ TableName: table, Key: { pk: { S: 'run-1' }, n: { N: '1' } } }),
      );
    });
    const refused = runInScope({ env, guard }, () =>
      dynamoDbClient().send(new PutItemCommand({ TableName: other, Item: { pk: { S: 'x' } } })),
    );

    expect(Item).toEqual({ pk: { S: 'run-1' }, n: { N: '1' } });
    await expect(refused).rejects.toThrow('demo.fn is not granted dynamodb:PutItem on dynamodb:audit');
  });

  it('BatchWriteItem is refused when any of its tables is not granted, and nothing is written', async () => {
    const guard = grants(`dynamodb:BatchWriteItem ${table}`);

    const batch = runInScope({ env, guard }, () =>
      dynamoDbClient().send(
        new BatchWriteItemCommand({
          RequestItems: {
            [table]: [{ PutRequest: { Item: { pk: { S: 'batch' }, n: { N: '1' } } } }],
            [other]: [{ PutRequest: { Item: { pk: { S: 'batch' } } } }],
          },
        }),
      ),
    );

    await expect(batch).rejects.toThrow('dynamodb:BatchWriteItem on dynamodb:audit');
    const check = await runInScope({ env }, () =>
      dynamoDbClient().send(
        new GetItemCommand({ TableName: table, Key: { pk: { S: 'batch' }, n: { N: '1' } } }),
      ),
    );
    expect(check.Item).toBeUndefined();
  });

  it('dynamoDbClient, which caches each command class middleware, still sends every call its own input and checks its grants', async () => {
    const guard = grants(`dynamodb:PutItem ${table}`, `dynamodb:GetItem ${table}`);
    const keys = ['c1', 'c2', 'c3', 'c4'];

    const got = await runInScope({ env, guard }, async () => {
      const client = dynamoDbClient();
      await Promise.all(
        keys.map((pk) =>
          client.send(
            new PutItemCommand({
              TableName: table,
              Item: { pk: { S: pk }, n: { N: '1' }, v: { S: `v-${pk}` } },
            }),
          ),
        ),
      );
      return Promise.all(
        keys.map((pk) =>
          client.send(new GetItemCommand({ TableName: table, Key: { pk: { S: pk }, n: { N: '1' } } })),
        ),
      );
    });
    const refused = runInScope({ env, guard }, () =>
      dynamoDbClient().send(new PutItemCommand({ TableName: other, Item: { pk: { S: 'x' } } })),
    );

    expect(got.map((g) => g.Item?.v?.S)).toEqual(keys.map((pk) => `v-${pk}`));
    await expect(refused).rejects.toThrow('dynamodb:PutItem on dynamodb:audit');
  });

  it('documentClient round-trips plain objects, drops undefined, keeps big numbers exact', async () => {
    const guard = grants(`dynamodb:PutItem ${table}`, `dynamodb:GetItem ${table}`, `dynamodb:Query ${table}`);
    const big = '123456789012345678901234567890';

    const { stored, queried } = await runInScope({ env, guard }, async () => {
      const doc = documentClient();
      await doc.send(
        new PutCommand({
          TableName: table,
          Item: {
            pk: 'doc',
            n: 2,
            count: 3,
            ratio: 0.25,
            big: NumberValue.from(big),
            note: undefined,
            tags: ['a'],
          },
        }),
      );
      const got = await doc.send(new GetCommand({ TableName: table, Key: { pk: 'doc', n: 2 } }));
      const query = await doc.send(
        new QueryCommand({
          TableName: table,
          KeyConditionExpression: 'pk = :pk',
          ExpressionAttributeValues: { ':pk': 'doc' },
        }),
      );
      return { stored: got.Item, queried: query.Items };
    });

    expect(stored).toEqual({
      pk: 'doc',
      n: 2,
      count: 3,
      ratio: 0.25,
      big: NumberValue.from(big),
      tags: ['a'],
    });
    expect(String(stored?.big)).toBe(big);
    expect(stored).not.toHaveProperty('note');
    expect(queried).toHaveLength(1);
  });

  it('documentClient sends each command its own input (its commands must not share a cached handler)', async () => {
    const guard = grants(`dynamodb:PutItem ${table}`, `dynamodb:GetItem ${table}`);

    const got = await runInScope({ env, guard }, async () => {
      const doc = documentClient();
      await doc.send(new PutCommand({ TableName: table, Item: { pk: 'first', n: 1, v: 'a' } }));
      await doc.send(new PutCommand({ TableName: table, Item: { pk: 'second', n: 1, v: 'b' } }));
      return Promise.all(
        ['first', 'second'].map((pk) => doc.send(new GetCommand({ TableName: table, Key: { pk, n: 1 } }))),
      );
    });

    expect(got.map((g) => g.Item?.v)).toEqual(['a', 'b']);
  });

  it('documentClient is guarded too (it shares the base client middleware)', async () => {
    const refused = runInScope({ env, guard: grants() }, () =>
      documentClient().send(new PutCommand({ TableName: table, Item: { pk: 'nope', n: 1 } })),
    );

    await expect(refused).rejects.toThrow('dynamodb:PutItem on dynamodb:runs');
  });
});
