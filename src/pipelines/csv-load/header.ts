import { CsvRejectedError } from './errors.js';
import type { KeySchema } from './types.js';

/**
 * Checks the header row before any row is written, so a file that cannot load is rejected
 * whole (with a report) rather than half-loaded.
 */
export function checkHeader(header: readonly string[], keys: KeySchema): string[] {
  const names = header.map((h) => h.trim());
  if (names.every((n) => n === ''))
    throw new CsvRejectedError('the first line is blank: there is no header row');
  if (names.some(isNotText)) {
    throw new CsvRejectedError(
      'the header row is not text (control characters or invalid UTF-8): is this a CSV file?',
    );
  }
  const emptyAt = names.flatMap((n, i) => (n === '' ? [i + 1] : []));
  if (emptyAt.length > 0) {
    throw new CsvRejectedError(`the header row has empty column names (column ${emptyAt.join(', ')})`);
  }
  const seen = new Set<string>();
  const duplicates = new Set<string>();
  for (const n of names) (seen.has(n) ? duplicates : seen).add(n);
  if (duplicates.size > 0) {
    throw new CsvRejectedError(`the header row names columns more than once: ${[...duplicates].join(', ')}`);
  }
  for (const key of [keys.partitionKey, ...(keys.sortKey ? [keys.sortKey] : [])]) {
    if (!seen.has(key.name)) {
      throw new CsvRejectedError(
        `the key column ${key.name} is not in the header (columns: ${names.join(', ')})`,
      );
    }
  }
  return names;
}

/** Control characters (other than tab/newlines) or U+FFFD from invalid UTF-8: binary, not a header. */
function isNotText(name: string): boolean {
  for (let i = 0; i < name.length; i++) {
    const c = name.charCodeAt(i);
    if ((c < 0x20 && c !== 0x09 && c !== 0x0a && c !== 0x0d) || c === 0xfffd) return true;
  }
  return false;
}
