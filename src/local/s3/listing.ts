import { compareKeys } from '../../core/key-order.js';
import type { KeyIndex } from './key-index.js';
import type { ObjectMeta } from './types.js';

export interface ListQuery {
  prefix: string;
  delimiter: string;
  maxKeys: number;
  /** List only what sorts after this (start-after, marker or a continuation token). */
  after: string;
}

export interface ListPage {
  contents: ObjectMeta[];
  commonPrefixes: string[];
  isTruncated: boolean;
  /** The last key or common prefix returned: where the next page starts after. */
  last: string | undefined;
}

/**
 * One page of a listing. Keys under a common prefix roll up into it (including prefixes
 * whose "folder" holds only deeper folders); a common prefix that does not sort after
 * `after` was already returned on an earlier page and is skipped as a whole.
 */
export function listPage(index: KeyIndex, q: ListQuery): ListPage {
  const contents: ObjectMeta[] = [];
  const commonPrefixes: string[] = [];
  let i = Math.max(index.lowerBound(q.prefix), q.after === '' ? 0 : index.upperBound(q.after));
  let last: string | undefined;
  let count = 0;
  while (i < index.length) {
    const key = index.at(i) as string;
    if (!key.startsWith(q.prefix)) break;
    const cut = q.delimiter === '' ? -1 : key.indexOf(q.delimiter, q.prefix.length);
    if (cut !== -1) {
      const cp = key.slice(0, cut + q.delimiter.length);
      if (q.after !== '' && compareKeys(cp, q.after) <= 0) {
        i = index.endOfPrefix(cp, i);
        continue;
      }
      if (count >= q.maxKeys) return { contents, commonPrefixes, isTruncated: true, last };
      commonPrefixes.push(cp);
      last = cp;
      count++;
      i = index.endOfPrefix(cp, i);
      continue;
    }
    if (count >= q.maxKeys) return { contents, commonPrefixes, isTruncated: true, last };
    contents.push(index.get(key) as ObjectMeta);
    last = key;
    count++;
    i++;
  }
  return { contents, commonPrefixes, isTruncated: false, last };
}
