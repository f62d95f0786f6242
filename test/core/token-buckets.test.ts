import { describe, expect, it } from 'vitest';
import { TokenBuckets } from '../../src/core/token-buckets.js';

describe('TokenBuckets', () => {
  it('allows a burst, then answers the whole seconds until the next token', () => {
    const buckets = new TokenBuckets(0.5, 2);

    const waits = [0, 1, 2].map(() => buckets.consume('a', 0));

    expect(waits).toEqual([0, 0, 2]);
  });

  it('refills at the rate, never above the burst', () => {
    const buckets = new TokenBuckets(1, 2);
    buckets.consume('a', 0);
    buckets.consume('a', 0);

    expect(buckets.consume('a', 1_000)).toBe(0);
    expect(buckets.consume('a', 1_000)).toBe(1);
    expect([0, 0, 1].map(() => buckets.consume('a', 60_000))).toEqual([0, 0, 1]);
  });

  it('keeps callers apart', () => {
    const buckets = new TokenBuckets(1, 1);
    buckets.consume('a', 0);

    expect(buckets.consume('b', 0)).toBe(0);
    expect(buckets.consume('a', 0)).toBe(1);
  });

  it('peeks without taking a token', () => {
    const buckets = new TokenBuckets(1, 1);

    expect(buckets.peek('a', 0)).toBe(0);
    expect(buckets.peek('a', 0)).toBe(0);
    expect(buckets.consume('a', 0)).toBe(0);
    expect(buckets.peek('a', 0)).toBe(1);
  });

  it('is off with a rate of 0', () => {
    const buckets = new TokenBuckets(0, 0);

    expect(Array.from({ length: 100 }, () => buckets.consume('a', 0)).every((w) => w === 0)).toBe(true);
  });

  it('forgets the least recently seen caller beyond 10,000, who then starts with a full bucket', () => {
    const buckets = new TokenBuckets(1, 1);
    buckets.consume('first', 0);
    for (let i = 0; i < 10_000; i++) buckets.consume(`c${i}`, 0);

    expect(buckets.consume('first', 0)).toBe(0);
  });

  it('says whether it was built for given settings', () => {
    expect(new TokenBuckets(5, 10).matches(5, 10)).toBe(true);
    expect(new TokenBuckets(5, 10).matches(5, 11)).toBe(false);
  });
});
