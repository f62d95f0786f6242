export {
  DOCUMENT_TRANSLATION,
  documentClient,
  dynamoDbClient,
  s3Client,
  s3Config,
  secretsClient,
  unguardedS3Client,
  unmarshallNumber,
} from './factory.js';
export { ACCESS_GUARD_MIDDLEWARE, type AccessCheck, accessChecks, addAccessGuard } from './guard.js';
export {
  ensureLocalDefault,
  type LocalDefault,
  localDefaultPath,
  readSecretOrLocalDefault,
} from './local-default.js';
export {
  clearSecretCache,
  MissingSecretError,
  readSecret,
  SECRET_TTL_MS,
  SECRETS_FILE_VARIABLE,
} from './secrets.js';
export {
  type ChecksumMode,
  type ClientSettings,
  clientSettings,
  DEFAULT_MAX_ATTEMPTS,
  DEFAULT_REGION,
  ENDPOINT_VARIABLE,
  isAwsEndpoint,
  resolveSettings,
  type Service,
} from './settings.js';
export { S3_STORE_SECRET_KEYS, s3ClientForStore, storeSettingsFromSecret } from './store.js';
