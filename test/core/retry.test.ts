import { describe, expect, it } from 'vitest';
import { backoffDelay, withRetry } from '../../src/core/retry.js';

describe('backoffDelay', () => {
  it.each([
    [0, 100],
    [1, 200],
    [3, 800],
    [10, 1000],
  ])('attempt %i is capped at %i ms', (attempt, ceiling) => {
    expect(backoffDelay(attempt, { baseMs: 100, maxMs: 1000 }, () => 0.999999)).toBe(ceiling - 1);
    expect(backoffDelay(attempt, { baseMs: 100, maxMs: 1000 }, () => 0)).toBe(0);
  });
});

describe('withRetry', () => {
  it('retries until success and reports each retry', async () => {
    const seen: number[] = [];
    const result = await withRetry(
      async (attempt) => {
        if (attempt < 2) throw new Error(`fail ${attempt}`);
        return 'done';
      },
      { retries: 2, baseMs: 1, maxMs: 2, onRetry: (_, attempt) => seen.push(attempt) },
    );
    expect(result).toBe('done');
    expect(seen).toEqual([1, 2]);
  });

  it('gives up after the last retry with the last error', async () => {
    await expect(
      withRetry(
        async (attempt) => {
          throw new Error(`fail ${attempt}`);
        },
        { retries: 2, baseMs: 1, maxMs: 2 },
      ),
    ).rejects.toThrow('fail 2');
  });

  it('does not retry what is not retryable', async () => {
    let calls = 0;
    await expect(
      withRetry(
        async () => {
          calls++;
          throw new Error('bad input');
        },
        { retries: 5, baseMs: 1, maxMs: 2, retryable: () => false },
      ),
    ).rejects.toThrow('bad input');
    expect(calls).toBe(1);
  });
});
