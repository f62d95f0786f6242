/**
 * API keys (`x-api-key`) and HTTP Basic users, from the auth secret:
 *
 *   { "apiKeys": { "<caller name>": "<key>" }, "users": { "<user>": "<password>" } }
 *
 * A value may be given as `sha256:<hex>` so that the secret need not hold the key itself.
 * Presented credentials are hashed and compared with every stored digest in constant time.
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import { ConfigError } from '../../core/errors.js';
import { UnauthorizedError } from './errors.js';

export interface Credentials {
  apiKeys: { name: string; digest: Buffer }[];
  users: Map<string, Buffer>;
}

export const BASIC_CHALLENGE = 'Basic realm="tributary-ingest", charset="UTF-8"';

const sha256 = (text: string): Buffer => createHash('sha256').update(text, 'utf8').digest();

function digestOf(value: unknown, where: string): Buffer {
  if (typeof value !== 'string' || value === '')
    throw new ConfigError(`auth secret: ${where} must be a non-empty string`);
  const hashed = /^sha256:([0-9a-fA-F]{64})$/.exec(value);
  return hashed ? Buffer.from(hashed[1] as string, 'hex') : sha256(value);
}

function entries(value: unknown, field: string): [string, unknown][] {
  if (value === undefined) return [];
  if (typeof value !== 'object' || value === null || Array.isArray(value))
    throw new ConfigError(`auth secret: "${field}" must be an object of name → value`);
  return Object.entries(value);
}

/** Parses the secret (an object, or its JSON text); a malformed secret is a ConfigError. */
export function parseCredentials(secret: unknown): Credentials {
  let value = secret;
  if (typeof value === 'string') {
    try {
      value = JSON.parse(value);
    } catch {
      throw new ConfigError('auth secret is not JSON');
    }
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value))
    throw new ConfigError('auth secret must be a JSON object with "apiKeys" and/or "users"');
  const { apiKeys, users } = value as Record<string, unknown>;
  return {
    apiKeys: entries(apiKeys, 'apiKeys').map(([name, key]) => ({
      name,
      digest: digestOf(key, `apiKeys.${name}`),
    })),
    users: new Map(entries(users, 'users').map(([user, pw]) => [user, digestOf(pw, `users.${user}`)])),
  };
}

export interface PresentedCredentials {
  apiKey?: string;
  authorization?: string;
}

const DUMMY = sha256('');

/** The caller's name (`key:<name>` or `user:<name>`), or UnauthorizedError. */
export function authenticate(presented: PresentedCredentials, credentials: Credentials): string {
  if (credentials.apiKeys.length === 0 && credentials.users.size === 0)
    throw new UnauthorizedError('no API keys or users are configured in the auth secret');
  if (presented.apiKey !== undefined) {
    const digest = sha256(presented.apiKey);
    let match: string | undefined;
    // Every key is compared, so timing does not reveal which (or whether one) matched.
    for (const key of credentials.apiKeys) if (timingSafeEqual(digest, key.digest)) match ??= key.name;
    if (match === undefined) throw new UnauthorizedError('the x-api-key is not valid');
    return `key:${match}`;
  }
  const basic = presented.authorization && /^Basic\s+([A-Za-z0-9+/=]+)\s*$/i.exec(presented.authorization);
  if (basic) {
    const decoded = Buffer.from(basic[1] as string, 'base64').toString('utf8');
    const colon = decoded.indexOf(':');
    if (colon < 0) throw new UnauthorizedError('Basic credentials must be base64 of "user:password"');
    const user = decoded.slice(0, colon);
    const stored = credentials.users.get(user);
    const ok = timingSafeEqual(sha256(decoded.slice(colon + 1)), stored ?? DUMMY) && stored !== undefined;
    if (!ok) throw new UnauthorizedError('the user name or password is not valid');
    return `user:${user}`;
  }
  if (presented.authorization)
    throw new UnauthorizedError('the Authorization header must use the Basic scheme (or send x-api-key)');
  throw new UnauthorizedError('credentials are required: send an x-api-key header or Basic credentials');
}
