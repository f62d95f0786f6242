/**
 * Users and their roles, from the users secret — a JSON object of strings, one per user:
 *
 *   { "<user name>": "<roles>:<scrypt hash>" }
 *
 * `<roles>` is `writer` (krkn clients: POST /telemetry, GET /presigned-url), `reader` (the
 * browser: /files, /navigate, /download-url) or both, comma-separated: `writer,reader`.
 */
import { ConfigError } from '../../core/errors.js';
import { ROLES, type Role } from './constants.js';
import { type PasswordHash, parsePasswordHash } from './passwords.js';

export interface User {
  name: string;
  roles: ReadonlySet<Role>;
  hash: PasswordHash;
}

export type UserTable = ReadonlyMap<string, User>;

export function parseUsers(secret: Record<string, unknown>, secretName: string): UserTable {
  const users = new Map<string, User>();
  for (const [name, value] of Object.entries(secret)) {
    const where = `users secret "${secretName}", user "${name}"`;
    if (name === '' || name.includes(':') || name.length > 128)
      throw new ConfigError(`${where}: a user name must be 1-128 characters without ":"`);
    if (typeof value !== 'string')
      throw new ConfigError(`${where}: the value must be a string "<roles>:<hash>"`);
    const colon = value.indexOf(':');
    if (colon < 0) throw new ConfigError(`${where}: the value must be "<roles>:<scrypt hash>"`);
    const roles = new Set<Role>();
    for (const role of value.slice(0, colon).split(',')) {
      const trimmed = role.trim();
      if (!(ROLES as readonly string[]).includes(trimmed))
        throw new ConfigError(`${where}: unknown role "${trimmed}" (roles: ${ROLES.join(', ')})`);
      roles.add(trimmed as Role);
    }
    users.set(name, { name, roles, hash: parsePasswordHash(value.slice(colon + 1), where) });
  }
  return users;
}
