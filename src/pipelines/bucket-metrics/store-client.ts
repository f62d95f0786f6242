import { readFile } from 'node:fs/promises';
import type { S3Client } from '@aws-sdk/client-s3';
import { unguardedS3Client } from '../../clients/factory.js';
import { resolveSettings, SECRETS_FILE_VARIABLE, s3ClientForStore } from '../../clients/index.js';
import { ConfigError } from '../../core/errors.js';
import { currentEnv, type Env } from '../../core/invocation.js';

export interface StoreClient {
  client: S3Client;
  /** Where the buckets come from, for logs and the CLI (never a credential). */
  endpoint: string;
  source: 'secret' | 'local-default';
}

/**
 * The S3-compatible store to measure: the one the store secret describes (lc_access_key,
 * lc_secret_key, lc_endpoint_url). Locally, when the secrets file has no such secret, the
 * function's own endpoint and credentials are used instead — the embedded S3 endpoint —
 * so `npm start` measures its own buckets with no setup. On AWS the secret is required.
 */
export async function storeClient(secretName: string, env: Env = currentEnv()): Promise<StoreClient> {
  const file = env[SECRETS_FILE_VARIABLE];
  if (file && !(await fileHasSecret(file, secretName))) {
    const settings = resolveSettings('s3');
    if (!settings.endpoint) {
      throw new ConfigError(
        `secret "${secretName}" is not configured and AWS_ENDPOINT_URL_S3 is not set: nothing to measure`,
      );
    }
    return { client: unguardedS3Client(settings), endpoint: settings.endpoint, source: 'local-default' };
  }
  const client = await s3ClientForStore(secretName);
  const endpoint = await client.config
    .endpoint?.()
    .then((e) => `${e.protocol}//${e.hostname}${e.port ? `:${e.port}` : ''}`);
  return { client, endpoint: endpoint ?? '(default)', source: 'secret' };
}

/** Whether the local secrets file names the secret; unreadable files answer yes, so readSecret reports why. */
async function fileHasSecret(file: string, name: string): Promise<boolean> {
  try {
    const secrets = JSON.parse(await readFile(file, 'utf8')) as unknown;
    return typeof secrets !== 'object' || secrets === null || Object.hasOwn(secrets, name);
  } catch {
    return true;
  }
}
