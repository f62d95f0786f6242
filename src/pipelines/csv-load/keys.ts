import { CHECKPOINTS_PREFIX, INVALID_RECORDS_PREFIX, REPORTS_PREFIX } from './constants.js';

/** Where the pipeline writes about a source object, in the landing bucket. */
export const reportKey = (sourceKey: string): string => `${REPORTS_PREFIX}${sourceKey}.json`;
export const invalidRecordsKey = (sourceKey: string, requestId: string): string =>
  `${INVALID_RECORDS_PREFIX}${sourceKey}/${requestId}.jsonl`;
export const checkpointKey = (sourceKey: string): string => `${CHECKPOINTS_PREFIX}${sourceKey}.json`;

export function sourceKeyOfCheckpoint(key: string): string | undefined {
  if (!key.startsWith(CHECKPOINTS_PREFIX) || !key.endsWith('.json')) return undefined;
  return key.slice(CHECKPOINTS_PREFIX.length, -'.json'.length);
}

/** Keys the pipeline writes itself: never data, even when LANDING_PREFIX is empty. */
export function isOwnOutput(key: string): boolean {
  return [REPORTS_PREFIX, INVALID_RECORDS_PREFIX, CHECKPOINTS_PREFIX].some((p) => key.startsWith(p));
}

/** S3 event keys are URL-encoded with `+` for spaces (the sample skipped this and missed such files). */
export function decodeEventKey(key: string): string {
  return decodeURIComponent(key.replace(/\+/g, ' '));
}

export const isGzipKey = (key: string): boolean => key.toLowerCase().endsWith('.gz');
