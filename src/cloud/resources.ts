import { Duration, RemovalPolicy, Validations } from 'aws-cdk-lib';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import type * as kms from 'aws-cdk-lib/aws-kms';
import * as s3 from 'aws-cdk-lib/aws-s3';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import * as sns from 'aws-cdk-lib/aws-sns';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import type { Resource, ResourceKind } from '../core/resources.js';
import { type StageConfig, secretNameFor } from './stages.js';

/** The AWS service whose KMS calls a grant on an encrypted resource goes through. */
export type KmsService = 's3' | 'dynamodb' | 'sqs' | 'sns';

/**
 * A declared resource as it exists in the stack: what granted functions get in their
 * environment, and which ARN each IAM action applies to.
 */
export interface CloudResource {
  readonly kind: ResourceKind;
  /** The declared key in the pipeline's resources. */
  readonly key: string;
  /** Value of the resource's env var: the physical name (a topic's ARN, which SNS needs to publish). */
  readonly envValue: string;
  /** The ARN an action names: S3 bucket-level actions name the bucket, object actions its objects. */
  arnFor(action: string): string;
  /** Set when the resource is encrypted with the stage key. */
  readonly kmsService?: KmsService;
}

/** S3 actions that apply to the bucket itself; every other S3 action applies to objects. */
const BUCKET_LEVEL_S3_ACTIONS = new Set([
  's3:ListBucket',
  's3:ListBucketVersions',
  's3:ListBucketMultipartUploads',
  's3:GetBucketLocation',
]);

export interface ResourceContext {
  stage: StageConfig;
  key: kms.IKey;
  accessLogs: s3.IBucket;
  removalPolicy: RemovalPolicy;
}

/** Creates (or, for secrets, references) one declared resource. */
export function createResource(scope: Construct, key: string, resource: Resource, ctx: ResourceContext) {
  switch (resource.kind) {
    case 'bucket':
      return new PipelineBucket(scope, key, resource.versioned ?? false, ctx);
    case 'table':
      return new PipelineTable(scope, key, resource, ctx);
    case 'queue':
      return new PipelineQueue(scope, key, ctx);
    case 'topic':
      return new PipelineTopic(scope, key, ctx);
    case 'secret':
      return new PipelineSecret(scope, key, secretNameFor(ctx.stage, resource.name));
  }
}

/** Private, TLS-only, KMS-encrypted, access-logged; versioned where declared (replication sources). */
export class PipelineBucket extends Construct implements CloudResource {
  readonly kind = 'bucket';
  readonly kmsService = 's3';
  readonly bucket: s3.Bucket;
  readonly envValue: string;

  constructor(
    scope: Construct,
    readonly key: string,
    versioned: boolean,
    ctx: ResourceContext,
  ) {
    super(scope, key);
    this.bucket = new s3.Bucket(this, 'Bucket', {
      encryption: s3.BucketEncryption.KMS,
      encryptionKey: ctx.key,
      bucketKeyEnabled: true,
      blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
      enforceSSL: true,
      minimumTLSVersion: 1.2,
      versioned,
      objectOwnership: s3.ObjectOwnership.BUCKET_OWNER_ENFORCED,
      serverAccessLogsBucket: ctx.accessLogs,
      serverAccessLogsPrefix: `${scope.node.id}/${key}/`,
      removalPolicy: ctx.removalPolicy,
      lifecycleRules: [{ abortIncompleteMultipartUploadAfter: Duration.days(7) }],
    });
    this.envValue = this.bucket.bucketName;
  }

  arnFor(action: string): string {
    return BUCKET_LEVEL_S3_ACTIONS.has(action) ? this.bucket.bucketArn : this.bucket.arnForObjects('*');
  }
}

/** On-demand, point-in-time recovery, encrypted with the stage key. */
export class PipelineTable extends Construct implements CloudResource {
  readonly kind = 'table';
  readonly kmsService = 'dynamodb';
  readonly table: dynamodb.Table;
  readonly envValue: string;

