/** RFC 3986 encoding as SigV4 wants it: everything but A-Z a-z 0-9 - . _ ~ is %XX. */
export function uriEncode(s: string, keepSlash = false): string {
  let out: string;
  try {
    out = encodeURIComponent(s);
  } catch {
    out = encodeURIComponent(
      s.replace(/[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g, '\uFFFD'),
    );
  }
  out = out.replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
  return keepSlash ? out.replace(/%2F/g, '/') : out;
}

/** decodeURIComponent that leaves malformed escapes as they are instead of throwing. */
export function safeDecode(s: string): string {
  if (!s.includes('%')) return s;
  try {
    return decodeURIComponent(s);
  } catch {
    return s.replace(/(%[0-9A-Fa-f]{2})+/g, (run) => {
      try {
        return decodeURIComponent(run);
      } catch {
        return run;
      }
    });
  }
}

/** Key encoding in event records: as S3 sends it (form encoding, '/' kept, space as '+'). */
export const eventKeyEncode = (key: string): string => uriEncode(key, true).replace(/%20/g, '+');

/**
 * Compares strings in UTF-8 byte order (= code point order), which is how S3 sorts keys.
 * JS `<` compares UTF-16 code units, which puts U+E000–U+FFFF after astral characters.
 */
export function compareKeys(a: string, b: string): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    let x = a.charCodeAt(i);
    let y = b.charCodeAt(i);
    if (x !== y) {
      if (x >= 0xd800 && y >= 0xd800) {
        x = x >= 0xe000 ? x - 0x800 : x + 0x2000;
        y = y >= 0xe000 ? y - 0x800 : y + 0x2000;
      }
      return x - y;
    }
  }
  return a.length - b.length;
}

export const utf8Length = (s: string): number => Buffer.byteLength(s, 'utf8');
