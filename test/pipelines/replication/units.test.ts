import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { compareKeys } from '../../../src/core/key-order.js';
import { replicationConfig } from '../../../src/pipelines/replication/config.js';
import { ObjectTooLargeError, TargetConfigError } from '../../../src/pipelines/replication/errors.js';
import { compareSequencers, decodeEventKey } from '../../../src/pipelines/replication/event-key.js';
import { type ListedObject, pairListings } from '../../../src/pipelines/replication/listing.js';
import { multipartEtag } from '../../../src/pipelines/replication/multipart-upload.js';
import { taggingHeader, unquote } from '../../../src/pipelines/replication/object-headers.js';
import { partConcurrencyFor, partCount, partSizeFor } from '../../../src/pipelines/replication/part-size.js';
import { isRetryable, targetProblem } from '../../../src/pipelines/replication/s3-errors.js';
import { LONG_TRANSFER_BYTES, sendOptions } from '../../../src/pipelines/replication/send-options.js';
import { holdsVersion } from '../../../src/pipelines/replication/target-state.js';

const MiB = 1024 * 1024;
const TiB = 1024 * 1024 * MiB;

describe('decodeEventKey', () => {
  it.each([
    ['a+b.txt', 'a b.txt'],
    ['a%2Bb.txt', 'a+b.txt'],
    ['%C3%BCn%C3%AF+c%C3%B8d%C3%A9', 'ünï cødé'],
    ['%F0%9F%9A%80', '🚀'],
    ['100%25+done', '100% done'],
    ['plain/key', 'plain/key'],
  ])('%s → %s', (encoded, key) => {
    expect(decodeEventKey(encoded)).toBe(key);
  });

  it('refuses malformed encoding', () => {
    expect(() => decodeEventKey('bad%E0%A4%A')).toThrow(/not valid URL encoding/);
  });
});

describe('compareSequencers', () => {
  it.each([
    ['0055AED6DCD90281E5', '0055AED6DCD90281E6', -1],
    ['55AED6DCD90281E6', '0055AED6DCD90281E5', 1],
    ['00ff', 'FF', 0],
    ['A', '0B', -1],
    ['100', 'FF', 1],
  ])('%s vs %s → %i', (a, b, expected) => {
    expect(Math.sign(compareSequencers(a, b))).toBe(expected);
  });

  it('refuses a non-hex sequencer', () => {
    expect(() => compareSequencers('xyz', '01')).toThrow(/"xyz" is not hex/);
  });
});

describe('partSizeFor', () => {
  it.each([
    [0, 8 * MiB],
    [16 * MiB, 8 * MiB],
    [2 * 1024 * MiB, 8 * MiB],
    [100 * 1024 * MiB, 11 * MiB],
    [5 * TiB, 525 * MiB],
  ])('%i bytes → %i-byte parts', (size, expected) => {
    expect(partSizeFor(size, 8 * MiB)).toBe(expected);
  });

  it('keeps every size up to 5 TiB within 10,000 parts', () => {
    for (const size of [5 * TiB, 5 * TiB - 1, 83_886_080_001, 1_000_000_000_000]) {
      expect(partCount(size, partSizeFor(size, 8 * MiB))).toBeLessThanOrEqual(10_000);
    }
  });

  it('refuses objects over 5 TiB and non-sizes', () => {
    expect(() => partSizeFor(5 * TiB + 1, 8 * MiB)).toThrow(ObjectTooLargeError);
    expect(() => partSizeFor(-1, 8 * MiB)).toThrow(RangeError);
  });
});

describe('partConcurrencyFor', () => {
  const tuning = { partConcurrency: 4, maxBufferBytes: 256 * MiB };

  it.each([
    ['a 2 GiB object: as configured', 2 * 1024 * MiB, 4],
    ['an object of 2 parts: 2', 16 * MiB, 2],
    ['1 TiB (105 MiB parts): what fits in 256 MiB', TiB, 2],
    ['5 TiB (525 MiB parts): one, never none', 5 * TiB, 1],
  ])('%s', (_name, size, expected) => {
    const partSize = partSizeFor(size, 8 * MiB);

    const concurrency = partConcurrencyFor(size, partSize, tuning);

    expect(concurrency).toBe(expected);
    expect(concurrency * partSize <= tuning.maxBufferBytes || concurrency === 1).toBe(true);
  });
});

describe('multipartEtag', () => {
  it('is the MD5 of the binary part MD5s, then -<parts> (as S3 computes it)', () => {
    const parts = [Buffer.from('part one'), Buffer.from('part two')];
    const md5s = parts.map((p) => createHash('md5').update(p).digest());
    const expected = createHash('md5').update(Buffer.concat(md5s)).digest('hex');

    expect(multipartEtag(md5s)).toBe(`${expected}-2`);
  });
});

describe('object headers', () => {
  it('encodes tags as a query string and drops an empty set', () => {
    expect(
      taggingHeader([
        { Key: 'a b', Value: 'c&d' },
        { Key: 'k', Value: '' },
      ]),
    ).toBe('a%20b=c%26d&k=');
    expect(taggingHeader([])).toBeUndefined();
  });

  it('unquotes ETags, weak ones too', () => {
    expect(unquote('"abc"')).toBe('abc');
    expect(unquote('W/"abc-2"')).toBe('abc-2');
    expect(unquote(undefined)).toBe('');
  });
});