  constructor(
    scope: Construct,
    readonly key: string,
    resource: Extract<Resource, { kind: 'table' }>,
    ctx: ResourceContext,
  ) {
    super(scope, key);
    const attr = (k: { name: string; type: 'S' | 'N' | 'B' }): dynamodb.Attribute => ({
      name: k.name,
      type: {
        S: dynamodb.AttributeType.STRING,
        N: dynamodb.AttributeType.NUMBER,
        B: dynamodb.AttributeType.BINARY,
      }[k.type],
    });
    this.table = new dynamodb.Table(this, 'Table', {
      partitionKey: attr(resource.partitionKey),
      ...(resource.sortKey ? { sortKey: attr(resource.sortKey) } : {}),
      billingMode: dynamodb.BillingMode.PAY_PER_REQUEST,
      pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
      encryption: dynamodb.TableEncryption.CUSTOMER_MANAGED,
      encryptionKey: ctx.key,
      deletionProtection: ctx.stage.retainData,
      removalPolicy: ctx.removalPolicy,
    });
    this.envValue = this.table.tableName;
  }

  arnFor(): string {
    return this.table.tableArn;
  }
}

/** A declared work queue, with its own redrive DLQ (messages that fail 5 receives). */
export class PipelineQueue extends Construct implements CloudResource {
  readonly kind = 'queue';
  readonly kmsService = 'sqs';
  readonly queue: sqs.Queue;
  readonly deadLetterQueue: sqs.Queue;
  readonly envValue: string;

  constructor(
    scope: Construct,
    readonly key: string,
    ctx: ResourceContext,
  ) {
    super(scope, key);
    this.deadLetterQueue = encryptedQueue(this, 'DeadLetterQueue', ctx.key, ctx.stage);
    this.queue = new sqs.Queue(this, 'Queue', {
      encryption: sqs.QueueEncryption.KMS,
      encryptionMasterKey: ctx.key,
      enforceSSL: true,
      deadLetterQueue: { queue: this.deadLetterQueue, maxReceiveCount: 5 },
      removalPolicy: ctx.removalPolicy,
    });
    this.envValue = this.queue.queueName;
  }

  arnFor(): string {
    return this.queue.queueArn;
  }
}

/** A declared notification topic, encrypted with the stage key, TLS-only. */
export class PipelineTopic extends Construct implements CloudResource {
  readonly kind = 'topic';
  readonly kmsService = 'sns';
  readonly topic: sns.Topic;
  readonly envValue: string;

  constructor(
    scope: Construct,
    readonly key: string,
    ctx: ResourceContext,
  ) {
    super(scope, key);
    this.topic = new sns.Topic(this, 'Topic', { masterKey: ctx.key, enforceSSL: true });
    this.envValue = this.topic.topicArn;
  }

  arnFor(): string {
    return this.topic.topicArn;
  }
}

/**
 * A secret holding third-party credentials (Lyve Cloud keys, ...). It is created and
 * rotated outside the app, so the stack only references it by name.
 */
export class PipelineSecret extends Construct implements CloudResource {
  readonly kind = 'secret';
  readonly secret: secretsmanager.ISecret;
  readonly envValue: string;

  constructor(
    scope: Construct,
    readonly key: string,
    secretName: string,
  ) {
    super(scope, key);
    this.secret = secretsmanager.Secret.fromSecretNameV2(this, 'Secret', secretName);
    this.envValue = secretName;
  }

  /** `arn:…:secret:<name>-??????`: Secrets Manager appends six random characters to every ARN. */
  arnFor(): string {
    return `${this.secret.secretArn}-??????`;
  }
}

/** A KMS-encrypted, TLS-only queue kept 14 days: the shape of every dead-letter queue. */
export function encryptedQueue(scope: Construct, id: string, key: kms.IKey, stage: StageConfig): sqs.Queue {
  const queue = new sqs.Queue(scope, id, {
    encryption: sqs.QueueEncryption.KMS,
    encryptionMasterKey: key,
    enforceSSL: true,
    retentionPeriod: Duration.days(stage.dlqRetentionDays),
    removalPolicy: stage.retainData ? RemovalPolicy.RETAIN : RemovalPolicy.DESTROY,
  });
  Validations.of(queue).acknowledge({
    id: 'AwsSolutions-SQS3',
    reason: 'This queue is itself a dead-letter queue; a DLQ of a DLQ would only move the problem.',
  });
  return queue;
}
