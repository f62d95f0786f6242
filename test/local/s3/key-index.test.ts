import { describe, expect, it } from 'vitest';
import { KeyIndex } from '../../../src/local/s3/key-index.js';
import type { ObjectMeta } from '../../../src/local/s3/types.js';

const meta = (key: string): ObjectMeta => ({
  key,
  size: 0,
  etag: 'd41d8cd98f00b204e9800998ecf8427e',
  lastModified: '2026-01-01T00:00:00.000Z',
  segments: [],
  tags: [],
  userMetadata: {},
});

describe('KeyIndex', () => {
  it('loads 200,000 keys at start-up (spreading them into one push() overflowed the stack) in S3 order', () => {
    const metas = Array.from({ length: 200_000 }, (_, i) =>
      meta(`k/${String(199_999 - i).padStart(6, '0')}`),
    );
    const index = new KeyIndex();

    index.load(metas);

    expect(index.size).toBe(200_000);
    expect(index.length).toBe(200_000);
    expect([index.at(0), index.at(1), index.at(199_999)]).toEqual(['k/000000', 'k/000001', 'k/199999']);
    expect(index.lowerBound('k/100000')).toBe(100_000);
  });

  it('keeps keys in UTF-8 byte order through load, set and delete', () => {
    const index = new KeyIndex();

    index.load([meta('b'), meta('\u{1F600}'), meta('a')]);
    index.set(meta('\uFF21'));
    index.set(meta('a')); // replacing keeps one entry
    index.delete('b');

    expect(Array.from({ length: index.length }, (_, i) => index.at(i))).toEqual(['a', '\uFF21', '\u{1F600}']);
    expect(index.size).toBe(3);
  });
});
