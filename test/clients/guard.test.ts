import { createServer, type Server } from 'node:net';
import {
  CopyObjectCommand,
  GetObjectCommand,
  ListBucketsCommand,
  PutObjectCommand,
} from '@aws-sdk/client-s3';
import { GetSecretValueCommand } from '@aws-sdk/client-secrets-manager';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type AccessCheck, accessChecks, s3Client, secretsClient } from '../../src/clients/index.js';
import { AccessNotGrantedError } from '../../src/core/errors.js';
import { type AccessGuard, runInScope } from '../../src/core/invocation.js';

describe('accessChecks: the IAM action and resources of a command', () => {
  it.each<
    [
      string,
      's3' | 'dynamodb' | 'secretsmanager',
      string,
      Record<string, unknown>,
      Omit<AccessCheck, 'service'>[],
    ]
  >([
    [
      'GetObject',
      's3',
      'GetObjectCommand',
      { Bucket: 'b1', Key: 'k' },
      [{ action: 's3:GetObject', name: 'b1' }],
    ],
    [
      'HeadObject',
      's3',
      'HeadObjectCommand',
      { Bucket: 'b1', Key: 'k' },
      [{ action: 's3:GetObject', name: 'b1' }],
    ],
    [
      'ListObjectsV2',
      's3',
      'ListObjectsV2Command',
      { Bucket: 'b1' },
      [{ action: 's3:ListBucket', name: 'b1' }],
    ],
    [
      'ListBuckets names no bucket',
      's3',
      'ListBucketsCommand',
      {},
      [{ action: 's3:ListAllMyBuckets', name: '*' }],
    ],
    [
      'CopyObject reads the source bucket',
      's3',
      'CopyObjectCommand',
      { Bucket: 'dst', Key: 'k', CopySource: 'src/dir/a%20b.txt' },
      [
        { action: 's3:PutObject', name: 'dst' },
        { action: 's3:GetObject', name: 'src' },
      ],
    ],
    [
      'UploadPartCopy with a leading slash and versionId',
      's3',
      'UploadPartCopyCommand',
      { Bucket: 'dst', Key: 'k', CopySource: '/src%2Dbucket/k?versionId=3' },
      [
        { action: 's3:PutObject', name: 'dst' },
        { action: 's3:GetObject', name: 'src-bucket' },
      ],
    ],
    [
      'PutItem',
      'dynamodb',
      'PutItemCommand',
      { TableName: 't1' },
      [{ action: 'dynamodb:PutItem', name: 't1' }],
    ],
    [
      'a table given as an ARN',
      'dynamodb',
      'QueryCommand',
      { TableName: 'arn:aws:dynamodb:us-east-1:123456789012:table/runs' },
      [{ action: 'dynamodb:Query', name: 'runs' }],
    ],
    [
      'BatchWriteItem touches every table',
      'dynamodb',
      'BatchWriteItemCommand',
      { RequestItems: { t1: [], t2: [] } },
      [
        { action: 'dynamodb:BatchWriteItem', name: 't1' },
        { action: 'dynamodb:BatchWriteItem', name: 't2' },
      ],
    ],
    [
      'BatchGetItem touches every table',
      'dynamodb',
      'BatchGetItemCommand',
      { RequestItems: { t3: {} } },
      [{ action: 'dynamodb:BatchGetItem', name: 't3' }],
    ],
    [
      'ListTables names no table',
      'dynamodb',
      'ListTablesCommand',
      {},
      [{ action: 'dynamodb:ListTables', name: '*' }],
    ],
    [
      'GetSecretValue',
      'secretsmanager',
      'GetSecretValueCommand',
      { SecretId: 'lyve' },
      [{ action: 'secretsmanager:GetSecretValue', name: 'lyve' }],
    ],
  ])('%s', (_, service, command, input, expected) => {
    expect(accessChecks(service, command, input)).toEqual(expected.map((check) => ({ ...check, service })));
  });
});

