import type { Server } from 'node:http';
import { createRequire } from 'node:module';
import type { AddressInfo } from 'node:net';
import { CreateTableCommand, DynamoDBClient, ScanCommand } from '@aws-sdk/client-dynamodb';
import dynalite from 'dynalite';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  canonicalRequest,
  type DynaliteValidations,
  installFastTypeChecks,
} from '../../../src/local/dynamodb/fast-types.js';
import { type DynamoServer, startDynamoServer } from '../../../src/local/dynamodb/index.js';

// This process's dynalite is unwrapped (the endpoint installs the shortcut in its worker only).
const requireDynalite = createRequire(import.meta.url);
const validations = requireDynalite('dynalite/validations/index.js') as DynaliteValidations;
const TYPES = {
  putItem: (requireDynalite('dynalite/validations/putItem.js') as { types: object }).types,
  batchWriteItem: (requireDynalite('dynalite/validations/batchWriteItem.js') as { types: object }).types,
};

const TABLE = 'fast-types';
const put = (item: unknown) => ({ PutRequest: { Item: item } });
const batch = (...writes: unknown[]) => JSON.stringify({ RequestItems: { [TABLE]: writes } });
const putItem = (item: unknown, extra: object = {}) =>
  JSON.stringify({ TableName: TABLE, Item: item, ...extra });
const nested = (levels: number): unknown => (levels === 0 ? { S: 'leaf' } : { M: { x: nested(levels - 1) } });

