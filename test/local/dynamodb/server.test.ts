import { mkdtemp, rm } from 'node:fs/promises';
import { connect, createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Logger } from '@aws-lambda-powertools/logger';
import {
  BatchGetItemCommand,
  BatchWriteItemCommand,
  ConditionalCheckFailedException,
  DeleteItemCommand,
  DynamoDBClient,
  DynamoDBServiceException,
  GetItemCommand,
  PutItemCommand,
  QueryCommand,
  ResourceNotFoundException,
  ScanCommand,
  type ScanCommandOutput,
  TransactWriteItemsCommand,
  UpdateItemCommand,
  type WriteRequest,
} from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, GetCommand, NumberValue, PutCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { ConfigError } from '../../../src/core/errors.js';
import { type DynamoServer, startDynamoServer } from '../../../src/local/dynamodb/index.js';
import { endpointWorker } from '../../../src/local/dynamodb/server.js';

const ITEMS = {
  name: 'items',
  partitionKey: { name: 'pk', type: 'S' },
  sortKey: { name: 'sk', type: 'N' },
} as const;
const SIMPLE = { name: 'simple', partitionKey: { name: 'id', type: 'S' } } as const;

function clientFor(server: DynamoServer, credentials = { accessKeyId: 'local', secretAccessKey: 'local' }) {
  return new DynamoDBClient({ endpoint: server.url, region: 'us-east-1', credentials, maxAttempts: 1 });
}

const putRequest = (id: string, extra: Record<string, { S: string }> = {}): WriteRequest => ({
  PutRequest: { Item: { id: { S: id }, ...extra } },
});

