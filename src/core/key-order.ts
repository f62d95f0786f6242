/**
 * S3's key order: UTF-8 bytes (= code point order). JavaScript's `<` compares UTF-16 code
 * units, which puts U+E000–U+FFFF after astral characters; shifting surrogates up fixes that
 * without encoding either string (this runs on listing and merge hot paths).
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