/** A TCP listener that only counts connections: proof that a refused command did no network I/O. */
async function connectionCounter(): Promise<{ server: Server; url: string; connections: () => number }> {
  let count = 0;
  const server = createServer((socket) => {
    count++;
    socket.destroy();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  return { server, url: `http://127.0.0.1:${port}`, connections: () => count };
}

describe('guarded clients', () => {
  let counter: Awaited<ReturnType<typeof connectionCounter>>;
  let env: Record<string, string>;

  beforeAll(async () => {
    counter = await connectionCounter();
    env = {
      AWS_ENDPOINT_URL: counter.url,
      AWS_ACCESS_KEY_ID: 'local',
      AWS_SECRET_ACCESS_KEY: 'local',
      AWS_MAX_ATTEMPTS: '1',
    };
  });

  afterAll(async () => {
    await new Promise((resolve) => counter.server.close(resolve));
  });

  const recordingGuard = (seen: string[], deny: (action: string, name: string) => boolean): AccessGuard => {
    return (action, { service, name }) => {
      seen.push(`${service} ${action} ${name}`);
      if (deny(action, name)) throw new AccessNotGrantedError('demo.fn', action, `${service}:${name}`);
    };
  };

  it('S3: a refused command rejects with the guard error before any network I/O', async () => {
    const seen: string[] = [];
    const guard = recordingGuard(seen, () => true);

    const put = runInScope({ env, guard }, () =>
      s3Client().send(new PutObjectCommand({ Bucket: 'landing', Key: 'a.csv', Body: 'x' })),
    );

    await expect(put).rejects.toBeInstanceOf(AccessNotGrantedError);
    await expect(put).rejects.toThrow('demo.fn is not granted s3:PutObject on s3:landing');
    expect(seen).toEqual(['s3 s3:PutObject landing']);
    expect(counter.connections()).toBe(0);
  });

  it('S3: CopyObject asks for the source bucket too', async () => {
    const seen: string[] = [];
    const guard = recordingGuard(seen, (action) => action === 's3:GetObject');

    const copy = runInScope({ env, guard }, () =>
      s3Client().send(new CopyObjectCommand({ Bucket: 'target', Key: 'k', CopySource: 'source/k' })),
    );

    await expect(copy).rejects.toThrow('s3:GetObject on s3:source');
    expect(seen).toEqual(['s3 s3:PutObject target', 's3 s3:GetObject source']);
    expect(counter.connections()).toBe(0);
  });

  it('S3: ListBuckets is asked about "*"', async () => {
    const seen: string[] = [];

    const list = runInScope({ env, guard: recordingGuard(seen, () => true) }, () =>
      s3Client().send(new ListBucketsCommand({})),
    );

    await expect(list).rejects.toBeInstanceOf(AccessNotGrantedError);
    expect(seen).toEqual(['s3 s3:ListAllMyBuckets *']);
  });

  it('Secrets Manager: GetSecretValue is asked about the SecretId', async () => {
    const seen: string[] = [];

    const get = runInScope({ env, guard: recordingGuard(seen, () => true) }, () =>
      secretsClient().send(new GetSecretValueCommand({ SecretId: 'lyve-cloud' })),
    );

    await expect(get).rejects.toThrow('secretsmanager:GetSecretValue on secretsmanager:lyve-cloud');
    expect(counter.connections()).toBe(0);
  });

  it('the guard is read at call time: one cached client, guarded in one scope and not in another', async () => {
    const client = runInScope({ env }, () => s3Client());
    const sameClient = runInScope({ env, guard: () => {} }, () => s3Client());
    expect(sameClient).toBe(client);

    const refused = runInScope({ env, guard: recordingGuard([], () => true) }, () =>
      client.send(new GetObjectCommand({ Bucket: 'b', Key: 'k' })),
    );
    await expect(refused).rejects.toBeInstanceOf(AccessNotGrantedError);
    expect(counter.connections()).toBe(0);

    // Without a guard (as on Lambda) the same client goes to the network.
    const unguarded = runInScope({ env }, () => client.send(new GetObjectCommand({ Bucket: 'b', Key: 'k' })));
    await expect(unguarded).rejects.not.toBeInstanceOf(AccessNotGrantedError);
    expect(counter.connections()).toBeGreaterThan(0);
  });
});
