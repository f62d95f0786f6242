import { CfnOutput, Duration, RemovalPolicy, Stack, type StackProps, Validations } from 'aws-cdk-lib';
import * as apigw from 'aws-cdk-lib/aws-apigatewayv2';
import * as acm from 'aws-cdk-lib/aws-certificatemanager';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as s3 from 'aws-cdk-lib/aws-s3';
import * as sns from 'aws-cdk-lib/aws-sns';
import type { Construct } from 'constructs';
import type { Pipeline } from '../core/pipeline.js';
import type { HandlerBundles } from './bundle.js';
import { StageDashboard } from './dashboard.js';
import type { PipelineFunction } from './function.js';
import { CloudPipeline } from './pipeline.js';
import { checkStagePipelines } from './pipeline-config.js';
import type { StageConfig } from './stages.js';

export interface TributaryStackProps extends StackProps {
  stage: StageConfig;
  pipelines: readonly Pipeline[];
  /** Path of a pipeline's handler.ts. */
  entryFor: (pipeline: Pipeline) => string;
  /** The app's function code assets. */
  bundles: HandlerBundles;
}

/**
 * Everything one stage runs: the stage key, alerts topic, access-log bucket, the HTTP API
 * (when a pipeline declares routes), every pipeline and the stage dashboard.
 */
export class TributaryStack extends Stack {
  readonly stage: StageConfig;
  readonly key: kms.Key;
  readonly alerts: sns.Topic;
  readonly accessLogs: s3.Bucket;
  readonly pipelines: CloudPipeline[] = [];
  readonly domain?: apigw.DomainName;

  constructor(scope: Construct, id: string, props: TributaryStackProps) {
    super(scope, id, {
      ...props,
      description: `Tributary pipelines, stage ${props.stage.name}`,
      terminationProtection: props.stage.retainData,
    });
    const { stage } = props;
    this.stage = stage;
    checkStagePipelines(stage, props.pipelines);
    const removalPolicy = stage.retainData ? RemovalPolicy.RETAIN : RemovalPolicy.DESTROY;

    this.key = new kms.Key(this, 'StageKey', {
      alias: `alias/tributary-${stage.name}`,
      description: `Tributary ${stage.name}: buckets, tables, queues and topics`,
      enableKeyRotation: true,
      pendingWindow: Duration.days(stage.retainData ? 30 : 7),
      removalPolicy,
    });
    // CloudWatch alarms publish to the encrypted alerts topic as the CloudWatch service.
    this.key.addToResourcePolicy(
      new iam.PolicyStatement({
        sid: 'CloudWatchAlarmsPublishToEncryptedTopic',
        principals: [new iam.ServicePrincipal('cloudwatch.amazonaws.com')],
        actions: ['kms:Decrypt', 'kms:GenerateDataKey*'],
        resources: ['*'],
        conditions: { StringEquals: { 'aws:SourceAccount': this.account } },
      }),
    );

    this.alerts = new sns.Topic(this, 'Alerts', {
      displayName: `Tributary ${stage.name} alerts`,
      masterKey: this.key,
      enforceSSL: true,
    });

    // S3 server access logs cannot be delivered to an SSE-KMS bucket: S3-managed keys here.
    this.accessLogs = new s3.Bucket(this, 'AccessLogs', {
      encryption: s3.BucketEncryption.S3_MANAGED,
      blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
      enforceSSL: true,
      objectOwnership: s3.ObjectOwnership.BUCKET_OWNER_ENFORCED,
      lifecycleRules: [{ expiration: Duration.days(stage.logRetentionDays) }],
      removalPolicy,
    });
    Validations.of(this.accessLogs).acknowledge({
      id: 'AwsSolutions-S1',
      reason: 'This is the server-access-log target of the stage; logging it into itself would loop.',
    });

    if (stage.http.domain) {
      this.domain = new apigw.DomainName(this, 'HttpDomain', {
        domainName: stage.http.domain.name,
        certificate: acm.Certificate.fromCertificateArn(
          this,
          'HttpCertificate',
          stage.http.domain.certificateArn,
        ),
      });
    }

    for (const pipeline of props.pipelines) {
      this.pipelines.push(
        new CloudPipeline(this, pipeline.name, {
          pipeline,
          stage,
          entry: props.entryFor(pipeline),
          bundles: props.bundles,
          key: this.key,
          accessLogs: this.accessLogs,
          alerts: this.alerts,
          ...(this.domain ? { domain: this.domain } : {}),
        }),
      );
    }

    this.acknowledgeBucketNotificationsHandler();

    const functions = new Map<string, PipelineFunction[]>(
      this.pipelines.map((p) => [p.node.id, p.functions]),
    );
    const namespaces = new Set<string>();
    for (const fns of functions.values())
      for (const fn of fns) for (const n of fn.metricNamespaces) namespaces.add(n);
    new StageDashboard(this, 'Dashboard', { stage, functions, metricNamespaces: [...namespaces].sort() });

    new CfnOutput(this, 'AlertsTopicArn', {
      value: this.alerts.topicArn,
      description: 'Subscribe to receive alarms',
    });
    for (const p of this.pipelines) {
      if (p.httpApi) {
        new CfnOutput(p, 'HttpBaseUrl', {
          value: p.httpApi.url,
          description: `Base URL of ${p.node.id} (the local runtime's http://127.0.0.1:3000/${p.node.id})`,
        });
      }
    }
  }

  /**
   * aws-cdk-lib configures S3 notifications through one custom-resource Lambda per stack
   * (CloudFormation cannot create a bucket and its notification to a function that must
   * first allow that bucket). Its role is CDK's, not a pipeline's.
   */
  private acknowledgeBucketNotificationsHandler(): void {
    for (const child of this.node.children) {
      if (!child.node.id.startsWith('BucketNotificationsHandler')) continue;
      Validations.of(child).acknowledge(
        {
          id: 'AwsSolutions::AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole]',
          reason:
            "aws-cdk-lib's bucket-notifications custom resource only writes its own logs; its role is not configurable.",
        },
        {
          id: 'AwsSolutions::AwsSolutions-IAM5[Resource::*]',
          reason:
            "aws-cdk-lib's bucket-notifications custom resource calls s3:PutBucketNotification on the buckets of this stack.",
        },
      );
    }
  }

  /** Every function of the stage. */
  get functions(): PipelineFunction[] {
    return this.pipelines.flatMap((p) => p.functions);
  }
}
