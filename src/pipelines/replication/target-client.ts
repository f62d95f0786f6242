import { readFile } from 'node:fs/promises';
import { S3Client } from '@aws-sdk/client-s3';
import { s3Config, withoutLoggerMiddleware } from '../../clients/factory.js';
import {
  type ClientSettings,
  resolveSettings,
  SECRETS_FILE_VARIABLE,
  storeSettingsFromSecret,
} from '../../clients/index.js';
import { ConfigError } from '../../core/errors.js';
import { currentEnv, type Env } from '../../core/invocation.js';

export interface TargetStore {
  client: S3Client;
  /** Where copies go, for messages (never a credential). */
  endpoint: string;
  source: 'secret' | 'local-default';
}

/**
 * The target store: the one the target secret describes (lc_access_key, lc_secret_key,
 * lc_endpoint_url, optional lc_region). Locally, when the secrets file has no such secret,
 * the function's own endpoint — the embedded S3 endpoint — so `npm start` replicates between
 * two local buckets with no setup. On AWS the secret is required.
 */
export async function targetStore(secretName: string, env: Env = currentEnv()): Promise<TargetStore> {
  const file = env[SECRETS_FILE_VARIABLE];
  if (file && !(await fileHasSecret(file, secretName))) {
    const settings = resolveSettings('s3');
    if (!settings.endpoint) {
      throw new ConfigError(
        `secret "${secretName}" is not configured and AWS_ENDPOINT_URL_S3 is not set: no target`,
      );
    }
    return storeFromSettings(settings, 'local-default');
  }
  return storeFromSettings(await storeSettingsFromSecret(secretName), 'secret');
}

export function storeFromSettings(settings: ClientSettings, source: TargetStore['source']): TargetStore {
  return { client: targetClient(settings), endpoint: settings.endpoint ?? 'AWS S3', source };
}

const MAX_CACHED = 16;
const clients = new Map<string, S3Client>();

/**
 * An S3 client for the target store (not IAM-governed: not guarded), kept across invocations
 * for its sockets. Without `Expect: 100-continue`: the SDK sends it on every body of 2 MB or
 * more and then opens a fresh, unpooled connection for that request (a TCP and TLS handshake
 * per part) to spare sending a body the store might refuse — a poor trade for parts of 8 MiB.
 * Per-request CPU matters on many small copies: s3Config caches the resolved middleware stack
 * (used for sends without options, see sendOptions), and the no-op logger's middleware goes.
 */
function targetClient(settings: ClientSettings): S3Client {
  const key = JSON.stringify(settings);
  let client = clients.get(key);
  if (!client) {
    client = withoutLoggerMiddleware(new S3Client({ ...s3Config(settings), expectContinueHeader: false }));
    if (clients.size >= MAX_CACHED) {
      const oldest = clients.keys().next().value;
      if (oldest !== undefined) clients.delete(oldest);
    }
    clients.set(key, client);
  }
  return client;
}

/** Whether the local secrets file names the secret; an unreadable file answers yes, so readSecret says why. */
async function fileHasSecret(file: string, name: string): Promise<boolean> {
  try {
    const secrets = JSON.parse(await readFile(file, 'utf8')) as unknown;
    return typeof secrets !== 'object' || secrets === null || Object.hasOwn(secrets, name);
  } catch {
    return true;
  }
}