/** Request bodies: [name, action, body, takes the shortcut]. Bad ones must get dynalite's own answer. */
const CASES: [string, 'BatchWriteItem' | 'PutItem', string, boolean][] = [
  [
    'every canonical type, 25 items',
    'BatchWriteItem',
    batch(
      ...Array.from({ length: 25 }, (_, i) =>
        put({
          id: { S: `all-${i}` },
          n: { N: '12345678901234567890.5' },
          b: { BOOL: true },
          z: { NULL: true },
          l: { L: [{ S: 'a' }, { N: '1' }, { M: { k: { S: 'v' } } }] },
          m: { M: { '1': { S: 'numeric name' }, inner: { L: [] } } },
          ss: { SS: ['x', 'y'] },
          ns: { NS: ['1', '2.5'] },
        }),
      ),
    ),
    true,
  ],
  [
    'a delete next to a put',
    'BatchWriteItem',
    batch(put({ id: { S: 'p' } }), { DeleteRequest: { Key: { id: { S: 'q' } } } }),
    true,
  ],
  [
    'ReturnConsumedCapacity TOTAL',
    'BatchWriteItem',
    JSON.stringify({
      RequestItems: { [TABLE]: [put({ id: { S: 'rc' } })] },
      ReturnConsumedCapacity: 'TOTAL',
    }),
    true,
  ],
  [
    'ReturnConsumedCapacity not an enum value',
    'BatchWriteItem',
    JSON.stringify({ RequestItems: { [TABLE]: [put({ id: { S: 'rc' } })] }, ReturnConsumedCapacity: 'ALL' }),
    true,
  ],
  ['empty key string', 'BatchWriteItem', batch(put({ id: { S: '' } })), true],
  ['key missing', 'BatchWriteItem', batch(put({ other: { S: 'x' } })), true],
  ['key of the wrong type', 'BatchWriteItem', batch(put({ id: { N: '1' } })), true],
  ['an invalid number', 'BatchWriteItem', batch(put({ id: { S: 'n' }, n: { N: 'abc' } })), true],
  ['NULL false', 'BatchWriteItem', batch(put({ id: { S: 'n' }, z: { NULL: false } })), true],
  ['an empty string set', 'BatchWriteItem', batch(put({ id: { S: 's' }, ss: { SS: [] } })), true],
  [
    'a string set with duplicates',
    'BatchWriteItem',
    batch(put({ id: { S: 's' }, ss: { SS: ['a', 'a'] } })),
    true,
  ],
  [
    'item over 400 KB',
    'BatchWriteItem',
    batch(put({ id: { S: 'big' }, data: { S: 'x'.repeat(400 * 1024) } })),
    true,
  ],
  ['nested 31 levels (accepted)', 'BatchWriteItem', batch(put({ id: { S: 'deep31' }, d: nested(31) })), true],
  ['nested 33 levels', 'BatchWriteItem', batch(put({ id: { S: 'deep33' }, d: nested(33) })), false],
  [
    '26 items',
    'BatchWriteItem',
    batch(...Array.from({ length: 26 }, (_, i) => put({ id: { S: `x${i}` } }))),
    true,
  ],
  [
    'duplicate keys in a batch',
    'BatchWriteItem',
    batch(put({ id: { S: 'dup' } }), put({ id: { S: 'dup' } })),
    true,
  ],
  ['empty RequestItems', 'BatchWriteItem', JSON.stringify({ RequestItems: {} }), true],
  ['an empty list of writes', 'BatchWriteItem', JSON.stringify({ RequestItems: { [TABLE]: [] } }), true],
  [
    'a table name too short',
    'BatchWriteItem',
    JSON.stringify({ RequestItems: { x: [put({ id: { S: 'a' } })] } }),
    true,
  ],
  [
    'an unknown table',
    'BatchWriteItem',
    JSON.stringify({ RequestItems: { nosuchtable: [put({ id: { S: 'a' } })] } }),
    true,
  ],
  ['PutRequest without Item', 'BatchWriteItem', batch({ PutRequest: {} }), true],
  ['number as a JSON number', 'BatchWriteItem', batch(put({ id: { S: 'n' }, n: { N: 5 } })), false],
  ['string as a JSON number', 'BatchWriteItem', batch(put({ id: { S: 'n' }, s: { S: 5 } })), false],
  [
    'BOOL as the string "true" (coerced)',
    'BatchWriteItem',
    batch(put({ id: { S: 'coerced' }, b: { BOOL: 'true' } })),
    false,
  ],
  ['BOOL as "maybe"', 'BatchWriteItem', batch(put({ id: { S: 'b' }, b: { BOOL: 'maybe' } })), false],
  ['an attribute that is null', 'BatchWriteItem', batch(put({ id: { S: 'nul' }, a: null })), false],
  [
    'an attribute with two types',
    'BatchWriteItem',
    batch(put({ id: { S: 't' }, a: { S: 'a', N: '1' } })),
    false,
  ],
  ['an attribute with no type', 'BatchWriteItem', batch(put({ id: { S: 't' }, a: {} })), false],
  [
    'an attribute with an unknown type',
    'BatchWriteItem',
    batch(put({ id: { S: 't' }, a: { X: 'a' } })),
    false,
  ],
  ['a list holding null', 'BatchWriteItem', batch(put({ id: { S: 't' }, l: { L: [null] } })), false],
  [
    'a string set holding a number',
    'BatchWriteItem',
    batch(put({ id: { S: 't' }, ss: { SS: ['a', 1] } })),
    false,
  ],
  ['a valid binary', 'BatchWriteItem', batch(put({ id: { S: 'bin' }, b: { B: 'aGk=' } })), false],
  ['an invalid binary', 'BatchWriteItem', batch(put({ id: { S: 'bin' }, b: { B: 'a' } })), false],
  ['Item as an array', 'BatchWriteItem', batch({ PutRequest: { Item: [] } }), false],
  ['writes as an object', 'BatchWriteItem', JSON.stringify({ RequestItems: { [TABLE]: {} } }), false],
  [
    'a put and a delete in one write',
    'BatchWriteItem',
    batch({ ...put({ id: { S: 'a' } }), DeleteRequest: { Key: { id: { S: 'a' } } } }),
    false,
  ],
  ['an empty write', 'BatchWriteItem', batch({}), false],
  [
    'an unknown member in PutRequest',
    'BatchWriteItem',
    batch({ PutRequest: { Item: { id: { S: 'u' } }, Extra: 1 } }),
    false,
  ],
  [
    'an unknown top-level member',
    'BatchWriteItem',
    JSON.stringify({ RequestItems: { [TABLE]: [put({ id: { S: 'u2' } })] }, Foo: 1 }),
    false,
  ],
  [
    'an attribute named __proto__',
    'BatchWriteItem',
    `{"RequestItems":{"${TABLE}":[{"PutRequest":{"Item":{"id":{"S":"proto"},"__proto__":{"S":"x"}}}}]}}`,
    false,
  ],
  ['RequestItems null', 'BatchWriteItem', JSON.stringify({ RequestItems: null }), false],
  ['a body that is an array', 'BatchWriteItem', '[]', false],
  [
    'PutItem with a condition, names and values',
    'PutItem',
    putItem(
      { id: { S: 'cond' }, v: { N: '1' } },
      {
        ConditionExpression: 'attribute_not_exists(#i) OR #v < :v',
        ExpressionAttributeNames: { '#i': 'id', '#v': 'v' },
        ExpressionAttributeValues: { ':v': { N: '5' } },
        ReturnValues: 'ALL_OLD',
      },
    ),
    true,
  ],
  [
    'PutItem whose condition fails',
    'PutItem',
    putItem({ id: { S: 'cond' } }, { ConditionExpression: 'attribute_not_exists(id)' }),
    true,
  ],
  [
    'PutItem with an undefined value placeholder',
    'PutItem',
    putItem({ id: { S: 'c2' } }, { ConditionExpression: 'v = :missing' }),
    true,
  ],
  [
    'PutItem with ReturnValues ALL_NEW',
    'PutItem',
    putItem({ id: { S: 'c3' } }, { ReturnValues: 'ALL_NEW' }),
    true,
  ],
  [
    'PutItem over 400 KB',
    'PutItem',
    putItem({ id: { S: 'big' }, data: { S: 'y'.repeat(400 * 1024) } }),
    true,
  ],
  ['PutItem with an empty key', 'PutItem', putItem({ id: { S: '' } }), true],
  ['PutItem without TableName', 'PutItem', JSON.stringify({ Item: { id: { S: 'a' } } }), true],
  [
    'PutItem with Expected (legacy)',
    'PutItem',
    putItem({ id: { S: 'e' } }, { Expected: { id: { Exists: false } } }),
    false,
  ],
  ['PutItem with a number as a JSON number', 'PutItem', putItem({ id: { S: 'n' }, n: { N: 1 } }), false],
  [
    'PutItem with a name that is a number',
    'PutItem',
    putItem(
      { id: { S: 'n' } },
      {
        ConditionExpression: '#a = :a',
        ExpressionAttributeNames: { '#a': 1 },
        ExpressionAttributeValues: { ':a': { S: 'x' } },
      },
    ),
    false,
  ],
  [
    'PutItem with TableName null',
    'PutItem',
    JSON.stringify({ TableName: null, Item: { id: { S: 'n' } } }),
    false,
  ],
];

