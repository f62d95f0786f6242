import type { ChecksumAlgorithm } from './types.js';

export type ToHashWorker =
  | { type: 'begin'; session: number; sha256: boolean; checksum?: ChecksumAlgorithm }
  | { type: 'update'; session: number; slot: SharedArrayBuffer; length: number }
  | { type: 'digest'; session: number }
  | { type: 'abort'; session: number };

export type FromHashWorker =
  | { type: 'updated'; session: number }
  | { type: 'digest'; session: number; md5: string; sha256?: string; checksum?: string };

/**
 * The hash worker thread, as plain JavaScript (CommonJS, run with `eval`): MD5 (the ETag),
 * the signed payload's SHA-256 and the flexible checksum of large request bodies, off the
 * thread that reads the socket. The main thread posts a body's bytes in order as shared
 * slots; each is hashed and acknowledged so the slot can be reused. Several bodies may be
 * hashed at once (one session each).
 *
 * JavaScript source rather than a module file so the thread starts in milliseconds from
 * TypeScript sources too (a .ts worker must boot tsx first, ~1 s per thread under vitest).
 * Checksums match checksums.ts (test/local/s3/hashers.test.ts compares them).
 */
export const HASH_WORKER_SOURCE = `
const { parentPort } = require('node:worker_threads');
const { createHash } = require('node:crypto');
const { crc32 } = require('node:zlib');

const CRC32C_TABLE = new Int32Array(256);
for (let n = 0; n < 256; n++) {
  let c = n;
  for (let k = 0; k < 8; k++) c = c & 1 ? (c >>> 1) ^ 0x82f63b78 : c >>> 1;
  CRC32C_TABLE[n] = c;
}
function crc32c(data, previous) {
  let crc = ~previous;
  for (let i = 0; i < data.length; i++) crc = CRC32C_TABLE[(crc ^ data[i]) & 0xff] ^ (crc >>> 8);
  return ~crc >>> 0;
}
function crcChecksum(fn) {
  let value = 0;
  return {
    update(data) { value = fn(data, value); },
    digest() { const out = Buffer.alloc(4); out.writeUInt32BE(value >>> 0); return out; },
  };
}
function checksum(algorithm) {
  if (algorithm === 'CRC32') return crcChecksum((data, previous) => crc32(data, previous));
  if (algorithm === 'CRC32C') return crcChecksum(crc32c);
  return createHash(algorithm === 'SHA1' ? 'sha1' : 'sha256');
}

const sessions = new Map();
parentPort.on('message', (m) => {
  if (m.type === 'begin') {
    sessions.set(m.session, {
      md5: createHash('md5'),
      sha256: m.sha256 ? createHash('sha256') : undefined,
      checksum: m.checksum ? checksum(m.checksum) : undefined,
    });
    return;
  }
  const s = sessions.get(m.session);
  if (m.type === 'abort' || !s) {
    sessions.delete(m.session);
    return;
  }
  if (m.type === 'update') {
    const data = Buffer.from(m.slot, 0, m.length);
    s.md5.update(data);
    if (s.sha256) s.sha256.update(data);
    if (s.checksum) s.checksum.update(data);
    parentPort.postMessage({ type: 'updated', session: m.session });
    return;
  }
  sessions.delete(m.session);
  parentPort.postMessage({
    type: 'digest',
    session: m.session,
    md5: s.md5.digest('hex'),
    sha256: s.sha256 ? s.sha256.digest('hex') : undefined,
    checksum: s.checksum ? Buffer.from(s.checksum.digest()).toString('base64') : undefined,
  });
});
`;
