import type { ResourceKind } from './resources.js';

/**
 * What a function may do with a resource. The cloud app turns each grant into an IAM
 * statement naming exactly these actions on exactly that resource; the local runtime
 * refuses any SDK call a function makes that its grants do not cover.
 */
export type Access = 'read' | 'write' | 'delete' | 'send' | 'consume' | 'publish';

export interface ResourceGrant<R extends string = string> {
  kind: 'resource';
  resource: R;
  access: Access[];
}

/**
 * CloudWatch PutMetricData has no resource ARN; it is scoped by namespace condition instead.
 * The namespace may be the value of a config key, resolved when the cloud app synthesizes.
 */
export interface MetricsGrant {
  kind: 'metrics';
  namespace: string | { configKey: string };
}

export type Grant<R extends string = string> = ResourceGrant<R> | MetricsGrant;

export const read = <R extends string>(resource: R): ResourceGrant<R> => ({
  kind: 'resource',
  resource,
  access: ['read'],
});
export const write = <R extends string>(resource: R): ResourceGrant<R> => ({
  kind: 'resource',
  resource,
  access: ['write'],
});
export const readWrite = <R extends string>(resource: R): ResourceGrant<R> => ({
  kind: 'resource',
  resource,
  access: ['read', 'write'],
});
export const remove = <R extends string>(resource: R): ResourceGrant<R> => ({
  kind: 'resource',
  resource,
  access: ['delete'],
});
export const send = <R extends string>(resource: R): ResourceGrant<R> => ({
  kind: 'resource',
  resource,
  access: ['send'],
});
export const publish = <R extends string>(resource: R): ResourceGrant<R> => ({
  kind: 'resource',
  resource,
  access: ['publish'],
});
export const putMetrics = (namespace: MetricsGrant['namespace']): MetricsGrant => ({
  kind: 'metrics',
  namespace,
});

/** IAM actions per resource kind and access. Object-level and bucket-level S3 actions both live here. */
export const IAM_ACTIONS: Record<ResourceKind, Partial<Record<Access, string[]>>> = {
  bucket: {
    read: [
      's3:GetObject',
      's3:GetObjectVersion',
      's3:GetObjectTagging',
      's3:ListBucket',
      's3:GetBucketLocation',
    ],
    write: ['s3:PutObject', 's3:PutObjectTagging', 's3:AbortMultipartUpload', 's3:ListMultipartUploadParts'],
    delete: ['s3:DeleteObject'],
  },
  table: {
    read: [
      'dynamodb:GetItem',
      'dynamodb:BatchGetItem',
      'dynamodb:Query',
      'dynamodb:Scan',
      'dynamodb:DescribeTable',
    ],
    write: ['dynamodb:PutItem', 'dynamodb:UpdateItem', 'dynamodb:BatchWriteItem', 'dynamodb:DeleteItem'],
    delete: ['dynamodb:DeleteItem'],
  },
  queue: {
    send: ['sqs:SendMessage', 'sqs:GetQueueAttributes', 'sqs:GetQueueUrl'],
    consume: [
      'sqs:ReceiveMessage',
      'sqs:DeleteMessage',
      'sqs:ChangeMessageVisibility',
      'sqs:GetQueueAttributes',
    ],
  },
  secret: { read: ['secretsmanager:GetSecretValue', 'secretsmanager:DescribeSecret'] },
  topic: { publish: ['sns:Publish'] },
};

export function actionsFor(kind: ResourceKind, access: readonly Access[]): string[] {
  return [...new Set(access.flatMap((a) => IAM_ACTIONS[kind][a] ?? []))].sort();
}

/**
 * The IAM action an SDK v3 command needs (`S3` + `HeadObjectCommand` → `s3:GetObject`),
 * per AWS's Service Authorization Reference. Commands not listed map to `<prefix>:<Name>`.
 */
const COMMAND_ACTIONS: Record<string, string> = {
  's3:HeadObject': 's3:GetObject',
  's3:ListObjectsV2': 's3:ListBucket',
  's3:ListObjects': 's3:ListBucket',
  's3:ListObjectVersions': 's3:ListBucketVersions',
  's3:HeadBucket': 's3:ListBucket',
  's3:ListBuckets': 's3:ListAllMyBuckets',
  's3:CreateMultipartUpload': 's3:PutObject',
  's3:UploadPart': 's3:PutObject',
  's3:UploadPartCopy': 's3:PutObject',
  's3:CompleteMultipartUpload': 's3:PutObject',
  's3:CopyObject': 's3:PutObject',
  's3:DeleteObjects': 's3:DeleteObject',
  's3:ListParts': 's3:ListMultipartUploadParts',
  's3:ListMultipartUploads': 's3:ListBucketMultipartUploads',
};

const SERVICE_PREFIX: Record<string, string> = {
  S3: 's3',
  DynamoDB: 'dynamodb',
  SQS: 'sqs',
  SNS: 'sns',
  'Secrets Manager': 'secretsmanager',
  CloudWatch: 'cloudwatch',
};

export function iamActionForCommand(serviceId: string, commandName: string): string {
  const prefix = SERVICE_PREFIX[serviceId] ?? serviceId.toLowerCase().replace(/\s+/g, '');
  const name = `${prefix}:${commandName.replace(/Command$/, '')}`;
  return COMMAND_ACTIONS[name] ?? name;
}