describe('holdsVersion', () => {
  it.each([
    [{ size: 3, etag: 'x', sourceEtag: 'abc' }, true],
    [{ size: 4, etag: 'x', sourceEtag: 'abc' }, false],
    [{ size: 3, etag: 'x', sourceEtag: 'other' }, false],
    [{ size: 3, etag: 'abc' }, true],
    [undefined, false],
  ])('%j holds "abc" (3 bytes): %s', (state, expected) => {
    expect(holdsVersion(state, { etag: '"abc"', size: 3 })).toBe(expected);
  });
});

describe('error classification', () => {
  const s3Error = (name: string, status: number) =>
    Object.assign(new Error(name), { name, $metadata: { httpStatusCode: status } });

  it.each([
    [s3Error('SlowDown', 503), true],
    [s3Error('InternalError', 500), true],
    [s3Error('TooManyRequests', 429), true],
    [Object.assign(new Error('read ECONNRESET'), { code: 'ECONNRESET' }), true],
    [new Error('socket hang up'), true],
    [s3Error('AccessDenied', 403), false],
    [s3Error('NoSuchBucket', 404), false],
    [s3Error('InvalidArgument', 400), false],
    [new TargetConfigError('x'), false],
  ])('%s retryable: %s', (err, expected) => {
    expect(isRetryable(err)).toBe(expected);
  });

  it('turns target misconfiguration into a message saying what to change', () => {
    expect(targetProblem(s3Error('NoSuchBucket', 404), 'b', 'https://s3.example')?.message).toBe(
      'target bucket "b" does not exist on https://s3.example: create it or set TARGET_BUCKET',
    );
    expect(targetProblem(s3Error('InvalidAccessKeyId', 403), 'b', 'e')?.message).toContain(
      'refused the credentials',
    );
    expect(targetProblem(s3Error('Unknown', 403), 'b', 'e')?.message).toContain('(HTTP 403)');
    expect(targetProblem(s3Error('SlowDown', 503), 'b', 'e')).toBeUndefined();
  });
});

describe('config', () => {
  it('has defaults for every key', () => {
    expect(replicationConfig.parse({})).toEqual({
      TARGET_BUCKET: 'tributary-replica',
      TARGET_PREFIX: '',
      SOURCE_PREFIX: '',
      SOURCE_SUFFIX: '',
      REPLICATE_DELETES: false,
      MULTIPART_THRESHOLD_MB: 16,
      PART_SIZE_MB: 8,
      PART_CONCURRENCY: 4,
      MAX_BUFFER_MB: 256,
    });
  });

  it.each([
    [{ TARGET_BUCKET: 'Bad Bucket' }, 'TARGET_BUCKET'],
    [{ REPLICATE_DELETES: 'yes' }, 'REPLICATE_DELETES'],
    [{ PART_SIZE_MB: '4' }, 'PART_SIZE_MB'],
    [{ PART_CONCURRENCY: '65' }, 'PART_CONCURRENCY'],
    [{ MULTIPART_THRESHOLD_MB: 'big' }, 'MULTIPART_THRESHOLD_MB'],
    [{ MAX_BUFFER_MB: '8' }, 'MAX_BUFFER_MB'],
  ])('refuses %j', (env, key) => {
    const result = replicationConfig.safeParse(env);
    expect(result.success).toBe(false);
    expect(result.error?.issues[0]?.path).toEqual([key]);
  });
});

describe('listings', () => {
  const o = (key: string): ListedObject => ({ key, size: 1, etag: 'e' });
  async function* of(...keys: string[]) {
    for (const k of keys) yield o(k);
  }

  it('orders keys by UTF-8 bytes, as S3 lists them', () => {
    // U+FF5E sorts before U+1F680 in UTF-8 but after it in UTF-16.
    expect(compareKeys('\uff5e', '🚀')).toBeLessThan(0);
    expect(compareKeys('a', 'b')).toBeLessThan(0);
  });

  it('pairs two sorted listings into missing, extra and both', async () => {
    const pairs = [];
    for await (const p of pairListings(of('a', 'b', 'd'), of('b', 'c', 'd', 'e'))) {
      pairs.push(
        p.kind === 'missing'
          ? `-${p.source.key}`
          : p.kind === 'extra'
            ? `+${p.target.key}`
            : `=${p.source.key}`,
      );
    }
    expect(pairs).toEqual(['-a', '=b', '+c', '=d', '+e']);
  });
});

describe('sendOptions', () => {
  const signal = new AbortController().signal;
  it.each([
    ['no signal, no body', undefined, 0, undefined],
    ['no signal, a long body', undefined, LONG_TRANSFER_BYTES, undefined],
    ['a signal, a short request', signal, LONG_TRANSFER_BYTES - 1, undefined],
    ['a signal, a long body', signal, LONG_TRANSFER_BYTES, { abortSignal: signal }],
  ])('%s', (_, given, bytes, expected) => {
    expect(sendOptions(given, bytes)).toEqual(expected);
  });

  it('throws once the signal fired, so no new request starts', () => {
    const stop = new AbortController();
    stop.abort(new Error('stopped'));
    expect(() => sendOptions(stop.signal)).toThrow('stopped');
  });
});
