/** DynamoDB's item size limit: 400 KB. */
export const MAX_ITEM_BYTES = 400 * 1024;
/** DynamoDB's limit on nested attributes (maps and lists inside maps and lists). */
export const MAX_NESTING_LEVELS = 32;
/** DynamoDB's limit on a partition key value. */
export const MAX_KEY_BYTES = 2048;
/** BatchWriteItem takes at most 25 items. */
export const BATCH_SIZE = 25;

/** The table's partition key: the sample's `Id`. */
export const ID_ATTRIBUTE = 'Id';
/** Server time, ISO 8601 UTC, set on every record (a client-sent value is replaced). */
export const RECEIVED_AT_ATTRIBUTE = 'receivedAt';

/** What the sample's clients expect from `POST /post`. */
export const COMPAT_MESSAGE = 'Execution successfully!';

export const DEFAULT_SUMMARY_SCHEDULE = 'cron(0 0 ? * MON *)';
export const SUMMARY_PREFIX = 'summaries/';

export const DEFAULT_LIST_LIMIT = 100;
export const MAX_LIST_LIMIT = 1000;

/** How long the API keeps the auth secret before reading it again. */
export const AUTH_CACHE_MS = 60_000;
/** A request holding an Idempotency-Key lock longer than this is presumed dead. */
export const IDEMPOTENCY_LOCK_MS = 60_000;

export const IDEMPOTENCY_HEADER = 'idempotency-key';
export const MAX_IDEMPOTENCY_KEY_LENGTH = 255;
