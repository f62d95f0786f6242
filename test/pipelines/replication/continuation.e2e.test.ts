import { createHash, randomBytes } from 'node:crypto';
import {
  AbortMultipartUploadCommand,
  HeadObjectCommand,
  ListMultipartUploadsCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  S3Client,
} from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { replicationConfig } from '../../../src/pipelines/replication/config.js';
import { DEADLINE_MARGIN_MS } from '../../../src/pipelines/replication/constants.js';
import type { Continuation } from '../../../src/pipelines/replication/continuation.js';
import { tuningOf } from '../../../src/pipelines/replication/handler.js';
import {
  continueReplication,
  type Endpoints,
  replicateObject,
} from '../../../src/pipelines/replication/replicate-object.js';
import type { ReplicationResult } from '../../../src/pipelines/replication/types.js';
import { everyNth, startFaultProxy } from './fault-proxy.js';
import {
  bodyOf,
  credentials,
  eventOf,
  type Fixture,
  lastEventFor,
  SOURCE,
  STATE,
  startFixture,
  TARGET,
  targetVia,
} from './helpers.js';

const MiB = 1024 * 1024;
const sha256 = (b: Buffer) => createHash('sha256').update(b).digest('hex');
let fx: Fixture;

beforeAll(async () => {
  fx = await startFixture();
});
afterAll(async () => {
  await fx.stop();
});

async function put(key: string, body: Buffer) {
  await fx.client.send(
    new PutObjectCommand({
      Bucket: SOURCE,
      Key: key,
      Body: body,
      ContentType: 'video/mp4',
      Metadata: { a: '1' },
    }),
  );
  return lastEventFor(fx.events, key);
}

/** A target client that fires `deadline` once it has seen `count` answers to `command`. */
function clientFiringAfter(command: string, count: number, deadline: AbortController): S3Client {
  const client = new S3Client({
    endpoint: fx.server.url,
    region: 'us-east-1',
    forcePathStyle: true,
    credentials,
  });
  let seen = 0;
  client.middlewareStack.add(
    (next, context) => async (args) => {
      const out = await next(args);
      if (context.commandName === command && ++seen === count) {
        deadline.abort(new DOMException('the invocation is about to time out', 'TimeoutError'));
      }
      return out;
    },
    { step: 'initialize', name: 'fireDeadline' },
  );
  return client;
}

function endpointsWith(target: S3Client): Endpoints {
  return {
    source: { client: fx.client, bucket: SOURCE },
    target: { client: target, bucket: TARGET, prefix: '', endpoint: fx.server.url },
    tuning: tuningOf(replicationConfig.parse({ PART_SIZE_MB: '5', PART_CONCURRENCY: '1' })),
  };
}

const uploadsOn = async (bucket: string) =>
  (await fx.client.send(new ListMultipartUploadsCommand({ Bucket: bucket }))).Uploads ?? [];

/** `mib` MiB of fresh bytes at `key`, and its copy's first invocation, cut by the deadline once `parts` parts arrived. */
async function suspendedCopy(key: string, mib: number, parts: number) {
  const data = randomBytes(mib * MiB);
  const record = await put(key, data);
  const deadline = new AbortController();
  const first = endpointsWith(clientFiringAfter('UploadPartCommand', parts, deadline));
  const object = { key, etag: record.s3.object.eTag, size: data.length, pinVersion: true };
  const suspended = await replicateObject(first, object, deadline.signal, { suspendable: true });
  return { data, object, suspended, continuation: suspended.continuation as Continuation };
}

