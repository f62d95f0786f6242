import type { ScheduleExpression } from './schedule.js';

export type S3EventName =
  | 's3:ObjectCreated:*'
  | 's3:ObjectCreated:Put'
  | 's3:ObjectCreated:Post'
  | 's3:ObjectCreated:Copy'
  | 's3:ObjectCreated:CompleteMultipartUpload'
  | 's3:ObjectRemoved:*'
  | 's3:ObjectRemoved:Delete'
  | 's3:ObjectRemoved:DeleteMarkerCreated';

/**
 * A key filter: literal, or the value of a config key (plus an optional literal tail), resolved
 * when the runtime starts or the cloud app synthesizes — as S3 filters are fixed per bucket.
 */
export type KeyFilterValue = string | { configKey: string; append?: string };

/** S3 event notification, as S3 filters it: event type, key prefix and key suffix. */
export interface S3Trigger<R extends string = string> {
  kind: 's3';
  /** Key of a bucket in the pipeline's resources. */
  bucket: R;
  events: S3EventName[];
  prefix?: KeyFilterValue;
  suffix?: KeyFilterValue;
}

/** An S3 trigger's filter with config keys resolved (empty string: no filter). */
export interface KeyFilter {
  prefix: string;
  suffix: string;
}

/** EventBridge scheduled rule; `expression` may name a config key whose value is the expression. */
export interface ScheduleTrigger {
  kind: 'schedule';
  expression: ScheduleExpression | { configKey: string };
}

export type HttpMethod = 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE' | 'HEAD' | 'OPTIONS' | 'ANY';

/** API Gateway HTTP API routes, e.g. `POST /telemetry`, `GET /files/{proxy+}`. */
export interface HttpTrigger {
  kind: 'http';
  routes: `${HttpMethod} /${string}`[];
}

export type Trigger<R extends string = string> = S3Trigger<R> | ScheduleTrigger | HttpTrigger;

export const onObjectCreated = <R extends string>(
  bucket: R,
  filter: { prefix?: KeyFilterValue; suffix?: KeyFilterValue } = {},
): S3Trigger<R> => ({ kind: 's3', bucket, events: ['s3:ObjectCreated:*'], ...filter });

export const onObjectRemoved = <R extends string>(
  bucket: R,
  filter: { prefix?: KeyFilterValue; suffix?: KeyFilterValue } = {},
): S3Trigger<R> => ({ kind: 's3', bucket, events: ['s3:ObjectRemoved:*'], ...filter });

export const onSchedule = (expression: ScheduleTrigger['expression']): ScheduleTrigger => ({
  kind: 'schedule',
  expression,
});

export const onHttp = (...routes: HttpTrigger['routes']): HttpTrigger => ({ kind: 'http', routes });

/** Whether S3 event `eventName` (e.g. `ObjectCreated:Put`) on `key` matches a trigger's events and resolved filter. */
export function matchesS3Event(
  trigger: S3Trigger,
  filter: KeyFilter,
  eventName: string,
  key: string,
): boolean {
  const name = eventName.startsWith('s3:') ? eventName : `s3:${eventName}`;
  const typeMatches = trigger.events.some((pattern) =>
    pattern.endsWith(':*') ? name.startsWith(pattern.slice(0, -1)) : name === pattern,
  );
  return typeMatches && key.startsWith(filter.prefix) && key.endsWith(filter.suffix);
}