/** dynalite alone throws out of its request handler on these (the endpoint answers 500; see server.test.ts). */
const CRASHES_DYNALITE = new Set(['an attribute that is null', 'a list holding null']);

type Outcome = { value: string } | { error: unknown };
const outcome = (run: () => unknown): Outcome => {
  try {
    return { value: JSON.stringify(run()) };
  } catch (err) {
    return { error: (err as { body?: unknown }).body ?? String(err) };
  }
};

describe('fast type check (unit): the same result as dynalite checkTypes', () => {
  const fast = { checkTypes: validations.checkTypes.bind(validations) };
  installFastTypeChecks(fast, TYPES);

  it.each(CASES)('%s', (_name, action, body, shortcut) => {
    const types = action === 'PutItem' ? TYPES.putItem : TYPES.batchWriteItem;
    const data = () => JSON.parse(body) as unknown;
    const key = action === 'PutItem' ? 'putItem' : 'batchWriteItem';
    expect(canonicalRequest(data(), key, types) !== undefined).toBe(shortcut);
    expect(outcome(() => fast.checkTypes(data(), types))).toEqual(
      outcome(() => validations.checkTypes(data(), types)),
    );
  });

  it('leaves every other action to dynalite', () => {
    const getTypes = (requireDynalite('dynalite/validations/getItem.js') as { types: object }).types;
    const data = { TableName: TABLE, Key: { id: { S: 'a' } }, Unknown: 1 };
    expect(fast.checkTypes(structuredClone(data), getTypes)).toEqual(
      validations.checkTypes(structuredClone(data), getTypes),
    );
  });
});

describe('fast type check (endpoint): every answer is plain dynalite’s', () => {
  let plain: Server;
  let plainUrl: string;
  let ours: DynamoServer;

  const send = async (url: string, action: string, body: string) => {
    const res = await fetch(url, {
      method: 'POST',
      body,
      headers: {
        'content-type': 'application/x-amz-json-1.0',
        'x-amz-target': `DynamoDB_20120810.${action}`,
        'x-amz-date': '20261123T000000Z',
        authorization:
          'AWS4-HMAC-SHA256 Credential=local/20261123/us-east-1/dynamodb/aws4_request, SignedHeaders=host, Signature=00',
      },
    });
    return { status: res.status, body: (await res.json()) as unknown };
  };

  const createTable = async (endpoint: string) => {
    const client = new DynamoDBClient({
      endpoint,
      region: 'us-east-1',
      credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
    });
    await client.send(
      new CreateTableCommand({
        TableName: TABLE,
        KeySchema: [{ AttributeName: 'id', KeyType: 'HASH' }],
        AttributeDefinitions: [{ AttributeName: 'id', AttributeType: 'S' }],
        BillingMode: 'PAY_PER_REQUEST',
      }),
    );
    return client;
  };
  let clients: DynamoDBClient[] = [];

  beforeAll(async () => {
    plain = dynalite({ createTableMs: 0 });
    await new Promise<void>((resolve) => plain.listen(0, '127.0.0.1', resolve));
    plainUrl = `http://127.0.0.1:${(plain.address() as AddressInfo).port}`;
    ours = await startDynamoServer({ port: 0 });
    clients = [await createTable(plainUrl), await createTable(ours.url)];
  });

  afterAll(async () => {
    for (const client of clients) client.destroy();
    await ours.close();
    await new Promise<void>((resolve) => plain.close(() => resolve()));
  });

  it('answers each request as dynalite does, in order, and ends with the same items stored', async () => {
    for (const [name, action, body] of CASES) {
      if (CRASHES_DYNALITE.has(name)) continue;
      const [expected, actual] = [await send(plainUrl, action, body), await send(ours.url, action, body)];
      expect({ name, ...actual }).toEqual({ name, ...expected });
    }
    const scan = async (client: DynamoDBClient) =>
      ((await client.send(new ScanCommand({ TableName: TABLE }))).Items ?? []).sort((a, b) =>
        String(a.id?.S).localeCompare(String(b.id?.S)),
      );
    const [plainItems, ourItems] = [
      await scan(clients[0] as DynamoDBClient),
      await scan(clients[1] as DynamoDBClient),
    ];
    expect(ourItems.length).toBeGreaterThan(25);
    expect(ourItems).toEqual(plainItems);
  });
});
