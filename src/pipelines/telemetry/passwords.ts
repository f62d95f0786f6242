/**
 * Password hashes: scrypt (node:crypto), stored as
 *
 *   scrypt$<N>$<r>$<p>$<salt, base64>$<key, base64>
 *
 * with N = 2^14, r = 8, p = 1, a 16-byte random salt and a 32-byte key by default
 * (OWASP's minimum for scrypt). `tributary telemetry hash-password` prints one.
 */
import { randomBytes, scrypt as scryptCallback, timingSafeEqual } from 'node:crypto';
import { ConfigError } from '../../core/errors.js';

export interface ScryptParams {
  N: number;
  r: number;
  p: number;
}

export const DEFAULT_SCRYPT: ScryptParams = { N: 16_384, r: 8, p: 1 };
const KEY_BYTES = 32;
const SALT_BYTES = 16;

export interface PasswordHash extends ScryptParams {
  salt: Buffer;
  key: Buffer;
}

function scrypt(password: string, salt: Buffer, keylen: number, params: ScryptParams): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    // maxmem: 128 * N * r bytes plus headroom, so N up to 2^17 works.
    const maxmem = 256 * params.N * params.r + 1024 * 1024;
    scryptCallback(password, salt, keylen, { ...params, maxmem }, (err, key) =>
      err ? reject(err) : resolve(key),
    );
  });
}

export async function hashPassword(password: string, params: ScryptParams = DEFAULT_SCRYPT): Promise<string> {
  if (password === '') throw new ConfigError('the password is empty');
  const salt = randomBytes(SALT_BYTES);
  const key = await scrypt(password, salt, KEY_BYTES, params);
  return `scrypt$${params.N}$${params.r}$${params.p}$${salt.toString('base64')}$${key.toString('base64')}`;
}

/** Parses a stored hash; a malformed one is a ConfigError naming `where` (never the value). */
export function parsePasswordHash(text: string, where: string): PasswordHash {
  const match = /^scrypt\$(\d+)\$(\d+)\$(\d+)\$([A-Za-z0-9+/]+={0,2})\$([A-Za-z0-9+/]+={0,2})$/.exec(text);
  if (!match) throw new ConfigError(`${where}: the password hash must look like scrypt$N$r$p$salt$key`);
  const [N, r, p] = [Number(match[1]), Number(match[2]), Number(match[3])];
  const salt = Buffer.from(match[4] as string, 'base64');
  const key = Buffer.from(match[5] as string, 'base64');
  if (N < 2 || N > 2 ** 20 || (N & (N - 1)) !== 0)
    throw new ConfigError(`${where}: scrypt N must be a power of two ≤ 2^20`);
  if (r < 1 || r > 32 || p < 1 || p > 16) throw new ConfigError(`${where}: scrypt r must be 1-32 and p 1-16`);
  if (salt.length < 8 || key.length < 16) throw new ConfigError(`${where}: salt or key too short`);
  return { N, r, p, salt, key };
}

/** Constant-time comparison of the derived key with the stored one. */
export async function verifyPassword(password: string, hash: PasswordHash): Promise<boolean> {
  const key = await scrypt(password, hash.salt, hash.key.length, hash);
  return timingSafeEqual(key, hash.key);
}
