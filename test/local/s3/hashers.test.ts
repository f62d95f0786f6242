import { randomBytes } from 'node:crypto';
import { afterAll, describe, expect, it } from 'vitest';
import { BufferPool } from '../../../src/local/s3/buffer-pool.js';
import { type HashSpec, HashWorkers, hashInline } from '../../../src/local/s3/hashers.js';

const workers = new HashWorkers(2);
afterAll(() => workers.close());

/** Feeds `data` to a worker session in shared slots of `slotSize`, as BodyFile does. */
async function hashInWorker(w: HashWorkers, spec: HashSpec, data: Buffer, slotSize: number) {
  const pool = new BufferPool(slotSize, 4, true);
  const session = w.session(spec);
  const pending: Promise<void>[] = [];
  for (let offset = 0; offset < data.length; offset += slotSize) {
    const slot = pool.acquire();
    const n = data.copy(slot, 0, offset, offset + slotSize);
    pending.push(
      new Promise((resolve, reject) => session.update(slot, n, (err) => (err ? reject(err) : resolve()))),
    );
  }
  await Promise.all(pending);
  return session.digest();
}

describe('hash workers', () => {
  it.each(['CRC32', 'CRC32C', 'SHA1', 'SHA256'] as const)(
    'digest MD5, SHA-256 and %s exactly as the main thread does',
    async (checksum) => {
      const data = randomBytes(300_001);
      const spec: HashSpec = { sha256: true, checksum };

      const [inWorker, again] = await Promise.all([
        hashInWorker(workers, spec, data, 65_536),
        hashInWorker(workers, spec, data, 100_000),
      ]);

      expect(inWorker).toEqual(hashInline(spec, data));
      expect(again).toEqual(inWorker);
    },
  );

  it('fail the sessions of a closed pool instead of leaving them waiting', async () => {
    const w = new HashWorkers(1);
    const session = w.session({ sha256: false });
    const slot = Buffer.from(new SharedArrayBuffer(16));
    await new Promise<void>((resolve) => session.update(slot, 16, () => resolve()));

    await w.close();
    const update = await new Promise<Error | undefined>((resolve) => session.update(slot, 16, resolve));

    expect(update).toBeInstanceOf(Error);
    await expect(session.digest()).rejects.toThrow('hash worker exited');
    expect(() => w.session({ sha256: false })).toThrow('closed');
  });
});
