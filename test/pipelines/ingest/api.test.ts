import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DynamoDBClient, GetItemCommand, ScanCommand } from '@aws-sdk/client-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type DynamoServer, startDynamoServer } from '../../../src/local/dynamodb/index.js';
import { api } from '../../../src/pipelines/ingest/handler.js';
import pipeline from '../../../src/pipelines/ingest/pipeline.js';
import { AUTH_SECRET_VALUE, type Call, invoke, PASSWORD, USER } from './helpers.js';

let dynamo: DynamoServer;
let client: DynamoDBClient;
let dir: string;
let env: Record<string, string>;

const TABLE = pipeline.resources.records;
const IDEMPOTENCY = pipeline.resources.idempotency;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'ingest-api-'));
  dynamo = await startDynamoServer();
  await dynamo.ensureTable(TABLE);
  await dynamo.ensureTable(IDEMPOTENCY);
  const secrets = join(dir, 'secrets.json');
  await writeFile(secrets, JSON.stringify({ [pipeline.resources.auth.name]: AUTH_SECRET_VALUE }));
  env = {
    AWS_REGION: 'us-east-1',
    AWS_ACCESS_KEY_ID: 'local',
    AWS_SECRET_ACCESS_KEY: 'local',
    AWS_ENDPOINT_URL_DYNAMODB: dynamo.url,
    TRIBUTARY_SECRETS_FILE: secrets,
    TABLE_NAME: TABLE.name,
    IDEMPOTENCY_TABLE: IDEMPOTENCY.name,
    AUTH_SECRET: pipeline.resources.auth.name,
    RATE_LIMIT_PER_SECOND: '0',
  };
  client = new DynamoDBClient({
    endpoint: dynamo.url,
    region: 'us-east-1',
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
  });
});

afterAll(async () => {
  client?.destroy();
  await dynamo?.close();
  await rm(dir, { recursive: true, force: true });
});

const call = (c: Call, overrides: Record<string, string> = {}) =>
  invoke(api, Object.keys(overrides).length ? { ...env, ...overrides } : env, c);
const post = (path: string, body: string, headers: Record<string, string> = {}) =>
  call({ method: 'POST', path, body, headers });
const getItem = async (id: string) =>
  (await client.send(new GetItemCommand({ TableName: TABLE.name, Key: { Id: { S: id } } }))).Item;
const countItems = async () =>
  (await client.send(new ScanCommand({ TableName: TABLE.name, Select: 'COUNT' }))).Count;

