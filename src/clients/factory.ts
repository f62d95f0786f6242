import { DynamoDBClient, type DynamoDBClientConfig } from '@aws-sdk/client-dynamodb';
import { S3Client, type S3ClientConfig } from '@aws-sdk/client-s3';
import { SecretsManagerClient, type SecretsManagerClientConfig } from '@aws-sdk/client-secrets-manager';
import { DynamoDBDocumentClient, NumberValue, type TranslateConfig } from '@aws-sdk/lib-dynamodb';
import { addAccessGuard } from './guard.js';
import { type ClientSettings, resolveSettings } from './settings.js';

/** The part of the settings every client takes. */
function commonConfig(settings: ClientSettings) {
  return {
    region: settings.region,
    ...(settings.endpoint !== undefined && { endpoint: settings.endpoint }),
    ...(settings.credentials !== undefined && { credentials: settings.credentials }),
    retryMode: settings.retryMode,
    maxAttempts: settings.maxAttempts,
  };
}

/**
 * Resolves each command class's middleware stack once instead of on every send (about a third
 * of the SDK's CPU per small request). Safe for clients that send the SDK's own commands and
 * get no middleware after they are built. Not for a DocumentClient's base: lib-dynamodb's
 * commands resolve to a handler bound to their first instance, which a cache would replay.
 */
const CACHE_MIDDLEWARE = { cacheMiddleware: true } as const;

export function s3Config(settings: ClientSettings): S3ClientConfig {
  return {
    ...commonConfig(settings),
    forcePathStyle: settings.forcePathStyle,
    requestChecksumCalculation: settings.requestChecksumCalculation,
    responseChecksumValidation: settings.responseChecksumValidation,
    ...CACHE_MIDDLEWARE,
  };
}

/**
 * Our clients get no SDK logger, yet the SDK's logger middleware still filters every input and
 * output for sensitive fields before handing them to its no-op logger: drop it.
 */
export function withoutLoggerMiddleware<C extends { middlewareStack: { remove(name: string): boolean } }>(
  client: C,
): C {
  client.middlewareStack.remove('loggerMiddleware');
  return client;
}

const dynamoDbConfig = (settings: ClientSettings): DynamoDBClientConfig => ({
  ...commonConfig(settings),
  ...CACHE_MIDDLEWARE,
});
const secretsConfig = (settings: ClientSettings): SecretsManagerClientConfig => commonConfig(settings);

/**
 * Clients are reused across invocations (their sockets and credential caches are worth
 * keeping), keyed by everything that shapes them. The local runtime gives each function its
 * own environment, so the map stays as small as the number of distinct settings; the bound
 * only protects against a caller that varies overrides per call.
 */
const MAX_CACHED = 64;
const cache = new Map<string, unknown>();

function cached<T>(kind: string, settings: ClientSettings, create: () => T): T {
  const key = `${kind}\n${JSON.stringify(settings)}`;
  const hit = cache.get(key) as T | undefined;
  if (hit !== undefined) return hit;
  const client = create();
  if (cache.size >= MAX_CACHED) {
    const oldest = cache.keys().next().value;
    if (oldest !== undefined) cache.delete(oldest);
  }
  cache.set(key, client);
  return client;
}

/** S3 client for the current invocation; guarded by its grants when run locally. */
export function s3Client(overrides?: Partial<ClientSettings>): S3Client {
  const settings = resolveSettings('s3', overrides);
  return cached('s3', settings, () => {
    const client = withoutLoggerMiddleware(new S3Client(s3Config(settings)));
    addAccessGuard(client.middlewareStack, 's3');
    return client;
  });
}

function guardedDynamoDbClient(config: DynamoDBClientConfig): DynamoDBClient {
  const client = withoutLoggerMiddleware(new DynamoDBClient(config));
  addAccessGuard(client.middlewareStack, 'dynamodb');
  return client;
}

/** DynamoDB client for the current invocation; guarded by its grants when run locally. */
export function dynamoDbClient(overrides?: Partial<ClientSettings>): DynamoDBClient {
  const settings = resolveSettings('dynamodb', overrides);
  return cached('dynamodb', settings, () => guardedDynamoDbClient(dynamoDbConfig(settings)));
}

/** A decimal as `<sign><digits>e<exponent>` without redundant zeros, so equal values compare equal. */
function canonicalDecimal(text: string): string | undefined {
  const match = /^([+-]?)(\d*)(?:\.(\d*))?(?:e([+-]?\d+))?$/i.exec(text.trim());
  if (!match) return undefined;
  const [, sign, whole = '', fraction = '', exponent = '0'] = match;
  let digits = `${whole}${fraction}`.replace(/^0+/, '');
  let power = Number(exponent) - fraction.length;
  if (digits === '') return '0';
  while (digits.endsWith('0')) {
    digits = digits.slice(0, -1);
    power++;
  }
  return `${sign === '-' ? '-' : ''}${digits}e${power}`;
}

/**
 * Numbers come back as plain numbers when that is exact, and as NumberValue (the string
 * DynamoDB stored) when a JavaScript number would change it — big counters, 38-digit
 * decimals — instead of throwing or silently losing digits.
 */
export function unmarshallNumber(value: string): number | NumberValue {
  const n = Number(value);
  const exact = Number.isFinite(n) && canonicalDecimal(String(n)) === canonicalDecimal(value);
  return exact ? n : NumberValue.from(value);
}

export const DOCUMENT_TRANSLATION: TranslateConfig = {
  marshallOptions: { removeUndefinedValues: true },
  unmarshallOptions: { wrapNumbers: unmarshallNumber },
};

/** DocumentClient with dynamoDbClient(overrides)'s settings and guard: plain objects in and out, undefined values dropped. */
export function documentClient(overrides?: Partial<ClientSettings>): DynamoDBDocumentClient {
  const settings = resolveSettings('dynamodb', overrides);
  // Its own base, without the middleware cache (see CACHE_MIDDLEWARE). The DocumentClient
  // shares the base client's middleware stack, so the guard applies to it too.
  return cached('dynamodb-document', settings, () =>
    DynamoDBDocumentClient.from(guardedDynamoDbClient(commonConfig(settings)), DOCUMENT_TRANSLATION),
  );
}

/** Secrets Manager client for the current invocation; guarded. */
export function secretsClient(): SecretsManagerClient {
  const settings = resolveSettings('secretsmanager');
  return cached('secretsmanager', settings, () => {
    const client = withoutLoggerMiddleware(new SecretsManagerClient(secretsConfig(settings)));
    addAccessGuard(client.middlewareStack, 'secretsmanager');
    return client;
  });
}

/** An S3 client outside IAM (an S3-compatible store reached with its own keys): not guarded. */
export function unguardedS3Client(settings: ClientSettings): S3Client {
  return cached('s3-store', settings, () => withoutLoggerMiddleware(new S3Client(s3Config(settings))));
}
