import { compareKeys } from '../../core/key-order.js';
import type { ObjectMeta } from './types.js';

/** A bucket's objects, kept sorted in S3 order so a page of a listing is a binary search and a walk. */
export class KeyIndex {
  private readonly keys: string[] = [];
  private readonly objects = new Map<string, ObjectMeta>();

  get size(): number {
    return this.objects.size;
  }

  get(key: string): ObjectMeta | undefined {
    return this.objects.get(key);
  }

  /** Loads many objects at once (start-up): one sort instead of n inserts. */
  load(metas: ObjectMeta[]): void {
    for (const m of metas) this.objects.set(m.key, m);
    // One push per key: spreading a million keys into one call overflows the stack.
    this.keys.length = 0;
    for (const key of this.objects.keys()) this.keys.push(key);
    this.keys.sort(compareKeys);
  }

  set(meta: ObjectMeta): ObjectMeta | undefined {
    const previous = this.objects.get(meta.key);
    this.objects.set(meta.key, meta);
    if (!previous) this.keys.splice(this.lowerBound(meta.key), 0, meta.key);
    return previous;
  }

  delete(key: string): ObjectMeta | undefined {
    const previous = this.objects.get(key);
    if (previous) {
      this.objects.delete(key);
      this.keys.splice(this.lowerBound(key), 1);
    }
    return previous;
  }

  at(i: number): string | undefined {
    return this.keys[i];
  }

  get length(): number {
    return this.keys.length;
  }

  /** First index whose key is >= `key`. */
  lowerBound(key: string): number {
    return this.search((k) => compareKeys(k, key) >= 0);
  }

  /** First index whose key is > `key`. */
  upperBound(key: string): number {
    return this.search((k) => compareKeys(k, key) > 0);
  }

  /** First index at or after `from` whose key does not start with `prefix` (keys sharing it are contiguous). */
  endOfPrefix(prefix: string, from: number): number {
    let lo = from;
    let hi = this.keys.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if ((this.keys[mid] as string).startsWith(prefix)) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  private search(isAtOrAfter: (key: string) => boolean): number {
    let lo = 0;
    let hi = this.keys.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (isAtOrAfter(this.keys[mid] as string)) hi = mid;
      else lo = mid + 1;
    }
    return lo;
  }
}
