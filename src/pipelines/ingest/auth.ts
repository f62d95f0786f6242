/**
 * API keys (`x-api-key`) and HTTP Basic users, from the auth secret — a JSON object of
 * strings, one entry per key or user:
 *
 *   { "apikey:<caller name>": "<key>", "user:<user name>": "<password>" }
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

function digestOf(value: unknown, entry: string): Buffer {
  if (typeof value !== 'string' || value === '')
    throw new ConfigError(`auth secret: "${entry}" must be a non-empty string`);
  const hashed = /^sha256:([0-9a-fA-F]{64})$/.exec(value);
  return hashed ? Buffer.from(hashed[1] as string, 'hex') : sha256(value);
}

/** Parses the secret's entries; a malformed secret is a ConfigError naming the entry (never a value). */
export function parseCredentials(secret: Record<string, unknown>): Credentials {
  const credentials: Credentials = { apiKeys: [], users: new Map() };
  for (const [entry, value] of Object.entries(secret)) {
    const match = /^(apikey|user):(.+)$/.exec(entry);
    if (!match)
      throw new ConfigError(`auth secret: entry "${entry}" must be named "apikey:<name>" or "user:<name>"`);
    const name = match[2] as string;
    if (match[1] === 'apikey') credentials.apiKeys.push({ name, digest: digestOf(value, entry) });
    else if (name.includes(':'))
      throw new ConfigError(`auth secret: user name in "${entry}" must not contain ":"`);
    else credentials.users.set(name, digestOf(value, entry));
  }
  return credentials;
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
