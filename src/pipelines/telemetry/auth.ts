import { createHmac, randomBytes } from 'node:crypto';
import type { Role } from './constants.js';
import { ForbiddenError, UnauthorizedError } from './errors.js';
import { DEFAULT_SCRYPT, type PasswordHash, verifyPassword } from './passwords.js';
import type { User, UserTable } from './users.js';

/** Compared against when the user does not exist, so an unknown name costs the same scrypt. */
const DUMMY_HASH: PasswordHash = {
  ...DEFAULT_SCRYPT,
  salt: randomBytes(16),
  key: randomBytes(32),
};

/**
 * scrypt costs tens of milliseconds on purpose; krkn asks for a presigned URL per file and
 * the browser makes a request per page, so a successful check is remembered for a few
 * minutes. Only a keyed digest of (user, password, stored hash) is kept, never the password;
 * failures are not cached, so guessing always pays the full cost (and the IP rate limit).
 */
const VERIFIED_TTL_MS = 5 * 60_000;
const MAX_VERIFIED = 1000;
const cacheKey = randomBytes(32);
const verified = new Map<string, number>();
const inFlight = new Map<string, Promise<boolean>>();

function fingerprint(user: User, password: string): string {
  return createHmac('sha256', cacheKey)
    .update(user.name)
    .update('\0')
    .update(password)
    .update('\0')
    .update(user.hash.key)
    .digest('base64');
}

/** `Authorization: Basic base64(user:password)` → the user, or UnauthorizedError. */
export async function authenticate(
  authorization: string | undefined,
  users: UserTable,
  /** Called before a password is hashed (not for a remembered credential): may throw to refuse. */
  beforeHashing: () => void = () => {},
): Promise<User> {
  if (!authorization) throw new UnauthorizedError('credentials are required (HTTP Basic)');
  const basic = /^Basic\s+([A-Za-z0-9+/=]+)\s*$/i.exec(authorization);
  if (!basic) throw new UnauthorizedError('the Authorization header must use the Basic scheme');
  const decoded = Buffer.from(basic[1] as string, 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  if (colon < 0) throw new UnauthorizedError('Basic credentials must be base64 of "user:password"');
  const name = decoded.slice(0, colon);
  const password = decoded.slice(colon + 1);
  const user = users.get(name);
  const now = Date.now();
  if (user) {
    const key = fingerprint(user, password);
    const until = verified.get(key);
    if (until !== undefined && until > now) return user;
    // Concurrent requests with the same credential (krkn's upload workers, a burst of browser
    // requests) share one scrypt run instead of each starting their own.
    let check = inFlight.get(key);
    if (!check) {
      beforeHashing();
      check = verifyPassword(password, user.hash).finally(() => inFlight.delete(key));
      inFlight.set(key, check);
    }
    if (await check) {
      if (verified.size >= MAX_VERIFIED) verified.delete(verified.keys().next().value as string);
      verified.set(key, now + VERIFIED_TTL_MS);
      return user;
    }
  } else {
    beforeHashing();
    await verifyPassword(password, DUMMY_HASH);
  }
  throw new UnauthorizedError('the user name or password is not valid');
}

export function authorize(user: User, role: Role, what: string): void {
  if (!user.roles.has(role))
    throw new ForbiddenError(`user "${user.name}" lacks the ${role} role needed to ${what}`);
}
