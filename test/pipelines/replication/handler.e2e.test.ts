import { randomBytes } from 'node:crypto';
import {
  DeleteObjectCommand,
  GetObjectTaggingCommand,
  HeadObjectCommand,
  ListMultipartUploadsCommand,
  PutObjectCommand,
} from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEADLINE_MARGIN_MS } from '../../../src/pipelines/replication/constants.js';
import type { ReplicationResult } from '../../../src/pipelines/replication/types.js';
import { bodyOf, eventOf, type Fixture, lastEventFor, SOURCE, startFixture, TARGET } from './helpers.js';

const MiB = 1024 * 1024;
let fx: Fixture;

beforeAll(async () => {
  fx = await startFixture();
});
afterAll(async () => {
  await fx.stop();
});

async function put(key: string, body: Buffer | string, extra: Record<string, unknown> = {}) {
  await fx.client.send(new PutObjectCommand({ Bucket: SOURCE, Key: key, Body: body, ...extra }));
  return lastEventFor(fx.events, key);
}

describe('replicate', () => {
  it('copies an object with its content headers, user metadata and tags, and records its source', async () => {
    // Arrange
    const record = await put('docs/report.json', '{"a":1}', {
      ContentType: 'application/json',
      ContentEncoding: 'identity',
      ContentDisposition: 'attachment; filename="report.json"',
      ContentLanguage: 'en',
      CacheControl: 'max-age=60',
      Expires: new Date('2030-01-01T00:00:00Z'),
      Metadata: { owner: 'ops' },
      Tagging: 'team=data&class=a%20b',
    });

    // Act
    const result = await fx.run<ReplicationResult>('replicate', eventOf(record));

    // Assert
    expect(result.records).toMatchObject([
      { key: 'docs/report.json', outcome: 'copied', bytes: 7, parts: 1 },
    ]);
    const head = await fx.client.send(new HeadObjectCommand({ Bucket: TARGET, Key: 'docs/report.json' }));
    expect(head).toMatchObject({
      ContentType: 'application/json',
      ContentEncoding: 'identity',
      ContentDisposition: 'attachment; filename="report.json"',
      ContentLanguage: 'en',
      CacheControl: 'max-age=60',
    });
    expect(head.ExpiresString ?? head.Expires?.toUTCString()).toContain('2030');
    expect(head.Metadata).toMatchObject({
      owner: 'ops',
      'tributary-source-etag': record.s3.object.eTag,
      'tributary-sequencer': record.s3.object.sequencer,
      'tributary-sha256': '015abd7f5cc57a2dd94b7590f04ad8084273905ee33ec5cebeae62276a97f862',
    });
    const tags = await fx.client.send(
      new GetObjectTaggingCommand({ Bucket: TARGET, Key: 'docs/report.json' }),
    );
    expect(tags.TagSet).toEqual(
      expect.arrayContaining([
        { Key: 'team', Value: 'data' },
        { Key: 'class', Value: 'a b' },
      ]),
    );
    expect(await fx.metrics()).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ name: 'ObjectsReplicated', value: 1 }),
        expect.objectContaining({ name: 'BytesReplicated', value: 7 }),
        expect.objectContaining({ name: 'ReplicationLatency' }),
      ]),
    );
  });

  it.each([
    ['spaces', 'with space/a b.txt'],
    ['plus signs', 'plus/a+b+c.txt'],
    ['unicode', 'ünïcødé/日本語 🚀.txt'],
    ['percent and specials', 'odd/100% &?=#[].txt'],
    ['1,024-byte key', `long/${'k'.repeat(1024 - 'long/'.length)}`],
  ])('decodes and copies keys with %s', async (_name, key) => {
    // Arrange
    const record = await put(key, `body of ${key}`);

    // Act
    const result = await fx.run<ReplicationResult>('replicate', eventOf(record));

    // Assert
    expect(result.records).toMatchObject([{ key, outcome: 'copied' }]);
    expect((await bodyOf(fx.client, TARGET, key)).toString()).toBe(`body of ${key}`);
  });

  it('copies a zero-byte object', async () => {
    const record = await put('empty/zero', Buffer.alloc(0));

    const result = await fx.run<ReplicationResult>('replicate', eventOf(record));

    expect(result.records).toMatchObject([{ outcome: 'copied', bytes: 0 }]);
    const head = await fx.client.send(new HeadObjectCommand({ Bucket: TARGET, Key: 'empty/zero' }));
    expect(head.ContentLength).toBe(0);
  });

  it('streams a large object as a multipart upload, byte-identical, leaving no upload open', async () => {
    // Arrange: 20 MiB + 1 byte → parts of 8, 8 and 4 MiB + 1
    const data = randomBytes(20 * MiB + 1);
    const record = await put('big/blob.bin', data, {
      ContentType: 'application/octet-stream',
      Metadata: { k: 'v' },
    });

    // Act
    const result = await fx.run<ReplicationResult>('replicate', eventOf(record));

    // Assert
    expect(result.records).toMatchObject([{ outcome: 'copied', bytes: data.length, parts: 3 }]);
    expect((await bodyOf(fx.client, TARGET, 'big/blob.bin')).equals(data)).toBe(true);
    const head = await fx.client.send(new HeadObjectCommand({ Bucket: TARGET, Key: 'big/blob.bin' }));
    expect(head.Metadata).toMatchObject({ k: 'v', 'tributary-source-etag': record.s3.object.eTag });
    const uploads = await fx.client.send(new ListMultipartUploadsCommand({ Bucket: TARGET }));
    expect(uploads.Uploads ?? []).toEqual([]);
  });

  it('handles every record of an event, and a TARGET_PREFIX', async () => {
    const a = await put('multi/a', 'A');
    const b = await put('multi/b', 'B');

    const result = await fx.run<ReplicationResult>('replicate', eventOf(a, b), {
      config: { TARGET_PREFIX: 'copy/' },
    });

    expect(result.records.map((r) => r.outcome)).toEqual(['copied', 'copied']);
    expect((await bodyOf(fx.client, TARGET, 'copy/multi/a')).toString()).toBe('A');
    expect((await bodyOf(fx.client, TARGET, 'copy/multi/b')).toString()).toBe('B');
  });

  it('skips a redelivered event without copying again', async () => {
    // Arrange
    const record = await put('idem/x', 'once');
    await fx.run('replicate', eventOf(record));
    const before = await fx.client.send(new HeadObjectCommand({ Bucket: TARGET, Key: 'idem/x' }));

    // Act
    const again = await fx.run<ReplicationResult>('replicate', eventOf(record));

    // Assert
    expect(again.records).toMatchObject([
      { outcome: 'skipped', reason: 'the target already has this version' },
    ]);
    const after = await fx.client.send(new HeadObjectCommand({ Bucket: TARGET, Key: 'idem/x' }));
    expect(after.LastModified).toEqual(before.LastModified);
  });

  it('never lets an older event overwrite a newer one (sequencer order)', async () => {
    // Arrange: two writes; the newer event is processed first
    const older = await put('order/k', 'v1');
    const newer = await put('order/k', 'v2');
    await fx.run('replicate', eventOf(newer));

    // Act
    const result = await fx.run<ReplicationResult>('replicate', eventOf(older));

    // Assert
    expect(result.records).toMatchObject([
      { outcome: 'skipped', reason: 'a newer event for this key was already replicated' },
    ]);
    expect((await bodyOf(fx.client, TARGET, 'order/k')).toString()).toBe('v2');
  });

  it('skips an event whose object changed since (its newer event copies it)', async () => {
    const older = await put('changed/k', 'v1');
    await put('changed/k', 'v2');

    const result = await fx.run<ReplicationResult>('replicate', eventOf(older));

    expect(result.records[0]).toMatchObject({ outcome: 'skipped' });
    expect(result.records[0]?.reason).toContain('changed since this event');
  });

  it('reports an object deleted before processing as missing, without throwing', async () => {
    const record = await put('gone/k', 'soon gone');
    await fx.client.send(new DeleteObjectCommand({ Bucket: SOURCE, Key: 'gone/k' }));

    const result = await fx.run<ReplicationResult>('replicate', eventOf(record));

    expect(result.records).toMatchObject([{ key: 'gone/k', outcome: 'missing' }]);
    expect(result.records[0]?.reason).toContain('no longer exists');
  });

  it('skips keys outside SOURCE_PREFIX / SOURCE_SUFFIX', async () => {
    const record = await put('other/file.txt', 'x');

    const result = await fx.run<ReplicationResult>('replicate', eventOf(record), {
      config: { SOURCE_PREFIX: 'docs/', SOURCE_SUFFIX: '.json' },
    });

    expect(result.records).toMatchObject([
      { outcome: 'skipped', reason: 'outside SOURCE_PREFIX/SOURCE_SUFFIX' },
    ]);
  });

  it('answers S3 test events (no Records) with nothing done', async () => {
    const result = await fx.run<ReplicationResult>('replicate', { Event: 's3:TestEvent' } as never);
    expect(result.records).toEqual([]);
  });

  it('fails clearly when the target bucket does not exist', async () => {
    const record = await put('nobucket/k', 'x');

    const run = fx.run('replicate', eventOf(record), { config: { TARGET_BUCKET: 'no-such-bucket' } });

    await expect(run).rejects.toThrow(/target bucket "no-such-bucket" does not exist/);
  });

  it('fails clearly on wrong target credentials and leaves no multipart upload behind', async () => {
    // Arrange
    const record = await put('creds/big.bin', randomBytes(17 * MiB));
    const wrong = { lc_access_key: 'nobody', lc_secret_key: 'wrong', lc_endpoint_url: fx.server.url };

    // Act
    const run = fx.run('replicate', eventOf(record), { target: wrong });

    // Assert
    await expect(run).rejects.toThrow(/refused the credentials|denied access/);
    const uploads = await fx.client.send(new ListMultipartUploadsCommand({ Bucket: TARGET }));
    expect(uploads.Uploads ?? []).toEqual([]);
    await expect(
      fx.client.send(new HeadObjectCommand({ Bucket: TARGET, Key: 'creds/big.bin' })),
    ).rejects.toThrow();
  });

  it('fails a copy that gets no time at all (for the DLQ), leaving nothing on the target', async () => {
    // Arrange: a 64 MiB object, and 1 ms left once the safety margin is kept: no part can arrive,
    // so there is nothing to continue (continuation.e2e.test.ts has the copies that progress)
    const record = await put('deadline/big.bin', randomBytes(64 * MiB));
    const context = { getRemainingTimeInMillis: () => DEADLINE_MARGIN_MS + 1 };

    // Act
    const run = fx.run('replicate', eventOf(record), { context, config: { PART_CONCURRENCY: '1' } });

    // Assert: a clear error for the DLQ, and nothing left on the target
    await expect(run).rejects.toThrow(/stopped before the function timeout and was aborted/);
    const uploads = await fx.client.send(new ListMultipartUploadsCommand({ Bucket: TARGET }));
    expect(uploads.Uploads ?? []).toEqual([]);
    await expect(
      fx.client.send(new HeadObjectCommand({ Bucket: TARGET, Key: 'deadline/big.bin' })),
    ).rejects.toThrow();
  });

  it('refuses a target secret that lacks keys, naming them', async () => {
    const record = await put('badsecret/k', 'x');

    const run = fx.run('replicate', eventOf(record), { target: { lc_access_key: 'a' } });

    await expect(run).rejects.toThrow(/lacks lc_secret_key, lc_endpoint_url/);
  });

  it('refuses bad config values, naming the key', async () => {
    const record = await put('badconfig/k', 'x');

    const run = fx.run('replicate', eventOf(record), { config: { PART_CONCURRENCY: '0' } });

    await expect(run).rejects.toThrow(/PART_CONCURRENCY/);
  });

  it('counts failures in ReplicationFailures', async () => {
    const record = await put('fail/k', 'x');
    await fx
      .run('replicate', eventOf(record), { config: { TARGET_BUCKET: 'missing-bucket' } })
      .catch(() => undefined);

    expect(await fx.metrics()).toEqual(
      expect.arrayContaining([expect.objectContaining({ name: 'ReplicationFailures', value: 1 })]),
    );
  });
});

