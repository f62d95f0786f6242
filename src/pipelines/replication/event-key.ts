import { UsageError } from '../../core/errors.js';

/**
 * The object key an S3 notification names. S3 form-encodes it: spaces as `+`, everything
 * else non-safe as `%XX` (UTF-8). A literal `+` arrives as `%2B`, so `+` → space comes first.
 */
export function decodeEventKey(encoded: string): string {
  try {
    return decodeURIComponent(encoded.replace(/\+/g, ' '));
  } catch {
    throw new UsageError(`event key "${encoded}" is not valid URL encoding`);
  }
}

/**
 * Orders two S3 event sequencers for the same key: hex strings of varying length, compared
 * after left-padding the shorter with zeros (per the S3 event message structure docs).
 * Negative when `a` is older, positive when newer, 0 when equal.
 */
export function compareSequencers(a: string, b: string): number {
  const hex = /^[0-9A-Fa-f]+$/;
  if (!hex.test(a) || !hex.test(b)) throw new UsageError(`sequencer "${hex.test(a) ? b : a}" is not hex`);
  const width = Math.max(a.length, b.length);
  const pa = a.toUpperCase().padStart(width, '0');
  const pb = b.toUpperCase().padStart(width, '0');
  return pa < pb ? -1 : pa > pb ? 1 : 0;
}

/** The key on the target for a source key. */
export const targetKey = (prefix: string, sourceKey: string): string => `${prefix}${sourceKey}`;
