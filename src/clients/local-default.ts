/**
 * Credentials the local runtime makes up when a pipeline's secret is not configured, so that
 * `npm start` needs no setup: generated on first use and kept in a file in the state dir (next
 * to the runtime's secrets file), mode 0600, so they survive restarts. Nothing is logged; the
 * CLI prints them on request. On AWS (no TRIBUTARY_SECRETS_FILE) a missing secret stays the
 * error readSecret throws.
 */
import { linkSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { ConfigError } from '../core/errors.js';
import { currentEnv } from '../core/invocation.js';
import { MissingSecretError, readSecret, SECRETS_FILE_VARIABLE } from './secrets.js';

export interface LocalDefault<T> {
  /** The file's name in the state dir. */
  file: string;
  /** Fresh credentials. */
  generate(): T;
  /** Whether the file's JSON is a value generate() could have made. */
  isValid(value: unknown): value is T;
}

export const localDefaultPath = (stateDir: string, spec: LocalDefault<unknown>): string =>
  path.join(stateDir, spec.file);

/** Reads `<stateDir>/<spec.file>`, creating it (atomically, 0600) when it does not exist yet. */
export function ensureLocalDefault<T>(stateDir: string, spec: LocalDefault<T>): T {
  const file = localDefaultPath(stateDir, spec);
  try {
    return parse(readFileSync(file, 'utf8'), file, spec);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
  }
  const value = spec.generate();
  mkdirSync(stateDir, { recursive: true });
  const tmp = `${file}.${process.pid}.tmp`;
  writeFileSync(tmp, `${JSON.stringify(value, null, 2)}\n`, { mode: 0o600 });
  try {
    linkSync(tmp, file); // fails if another process created it first: then theirs is kept
    return value;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    return parse(readFileSync(file, 'utf8'), file, spec);
  } finally {
    rmSync(tmp, { force: true });
  }
}

function parse<T>(text: string, file: string, spec: LocalDefault<T>): T {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw new ConfigError(`${file} is not valid JSON: delete it to generate new credentials`);
  }
  if (!spec.isValid(value))
    throw new ConfigError(`${file} is malformed: delete it to generate new credentials`);
  return value;
}

// Per file: the secret form may be costly to build (telemetry hashes passwords with scrypt).
const secrets = new Map<string, Promise<Record<string, string>>>();

/**
 * readSecret(name); locally, when the secrets file has no such secret, the secret made from
 * the local default instead (toSecret, built once per file).
 */
export async function readSecretOrLocalDefault<T>(
  name: string,
  spec: LocalDefault<T>,
  toSecret: (value: T) => Record<string, string> | Promise<Record<string, string>>,
): Promise<Record<string, string>> {
  try {
    return await readSecret(name);
  } catch (err) {
    const secretsFile = currentEnv()[SECRETS_FILE_VARIABLE];
    if (!secretsFile || !(err instanceof MissingSecretError)) throw err;
    const stateDir = path.dirname(secretsFile);
    const key = localDefaultPath(stateDir, spec);
    let secret = secrets.get(key);
    if (!secret) {
      secret = Promise.resolve().then(() => toSecret(ensureLocalDefault(stateDir, spec)));
      secrets.set(key, secret);
      secret.catch(() => secrets.delete(key));
    }
    return { ...(await secret) };
  }
}
