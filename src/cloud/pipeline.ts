import { RemovalPolicy } from 'aws-cdk-lib';
import type * as apigw from 'aws-cdk-lib/aws-apigatewayv2';
import type * as kms from 'aws-cdk-lib/aws-kms';
import type * as s3 from 'aws-cdk-lib/aws-s3';
import type * as sns from 'aws-cdk-lib/aws-sns';
import { Construct } from 'constructs';
import {
  functionId,
  type Pipeline,
  resolveGrants,
  s3FilterOf,
  scheduleExpressionOf,
} from '../core/pipeline.js';
import { FunctionAlarms, QueueAlarms } from './alarms.js';
import type { HandlerBundles } from './bundle.js';
import { PipelineFunction } from './function.js';
import { stagePipelineConfig } from './pipeline-config.js';
import { type CloudResource, createResource, PipelineBucket, PipelineQueue } from './resources.js';
import type { StageConfig } from './stages.js';
import { PipelineHttpApi } from './triggers/http-routes.js';
import { addS3Notification } from './triggers/s3-notification.js';
import { ScheduleRule } from './triggers/schedule-rule.js';

export interface CloudPipelineProps {
  pipeline: Pipeline;
  stage: StageConfig;
  entry: string;
  /** The app's function code assets. */
  bundles: HandlerBundles;
  key: kms.IKey;
  accessLogs: s3.IBucket;
  alerts: sns.ITopic;
  /** The stage's custom domain for HTTP APIs, when configured. */
  domain?: apigw.IDomainName;
}

/**
 * One pipeline declaration turned into resources, generically: every resource kind,
 * trigger kind and grant is handled here, so a new pipeline needs no cloud code.
 */
export class CloudPipeline extends Construct {
  readonly resources: Record<string, CloudResource> = {};
  readonly functions: PipelineFunction[] = [];
  /** Present when any function declares HTTP routes. */
  httpApi?: PipelineHttpApi;

  constructor(scope: Construct, id: string, props: CloudPipelineProps) {
    super(scope, id);
    const { pipeline, stage } = props;
    const config = stagePipelineConfig(pipeline, stage);
    const removalPolicy = stage.retainData ? RemovalPolicy.RETAIN : RemovalPolicy.DESTROY;

    const resourceScope = new Construct(this, 'Resources');
    for (const [key, declared] of Object.entries(pipeline.resources)) {
      const resource = createResource(resourceScope, key, declared, {
        stage,
        key: props.key,
        accessLogs: props.accessLogs,
        removalPolicy,
      });
      this.resources[key] = resource;
      if (resource instanceof PipelineQueue) {
        new QueueAlarms(resource, 'Alarms', {
          queue: resource.deadLetterQueue,
          owner: `${pipeline.name} queue ${key}`,
          thresholds: stage.alarms,
          topic: props.alerts,
        });
      }
    }

    const functionScope = new Construct(this, 'Functions');
    for (const [name, spec] of Object.entries(pipeline.functions)) {
      const fn = new PipelineFunction(functionScope, name, {
        pipeline,
        name,
        spec: { ...spec, grants: resolveGrants(spec.grants, config.parsed) },
        stage,
        entry: props.entry,
        bundles: props.bundles,
        key: props.key,
        resources: this.resources,
        config: config.values,
      });
      this.functions.push(fn);
      new FunctionAlarms(fn, 'Alarms', { fn, thresholds: stage.alarms, topic: props.alerts });

      const httpTriggers = spec.triggers.filter((t) => t.kind === 'http');
      if (httpTriggers.length > 0) {
        this.httpApi ??= new PipelineHttpApi(this, 'Http', {
          pipelineName: pipeline.name,
          stage,
          ...(props.domain ? { domain: props.domain } : {}),
        });
        this.httpApi.addRoutes(name, fn.fn, httpTriggers);
      }
      spec.triggers.forEach((trigger, i) => {
        if (trigger.kind === 's3') {
          const bucket = this.resources[trigger.bucket];
          // definePipeline already checked that an S3 trigger names a bucket resource.
          if (bucket instanceof PipelineBucket)
            addS3Notification(bucket.bucket, fn.fn, trigger, s3FilterOf(trigger, config.parsed));
        } else if (trigger.kind === 'schedule') {
          new ScheduleRule(fn, `Schedule${i}`, {
            fn: fn.fn,
            expression: scheduleExpressionOf(trigger, config.parsed),
            description: `${functionId(pipeline, name)} (${stage.name})`,
          });
        }
      });
    }
  }
}
