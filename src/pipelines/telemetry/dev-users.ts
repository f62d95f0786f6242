/**
 * Users for the local runtime when no users secret is configured: `krkn` (writer) and
 * `viewer` (reader), each with a random password generated on first use and kept in
 * `<state dir>/telemetry-dev-users.json` (see clients/local-default.ts: 0600, survives
 * restarts, nothing logged). `tributary telemetry dev-credentials` prints them. On AWS a
 * missing secret is a configuration error.
 */
import { randomBytes } from 'node:crypto';
import type { LocalDefault } from '../../clients/index.js';
import type { Role } from './constants.js';
import { hashPassword } from './passwords.js';

export interface DevUser {
  name: string;
  role: Role;
  password: string;
}

const isDevUser = (u: unknown): u is DevUser => {
  const user = u as Partial<DevUser> | null;
  return (
    typeof user?.name === 'string' &&
    typeof user.password === 'string' &&
    user.password.length >= 8 &&
    (user.role === 'writer' || user.role === 'reader')
  );
};

export const DEV_USERS: LocalDefault<{ users: DevUser[] }> = {
  file: 'telemetry-dev-users.json',
  generate: () => ({
    users: [
      { name: 'krkn', role: 'writer', password: randomBytes(18).toString('base64url') },
      { name: 'viewer', role: 'reader', password: randomBytes(18).toString('base64url') },
    ],
  }),
  isValid: (value): value is { users: DevUser[] } => {
    const users = (value as { users?: unknown } | null)?.users;
    return Array.isArray(users) && users.every(isDevUser);
  },
};

/** The dev users as a users-secret value (`{ name: "<role>:<hash>" }`). */
export async function devUsersSecret({ users }: { users: DevUser[] }): Promise<Record<string, string>> {
  const entries = await Promise.all(
    users.map(async (u) => [u.name, `${u.role}:${await hashPassword(u.password)}`]),
  );
  return Object.fromEntries(entries);
}
