import type { S3EventRecord } from 'aws-lambda';
import { readConfig, s3FilterOf, s3FilterUsesConfig } from '../../core/pipeline.js';
import { type KeyFilter, matchesS3Event, type S3Trigger } from '../../core/triggers.js';
import { type LocalConfig, physicalName } from '../config.js';
import type { LocalFunction } from './functions.js';

/** S3 keys in notifications are URL-encoded with '+' for spaces; filters apply to the real key. */
export function decodeS3Key(key: string): string {
  try {
    return decodeURIComponent(key.replace(/\+/g, ' '));
  } catch {
    return key;
  }
}

/** Resolved filters per function and trigger: a function's env (its config) is fixed once resolved. */
const resolvedFilters = new WeakMap<LocalFunction, Map<S3Trigger, KeyFilter>>();

/** A trigger's key filter for this function, config keys resolved from its env (once). */
export function keyFilterOf(fn: LocalFunction, trigger: S3Trigger): KeyFilter {
  let filters = resolvedFilters.get(fn);
  if (!filters) {
    filters = new Map();
    resolvedFilters.set(fn, filters);
  }
  let filter = filters.get(trigger);
  if (!filter) {
    const config = s3FilterUsesConfig(trigger)
      ? (readConfig(fn.pipeline, fn.env) as Record<string, unknown>)
      : {};
    filter = s3FilterOf(trigger, config);
    filters.set(trigger, filter);
  }
  return filter;
}

/**
 * The functions an S3 notification record goes to: every function with an S3 trigger on that
 * bucket (by physical name) whose event types, prefix and suffix match — as S3 would deliver.
 */
export function routeS3Record(
  record: S3EventRecord,
  functions: Iterable<LocalFunction>,
  config: LocalConfig,
): LocalFunction[] {
  const bucketName = record.s3.bucket.name;
  const key = decodeS3Key(record.s3.object.key);
  const targets: LocalFunction[] = [];
  for (const fn of functions) {
    const matches = fn.spec.triggers.some(
      (trigger) =>
        trigger.kind === 's3' &&
        physicalName(config, fn.pipeline, trigger.bucket) === bucketName &&
        matchesS3Event(trigger, keyFilterOf(fn, trigger), record.eventName, key),
    );
    if (matches) targets.push(fn);
  }
  return targets;
}