describe('POST /post (compatible with the sample)', () => {
  it('stores a record with a string Id, numbers exact, and answers as the sample did', async () => {
    // Arrange
    const body = '{"Id":"sensor-1","reading":12345678901234567890.123456789,"tags":["a"],"ok":true}';
    const before = new Date().toISOString();
    // Act
    const answer = await post('/post', body);
    // Assert
    expect(answer.status).toBe(200);
    expect(answer.json()).toEqual({ message: 'Execution successfully!', id: 'sensor-1' });
    const item = await getItem('sensor-1');
    expect(item?.reading).toEqual({ N: '12345678901234567890.123456789' });
    expect(item?.tags).toEqual({ L: [{ S: 'a' }] });
    expect(item?.receivedAt?.S && item.receivedAt.S >= before).toBe(true);
  });

  it.each([
    [
      'non-JSON',
      'Id=1&x=2',
      400,
      /the body is not valid JSON: it has an unexpected character at line 1, column 1/,
    ],
    ['truncated JSON', '{"Id":"a",', 400, /not valid JSON/],
    ['an empty body', '', 400, /the body is not valid JSON: it is empty/],
    ['a JSON array', '[{"Id":"a"}]', 400, /the record must be a JSON object, not an array/],
    ['a JSON string', '"hello"', 400, /must be a JSON object, not a string/],
    ['a missing Id', '{"name":"x"}', 400, /the record has no "Id": a string Id is required/],
    ['a numeric Id', '{"Id":42}', 400, /"Id" must be a string, not a number/],
    ['an empty Id', '{"Id":""}', 400, /"Id" must not be empty \(it is the table's key\)/],
    ['an empty field name', '{"Id":"a","":1}', 400, /empty name/],
    [
      'a 39-digit number',
      '{"Id":"a","n":123456789012345678901234567890123456789}',
      400,
      /field "n" has 39 significant digits/,
    ],
    [
      '33 levels of nesting',
      `{"Id":"a","x":${'['.repeat(33)}${']'.repeat(33)}}`,
      400,
      /field "x(\[0\]){32}" is nested 33 levels deep; DynamoDB allows 32/,
    ],
    [
      'absurd nesting',
      `{"Id":"a","x":${'['.repeat(100_000)}${']'.repeat(100_000)}}`,
      400,
      /nests deeper than 34 levels/,
    ],
    [
      'an item over 400 KB',
      `{"Id":"big","blob":"${'x'.repeat(410_000)}"}`,
      413,
      /the record \(Id "big"\) is 4100\d\d bytes as a DynamoDB item; the limit is 409600 bytes/,
    ],
  ])('refuses %s with a message naming the problem', async (_name, body, status, message) => {
    // Act
    const answer = await post('/post', body);
    // Assert
    expect(answer.status).toBe(status);
    expect((answer.json() as { message: string }).message).toMatch(message);
  });

  it('stores 32 levels of nesting, the most DynamoDB allows', async () => {
    const deep = `{"Id":"deep-32","x":${'['.repeat(32)}1${']'.repeat(32)}}`;
    const answer = await post('/post', deep);
    expect(answer.status).toBe(200);
    expect((await call({ method: 'GET', path: '/records/deep-32' })).body).toContain(`${'['.repeat(32)}1`);
  });

  it('refuses a body over MAX_BODY_BYTES with 413', async () => {
    const answer = await call(
      { method: 'POST', path: '/post', body: JSON.stringify({ Id: 'a', pad: 'x'.repeat(5000) }) },
      { MAX_BODY_BYTES: '4096' },
    );
    expect(answer.status).toBe(413);
    expect(answer.json()).toMatchObject({
      error: 'PayloadTooLarge',
      message: /larger than 4096 bytes \(MAX_BODY_BYTES\)/,
    });
  });

  it('measures the body itself, whatever Content-Length the client declared', async () => {
    const answer = await call(
      {
        method: 'POST',
        path: '/post',
        body: JSON.stringify({ Id: 'understated', pad: 'x'.repeat(5000) }),
        headers: { 'content-length': '10' },
      },
      { MAX_BODY_BYTES: '4096' },
    );
    const declaredTooMuch = await call(
      { method: 'POST', path: '/post', body: '{"Id":"overstated"}', headers: { 'content-length': '5000' } },
      { MAX_BODY_BYTES: '4096' },
    );
    expect(answer.status).toBe(413);
    expect(await getItem('understated')).toBeUndefined();
    // Hono's Lambda adapter sets Content-Length from the body that arrived.
    expect(declaredTooMuch.status).toBe(200);
  });

  it('validates records against RECORD_SCHEMA, naming the field', async () => {
    const schema = JSON.stringify({ type: 'object', properties: { temp: { type: 'number', maximum: 100 } } });
    const answer = await call(
      { method: 'POST', path: '/post', body: '{"Id":"s","temp":120}' },
      { RECORD_SCHEMA: schema },
    );
    expect(answer.status).toBe(400);
    expect(answer.json()).toMatchObject({
      message: 'the record does not match RECORD_SCHEMA: field "temp" must be <= 100',
    });
  });

  it('refuses to run with an invalid RECORD_SCHEMA, saying why', async () => {
    const answer = await call(
      { method: 'POST', path: '/post', body: '{"Id":"s"}' },
      { RECORD_SCHEMA: '{"type":"objekt"}' },
    );
    expect(answer.status).toBe(500);
    expect(answer.json()).toMatchObject({
      error: 'InvalidConfig',
      message: /RECORD_SCHEMA is not a valid JSON Schema/,
    });
  });
});

describe('POST /records', () => {
  it('stores a JSON array in batches, generating time-ordered Ids when absent', async () => {
    // Arrange: 60 records = three BatchWriteItem calls
    const records = Array.from({ length: 60 }, (_, i) => ({
      seq: i,
      ...(i % 2 === 0 ? { Id: `batch-${i}` } : {}),
    }));
    // Act
    const answer = await post('/records', JSON.stringify(records));
    // Assert
    expect(answer.status).toBe(200);
    const { count, ids } = answer.json() as { count: number; ids: string[] };
    expect(count).toBe(60);
    expect(ids[0]).toBe('batch-0');
    expect(ids[1]).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    for (const [i, id] of ids.entries()) expect((await getItem(id))?.seq).toEqual({ N: String(i) });
  });

  it('accepts NDJSON, skipping blank lines', async () => {
    const body = '{"Id":"nd-1","v":1}\n\n{"Id":"nd-2","v":2.50}\r\n';
    const answer = await post('/records', body, { 'content-type': 'application/x-ndjson' });
    expect(answer.status).toBe(200);
    expect(answer.json()).toEqual({ message: 'stored 2 records', count: 2, ids: ['nd-1', 'nd-2'] });
    expect((await getItem('nd-2'))?.v?.N).toMatch(/^2\.50?$/);
  });

  it('accepts a single object', async () => {
    const answer = await post('/records', '{"Id":"single","v":true}');
    expect(answer.json()).toEqual({ message: 'stored 1 record', count: 1, ids: ['single'] });
  });

  it.each([
    ['an empty array', '[]', 'application/json', 400, /the body holds no records/],
    [
      'a non-object element',
      '[{"Id":"ok-1"},7]',
      'application/json',
      400,
      /record 1 must be a JSON object, not a number/,
    ],
    ['a repeated Id', '[{"Id":"r"},{"Id":"r"}]', 'application/json', 400, /record 1 repeats Id "r"/],
    ['an empty Id', '[{"Id":"x"},{"Id":""}]', 'application/json', 400, /record 1: "Id" must not be empty/],
    [
      'a bad NDJSON line',
      '{"Id":"a"}\n{"Id":\n',
      'application/x-ndjson',
      400,
      /NDJSON line 2 is not valid JSON/,
    ],
    ['non-JSON', 'not json', 'application/json', 400, /not valid JSON/],
  ])('refuses %s and stores nothing', async (_name, body, type, status, message) => {
    // Arrange
    const before = await countItems();
    // Act
    const answer = await post('/records', body, { 'content-type': type });
    // Assert
    expect(answer.status).toBe(status);
    expect((answer.json() as { message: string }).message).toMatch(message);
    expect(await countItems()).toBe(before);
  });

  it('refuses more records than MAX_RECORDS_PER_REQUEST with 413', async () => {
    const body = JSON.stringify(Array.from({ length: 26 }, (_, i) => ({ Id: `over-${i}` })));
    const ndjson = Array.from({ length: 30 }, (_, i) => `{"Id":"n${i}"}`).join('\n');
    const json = await call({ method: 'POST', path: '/records', body }, { MAX_RECORDS_PER_REQUEST: '25' });
    const nd = await call(
      { method: 'POST', path: '/records', body: ndjson, headers: { 'content-type': 'application/x-ndjson' } },
      { MAX_RECORDS_PER_REQUEST: '25' },
    );
    expect(json.status).toBe(413);
    expect(json.json()).toMatchObject({
      message: 'the request has 26 records; the limit is 25 (MAX_RECORDS_PER_REQUEST)',
    });
    expect(nd.status).toBe(413);
    expect(nd.json()).toMatchObject({ message: /has 30 records; the limit is 25/ });
  });
});

describe('GET /records', () => {
  it('returns one record with its numbers exactly as stored', async () => {
    await post('/post', '{"Id":"exact","n":0.1000000000000000055511151231257827,"big":99999999999999999999}');
    const answer = await call({ method: 'GET', path: '/records/exact' });
    expect(answer.status).toBe(200);
    expect(answer.body).toMatch(/"n":0\.1000000000000000055511151231257827/);
    expect(answer.body).toMatch(/"big":99999999999999999999[,}]/);
  });

  it('answers 404 for an unknown Id', async () => {
    const answer = await call({ method: 'GET', path: '/records/nope' });
    expect(answer.status).toBe(404);
    expect(answer.json()).toEqual({ error: 'NotFound', message: 'no record with Id "nope"' });
  });

  it('pages through records received since a time, each exactly once', async () => {
    // Arrange: a first batch, then the time, then 23 more records
    await post('/records', JSON.stringify([{ Id: 'old-1' }, { Id: 'old-2' }]));
    await new Promise((r) => setTimeout(r, 5));
    const since = new Date().toISOString();
    await new Promise((r) => setTimeout(r, 5));
    const fresh = Array.from({ length: 23 }, (_, i) => ({ Id: `fresh-${i}` }));
    await post('/records', JSON.stringify(fresh));
    // Act
    const seen: string[] = [];
    let cursor: string | null = null;
    let pages = 0;
    do {
      const query: string = `since=${encodeURIComponent(since)}&limit=7${cursor ? `&cursor=${cursor}` : ''}`;
      const answer = await call({ method: 'GET', path: '/records', query });
      expect(answer.status).toBe(200);
      const page = answer.json() as { count: number; cursor: string | null; records: { Id: string }[] };
      expect(page.count).toBeLessThanOrEqual(7);
      seen.push(...page.records.map((r) => r.Id));
      cursor = page.cursor;
      pages++;
    } while (cursor && pages < 20);
    // Assert
    expect(seen.sort()).toEqual(fresh.map((r) => r.Id).sort());
  });

  it('lists every record without since', async () => {
    const total = await countItems();
    const answer = await call({ method: 'GET', path: '/records', query: 'limit=1000' });
    expect((answer.json() as { count: number }).count).toBe(total);
  });

  it.each([
    ['since=yesterday', /since must be an ISO 8601 date or time/],
    ['since=2026-13-45', /since must be an ISO 8601/],
    ['limit=0', /limit must be a whole number from 1 to 1000/],
    ['limit=5000', /limit must be a whole number/],
    ['limit=abc', /limit must be a whole number/],
    ['cursor=%25%25%25', /cursor is not valid/],
    ['cursor=eyJpZCI6MX0', /cursor is not valid/],
  ])('refuses %s with 400', async (query, message) => {
    const answer = await call({ method: 'GET', path: '/records', query });
    expect(answer.status).toBe(400);
    expect(answer.json()).toMatchObject({ error: 'BadRequest', message });
  });

  it('refuses a cursor used with a different since', async () => {
    const first = await call({ method: 'GET', path: '/records', query: 'limit=1' });
    const { cursor } = first.json() as { cursor: string };
    const answer = await call({
      method: 'GET',
      path: '/records',
      query: `limit=1&since=2020-01-01&cursor=${cursor}`,
    });
    expect(answer.status).toBe(400);
    expect(answer.json()).toMatchObject({ message: /different "since"/ });
  });
});

describe('Idempotency-Key', () => {
  it('answers a repeat with the first response and writes nothing new', async () => {
    // Arrange
    const body = JSON.stringify([{ v: 1 }, { v: 2 }]);
    const headers = { 'idempotency-key': 'order-42' };
    // Act
    const first = await post('/records', body, headers);
    const countAfterFirst = await countItems();
    const second = await post('/records', body, headers);
    // Assert
    expect(first.status).toBe(200);
    expect(second.status).toBe(200);
    expect(second.body).toBe(first.body);
    expect(second.headers['idempotent-replayed']).toBe('true');
    expect(await countItems()).toBe(countAfterFirst);
  });

  it('answers 422 when the key is reused with a different body', async () => {
    const headers = { 'idempotency-key': 'order-43' };
    await post('/post', '{"Id":"idem-a"}', headers);
    const answer = await post('/post', '{"Id":"idem-b"}', headers);
    expect(answer.status).toBe(422);
    expect(answer.json()).toMatchObject({ error: 'IdempotencyKeyReused' });
    expect(await getItem('idem-b')).toBeUndefined();
  });

  it('keeps keys apart per caller', async () => {
    const headers = { 'idempotency-key': 'shared-key' };
    await post('/post', '{"Id":"caller-a"}', headers);
    const other = await post('/post', '{"Id":"caller-b"}', {
      ...headers,
      'x-api-key': 'other-key-9876543210',
    });
    expect(other.status).toBe(200);
    expect(await getItem('caller-b')).toBeDefined();
  });

  it('does not keep a failed request: the key can be used again', async () => {
    const headers = { 'idempotency-key': 'retry-me' };
    const bad = await post('/post', '{"Id":""}', headers);
    const good = await post('/post', '{"Id":""}'.replace('""', '"fixed"'), headers);
    expect(bad.status).toBe(400);
    expect(good.status).toBe(200);
  });

  it('refuses a malformed key', async () => {
    const answer = await post('/post', '{"Id":"k"}', { 'idempotency-key': 'has space' });
    expect(answer.status).toBe(400);
    expect(answer.json()).toMatchObject({ message: /Idempotency-Key must be 1-255 printable ASCII/ });
  });
});

describe('auth and rate limits', () => {
  it('answers 401 with a Basic challenge without credentials', async () => {
    const answer = await call({ method: 'GET', path: '/records/x', headers: { 'x-api-key': '' } });
    expect(answer.status).toBe(401);
    expect(answer.headers['www-authenticate']).toBe('Basic realm="tributary-ingest", charset="UTF-8"');
    expect(answer.json()).toMatchObject({ message: /credentials are required/ });
  });

  it.each([
    [{ 'x-api-key': 'wrong' }, /x-api-key is not valid/],
    [
      { 'x-api-key': '', authorization: `Basic ${Buffer.from(`${USER}:nope`).toString('base64')}` },
      /user name or password/,
    ],
    [
      { 'x-api-key': '', authorization: `Basic ${Buffer.from(`bob:${PASSWORD}`).toString('base64')}` },
      /user name or password/,
    ],
    [{ 'x-api-key': '', authorization: 'Bearer abc' }, /must use the Basic scheme/],
  ])('refuses bad credentials %j', async (headers, message) => {
    const answer = await call({ method: 'GET', path: '/records/x', headers });
    expect(answer.status).toBe(401);
    expect(answer.json()).toMatchObject({ error: 'Unauthorized', message });
  });

  it('accepts Basic credentials checked against a stored digest', async () => {
    const authorization = `Basic ${Buffer.from(`${USER}:${PASSWORD}`).toString('base64')}`;
    const answer = await call({
      method: 'GET',
      path: '/records/sensor-1',
      headers: { 'x-api-key': '', authorization },
    });
    expect(answer.status).toBe(200);
  });

  it('answers 429 with Retry-After past the burst', async () => {
    // Arrange
    const limited = { RATE_LIMIT_PER_SECOND: '0.5', RATE_LIMIT_BURST: '2' };
    const get = () => call({ method: 'GET', path: '/records/sensor-1' }, limited);
    // Act
    const answers = [await get(), await get(), await get()];
    // Assert
    expect(answers.map((a) => a.status)).toEqual([200, 200, 429]);
    expect(answers[2]?.headers['retry-after']).toBe('2');
  });

  it('runs open with AUTH_MODE=none', async () => {
    const answer = await call(
      { method: 'GET', path: '/records/sensor-1', headers: { 'x-api-key': '' } },
      { AUTH_MODE: 'none' },
    );
    expect(answer.status).toBe(200);
  });
});

describe('routes behind a base path', () => {
  it.each([
    ['a named stage', { prefix: '/prod', stage: 'prod' }],
    ['a base path mapping', { prefix: '/ingest/v1' }],
    ['a named stage without a route key', { prefix: '/prod', stage: 'prod', routeKey: '$default' }],
  ])('serves %s', async (_name, where) => {
    const answer = await call({ method: 'GET', path: '/records/sensor-1', ...where });
    expect(answer.status).toBe(200);
    expect(answer.json()).toMatchObject({ Id: 'sensor-1' });
  });
});
