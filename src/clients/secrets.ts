import { readFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { GetSecretValueCommand, ResourceNotFoundException } from '@aws-sdk/client-secrets-manager';
import { ConfigError } from '../core/errors.js';
import { currentEnv, currentGuard } from '../core/invocation.js';
import { secretsClient } from './factory.js';
import { clientSettings } from './settings.js';

/** Names the local secrets file: a JSON object, secret name → object of strings. */
export const SECRETS_FILE_VARIABLE = 'TRIBUTARY_SECRETS_FILE';
export const SECRET_TTL_MS = 5 * 60_000;

type Secret = Record<string, string>;

/** The named secret does not exist (as opposed to existing and being unreadable or malformed). */
export class MissingSecretError extends ConfigError {}

// Promises, so concurrent first reads of one secret make one request. Values never leave
// this module except to the caller: no logging, and errors name the secret, never content.
const cache = new Map<string, { expires: number; value: Promise<Secret> }>();

/** Forget cached secrets (after rotating one locally, or between tests). */
export function clearSecretCache(): void {
  cache.clear();
}

/**
 * A JSON secret: locally from the file named by TRIBUTARY_SECRETS_FILE, else Secrets Manager
 * GetSecretValue. Cached for 5 minutes. Missing secret, non-JSON or non-string values →
 * ConfigError naming the secret (never the value).
 */
export async function readSecret(name: string): Promise<Record<string, string>> {
  if (typeof name !== 'string' || name.trim() === '') throw new ConfigError('secret name is empty');
  // Asked on every read, cached or not: a cache hit must not let an ungranted function in.
  currentGuard()?.('secretsmanager:GetSecretValue', { service: 'secretsmanager', name });

  const env = currentEnv();
  const file = env[SECRETS_FILE_VARIABLE] || undefined;
  const source = file
    ? `file:${resolve(file)}`
    : `secretsmanager:${JSON.stringify(clientSettings('secretsmanager', env))}`;
  const key = `${source}\n${name}`;
  const now = Date.now();
  let entry = cache.get(key);
  if (!entry || entry.expires <= now) {
    const value = file ? fromFile(file, name) : fromSecretsManager(name);
    entry = { expires: now + SECRET_TTL_MS, value };
    cache.set(key, entry);
    value.catch(() => {
      if (cache.get(key) === entry) cache.delete(key);
    });
  }
  return { ...(await entry.value) };
}

async function fromFile(file: string, name: string): Promise<Secret> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    const why = code === 'ENOENT' ? 'does not exist' : `cannot be read (${code ?? 'error'})`;
    throw new ConfigError(`${SECRETS_FILE_VARIABLE} ${file} ${why}`);
  }
  let secrets: unknown;
  try {
    secrets = JSON.parse(text);
  } catch {
    // The parser's message quotes the text around the error, which would be a secret.
    throw new ConfigError(`${SECRETS_FILE_VARIABLE} ${file} is not valid JSON`);
  }
  if (!isObject(secrets)) {
    throw new ConfigError(`${SECRETS_FILE_VARIABLE} ${file} must hold a JSON object: secret name → object`);
  }
  if (!Object.hasOwn(secrets, name)) {
    throw new MissingSecretError(`secret "${name}" is not in ${SECRETS_FILE_VARIABLE} ${file}`);
  }
  const value = secrets[name];
  // Secrets Manager holds a string; the file may hold the object itself or that string.
  return typeof value === 'string' ? parseSecretString(name, value) : checkSecret(name, value);
}

async function fromSecretsManager(name: string): Promise<Secret> {
  let secretString: string | undefined;
  try {
    ({ SecretString: secretString } = await secretsClient().send(
      new GetSecretValueCommand({ SecretId: name }),
    ));
  } catch (err) {
    if (err instanceof ResourceNotFoundException) {
      throw new MissingSecretError(`secret "${name}" does not exist in Secrets Manager`);
    }
    throw err;
  }
  if (secretString === undefined) {
    throw new ConfigError(`secret "${name}" has no string value (binary secrets are not supported)`);
  }
  return parseSecretString(name, secretString);
}

function parseSecretString(name: string, text: string): Secret {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw new ConfigError(`secret "${name}" is not JSON: it must be a JSON object of strings`);
  }
  return checkSecret(name, value);
}

function checkSecret(name: string, value: unknown): Secret {
  if (!isObject(value)) throw new ConfigError(`secret "${name}" must be a JSON object of strings`);
  for (const [key, field] of Object.entries(value)) {
    if (typeof field !== 'string') {
      throw new ConfigError(`secret "${name}": key "${key}" must be a string, not ${typeName(field)}`);
    }
  }
  return value as Secret;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

const typeName = (value: unknown) =>
  value === null ? 'null' : Array.isArray(value) ? 'an array' : typeof value;
