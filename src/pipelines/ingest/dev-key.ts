/**
 * An API key for the local runtime when no auth secret is configured: caller `dev`, a random
 * key generated on first use and kept in `<state dir>/ingest-dev-key.json` (see
 * clients/local-default.ts: 0600, survives restarts, nothing logged). `tributary ingest
 * dev-key` prints it. On AWS a missing auth secret is a configuration error.
 */
import { randomBytes } from 'node:crypto';
import type { LocalDefault } from '../../clients/index.js';

export interface DevKey {
  key: string;
}

export const DEV_KEY: LocalDefault<DevKey> = {
  file: 'ingest-dev-key.json',
  generate: () => ({ key: randomBytes(24).toString('base64url') }),
  isValid: (value): value is DevKey => {
    const key = (value as Partial<DevKey> | null)?.key;
    return typeof key === 'string' && key.length >= 16;
  },
};

/** The dev key as an auth-secret value. */
export const devKeySecret = ({ key }: DevKey): Record<string, string> => ({ 'apikey:dev': key });