describe('replicateDelete', () => {
  it('skips every record while REPLICATE_DELETES is off, leaving the target alone', async () => {
    // Arrange
    const created = await put('del/off', 'keep me');
    await fx.run('replicate', eventOf(created));
    await fx.client.send(new DeleteObjectCommand({ Bucket: SOURCE, Key: 'del/off' }));
    const removed = lastEventFor(fx.events, 'del/off', 'ObjectRemoved');

    // Act
    const result = await fx.run<ReplicationResult>('replicateDelete', eventOf(removed));

    // Assert
    expect(result.records).toEqual([
      { key: 'del/off', outcome: 'skipped', reason: 'delete replication is off (REPLICATE_DELETES=false)' },
    ]);
    expect((await bodyOf(fx.client, TARGET, 'del/off')).toString()).toBe('keep me');
  });

  it('deletes the copy when REPLICATE_DELETES=true', async () => {
    const created = await put('del/on', 'bye');
    await fx.run('replicate', eventOf(created));
    await fx.client.send(new DeleteObjectCommand({ Bucket: SOURCE, Key: 'del/on' }));
    const removed = lastEventFor(fx.events, 'del/on', 'ObjectRemoved');

    const result = await fx.run<ReplicationResult>('replicateDelete', eventOf(removed), {
      config: { REPLICATE_DELETES: 'true' },
    });

    expect(result.records).toEqual([{ key: 'del/on', outcome: 'deleted' }]);
    await expect(fx.client.send(new HeadObjectCommand({ Bucket: TARGET, Key: 'del/on' }))).rejects.toThrow();
  });

  it('keeps a copy written for a newer event than the delete', async () => {
    // Arrange: delete, then re-create; the create is replicated before the delete event arrives
    await put('del/race', 'v1');
    await fx.client.send(new DeleteObjectCommand({ Bucket: SOURCE, Key: 'del/race' }));
    const removed = lastEventFor(fx.events, 'del/race', 'ObjectRemoved');
    const recreated = await put('del/race', 'v2');
    await fx.run('replicate', eventOf(recreated));

    // Act
    const result = await fx.run<ReplicationResult>('replicateDelete', eventOf(removed), {
      config: { REPLICATE_DELETES: 'true' },
    });

    // Assert
    expect(result.records).toMatchObject([
      { outcome: 'skipped', reason: 'the target holds a copy from a newer event' },
    ]);
    expect((await bodyOf(fx.client, TARGET, 'del/race')).toString()).toBe('v2');
  });

  it('refuses REPLICATE_DELETES values other than true/false', async () => {
    const run = fx.run('replicateDelete', eventOf(lastEventFor(fx.events, 'del/on', 'ObjectRemoved')), {
      config: { REPLICATE_DELETES: 'yes' },
    });
    await expect(run).rejects.toThrow(/REPLICATE_DELETES/);
  });
});
