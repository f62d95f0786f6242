import { MAX_OBJECT_SIZE_BYTES, MAX_PART_SIZE_BYTES, MAX_PARTS, MiB } from './constants.js';
import { ObjectTooLargeError } from './errors.js';

/**
 * The part size for a multipart copy of `size` bytes: at least `minPartSize`, and large
 * enough (rounded up to a whole MiB) that the object fits in S3's 10,000 parts — so a 5 TiB
 * object gets 525 MiB parts.
 */
export function partSizeFor(size: number, minPartSize: number): number {
  if (!Number.isSafeInteger(size) || size < 0) throw new RangeError(`size ${size} is not a byte count`);
  if (size > MAX_OBJECT_SIZE_BYTES) throw new ObjectTooLargeError(size);
  const needed = Math.ceil(size / MAX_PARTS / MiB) * MiB;
  return Math.min(MAX_PART_SIZE_BYTES, Math.max(minPartSize, needed));
}

export const partCount = (size: number, partSize: number): number => Math.max(1, Math.ceil(size / partSize));

/**
 * Parts uploaded at once: as many as configured, but no more than the object has, and no more
 * than fit in the buffer budget (a copy holds one buffer per part in flight) — at least one.
 */
export function partConcurrencyFor(
  size: number,
  partSize: number,
  tuning: { partConcurrency: number; maxBufferBytes: number },
): number {
  const fit = Math.floor(tuning.maxBufferBytes / partSize);
  return Math.max(1, Math.min(tuning.partConcurrency, partCount(size, partSize), fit));
}
