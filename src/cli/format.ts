import { readFileSync } from 'node:fs';
import { S3_STORE_SECRET_KEYS } from '../clients/index.js';
import { UsageError } from '../core/errors.js';

/** Bytes in binary units with one decimal (`1.5 GiB`); whole bytes below 1 KiB. */
export function formatBytes(n: number): string {
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB', 'PiB'];
  let value = n;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit++;
  }
  return unit === 0 ? `${n} B` : `${value.toFixed(1)} ${units[unit]}`;
}

/**
 * A store secret (`lc_access_key`, `lc_secret_key`, `lc_endpoint_url`, …) from a JSON file
 * named by a CLI flag, for commands run against a real store without Secrets Manager. Every
 * problem is a UsageError naming the flag.
 */
export function readStoreSecretFile(flag: string, file: string): Record<string, string> {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    throw new UsageError(`${flag} ${file}: ${code === 'ENOENT' ? 'no such file' : (err as Error).message}`);
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw new UsageError(`${flag} ${file} is not JSON`);
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new UsageError(`${flag} ${file} must hold a JSON object`);
  }
  const required = [
    S3_STORE_SECRET_KEYS.accessKey,
    S3_STORE_SECRET_KEYS.secretKey,
    S3_STORE_SECRET_KEYS.endpoint,
  ];
  const missing = required.filter((k) => typeof (value as Record<string, unknown>)[k] !== 'string');
  if (missing.length > 0) throw new UsageError(`${flag} ${file} lacks ${missing.join(', ')} (strings)`);
  return value as Record<string, string>;
}

/**
 * Where a long command reports progress: a terminal gets one line rewritten in place; a log
 * (stderr not a TTY) gets a line every 10 s and the last one, so it shows life without flooding.
 */
export function terminalProgress(): (line: string, done: boolean) => void {
  if (process.stderr.isTTY)
    return (line, done) => process.stderr.write(`\r\x1b[2K${line}${done ? '\n' : ''}`);
  let last = 0;
  return (line, done) => {
    if (!done && Date.now() - last < 10_000) return;
    last = Date.now();
    process.stderr.write(`${line}\n`);
  };
}