describe('a multipart copy longer than one invocation', () => {
  it('suspends at the deadline with its upload open, and the next step completes it byte-identical', async () => {
    // Arrange: 26 MiB in 5 MiB parts (6 parts); the deadline fires once 2 parts are on the target
    const data = randomBytes(26 * MiB);
    const record = await put('cont/steps.bin', data);
    const deadline = new AbortController();
    const first = endpointsWith(clientFiringAfter('UploadPartCommand', 2, deadline));
    const object = {
      key: 'cont/steps.bin',
      etag: record.s3.object.eTag,
      size: data.length,
      pinVersion: true,
    };

    // Act: the first invocation, then the continuation with time to spare
    const suspended = await replicateObject(first, object, deadline.signal, { suspendable: true });
    const openUploads = await uploadsOn(TARGET);
    const done = await continueReplication(endpointsWith(fx.client), suspended.continuation as Continuation);

    // Assert: 2 parts kept for the next step, then one complete, identical object with its headers
    expect(suspended).toMatchObject({ outcome: 'continued', parts: 2, bytes: 10 * MiB });
    expect(suspended.continuation).toMatchObject({
      source: { bucket: SOURCE, key: 'cont/steps.bin', size: data.length },
      target: { bucket: TARGET, key: 'cont/steps.bin' },
      partSize: 5 * MiB,
      invocations: 1,
    });
    expect(openUploads.map((u) => u.Key)).toEqual(['cont/steps.bin']);
    expect(done).toMatchObject({ outcome: 'copied', bytes: data.length, parts: 6 });
    expect(sha256(await bodyOf(fx.client, TARGET, 'cont/steps.bin'))).toBe(sha256(data));
    const head = await fx.client.send(new HeadObjectCommand({ Bucket: TARGET, Key: 'cont/steps.bin' }));
    expect(head.ContentType).toBe('video/mp4');
    expect(head.Metadata).toMatchObject({ a: '1', 'tributary-source-etag': object.etag });
    expect(head.ETag).toMatch(/-6"$/);
    expect(await uploadsOn(TARGET)).toEqual([]);
  });

  it('continues through a target failing 1 in 4 requests (503, 500, resets), keeping the upload between retries', async () => {
    // Arrange: a copy suspended after its first part, then a faulty path to the same target
    const { data, continuation } = await suspendedCopy('cont/faulty.bin', 31, 1);
    const proxy = await startFaultProxy(fx.server.url, everyNth(4));
    const faulty = new S3Client({
      endpoint: proxy.url,
      region: 'us-east-1',
      forcePathStyle: true,
      credentials,
    });

    try {
      // Act
      const done = await continueReplication(endpointsWith(faulty), continuation);

      // Assert: faults happened, and still one identical object and no upload left
      expect(proxy.stats.faults).toBeGreaterThan(0);
      expect(done).toMatchObject({ outcome: 'copied', bytes: data.length, parts: 7 });
      expect(sha256(await bodyOf(fx.client, TARGET, 'cont/faulty.bin'))).toBe(sha256(data));
      expect(await uploadsOn(TARGET)).toEqual([]);
    } finally {
      faulty.destroy();
      await proxy.close();
    }
  });

  it('keeps the upload through a source that fails its ranged GETs for a while (no restart from scratch)', async () => {
    // Arrange: a copy suspended after its first part; the source then answers 3 ranged GETs with 503
    const { data, continuation } = await suspendedCopy('cont/source-hiccup.bin', 21, 1);
    let failedGets = 0;
    const proxy = await startFaultProxy(fx.server.url, (req) =>
      req.method === 'GET' && req.headers.range && failedGets++ < 3
        ? { status: 503, code: 'SlowDown' }
        : undefined,
    );
    const hiccupingSource = new S3Client({
      endpoint: proxy.url,
      region: 'us-east-1',
      forcePathStyle: true,
      credentials,
    });
    const creates = new AbortController();
    const target = clientFiringAfter('CreateMultipartUploadCommand', 1, creates);

    try {
      // Act
      const done = await continueReplication(
        { ...endpointsWith(target), source: { client: hiccupingSource, bucket: SOURCE } },
        continuation,
      );

      // Assert: the faults were met, the same upload was completed (no new one), bytes identical
      expect(failedGets).toBeGreaterThanOrEqual(3);
      expect(creates.signal.aborted).toBe(false);
      expect(done).toMatchObject({ outcome: 'copied', bytes: data.length, parts: 5 });
      expect(sha256(await bodyOf(fx.client, TARGET, 'cont/source-hiccup.bin'))).toBe(sha256(data));
      expect(await uploadsOn(TARGET)).toEqual([]);
    } finally {
      hiccupingSource.destroy();
      target.destroy();
      await proxy.close();
    }
  });

  it('aborts the upload and fails for the DLQ when the deadline comes before any part arrived', async () => {
    // Arrange: the deadline fires as soon as the upload is created
    const data = randomBytes(20 * MiB);
    const record = await put('cont/no-progress.bin', data);
    const deadline = new AbortController();
    const target = clientFiringAfter('CreateMultipartUploadCommand', 1, deadline);
    const object = {
      key: 'cont/no-progress.bin',
      etag: record.s3.object.eTag,
      size: data.length,
      pinVersion: true,
    };

    // Act
    const run = replicateObject(endpointsWith(target), object, deadline.signal, { suspendable: true });

    // Assert: no continuation that could never progress; nothing left on the target
    await expect(run).rejects.toThrow(/stopped before the function timeout and was aborted/);
    expect(await uploadsOn(TARGET)).toEqual([]);
  });

  it('starts again from the source when the target lost the upload (aborted by someone else)', async () => {
    // Arrange: a suspended copy whose upload is then aborted on the target
    const { data, continuation } = await suspendedCopy('cont/lost.bin', 20, 1);
    await fx.client.send(
      new AbortMultipartUploadCommand({
        Bucket: TARGET,
        Key: 'cont/lost.bin',
        UploadId: continuation.uploadId,
      }),
    );
    await fx.client.send(
      new PutObjectCommand({
        Bucket: STATE,
        Key: 'continuations/lost/00001.json',
        Body: JSON.stringify(continuation),
      }),
    );

    // Act: the continuation's own event, through the handler
    const result = await fx.run<ReplicationResult>(
      'replicate',
      eventOf(lastEventFor(fx.events, 'continuations/lost/00001.json')),
    );

    // Assert
    expect(result.records).toEqual([expect.objectContaining({ key: 'cont/lost.bin', outcome: 'copied' })]);
    expect(sha256(await bodyOf(fx.client, TARGET, 'cont/lost.bin'))).toBe(sha256(data));
    expect(await uploadsOn(TARGET)).toEqual([]);
  });
});

describe('replicate with continuations through the state bucket', () => {
  it('chains invocations through continuation events until the copy is complete, then cleans up', async () => {
    // Arrange: a slow target (each part answered after 400 ms) and 2 s per invocation
    const proxy = await startFaultProxy(
      fx.server.url,
      () => undefined,
      (req) => (req.method === 'PUT' && req.url?.includes('partNumber=') ? 400 : 0),
    );
    const target = targetVia(proxy.url);
    const config = { PART_SIZE_MB: '5', PART_CONCURRENCY: '1' };
    const context = { getRemainingTimeInMillis: () => DEADLINE_MARGIN_MS + 2000 };
    const data = randomBytes(30 * MiB);
    const record = await put('cont/chained.bin', data);
    const before = (await fx.metrics()).filter((m) => m.name === 'ObjectsReplicated').length;

    try {
      // Act: the object's event, then each continuation's event in turn, each with 2 s
      const outcomes: string[] = [];
      let event = eventOf(record);
      for (let step = 0; step < 10; step++) {
        const result = await fx.run<ReplicationResult>('replicate', event, { target, config, context });
        outcomes.push(result.records[0]?.outcome ?? 'none');
        if (result.records[0]?.outcome !== 'continued') break;
        const created = fx.events.filter(
          (e) => e.s3.bucket.name === STATE && e.eventName.startsWith('ObjectCreated'),
        );
        event = eventOf(created.at(-1) as (typeof created)[number]);
      }
      const redelivered = await fx.run<ReplicationResult>('replicate', event, { target, config, context });

      // Assert: suspended at least once, completed, identical; no continuation or upload left
      expect(outcomes.length).toBeGreaterThan(1);
      expect(outcomes.at(-1)).toBe('copied');
      expect(new Set(outcomes.slice(0, -1))).toEqual(new Set(['continued']));
      expect(sha256(await bodyOf(fx.client, TARGET, 'cont/chained.bin'))).toBe(sha256(data));
      const left = await fx.client.send(
        new ListObjectsV2Command({ Bucket: STATE, Prefix: 'continuations/' }),
      );
      expect((left.Contents ?? []).map((o) => o.Key)).toEqual([]);
      expect(await uploadsOn(TARGET)).toEqual([]);
      expect(redelivered.records[0]).toMatchObject({
        outcome: 'skipped',
        reason: expect.stringMatching(/already/),
      });
      const after = (await fx.metrics()).filter((m) => m.name === 'ObjectsReplicated').length;
      expect(after - before).toBe(1);
    } finally {
      await proxy.close();
    }
  });

  it('fails clearly on a continuation that is not one or points elsewhere, naming the problem', async () => {
    // Arrange: two broken continuations and an unrelated object in the state bucket (and, below, one naming another target)
    const bodies = {
      'continuations/bad/not-json.json': '{ nope',
      'continuations/bad/no-upload.json': JSON.stringify({ v: 1, source: {}, parts: [] }),
      'notes/readme.txt': 'hello',
    };
    for (const [Key, Body] of Object.entries(bodies)) {
      await fx.client.send(new PutObjectCommand({ Bucket: STATE, Key, Body }));
    }
    const eventFor = (key: string) => eventOf(lastEventFor(fx.events, key));

    // Act / Assert
    await expect(fx.run('replicate', eventFor('continuations/bad/not-json.json'))).rejects.toThrow(
      /continuation s3:\/\/tributary-replication-state\/continuations\/bad\/not-json.json is not JSON/,
    );
    await expect(fx.run('replicate', eventFor('continuations/bad/no-upload.json'))).rejects.toThrow(
      /continuations\/bad\/no-upload.json: source.bucket/,
    );
    const elsewhere = {
      v: 1,
      source: { bucket: SOURCE, key: 'x.bin', etag: 'abc', size: 10 * MiB },
      target: { bucket: 'someone-elses-bucket', key: 'x.bin' },
      uploadId: 'u1',
      partSize: 5 * MiB,
      parts: [{ PartNumber: 1, ETag: '"e1"', md5: 'AAAAAAAAAAAAAAAAAAAAAA==' }],
      invocations: 1,
      startedAt: new Date().toISOString(),
    };
    await fx.client.send(
      new PutObjectCommand({
        Bucket: STATE,
        Key: 'continuations/bad/elsewhere.json',
        Body: JSON.stringify(elsewhere),
      }),
    );
    await expect(fx.run('replicate', eventFor('continuations/bad/elsewhere.json'))).rejects.toThrow(
      /refused: its target s3:\/\/someone-elses-bucket\/x.bin is not where TARGET_BUCKET and TARGET_PREFIX put "x.bin"/,
    );
    const unrelated = await fx.run<ReplicationResult>('replicate', eventFor('notes/readme.txt'));
    expect(unrelated.records[0]).toMatchObject({
      outcome: 'skipped',
      reason: expect.stringMatching(/not a continuation/),
    });
  });
});