describe('embedded DynamoDB endpoint (in memory)', () => {
  let server: DynamoServer;
  let client: DynamoDBClient;

  beforeAll(async () => {
    server = await startDynamoServer({ port: 0 });
    client = clientFor(server);
    await server.ensureTable(ITEMS);
    await server.ensureTable(SIMPLE);
  });

  afterAll(async () => {
    client.destroy();
    await server.close();
  });

  it('binds 127.0.0.1 on an ephemeral port by default', () => {
    expect(server.host).toBe('127.0.0.1');
    expect(server.port).toBeGreaterThan(0);
    expect(server.url).toBe(`http://127.0.0.1:${server.port}`);
  });

  it('ensureTable is idempotent', async () => {
    await expect(server.ensureTable(SIMPLE)).resolves.toBeUndefined();
  });

  it.each([
    [{ ...SIMPLE, partitionKey: { name: 'other', type: 'S' } }, /exists with key schema \(id:S\)/],
    [{ ...SIMPLE, partitionKey: { name: 'id', type: 'N' } }, /declared \(id:N\)/],
    [{ name: 'x', partitionKey: { name: 'id', type: 'S' } }, /table name "x"/],
    [
      { name: 'same-keys', partitionKey: { name: 'k', type: 'S' }, sortKey: { name: 'k', type: 'S' } },
      /both "k"/,
    ],
  ] as const)('ensureTable refuses %o', async (spec, message) => {
    await expect(server.ensureTable(spec)).rejects.toThrow(ConfigError);
    await expect(server.ensureTable(spec)).rejects.toThrow(message);
  });

  it('put, get, update and delete honour ConditionExpression', async () => {
    const key = { id: { S: 'cond-1' } };
    await client.send(
      new PutItemCommand({
        TableName: SIMPLE.name,
        Item: { ...key, count: { N: '1' } },
        ConditionExpression: 'attribute_not_exists(id)',
      }),
    );

    const again = client.send(
      new PutItemCommand({
        TableName: SIMPLE.name,
        Item: key,
        ConditionExpression: 'attribute_not_exists(id)',
      }),
    );
    await expect(again).rejects.toBeInstanceOf(ConditionalCheckFailedException);

    const updated = await client.send(
      new UpdateItemCommand({
        TableName: SIMPLE.name,
        Key: key,
        UpdateExpression: 'SET #c = #c + :one, tags = list_append(if_not_exists(tags, :empty), :tag)',
        ConditionExpression: '#c = :expected',
        ExpressionAttributeNames: { '#c': 'count' },
        ExpressionAttributeValues: {
          ':one': { N: '1' },
          ':expected': { N: '1' },
          ':empty': { L: [] },
          ':tag': { L: [{ S: 'a' }] },
        },
        ReturnValues: 'ALL_NEW',
      }),
    );
    expect(updated.Attributes).toEqual({ ...key, count: { N: '2' }, tags: { L: [{ S: 'a' }] } });

    const staleUpdate = client.send(
      new UpdateItemCommand({
        TableName: SIMPLE.name,
        Key: key,
        UpdateExpression: 'SET #c = :zero',
        ConditionExpression: '#c = :expected',
        ExpressionAttributeNames: { '#c': 'count' },
        ExpressionAttributeValues: { ':zero': { N: '0' }, ':expected': { N: '1' } },
      }),
    );
    await expect(staleUpdate).rejects.toBeInstanceOf(ConditionalCheckFailedException);

    const guardedDelete = client.send(
      new DeleteItemCommand({
        TableName: SIMPLE.name,
        Key: key,
        ConditionExpression: '#c > :n',
        ExpressionAttributeNames: { '#c': 'count' },
        ExpressionAttributeValues: { ':n': { N: '5' } },
      }),
    );
    await expect(guardedDelete).rejects.toBeInstanceOf(ConditionalCheckFailedException);

    await client.send(new DeleteItemCommand({ TableName: SIMPLE.name, Key: key }));
    const gone = await client.send(new GetItemCommand({ TableName: SIMPLE.name, Key: key }));
    expect(gone.Item).toBeUndefined();
  });

  it('BatchWriteItem takes 25 requests and answers an empty UnprocessedItems map', async () => {
    const requests = Array.from({ length: 25 }, (_, i) => putRequest(`batch-${i}`));

    const result = await client.send(
      new BatchWriteItemCommand({ RequestItems: { [SIMPLE.name]: requests } }),
    );

    // Same shape as AWS: a retry loop over UnprocessedItems terminates on {}.
    expect(result.UnprocessedItems).toEqual({});
    const read = await client.send(
      new BatchGetItemCommand({
        RequestItems: { [SIMPLE.name]: { Keys: [{ id: { S: 'batch-0' } }, { id: { S: 'batch-24' } }] } },
      }),
    );
    expect(read.Responses?.[SIMPLE.name]?.map((item) => item.id?.S).sort()).toEqual(['batch-0', 'batch-24']);
    expect(read.UnprocessedKeys).toEqual({});
  });

  it('BatchWriteItem rejects 26 requests with ValidationException', async () => {
    const requests = Array.from({ length: 26 }, (_, i) => putRequest(`too-many-${i}`));

    const send = client.send(new BatchWriteItemCommand({ RequestItems: { [SIMPLE.name]: requests } }));

    await expect(send).rejects.toMatchObject({
      name: 'ValidationException',
      message: expect.stringMatching(/less than or equal to 25/),
    });
    const first = await client.send(
      new GetItemCommand({ TableName: SIMPLE.name, Key: { id: { S: 'too-many-0' } } }),
    );
    expect(first.Item).toBeUndefined();
  });

  it('BatchWriteItem rejects duplicate keys in one batch', async () => {
    const send = client.send(
      new BatchWriteItemCommand({ RequestItems: { [SIMPLE.name]: [putRequest('dup'), putRequest('dup')] } }),
    );

    await expect(send).rejects.toMatchObject({ name: 'ValidationException', message: /duplicates/ });
  });

  it('Query pages through a partition with Limit and ExclusiveStartKey', async () => {
    const requests: WriteRequest[] = Array.from({ length: 23 }, (_, i) => ({
      PutRequest: { Item: { pk: { S: 'run-1' }, sk: { N: String(i) } } },
    }));
    await client.send(new BatchWriteItemCommand({ RequestItems: { [ITEMS.name]: requests } }));

    const seen: number[] = [];
    let pages = 0;
    let start: QueryCommand['input']['ExclusiveStartKey'];
    do {
      const page = await client.send(
        new QueryCommand({
          TableName: ITEMS.name,
          KeyConditionExpression: 'pk = :pk AND sk >= :from',
          ExpressionAttributeValues: { ':pk': { S: 'run-1' }, ':from': { N: '3' } },
          Limit: 7,
          ExclusiveStartKey: start,
        }),
      );
      pages++;
      seen.push(...(page.Items ?? []).map((item) => Number(item.sk?.N)));
      start = page.LastEvaluatedKey;
    } while (start);

    expect(seen).toEqual(Array.from({ length: 20 }, (_, i) => i + 3));
    expect(pages).toBe(3);
  });

  it('Scan with parallel segments and pagination sees every item exactly once', async () => {
    const ids = Array.from({ length: 100 }, (_, i) => `scan-${i}`);
    for (let i = 0; i < ids.length; i += 25) {
      const batch = ids.slice(i, i + 25).map((id) => putRequest(id, { kind: { S: 'scan' } }));
      await client.send(new BatchWriteItemCommand({ RequestItems: { [SIMPLE.name]: batch } }));
    }

    const scanSegment = async (segment: number): Promise<string[]> => {
      const found: string[] = [];
      let start: ScanCommandOutput['LastEvaluatedKey'];
      do {
        const page = await client.send(
          new ScanCommand({
            TableName: SIMPLE.name,
            TotalSegments: 4,
            Segment: segment,
            Limit: 10,
            FilterExpression: 'kind = :k',
            ExpressionAttributeValues: { ':k': { S: 'scan' } },
            ExclusiveStartKey: start,
          }),
        );
        found.push(...(page.Items ?? []).map((item) => item.id?.S ?? ''));
        start = page.LastEvaluatedKey;
      } while (start);
      return found;
    };
    const segments = await Promise.all([0, 1, 2, 3].map(scanSegment));

    const all = segments.flat();
    expect(all.sort()).toEqual([...ids].sort());
    expect(segments.filter((s) => s.length > 0).length).toBeGreaterThan(1);
  });

  it('rejects an item over 400 KB and accepts one just under', async () => {
    const big = client.send(
      new PutItemCommand({
        TableName: SIMPLE.name,
        Item: { id: { S: 'big' }, v: { S: 'x'.repeat(400 * 1024) } },
      }),
    );
    await expect(big).rejects.toMatchObject({ name: 'ValidationException', message: /maximum allowed size/ });

    await client.send(
      new PutItemCommand({
        TableName: SIMPLE.name,
        Item: { id: { S: 'big' }, v: { S: 'x'.repeat(400 * 1024 - 100) } },
      }),
    );
  });

  it('DocumentClient marshals plain objects and keeps 38-digit numbers exact as NumberValue', async () => {
    const doc = DynamoDBDocumentClient.from(client, {
      marshallOptions: { removeUndefinedValues: true },
      unmarshallOptions: { wrapNumbers: true },
    });
    const huge = '12345678901234567890123456789012345678';
    const tiny = '0.000000000000000000000000000000000001';

    await doc.send(
      new PutCommand({
        TableName: SIMPLE.name,
        Item: {
          id: 'doc-1',
          huge: NumberValue.from(huge),
          tiny: NumberValue.from(tiny),
          nested: { list: [1, 'two', true, null], missing: undefined },
          set: new Set(['a', 'b']),
        },
      }),
    );
    const { Item } = await doc.send(new GetCommand({ TableName: SIMPLE.name, Key: { id: 'doc-1' } }));

    expect(Item?.huge).toBeInstanceOf(NumberValue);
    expect(String(Item?.huge)).toBe(huge);
    expect(String(Item?.tiny)).toBe(tiny);
    expect(Item?.nested.list.map(String)).toEqual(['1', 'two', 'true', 'null']);
    expect(Item?.nested).not.toHaveProperty('missing');
    expect(Item?.set).toEqual(new Set(['a', 'b']));
  });

  it('unknown table → ResourceNotFoundException', async () => {
    const send = client.send(new GetItemCommand({ TableName: 'no-such-table', Key: { id: { S: 'a' } } }));

    await expect(send).rejects.toBeInstanceOf(ResourceNotFoundException);
  });

  it('malformed JSON body → 400 SerializationException', async () => {
    const res = await fetch(server.url, {
      method: 'POST',
      headers: {
        'content-type': 'application/x-amz-json-1.0',
        'x-amz-target': 'DynamoDB_20120810.GetItem',
        authorization:
          'AWS4-HMAC-SHA256 Credential=local/20260101/us-east-1/dynamodb/aws4_request, SignedHeaders=host, Signature=0',
        'x-amz-date': '20260101T000000Z',
      },
      body: '{"TableName": ',
    });

    expect(res.status).toBe(400);
    expect(await res.json()).toEqual({ __type: 'com.amazon.coral.service#SerializationException' });
  });

  it('an unsigned request → 400 MissingAuthenticationToken', async () => {
    const res = await fetch(server.url, {
      method: 'POST',
      headers: {
        'content-type': 'application/x-amz-json-1.0',
        'x-amz-target': 'DynamoDB_20120810.ListTables',
      },
      body: '{}',
    });

    expect(res.status).toBe(400);
    expect(await res.json()).toMatchObject({
      __type: expect.stringMatching(/MissingAuthenticationTokenException/),
    });
  });

  // Recorded behaviour, documented in docs/dynamodb-endpoint.md: dynalite checks that a
  // SigV4 header is present but never verifies it. If this starts failing, update the doc.
  it('accepts any credentials and signatures (no SigV4 verification)', async () => {
    const stranger = clientFor(server, { accessKeyId: 'AKIDNOBODY', secretAccessKey: 'wrong-secret' });
    const forged = await fetch(server.url, {
      method: 'POST',
      headers: {
        'content-type': 'application/x-amz-json-1.0',
        'x-amz-target': 'DynamoDB_20120810.ListTables',
        authorization:
          'AWS4-HMAC-SHA256 Credential=x/20000101/us-east-1/dynamodb/aws4_request, SignedHeaders=host, Signature=forged',
        'x-amz-date': '20000101T000000Z',
      },
      body: '{}',
    });

    const listed = await stranger.send(
      new GetItemCommand({ TableName: SIMPLE.name, Key: { id: { S: 'batch-0' } } }),
    );
    expect(listed.Item?.id?.S).toBe('batch-0');
    expect(forged.status).toBe(200);
    stranger.destroy();
  });

  it('TransactWriteItems is not supported (UnknownOperationException)', async () => {
    const send = client.send(
      new TransactWriteItemsCommand({
        TransactItems: [{ Put: { TableName: SIMPLE.name, Item: { id: { S: 'tx' } } } }],
      }),
    );

    await expect(send).rejects.toBeInstanceOf(DynamoDBServiceException);
    await expect(send).rejects.toMatchObject({ name: 'UnknownOperationException' });
  });

  it('survives a client hanging up mid-request (dynalite alone would crash the process)', async () => {
    await new Promise<void>((resolve, reject) => {
      const socket = connect(server.port, '127.0.0.1', () => {
        socket.write(
          'POST / HTTP/1.1\r\nHost: x\r\nContent-Type: application/x-amz-json-1.0\r\nContent-Length: 1000\r\n\r\n{"a":',
        );
        setTimeout(() => socket.destroy(), 50);
      });
      socket.on('close', () => resolve());
      socket.on('error', reject);
    });
    await new Promise((resolve) => setTimeout(resolve, 50));

    const after = await client.send(
      new GetItemCommand({ TableName: SIMPLE.name, Key: { id: { S: 'batch-1' } } }),
    );
    expect(after.Item?.id?.S).toBe('batch-1');
  });
});

