import { describe, expect, it } from 'vitest';
import { BufferPool } from '../../../src/local/s3/buffer-pool.js';

describe('BufferPool', () => {
  it('reuses released buffers, keeping at most `keep`', () => {
    const pool = new BufferPool(16, 1);
    const a = pool.acquire();
    const b = pool.acquire();
    pool.release(a);
    pool.release(b);

    expect(pool.acquire()).toBe(a);
    expect(pool.acquire()).not.toBe(b);
  });

  it('makes acquireBounded wait while `limit` buffers are out, then hands released ones on in order', async () => {
    const pool = new BufferPool(16, 4, false, 2);
    const a = await pool.acquireBounded();
    const b = await pool.acquireBounded();
    const order: string[] = [];
    const third = pool.acquireBounded().then((buffer) => {
      order.push('third');
      return buffer;
    });
    const fourth = pool.acquireBounded().then((buffer) => {
      order.push('fourth');
      return buffer;
    });
    await new Promise((r) => setImmediate(r));
    expect(order).toEqual([]);

    pool.release(b);
    expect(await third).toBe(b);
    pool.release(a);
    expect(await fourth).toBe(a);
    expect(order).toEqual(['third', 'fourth']);
  });

  it('counts plain acquires against the limit too', async () => {
    const pool = new BufferPool(16, 4, false, 1);
    const held = pool.acquire();
    let got = false;
    const waiting = pool.acquireBounded().then(() => {
      got = true;
    });
    await new Promise((r) => setImmediate(r));
    expect(got).toBe(false);

    pool.release(held);
    await waiting;
    expect(got).toBe(true);
  });
});
