import { createHash, type Hash } from 'node:crypto';
import { crc32 } from 'node:zlib';
import { errors } from './errors.js';
import type { ChecksumAlgorithm } from './types.js';

export interface Checksum {
  update(data: Buffer): void;
  /** Big-endian bytes, as S3 base64-encodes them. */
  digest(): Buffer;
}

const CRC32C_TABLE = (() => {
  const table = new Int32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? (c >>> 1) ^ 0x82f63b78 : c >>> 1;
    table[n] = c;
  }
  return table;
})();

function crc32c(data: Buffer, previous: number): number {
  let crc = ~previous;
  for (let i = 0; i < data.length; i++)
    crc = (CRC32C_TABLE[(crc ^ (data[i] as number)) & 0xff] as number) ^ (crc >>> 8);
  return ~crc >>> 0;
}

function crcChecksum(fn: (data: Buffer, previous: number) => number): Checksum {
  let value = 0;
  return {
    update(data) {
      value = fn(data, value);
    },
    digest() {
      const out = Buffer.alloc(4);
      out.writeUInt32BE(value >>> 0);
      return out;
    },
  };
}

function hashChecksum(algorithm: string): Checksum {
  const hash: Hash = createHash(algorithm);
  return { update: (data) => void hash.update(data), digest: () => hash.digest() };
}

export function createChecksum(algorithm: ChecksumAlgorithm): Checksum {
  switch (algorithm) {
    case 'CRC32':
      return crcChecksum((data, prev) => crc32(data, prev));
    case 'CRC32C':
      return crcChecksum(crc32c);
    case 'SHA1':
      return hashChecksum('sha1');
    case 'SHA256':
      return hashChecksum('sha256');
  }
}

export const CHECKSUM_ALGORITHMS: readonly ChecksumAlgorithm[] = ['CRC32', 'CRC32C', 'SHA1', 'SHA256'];
const DIGEST_BYTES: Record<ChecksumAlgorithm, number> = { CRC32: 4, CRC32C: 4, SHA1: 20, SHA256: 32 };

export const checksumHeader = (algorithm: ChecksumAlgorithm): string =>
  `x-amz-checksum-${algorithm.toLowerCase()}`;

/** Parses an algorithm name from a header (x-amz-sdk-checksum-algorithm, x-amz-checksum-algorithm). */
export function parseAlgorithm(value: string | undefined): ChecksumAlgorithm | undefined {
  if (value === undefined || value === '') return undefined;
  const upper = value.toUpperCase();
  if ((CHECKSUM_ALGORITHMS as readonly string[]).includes(upper)) return upper as ChecksumAlgorithm;
  if (upper === 'CRC64NVME') throw errors.notImplemented('The CRC64NVME checksum algorithm');
  throw errors.invalidRequest(`Value for x-amz-checksum-algorithm header is invalid: ${value}`);
}

/** Checks a base64 checksum value has the algorithm's digest length. */
export function validChecksumValue(algorithm: ChecksumAlgorithm, value: string): boolean {
  if (!/^[A-Za-z0-9+/]+={0,2}$/.test(value)) return false;
  return Buffer.from(value, 'base64').length === DIGEST_BYTES[algorithm];
}

/** S3's composite multipart checksum: checksum of the parts' raw checksums, then `-N`. */
export function compositeChecksum(algorithm: ChecksumAlgorithm, partValues: string[]): string {
  const c = createChecksum(algorithm);
  for (const v of partValues) c.update(Buffer.from(v, 'base64'));
  return `${c.digest().toString('base64')}-${partValues.length}`;
}