describe('embedded DynamoDB endpoint (on disk)', () => {
  let dir: string;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'tributary-dynamodb-'));
  });

  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('keeps tables and items across close and restart', async () => {
    const dataDir = join(dir, 'state', 'dynamodb');
    const first = await startDynamoServer({ dataDir });
    const writer = clientFor(first);
    await first.ensureTable(SIMPLE);
    await writer.send(
      new PutItemCommand({ TableName: SIMPLE.name, Item: { id: { S: 'kept' }, n: { N: '42' } } }),
    );
    writer.destroy();
    await first.close();

    const second = await startDynamoServer({ dataDir });
    const reader = clientFor(second);
    await second.ensureTable(SIMPLE);
    const { Item } = await reader.send(
      new GetItemCommand({ TableName: SIMPLE.name, Key: { id: { S: 'kept' } } }),
    );
    reader.destroy();
    await second.close();

    expect(Item).toEqual({ id: { S: 'kept' }, n: { N: '42' } });
  });

  it('refuses a data dir another server holds open', async () => {
    const dataDir = join(dir, 'shared');
    const holder = await startDynamoServer({ dataDir });

    const second = startDynamoServer({ dataDir });

    await expect(second).rejects.toThrow(ConfigError);
    await expect(second).rejects.toThrow(/in use by another process or server/);
    await holder.close();
    // The failed start must not have kept anything open: the dir is usable again.
    const reopened = await startDynamoServer({ dataDir });
    await reopened.close();
  });

  it('refuses a port that is taken, and an invalid port', async () => {
    const blocker: Server = createServer();
    await new Promise<void>((resolve) => blocker.listen(0, '127.0.0.1', resolve));
    const taken = (blocker.address() as { port: number }).port;

    const dataDir = join(dir, 'port-taken');

    await expect(startDynamoServer({ port: taken, dataDir })).rejects.toThrow(
      /cannot listen on 127.0.0.1:\d+: the address is in use/,
    );
    await expect(startDynamoServer({ port: 70_000 })).rejects.toThrow(ConfigError);
    await new Promise((resolve) => blocker.close(resolve));
    // The failed start released the LevelDB lock.
    const retry = await startDynamoServer({ dataDir });
    await retry.close();
  });

  it('runs in a worker thread whose failure is logged, leaves this process running, and close() still resolves', async () => {
    const server = await startDynamoServer({});
    const worker = endpointWorker(server);
    expect(worker?.threadId).toBeGreaterThan(0);
    const spy = vi.spyOn(Logger.prototype, 'error').mockImplementation(() => {});
    let logged: unknown[] = [];
    try {
      // A message the worker cannot read makes it throw: an uncaught error inside the thread.
      const exited = new Promise((resolve) => worker?.once('exit', resolve));
      worker?.postMessage(null);
      await exited;
      logged = spy.mock.calls.map(([message]) => message);
    } finally {
      spy.mockRestore();
    }
    expect(logged).toEqual(['DynamoDB endpoint worker failed; the endpoint is down']);
    const client = clientFor(server);
    await expect(client.send(new ScanCommand({ TableName: 'anything' }))).rejects.toMatchObject({
      code: 'ECONNREFUSED',
    });
    client.destroy();
    await expect(server.close()).resolves.toBeUndefined();
  });

  it('close is idempotent', async () => {
    const server = await startDynamoServer({});
    await Promise.all([server.close(), server.close()]);
    await expect(server.close()).resolves.toBeUndefined();
  });
});

