import { setTimeout as sleep } from 'node:timers/promises';
import { describe, expect, it } from 'vitest';
import { createLimiter } from '../../../src/pipelines/bucket-metrics/limiter.js';

describe('createLimiter', () => {
  it('never runs more than its concurrency at once, and runs everything', async () => {
    // Arrange
    const limiter = createLimiter(3);
    let running = 0;
    let peak = 0;
    const task = async (i: number) => {
      running++;
      peak = Math.max(peak, running);
      await sleep(i % 3);
      running--;
      return i;
    };
    // Act
    const results = await Promise.all(Array.from({ length: 40 }, (_, i) => limiter.run(() => task(i))));
    // Assert
    expect(peak).toBe(3);
    expect(results).toEqual(Array.from({ length: 40 }, (_, i) => i));
    expect(limiter.active).toBe(0);
    expect(limiter.waiting).toBe(0);
  });

  it('frees the slot of a task that throws', async () => {
    const limiter = createLimiter(1);
    await expect(limiter.run(async () => Promise.reject(new Error('boom')))).rejects.toThrow('boom');
    await expect(limiter.run(async () => 'next')).resolves.toBe('next');
  });

  it.each([0, -1, 1.5])('refuses concurrency %s', (n) => {
    expect(() => createLimiter(n)).toThrow(RangeError);
  });
});
