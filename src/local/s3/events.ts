import type { S3EventRecord } from 'aws-lambda';
import { OWNER } from './constants.js';
import { eventKeyEncode } from './encoding.js';

export type S3EventName =
  | 'ObjectCreated:Put'
  | 'ObjectCreated:Copy'
  | 'ObjectCreated:CompleteMultipartUpload'
  | 'ObjectRemoved:Delete';

export interface EventInput {
  eventName: S3EventName;
  region: string;
  bucket: string;
  key: string;
  size?: number;
  etag?: string;
  requestId: string;
  hostId: string;
  sourceIp: string;
  principalId: string;
}

// Sequencers only need to grow per key; a time-based start keeps them growing across restarts.
let sequence = BigInt(Date.now()) * 1_000_000n;
const nextSequencer = (): string => {
  sequence += 1n;
  return sequence.toString(16).toUpperCase().padStart(18, '0');
};

/** An S3 event notification record, as AWS delivers it (removals carry no size or eTag). */
export function eventRecord(e: EventInput): S3EventRecord {
  const object: Record<string, unknown> = { key: eventKeyEncode(e.key) };
  if (e.eventName !== 'ObjectRemoved:Delete') {
    object.size = e.size ?? 0;
    object.eTag = e.etag ?? '';
  }
  object.sequencer = nextSequencer();
  return {
    eventVersion: '2.1',
    eventSource: 'aws:s3',
    awsRegion: e.region,
    eventTime: new Date().toISOString(),
    eventName: e.eventName,
    userIdentity: { principalId: e.principalId },
    requestParameters: { sourceIPAddress: e.sourceIp },
    responseElements: { 'x-amz-request-id': e.requestId, 'x-amz-id-2': e.hostId },
    s3: {
      s3SchemaVersion: '1.0',
      configurationId: 'tributary-local',
      bucket: { name: e.bucket, ownerIdentity: { principalId: OWNER.id }, arn: `arn:aws:s3:::${e.bucket}` },
      object: object as unknown as S3EventRecord['s3']['object'],
    },
  };
}
