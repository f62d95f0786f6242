/** DynamoDB's BatchWriteItem limit. */
export const BATCH_SIZE = 25;
/** DynamoDB's item size limit (attribute names + values), in bytes. */
export const MAX_ITEM_BYTES = 400 * 1024;
/**
 * A record still open after this many bytes is not a row any table could take (items stop at
 * 400 KB); it is almost always an unterminated quote swallowing the file, so the load stops
 * instead of buffering the rest of the file in memory.
 */
export const MAX_RECORD_BYTES = 32 * 1024 * 1024;
/** Raw rows kept in invalid-record files are cut here (a 10 MB field is not worth copying). */
export const MAX_RAW_CHARS = 64 * 1024;
/** Invalid rows listed inline in a report (all of them are in the invalid-records files). */
export const REPORT_SAMPLE_INVALID = 10;

export const DEFAULT_LANDING_PREFIX = 'data/';
export const DEFAULT_SUFFIX = '.csv';
export const DEFAULT_KEY_COLUMN = 'ID';
export const DEFAULT_BATCH_CONCURRENCY = 8;

/** Prefixes the pipeline itself writes to in the landing bucket; never loaded as data. */
export const REPORTS_PREFIX = 'reports/';
export const INVALID_RECORDS_PREFIX = 'invalid-records/';
export const CHECKPOINTS_PREFIX = 'checkpoints/';

/** UnprocessedItems retries: DynamoDB asks callers to back off exponentially. */
export const UNPROCESSED_RETRY = { retries: 8, baseMs: 50, maxMs: 5_000 } as const;
