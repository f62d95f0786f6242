import { rmSync } from 'node:fs';
import { connect } from 'node:net';
import { DynamoDBClient, ListTablesCommand } from '@aws-sdk/client-dynamodb';
import { ListObjectsV2Command, S3Client, S3ServiceException } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Runtime, startRuntime } from '../../src/local/runtime.js';
import { pipelines } from '../fixtures/pipelines.js';
import { configFor, makeWorkspace, s3For } from '../local/runtime/helpers.js';

/** Raw bytes to a port; resolves with everything the server wrote before closing. */
function rawExchange(port: number, request: string): Promise<string> {
  return new Promise((resolve, reject) => {
    let reply = '';
    const socket = connect(port, '127.0.0.1', () => socket.write(request));
    socket.setTimeout(10_000, () => socket.destroy(new Error('no answer')));
    socket.on('data', (d) => {
      reply += d.toString();
      // One answer is enough; the server may keep the connection open.
      if (/\r\n\r\n/.test(reply)) socket.end();
    });
    socket.on('close', () => resolve(reply));
    socket.on('error', reject);
  });
}

const portOf = (url: string) => Number(new URL(url).port);
const hugeHeader = (path: string) =>
  `GET ${path} HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Huge: ${'x'.repeat(20_000)}\r\nConnection: close\r\n\r\n`;

async function s3ErrorOf(p: Promise<unknown>): Promise<string> {
  try {
    await p;
    return 'ok';
  } catch (err) {
    if (err instanceof S3ServiceException) return `${err.$metadata.httpStatusCode} ${err.name}`;
    throw err;
  }
}

// Issue 2's "Bad input" list against a running runtime, over its real ports: each bad
// request gets its protocol's error, and every endpoint answers normally afterwards.
describe('bad input against the running runtime', () => {
  let runtime: Runtime;
  let dir: string;
  let s3: S3Client;

  beforeAll(async () => {
    const workspace = makeWorkspace();
    dir = workspace.dir;
    runtime = await startRuntime({ pipelines, config: configFor(workspace.env), pollMs: 50 });
    s3 = s3For(runtime);
  });
  afterAll(async () => {
    s3?.destroy();
    await runtime?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('S3: wrong secret → 403 SignatureDoesNotMatch, unknown key → 403 InvalidAccessKeyId, unknown bucket → 404', async () => {
    const client = (accessKeyId: string, secretAccessKey: string) =>
      new S3Client({
        endpoint: runtime.endpoints.s3Url,
        region: 'us-east-1',
        forcePathStyle: true,
        credentials: { accessKeyId, secretAccessKey },
        maxAttempts: 1,
      });
    const wrongSecret = client(runtime.config.accessKeyId, 'wrong');
    const unknownKey = client('nobody', runtime.config.secretAccessKey);

    const results = [
      await s3ErrorOf(wrongSecret.send(new ListObjectsV2Command({ Bucket: 'fixture-inbox' }))),
      await s3ErrorOf(unknownKey.send(new ListObjectsV2Command({ Bucket: 'fixture-inbox' }))),
      await s3ErrorOf(s3.send(new ListObjectsV2Command({ Bucket: 'no-such-bucket' }))),
      await s3ErrorOf(s3.send(new ListObjectsV2Command({ Bucket: 'fixture-inbox' }))),
    ];

    expect(results).toEqual([
      '403 SignatureDoesNotMatch',
      '403 InvalidAccessKeyId',
      '404 NoSuchBucket',
      'ok',
    ]);
    wrongSecret.destroy();
    unknownKey.destroy();
  });

  it.each([
    ['the HTTP gateway', () => portOf(runtime.endpoints.httpUrl as string), '/healthz'],
    ['the S3 endpoint', () => portOf(runtime.endpoints.s3Url), '/fixture-inbox'],
    ['the DynamoDB endpoint', () => portOf(runtime.endpoints.dynamodbUrl), '/'],
  ])('%s answers 431 to 20 KB of headers', async (_name, port, path) => {
    const reply = await rawExchange(port(), hugeHeader(path));

    expect(reply).toMatch(/^HTTP\/1\.1 431 /);
  });

  it('DynamoDB: a malformed JSON body, correctly signed → 400 SerializationException', async () => {
    const url = new URL(runtime.endpoints.dynamodbUrl);
    const dynamo = new DynamoDBClient({
      endpoint: runtime.endpoints.dynamodbUrl,
      region: 'us-east-1',
      credentials: {
        accessKeyId: runtime.config.accessKeyId,
        secretAccessKey: runtime.config.secretAccessKey,
      },
    });
    // The client's own SigV4 signer: the endpoint's signature check passes, so the JSON
    // parser is what answers.
    const signer = await dynamo.config.signer();
    const body = '{"Limit": ';
    const signed = await signer.sign({
      method: 'POST',
      protocol: url.protocol,
      hostname: url.hostname,
      port: Number(url.port),
      path: '/',
      query: {},
      headers: {
        host: url.host,
        'content-type': 'application/x-amz-json-1.0',
        'x-amz-target': 'DynamoDB_20120810.ListTables',
      },
      body,
    });
    dynamo.destroy();

    const res = await fetch(runtime.endpoints.dynamodbUrl, { method: 'POST', headers: signed.headers, body });

    expect(res.status).toBe(400);
    expect(await res.json()).toMatchObject({ __type: expect.stringMatching(/SerializationException/) });
  });

  it('every endpoint still answers afterwards', async () => {
    const dynamo = new DynamoDBClient({
      endpoint: runtime.endpoints.dynamodbUrl,
      region: 'us-east-1',
      credentials: {
        accessKeyId: runtime.config.accessKeyId,
        secretAccessKey: runtime.config.secretAccessKey,
      },
    });

    const health = await fetch(`${runtime.endpoints.httpUrl}/healthz`);
    const tables = await dynamo.send(new ListTablesCommand({}));
    const listed = await s3.send(new ListObjectsV2Command({ Bucket: 'fixture-inbox' }));

    expect(health.status).toBe(200);
    expect(tables.TableNames).toContain('fixture-items');
    expect(listed.$metadata.httpStatusCode).toBe(200);
    dynamo.destroy();
  });
});
