import { z } from 'zod';
import { ConfigError } from '../core/errors.js';
import { currentEnv, type Env } from '../core/invocation.js';

export type Service = 's3' | 'dynamodb' | 'secretsmanager';
export type ChecksumMode = 'WHEN_SUPPORTED' | 'WHEN_REQUIRED';

/** Everything a handler's SDK client needs to know about where and how to talk. */
export interface ClientSettings {
  region: string;
  endpoint?: string;
  forcePathStyle: boolean;
  /** Static credentials; when absent the SDK's default provider chain applies. */
  credentials?: { accessKeyId: string; secretAccessKey: string; sessionToken?: string };
  retryMode: 'standard' | 'adaptive';
  maxAttempts: number;
  requestChecksumCalculation: ChecksumMode;
  responseChecksumValidation: ChecksumMode;
}

export const DEFAULT_REGION = 'us-east-1';
export const DEFAULT_MAX_ATTEMPTS = 3;

/** The SDK's standard per-service endpoint variables (AWS_ENDPOINT_URL_<SERVICE_ID>). */
export const ENDPOINT_VARIABLE: Record<Service, string> = {
  s3: 'AWS_ENDPOINT_URL_S3',
  dynamodb: 'AWS_ENDPOINT_URL_DYNAMODB',
  secretsmanager: 'AWS_ENDPOINT_URL_SECRETS_MANAGER',
};

const checksumMode = z.enum(['WHEN_SUPPORTED', 'WHEN_REQUIRED']);
const schemas = {
  region: z.string().regex(/^[a-z0-9][a-z0-9-]{0,62}$/i, 'must look like us-east-1'),
  endpoint: z.url({ protocol: /^https?$/, error: 'must be an http(s) URL' }),
  flag: z.enum(['true', 'false']).transform((v) => v === 'true'),
  retryMode: z.enum(['standard', 'adaptive']),
  maxAttempts: z
    .string()
    .regex(/^\d+$/, 'must be a whole number')
    .transform(Number)
    .pipe(z.number().int().min(1).max(20)),
  checksumMode,
};

/** Reads one variable; empty counts as unset. `secret` variables never have their value echoed. */
function variable<T>(env: Env, name: string, schema: z.ZodType<T, string>, secret = false): T | undefined {
  const raw = env[name];
  if (raw === undefined || raw === '') return undefined;
  const parsed = schema.safeParse(raw);
  if (!parsed.success) {
    const why = parsed.error.issues[0]?.message ?? 'is invalid';
    throw new ConfigError(`${name} ${why}${secret ? '' : ` (got "${raw}")`}`);
  }
  return parsed.data;
}

function credentialsFrom(env: Env): ClientSettings['credentials'] {
  const accessKeyId = env.AWS_ACCESS_KEY_ID || undefined;
  const secretAccessKey = env.AWS_SECRET_ACCESS_KEY || undefined;
  const sessionToken = env.AWS_SESSION_TOKEN || undefined;
  if (!accessKeyId && !secretAccessKey) {
    if (sessionToken)
      throw new ConfigError('AWS_SESSION_TOKEN is set without AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY');
    return undefined;
  }
  if (!accessKeyId) throw new ConfigError('AWS_SECRET_ACCESS_KEY is set but AWS_ACCESS_KEY_ID is not');
  if (!secretAccessKey) throw new ConfigError('AWS_ACCESS_KEY_ID is set but AWS_SECRET_ACCESS_KEY is not');
  return sessionToken ? { accessKeyId, secretAccessKey, sessionToken } : { accessKeyId, secretAccessKey };
}

/** Only what the environment states; defaults that depend on the endpoint are filled later. */
function explicitSettings(service: Service, env: Env): Partial<ClientSettings> {
  return dropUndefined({
    region:
      variable(env, 'AWS_REGION', schemas.region) ?? variable(env, 'AWS_DEFAULT_REGION', schemas.region),
    endpoint:
      variable(env, ENDPOINT_VARIABLE[service], schemas.endpoint) ??
      variable(env, 'AWS_ENDPOINT_URL', schemas.endpoint),
    forcePathStyle: variable(env, 'S3_FORCE_PATH_STYLE', schemas.flag),
    credentials: credentialsFrom(env),
    retryMode: variable(env, 'AWS_RETRY_MODE', schemas.retryMode),
    maxAttempts: variable(env, 'AWS_MAX_ATTEMPTS', schemas.maxAttempts),
    requestChecksumCalculation: variable(env, 'AWS_REQUEST_CHECKSUM_CALCULATION', schemas.checksumMode),
    responseChecksumValidation: variable(env, 'AWS_RESPONSE_CHECKSUM_VALIDATION', schemas.checksumMode),
  });
}

function dropUndefined<T extends object>(value: T): Partial<T> {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as Partial<T>;
}

/** AWS itself, as opposed to an S3-compatible store or an embedded endpoint. */
export function isAwsEndpoint(endpoint: string | undefined): boolean {
  if (endpoint === undefined) return true;
  const host = new URL(endpoint).hostname.toLowerCase();
  return /(^|\.)amazonaws\.com(\.cn)?$/.test(host);
}

/**
 * Fills what was not stated. Custom endpoints get path-style addressing (most S3-compatible
 * stores and all embedded ones have no per-bucket DNS) and checksums only when required:
 * many S3-compatible stores reject, or store verbatim, the SDK's default aws-chunked CRC32
 * uploads.
 */
function withDefaults(stated: Partial<ClientSettings>): ClientSettings {
  const checksums: ChecksumMode = isAwsEndpoint(stated.endpoint) ? 'WHEN_SUPPORTED' : 'WHEN_REQUIRED';
  const settings: ClientSettings = {
    region: stated.region ?? DEFAULT_REGION,
    forcePathStyle: stated.forcePathStyle ?? stated.endpoint !== undefined,
    retryMode: stated.retryMode ?? 'standard',
    maxAttempts: stated.maxAttempts ?? DEFAULT_MAX_ATTEMPTS,
    requestChecksumCalculation: stated.requestChecksumCalculation ?? checksums,
    responseChecksumValidation: stated.responseChecksumValidation ?? checksums,
  };
  if (stated.endpoint !== undefined) settings.endpoint = stated.endpoint;
  if (stated.credentials !== undefined) settings.credentials = stated.credentials;
  return settings;
}

/**
 * Settings for one service from the current invocation's environment (on Lambda
 * `process.env`; locally the function's own scope), using the SDK's standard variable names.
 * A bad value is a ConfigError naming the variable.
 */
export function clientSettings(service: Service, env: Env = currentEnv()): ClientSettings {
  return withDefaults(explicitSettings(service, env));
}

/**
 * Environment settings with code overrides on top. Endpoint-dependent defaults (path style,
 * checksums) follow the final endpoint unless stated by either.
 */
export function resolveSettings(
  service: Service,
  overrides: Partial<ClientSettings> = {},
  env: Env = currentEnv(),
): ClientSettings {
  const stated = { ...explicitSettings(service, env), ...dropUndefined(overrides) };
  if (stated.endpoint !== undefined) {
    const parsed = schemas.endpoint.safeParse(stated.endpoint);
    if (!parsed.success) throw new ConfigError(`endpoint ${stated.endpoint} must be an http(s) URL`);
  }
  return withDefaults(stated);
}