describe('embedded DynamoDB endpoint (with credentials: SigV4 verified)', () => {
  const KEY = { accessKeyId: 'tributary', secretAccessKey: 'tributary-local-secret' };
  let server: DynamoServer;
  let client: DynamoDBClient;

  beforeAll(async () => {
    server = await startDynamoServer({ credentials: [KEY] });
    client = clientFor(server, KEY);
    await server.ensureTable(SIMPLE);
  });

  afterAll(async () => {
    client.destroy();
    await server.close();
  });

  it('serves correctly signed requests, including unicode bodies through the DocumentClient', async () => {
    const doc = DynamoDBDocumentClient.from(client);

    await doc.send(
      new PutCommand({ TableName: SIMPLE.name, Item: { id: 'ünï 🚀', note: 'x'.repeat(70_000) } }),
    );
    const got = await doc.send(new GetCommand({ TableName: SIMPLE.name, Key: { id: 'ünï 🚀' } }));

    expect(got.Item?.note).toHaveLength(70_000);
  });

  it.each([
    [
      'a wrong secret',
      { ...KEY, secretAccessKey: 'wrong' },
      'InvalidSignatureException',
      /signature we calculated/,
    ],
    [
      'an unknown key',
      { accessKeyId: 'AKIDNOBODY', secretAccessKey: 'x' },
      'UnrecognizedClientException',
      /security token/,
    ],
  ])('refuses %s with 400 %s and keeps serving', async (_what, credentials, name, message) => {
    const stranger = clientFor(server, credentials);

    const refused = stranger.send(new GetItemCommand({ TableName: SIMPLE.name, Key: { id: { S: 'a' } } }));

    await expect(refused).rejects.toMatchObject({
      name,
      message: expect.stringMatching(message),
      $metadata: { httpStatusCode: 400 },
    });
    const after = await client.send(
      new PutItemCommand({ TableName: SIMPLE.name, Item: { id: { S: 'after' } } }),
    );
    expect(after.$metadata.httpStatusCode).toBe(200);
    stranger.destroy();
  });

  it('refuses a signature more than 15 minutes old (InvalidSignatureException: Signature expired)', async () => {
    const skewed = new DynamoDBClient({
      endpoint: server.url,
      region: 'us-east-1',
      credentials: KEY,
      maxAttempts: 1,
      systemClockOffset: -20 * 60 * 1000,
    });

    const refused = skewed.send(new GetItemCommand({ TableName: SIMPLE.name, Key: { id: { S: 'a' } } }));

    await expect(refused).rejects.toMatchObject({
      name: 'InvalidSignatureException',
      message: expect.stringMatching(/^Signature expired/),
    });
    skewed.destroy();
  });

  it('refuses a body altered after signing, writing nothing', async () => {
    const sent: { headers: Record<string, string>; body: string }[] = [];
    const capture = clientFor(server, KEY);
    capture.middlewareStack.add(
      (next) => async (args) => {
        const request = args.request as { headers: Record<string, string>; body: string };
        sent.push({ headers: { ...request.headers }, body: request.body });
        return next(args);
      },
      { step: 'finalizeRequest', priority: 'low' },
    );
    await capture.send(new GetItemCommand({ TableName: SIMPLE.name, Key: { id: { S: 'tampered' } } }));
    const original = sent[0];
    if (!original) throw new Error('no request captured');

    // The signed headers as sent (fetch sets host and content-length itself), a different body and target.
    const { host: _host, 'content-length': _length, ...headers } = original.headers;
    const res = await fetch(server.url, {
      method: 'POST',
      headers: { ...headers, 'x-amz-target': 'DynamoDB_20120810.PutItem' },
      body: JSON.stringify({ TableName: SIMPLE.name, Item: { id: { S: 'tampered' } } }),
    });

    expect(res.status).toBe(400);
    expect(await res.json()).toMatchObject({ __type: expect.stringMatching(/InvalidSignatureException/) });
    const stored = await client.send(
      new GetItemCommand({ TableName: SIMPLE.name, Key: { id: { S: 'tampered' } } }),
    );
    expect(stored.Item).toBeUndefined();
    capture.destroy();
  });

  it('still answers an unsigned request with MissingAuthenticationToken', async () => {
    const res = await fetch(server.url, {
      method: 'POST',
      headers: {
        'content-type': 'application/x-amz-json-1.0',
        'x-amz-target': 'DynamoDB_20120810.ListTables',
      },
      body: '{}',
    });

    expect(res.status).toBe(400);
    expect(await res.json()).toMatchObject({
      __type: expect.stringMatching(/MissingAuthenticationTokenException/),
    });
  });
});

describe('embedded DynamoDB endpoint: oversized headers', () => {
  it('answers 431 to a request with 20 KB of headers and keeps serving', async () => {
    const server = await startDynamoServer({});
    const client = clientFor(server);
    try {
      const reply = await new Promise<string>((resolve, reject) => {
        let text = '';
        const socket = connect(server.port, '127.0.0.1', () => {
          socket.write(
            `POST / HTTP/1.1\r\nHost: x\r\nX-Big: ${'a'.repeat(20_000)}\r\nContent-Length: 2\r\n\r\n{}`,
          );
        });
        socket.on('data', (d) => {
          text += d.toString();
        });
        socket.on('close', () => resolve(text));
        socket.on('error', reject);
      });

      const listed = await client.send(new ScanCommand({ TableName: 'none' })).catch((e: Error) => e.name);
      expect(reply).toMatch(/^HTTP\/1\.1 431 /);
      expect(listed).toBe('ResourceNotFoundException');
    } finally {
      client.destroy();
      await server.close();
    }
  });
});
