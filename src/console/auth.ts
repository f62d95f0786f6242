import type { MiddlewareHandler } from 'hono';
import { ConfigError } from '../core/errors.js';
import type { LocalConfig } from '../local/config.js';
import { authenticate, type Credentials, parseCredentials } from '../pipelines/ingest/auth.js';
import { UnauthorizedError } from '../pipelines/ingest/errors.js';

export const CONSOLE_REALM = 'Basic realm="tributary-console", charset="UTF-8"';

/**
 * The console's credentials: `console.users` from the runtime config and/or the secret
 * `console.authSecret` names, in the ingest API's format — so the console can take exactly
 * the API's credentials. Undefined when neither is configured: the console is open.
 */
export function consoleCredentials(config: LocalConfig): Credentials | undefined {
  const settings = config.console;
  if (!settings) return undefined;
  const entries: Record<string, unknown> = {};
  if (settings.authSecret !== undefined) {
    const secret = config.secrets[settings.authSecret];
    if (typeof secret !== 'object' || secret === null || Array.isArray(secret)) {
      throw new ConfigError(
        `console.authSecret "${settings.authSecret}" is not an object in "secrets" (known: ${Object.keys(config.secrets).join(', ') || 'none'})`,
      );
    }
    Object.assign(entries, secret);
  }
  for (const [name, password] of Object.entries(settings.users)) entries[`user:${name}`] = password;
  if (Object.keys(entries).length === 0) return undefined;
  return parseCredentials(entries);
}

/** Basic (or `x-api-key`) auth over every console route; 401 with a challenge otherwise. */
export function requireAuth(credentials: Credentials): MiddlewareHandler {
  return async (c, next) => {
    try {
      authenticate(
        {
          ...(c.req.header('x-api-key') !== undefined ? { apiKey: c.req.header('x-api-key') } : {}),
          ...(c.req.header('authorization') !== undefined
            ? { authorization: c.req.header('authorization') }
            : {}),
        },
        credentials,
      );
    } catch (err) {
      if (!(err instanceof UnauthorizedError)) throw err;
      return c.json({ message: err.message }, 401, { 'WWW-Authenticate': CONSOLE_REALM });
    }
    await next();
  };
}

/**
 * Refuses state-changing requests from other sites (a page elsewhere POSTing to
 * 127.0.0.1:3000 with the browser's cached Basic credentials): browsers send Origin on
 * every POST, and curl sends none.
 */
export const sameOrigin: MiddlewareHandler = async (c, next) => {
  if (c.req.method !== 'GET' && c.req.method !== 'HEAD') {
    const origin = c.req.header('origin');
    const site = c.req.header('sec-fetch-site');
    const host = c.req.header('host');
    const crossOrigin = origin !== undefined && origin !== 'null' && new URL(origin).host !== host;
    if (
      crossOrigin ||
      origin === 'null' ||
      (site !== undefined && site !== 'same-origin' && site !== 'none')
    ) {
      return c.json({ message: 'cross-site requests may not change the console' }, 403);
    }
  }
  await next();
};
