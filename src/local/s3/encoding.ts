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

export const utf8Length = (s: string): number => Buffer.byteLength(s, 'utf8');
