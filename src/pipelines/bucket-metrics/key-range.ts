import { compareKeys } from '../../core/key-order.js';
import { DELIMITER } from './constants.js';

const isSurrogate = (code: number) => code >= 0xd800 && code <= 0xdfff;

/** What a listing page tells about the keys directly under a prefix, for splitting the rest. */
export interface PageKeys {
  /** The page's last entry: a key directly under the prefix, or a common prefix (`a/`). */
  lastKey: string;
  /** Characters seen in the page's keys after the prefix: the likely alphabet of what follows. */
  alphabet: readonly string[];
}

/**
 * Boundaries that split the keys after `lastKey` (and up to `until`) into ranges that can be
 * listed concurrently: `lastKey`'s first p characters + each alphabet character after
 * `lastKey`'s own at position p, at the shallowest p where one fits. Returned ascending, each
 * greater than `lastKey` and less than `until`; empty when the rest cannot be split. The
 * delimiter is never a boundary character, so a common prefix never straddles two ranges.
 */
export function splitBoundaries(prefix: string, page: PageKeys, until?: string): string[] {
  const { lastKey } = page;
  const alphabet = page.alphabet.filter((c) => c !== DELIMITER).sort(compareKeys);
  let p = prefix.length;
  if (until !== undefined) {
    while (p < lastKey.length && p < until.length && lastKey[p] === until[p]) p++;
  }
  for (; p < lastKey.length; p++) {
    // Past the delimiter a boundary would fall inside a common prefix.
    if (lastKey[p] === DELIMITER || isSurrogate(lastKey.charCodeAt(p))) return [];
    const base = lastKey.slice(0, p);
    const pivot = lastKey[p] as string;
    const bounds = alphabet
      .filter((c) => compareKeys(c, pivot) > 0)
      .map((c) => base + c)
      .filter((b) => until === undefined || compareKeys(b, until) < 0);
    if (bounds.length > 0) return bounds;
  }
  return [];
}

/** The distinct single-code-unit characters of `keys` after `prefix` (surrogates left out). */
export function keyAlphabet(keys: readonly string[], prefix: string): string[] {
  const seen = new Set<string>();
  for (const key of keys) {
    for (let i = prefix.length; i < key.length; i++) {
      const code = key.charCodeAt(i);
      if (!isSurrogate(code)) seen.add(key[i] as string);
    }
  }
  return [...seen];
}
