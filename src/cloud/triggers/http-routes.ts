import { RemovalPolicy, Validations } from 'aws-cdk-lib';
import * as apigw from 'aws-cdk-lib/aws-apigatewayv2';
import { HttpLambdaIntegration } from 'aws-cdk-lib/aws-apigatewayv2-integrations';
import type { IFunction } from 'aws-cdk-lib/aws-lambda';
import * as logs from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';
import type { HttpTrigger } from '../../core/triggers.js';
import type { StageConfig } from '../stages.js';

export interface PipelineHttpApiProps {
  pipelineName: string;
  stage: StageConfig;
  /** The stage's custom domain, when configured: this API is mapped at `/<pipeline-name>`. */
  domain?: apigw.IDomainName;
}

/**
 * One HTTP API per pipeline with HTTP routes, its routes exactly as declared. The local
 * runtime mounts a pipeline at `/<pipeline-name>` and hands the function the path without
 * that prefix; an API mapping on the stage's custom domain does the same on AWS (API
 * Gateway strips the mapping key), so `rawPath` and `routeKey` are identical in both
 * runtimes and a client only swaps the host. Without a custom domain, the pipeline's base
 * URL is its API's own endpoint.
 */
export class PipelineHttpApi extends Construct {
  readonly api: apigw.HttpApi;
  readonly url: string;

  constructor(scope: Construct, id: string, props: PipelineHttpApiProps) {
    super(scope, id);
    const { stage, pipelineName } = props;
    this.api = new apigw.HttpApi(this, 'Api', {
      apiName: `tributary-${stage.name}-${pipelineName}`,
      description: `Tributary ${stage.name}: ${pipelineName} routes`,
      createDefaultStage: false,
    });
    const accessLogs = new logs.LogGroup(this, 'AccessLogs', {
      retention: stage.logRetentionDays as logs.RetentionDays,
      removalPolicy: stage.retainData ? RemovalPolicy.RETAIN : RemovalPolicy.DESTROY,
    });
    const defaultStage = new apigw.HttpStage(this, 'DefaultStage', {
      httpApi: this.api,
      stageName: '$default',
      autoDeploy: true,
      throttle: stage.http,
      accessLogSettings: { destination: new apigw.LogGroupLogDestination(accessLogs) },
    });
    if (props.domain) {
      new apigw.ApiMapping(this, 'Mapping', {
        api: this.api,
        domainName: props.domain,
        stage: defaultStage,
        apiMappingKey: pipelineName,
      });
      this.url = `https://${props.domain.name}/${pipelineName}`;
    } else {
      this.url = this.api.apiEndpoint;
    }
  }

  /** Adds a function's declared routes, each answered by one Lambda proxy integration (payload 2.0). */
  addRoutes(fnKey: string, fn: IFunction, triggers: readonly HttpTrigger[]): apigw.HttpRoute[] {
    const integration = new HttpLambdaIntegration(`${fnKey}Integration`, fn);
    const routes = triggers.flatMap((trigger) =>
      trigger.routes.flatMap((route) => {
        const { method, path } = parseRoute(route);
        return this.api.addRoutes({ path, methods: [method], integration });
      }),
    );
    for (const route of routes) {
      Validations.of(route).acknowledge({
        id: 'AwsSolutions-APIG4',
        reason:
          'Pipelines authenticate HTTP callers in their handlers (the same code authenticates locally), so API Gateway passes requests through.',
      });
    }
    return routes;
  }
}

export function parseRoute(route: string): { method: apigw.HttpMethod; path: string } {
  const [method, path] = route.split(' ') as [keyof typeof apigw.HttpMethod, string];
  return { method: apigw.HttpMethod[method], path };
}
