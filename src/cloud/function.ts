import { type CfnElement, Duration, RemovalPolicy, Stack, Validations } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as kms from 'aws-cdk-lib/aws-kms';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as logs from 'aws-cdk-lib/aws-logs';
import type * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { ConfigError } from '../core/errors.js';
import { actionsFor } from '../core/grants.js';
import {
  DEFAULT_MEMORY_MB,
  DEFAULT_TIMEOUT_SECONDS,
  type FunctionSpec,
  functionId,
  metricsNamespaceOf,
  type Pipeline,
} from '../core/pipeline.js';
import type { HandlerBundles } from './bundle.js';
import { RESERVED_ENV } from './constants.js';
import { grantStatements, keyStatement, keyUsesOf } from './grants.js';
import { type CloudResource, encryptedQueue, PipelineBucket } from './resources.js';
import type { StageConfig } from './stages.js';

export interface PipelineFunctionProps {
  pipeline: Pipeline;
  name: string;
  spec: FunctionSpec;
  stage: StageConfig;
  /** The pipeline's handler.ts; the function key is its export. */
  entry: string;
  /** The app's function code assets. */
  bundles: HandlerBundles;
  key: kms.IKey;
  resources: Readonly<Record<string, CloudResource>>;
  /** The stage's config values for this pipeline (already validated by its schema). */
  config: Readonly<Record<string, string>>;
}

/**
 * Invoked asynchronously (S3 notifications, EventBridge schedules): Lambda then retries
 * and, after that, hands the event to a destination — the function's dead-letter queue.
 */
export const isAsync = (spec: FunctionSpec): boolean =>
  spec.triggers.some((t) => t.kind === 's3' || t.kind === 'schedule');

/**
 * One declared function: its bundled code, its own role holding only its grants, its log
 * group and, when invoked asynchronously, its DLQ with Lambda's retry settings.
 */
export class PipelineFunction extends Construct {
  readonly fn: lambda.Function;
  readonly role: iam.Role;
  readonly logGroup: logs.LogGroup;
  readonly deadLetterQueue?: sqs.Queue;
  readonly id: string;
  readonly timeoutSeconds: number;
  readonly async: boolean;
  /** Metric namespaces the function may write (config keys resolved). */
  readonly metricNamespaces: string[];

  constructor(scope: Construct, id: string, props: PipelineFunctionProps) {
    super(scope, id);
    const { pipeline, name, spec, stage } = props;
    this.id = functionId(pipeline, name);
    this.timeoutSeconds = spec.timeoutSeconds ?? DEFAULT_TIMEOUT_SECONDS;
    this.async = isAsync(spec);
    this.metricNamespaces = spec.grants.flatMap((g) =>
      g.kind === 'metrics' ? [metricsNamespaceOf(g, {})] : [],
    );

    this.logGroup = new logs.LogGroup(this, 'Logs', {
      retention: stage.logRetentionDays as logs.RetentionDays,
      removalPolicy: stage.retainData ? RemovalPolicy.RETAIN : RemovalPolicy.DESTROY,
    });

    // An own role instead of the default one, which would attach the AWSLambdaBasicExecutionRole
    // managed policy (logs:* on every log group of the account).
    this.role = new iam.Role(this, 'Role', {
      assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com'),
      description: `${this.id} (${stage.name}): only the grants its declaration names`,
    });
    this.role.addToPolicy(
      new iam.PolicyStatement({
        sid: 'WriteOwnLogs',
        actions: ['logs:CreateLogStream', 'logs:PutLogEvents'],
        resources: [this.logGroup.logGroupArn],
      }),
    );
    for (const statement of grantStatements(spec.grants, props.resources)) this.role.addToPolicy(statement);

    const keyUses = keyUsesOf(spec.grants, props.resources);
    if (this.async) {
      this.deadLetterQueue = encryptedQueue(this, 'DeadLetterQueue', props.key, stage);
      this.role.addToPolicy(
        new iam.PolicyStatement({
          sid: 'SendFailedEventsToOwnDlq',
          actions: ['sqs:SendMessage'],
          resources: [this.deadLetterQueue.queueArn],
        }),
      );
      keyUses.push({ service: 'sqs', access: ['send'] });
    }
    const keyPolicy = keyStatement(props.key, keyUses);
    if (keyPolicy) this.role.addToPolicy(keyPolicy);

    this.fn = new lambda.Function(this, 'Function', {
      code: props.bundles.code(props.entry),
      handler: `index.${name}`,
      runtime: lambda.Runtime.NODEJS_20_X,
      architecture: lambda.Architecture.ARM_64,
      memorySize: spec.memoryMb ?? DEFAULT_MEMORY_MB,
      timeout: Duration.seconds(this.timeoutSeconds),
      description: (spec.description ?? `${this.id}`).slice(0, 256),
      role: this.role,
      logGroup: this.logGroup,
      environment: this.environment(props),
    });
    // The Lambda-managed key encrypts environment variables at rest; they carry names and
    // settings, never secrets (secrets are read from Secrets Manager at run time).

    if (this.deadLetterQueue) {
      const dlqArn = this.deadLetterQueue.queueArn;
      this.fn.configureAsyncInvoke({
        retryAttempts: 2,
        maxEventAge: Duration.seconds(stage.maxEventAgeSeconds),
        onFailure: { bind: () => ({ destination: dlqArn }) },
      });
    }

    const nodeVersionReason =
      'nodejs20.x on purpose: the project targets Node 20 and pins dependencies to versions that run on it (see docs/deploy.md on moving to a newer runtime).';
    Validations.of(this.fn).acknowledge(
      { id: 'AwsSolutions::AwsSolutions-L1', reason: nodeVersionReason },
      { id: 'CloudFormation-Validate::W2531', reason: nodeVersionReason },
    );
    this.acknowledgeWildcards(props);
  }

