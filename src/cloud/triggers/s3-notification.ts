import type { IFunction } from 'aws-cdk-lib/aws-lambda';
import type * as s3 from 'aws-cdk-lib/aws-s3';
import { LambdaDestination } from 'aws-cdk-lib/aws-s3-notifications';
import type { KeyFilter, S3Trigger } from '../../core/triggers.js';

/**
 * S3 → Lambda notifications with S3's own filters. The declared event names are S3's
 * (`s3:ObjectCreated:*`, ...), which is exactly what `EventType` holds.
 */
export function addS3Notification(
  bucket: s3.Bucket,
  fn: IFunction,
  trigger: S3Trigger,
  keys: KeyFilter,
): void {
  const filter: s3.NotificationKeyFilter = {
    ...(keys.prefix ? { prefix: keys.prefix } : {}),
    ...(keys.suffix ? { suffix: keys.suffix } : {}),
  };
  const filters = filter.prefix || filter.suffix ? [filter] : [];
  for (const event of trigger.events) {
    bucket.addEventNotification(event as s3.EventType, new LambdaDestination(fn), ...filters);
  }
}
