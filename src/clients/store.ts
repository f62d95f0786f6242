import type { S3Client } from '@aws-sdk/client-s3';
import { ConfigError } from '../core/errors.js';
import { unguardedS3Client } from './factory.js';
import { readSecret } from './secrets.js';
import { type ClientSettings, DEFAULT_REGION, resolveSettings } from './settings.js';

/** The keys of an S3-compatible store's secret, as in the Lyve Cloud samples. */
export const S3_STORE_SECRET_KEYS = {
  accessKey: 'lc_access_key',
  secretKey: 'lc_secret_key',
  endpoint: 'lc_endpoint_url',
  region: 'lc_region',
} as const;

const REQUIRED = [
  S3_STORE_SECRET_KEYS.accessKey,
  S3_STORE_SECRET_KEYS.secretKey,
  S3_STORE_SECRET_KEYS.endpoint,
];

/**
 * Settings for an S3-compatible store described by a secret (lc_access_key, lc_secret_key,
 * lc_endpoint_url, optional lc_region). Retry and checksum settings still come from the
 * environment; path-style addressing and checksum defaults follow the store's endpoint.
 */
export async function storeSettingsFromSecret(name: string): Promise<ClientSettings> {
  const secret = await readSecret(name);
  const missing = REQUIRED.filter((key) => !secret[key]?.trim());
  if (missing.length > 0) {
    throw new ConfigError(
      `secret "${name}" lacks ${missing.join(', ')}: an S3-compatible store secret needs ${REQUIRED.join(', ')} and optionally ${S3_STORE_SECRET_KEYS.region}`,
    );
  }
  const endpoint = secret[S3_STORE_SECRET_KEYS.endpoint]?.trim() ?? '';
  if (!isHttpUrl(endpoint)) {
    throw new ConfigError(`secret "${name}": ${S3_STORE_SECRET_KEYS.endpoint} must be an http(s) URL`);
  }
  const region = secret[S3_STORE_SECRET_KEYS.region]?.trim() || DEFAULT_REGION;
  if (!/^[a-z0-9][a-z0-9-]{0,62}$/i.test(region)) {
    throw new ConfigError(`secret "${name}": ${S3_STORE_SECRET_KEYS.region} must look like us-east-1`);
  }
  return resolveSettings('s3', {
    endpoint,
    region,
    credentials: {
      accessKeyId: secret[S3_STORE_SECRET_KEYS.accessKey]?.trim() ?? '',
      secretAccessKey: secret[S3_STORE_SECRET_KEYS.secretKey]?.trim() ?? '',
    },
  });
}

/** An S3 client for the store a secret describes. Not guarded: the store is not IAM-governed (reading the secret is). */
export async function s3ClientForStore(secretName: string): Promise<S3Client> {
  return unguardedS3Client(await storeSettingsFromSecret(secretName));
}

function isHttpUrl(text: string): boolean {
  try {
    const url = new URL(text);
    return (url.protocol === 'http:' || url.protocol === 'https:') && url.hostname !== '';
  } catch {
    return false;
  }
}