  /**
   * The only wildcards a function's policy holds, each required by AWS: S3 object actions
   * name `<bucket ARN>/*` (objects have no ARN of their own to list), and PutMetricData
   * supports no resource, so it names `*` with a `cloudwatch:namespace` condition.
   */
  private acknowledgeWildcards(props: PipelineFunctionProps): void {
    const stack = Stack.of(this);
    for (const grant of props.spec.grants) {
      if (grant.kind === 'metrics') {
        Validations.of(this.role).acknowledge({
          id: 'AwsSolutions::AwsSolutions-IAM5[Resource::*]',
          reason: `cloudwatch:PutMetricData has no resource-level permissions; the statement is limited to namespace ${metricsNamespaceOf(grant, {})} by condition.`,
        });
        continue;
      }
      const resource = props.resources[grant.resource];
      if (!(resource instanceof PipelineBucket)) continue;
      const objectActions = actionsFor('bucket', grant.access).filter(
        (a) => resource.arnFor(a) !== resource.bucket.bucketArn,
      );
      if (objectActions.length === 0) continue;
      const logicalId = stack.resolve(stack.getLogicalId(resource.bucket.node.defaultChild as CfnElement));
      Validations.of(this.role).acknowledge({
        id: `AwsSolutions::AwsSolutions-IAM5[Resource::<${logicalId}.Arn>/*]`,
        reason: `Object actions (${objectActions.join(', ')}) on the objects of the pipeline's own bucket "${grant.resource}", as its declaration grants.`,
      });
    }
  }

  /** Stage config values, then each granted resource's env var with its physical name/ARN. */
  private environment(props: PipelineFunctionProps): Record<string, string> {
    const env: Record<string, string> = {
      POWERTOOLS_SERVICE_NAME: props.pipeline.name,
      LOG_LEVEL: props.stage.logLevel,
      TRIBUTARY_STAGE: props.stage.name,
    };
    for (const [k, v] of Object.entries(props.config)) {
      if (RESERVED_ENV.has(k)) {
        throw new ConfigError(`pipeline "${props.pipeline.name}": config key ${k} is reserved by Lambda`);
      }
      env[k] = v;
    }
    for (const grant of props.spec.grants) {
      if (grant.kind !== 'resource') continue;
      const declared = props.pipeline.resources[grant.resource];
      const resource = props.resources[grant.resource];
      if (declared && resource) env[declared.env] = resource.envValue;
    }
    return env;
  }
}
