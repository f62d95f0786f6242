import { describe, expect, it } from 'vitest';
import { compareKeys } from '../../../src/core/key-order.js';
import { keyAlphabet, splitBoundaries } from '../../../src/pipelines/bucket-metrics/key-range.js';

const hex = '0123456789abcdef'.split('');

describe('splitBoundaries', () => {
  it('splits the rest of an open listing at the first character after the prefix', () => {
    expect(splitBoundaries('logs/', { lastKey: 'logs/4f1e', alphabet: hex })).toEqual(
      '56789abcdef'.split('').map((c) => `logs/${c}`),
    );
  });

  it('goes one character deeper when nothing fits at the shallowest position', () => {
    // Dated keys all start with "2": no boundary after "2" at position 0, so split the years' digits.
    const alphabet = keyAlphabet(['2024-01-01T00:00:00Z'], '');
    expect(splitBoundaries('', { lastKey: '2024-01-01T00:16:40Z', alphabet }, '3')).toEqual([
      '21',
      '22',
      '24',
      '2:',
      '2T',
      '2Z',
    ]);
  });

  it('keeps every boundary inside a bounded range, ascending and after the last key', () => {
    const bounds = splitBoundaries('', { lastKey: 'a00f', alphabet: hex }, 'a8');
    expect(bounds).toEqual(['a1', 'a2', 'a3', 'a4', 'a5', 'a6', 'a7']);
    for (const b of bounds) {
      expect(compareKeys(b, 'a00f')).toBeGreaterThan(0);
      expect(compareKeys(b, 'a8')).toBeLessThan(0);
    }
  });

  it('never puts a boundary inside a common prefix, nor uses the delimiter', () => {
    // The page ended on the common prefix "zz/": nothing after its "/" may become a boundary.
    expect(splitBoundaries('', { lastKey: 'zz/', alphabet: ['/', 'z'] })).toEqual([]);
    expect(splitBoundaries('', { lastKey: 'm/', alphabet: ['/', 'a', 'z'] })).toEqual(['z']);
  });

  it('gives up when the last key is the largest the alphabet can reach', () => {
    expect(splitBoundaries('', { lastKey: 'fff', alphabet: hex })).toEqual([]);
  });
});

describe('compareKeys', () => {
  it('orders keys by UTF-8 bytes, as S3 lists them', () => {
    const keys = ['\u{1F600}', '\uFF01', 'a', 'Z', 'é'];
    expect([...keys].sort(compareKeys)).toEqual(
      [...keys].sort((a, b) => Buffer.compare(Buffer.from(a), Buffer.from(b))),
    );
  });
});
