/**
 * Users for the local runtime when no users secret is configured: `krkn` (writer) and
 * `viewer` (reader), each with a random password generated on first use and kept in
 * `<state dir>/telemetry-dev-users.json` (mode 0600, next to the runtime's secrets file) so
 * that it survives restarts. Nothing is logged: `tributary telemetry dev-credentials` prints
 * them. Only used when TRIBUTARY_SECRETS_FILE is set (the local runtime) and that file has no
 * entry for the users secret; on AWS a missing secret is a configuration error.
 */
import { randomBytes } from 'node:crypto';
import { linkSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { ConfigError } from '../../core/errors.js';
import type { Role } from './constants.js';
import { hashPassword } from './passwords.js';

export const DEV_USERS_FILE = 'telemetry-dev-users.json';

export interface DevUser {
  name: string;
  role: Role;
  password: string;
}

export const devUsersPath = (stateDir: string): string => path.join(stateDir, DEV_USERS_FILE);

/** Reads the dev users, creating them (atomically, 0600) when the file does not exist yet. */
export function ensureDevUsers(stateDir: string): DevUser[] {
  const file = devUsersPath(stateDir);
  try {
    return parseDevUsers(readFileSync(file, 'utf8'), file);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
  }
  const users: DevUser[] = [
    { name: 'krkn', role: 'writer', password: randomBytes(18).toString('base64url') },
    { name: 'viewer', role: 'reader', password: randomBytes(18).toString('base64url') },
  ];
  mkdirSync(stateDir, { recursive: true });
  const tmp = `${file}.${process.pid}.tmp`;
  writeFileSync(tmp, `${JSON.stringify({ users }, null, 2)}\n`, { mode: 0o600 });
  try {
    linkSync(tmp, file); // fails if another process created it first: then theirs is kept
    return users;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    return parseDevUsers(readFileSync(file, 'utf8'), file);
  } finally {
    rmSync(tmp, { force: true });
  }
}

function parseDevUsers(text: string, file: string): DevUser[] {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw new ConfigError(`${file} is not valid JSON: delete it to generate new dev users`);
  }
  const users = (value as { users?: unknown })?.users;
  const ok =
    Array.isArray(users) &&
    users.every(
      (u) =>
        typeof u?.name === 'string' &&
        typeof u?.password === 'string' &&
        u.password.length >= 8 &&
        (u.role === 'writer' || u.role === 'reader'),
    );
  if (!ok) throw new ConfigError(`${file} is malformed: delete it to generate new dev users`);
  return users as DevUser[];
}

/** The dev users as a users-secret value (`{ name: "<role>:<hash>" }`). */
export async function devUsersSecret(users: DevUser[]): Promise<Record<string, string>> {
  const entries = await Promise.all(
    users.map(async (u) => [u.name, `${u.role}:${await hashPassword(u.password)}`]),
  );
  return Object.fromEntries(entries);
}
