import { Duration } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import { Construct } from 'constructs';
import { DASHBOARD_NAMESPACE_BUCKET_SIZES } from './constants.js';
import type { PipelineFunction } from './function.js';
import type { StageConfig } from './stages.js';

export interface DashboardProps {
  stage: StageConfig;
  /** Functions grouped by pipeline name, in declaration order. */
  functions: ReadonlyMap<string, readonly PipelineFunction[]>;
  /** Custom metric namespaces the pipelines are granted to write (e.g. LyveCloudBucketSizes). */
  metricNamespaces: readonly string[];
}

/**
 * One dashboard per stage: per pipeline, each function's invocations/errors/throttles,
 * duration against its timeout and, for asynchronous functions, the DLQ depth; then a
 * graph per custom namespace the pipelines publish to, found with a SEARCH expression so
 * new buckets (dimension values) appear without redeploying.
 */
export class StageDashboard extends Construct {
  readonly dashboard: cloudwatch.Dashboard;

  constructor(scope: Construct, id: string, props: DashboardProps) {
    super(scope, id);
    const period = Duration.minutes(5);
    this.dashboard = new cloudwatch.Dashboard(this, 'Dashboard', {
      dashboardName: `tributary-${props.stage.name}`,
      defaultInterval: Duration.days(1),
    });
    for (const [pipeline, functions] of props.functions) {
      this.dashboard.addWidgets(
        new cloudwatch.TextWidget({ markdown: `## ${pipeline}`, width: 24, height: 1 }),
      );
      for (const f of functions) {
        const row: cloudwatch.IWidget[] = [
          new cloudwatch.GraphWidget({
            title: `${f.id} invocations`,
            left: [
              f.fn.metricInvocations({ period, statistic: 'Sum' }),
              f.fn.metricErrors({ period, statistic: 'Sum' }),
              f.fn.metricThrottles({ period, statistic: 'Sum' }),
            ],
            width: 8,
          }),
          new cloudwatch.GraphWidget({
            title: `${f.id} duration (ms)`,
            left: [
              f.fn.metricDuration({ period, statistic: 'Average' }),
              f.fn.metricDuration({ period, statistic: 'Maximum' }),
            ],
            leftAnnotations: [{ value: f.timeoutSeconds * 1000, label: 'timeout' }],
            width: 8,
          }),
        ];
        if (f.deadLetterQueue) {
          row.push(
            new cloudwatch.GraphWidget({
              title: `${f.id} dead-letter queue`,
              left: [
                f.deadLetterQueue.metricApproximateNumberOfMessagesVisible({ period, statistic: 'Maximum' }),
              ],
              right: [
                f.deadLetterQueue.metricApproximateAgeOfOldestMessage({ period, statistic: 'Maximum' }),
              ],
              width: 8,
            }),
          );
        }
        this.dashboard.addWidgets(...row);
      }
    }
    for (const namespace of props.metricNamespaces) this.dashboard.addWidgets(...namespaceWidgets(namespace));
  }
}

/**
 * Every metric of a namespace, one line per dimension value. For `LyveCloudBucketSizes`
 * that is BucketSizeBytes and NumberOfObjects per BucketName, as bucket-metrics writes them.
 */
export function namespaceWidgets(namespace: string): cloudwatch.IWidget[] {
  const search = (metric: string, label: string) =>
    new cloudwatch.MathExpression({
      expression: `SEARCH('{${namespace},BucketName} MetricName="${metric}"', 'Maximum', 21600)`,
      label,
      period: Duration.hours(6),
      usingMetrics: {},
    });
  if (namespace === DASHBOARD_NAMESPACE_BUCKET_SIZES) {
    return [
      new cloudwatch.TextWidget({ markdown: `## ${namespace}`, width: 24, height: 1 }),
      new cloudwatch.GraphWidget({
        title: 'Bucket size (bytes)',
        left: [search('BucketSizeBytes', '')],
        width: 12,
      }),
      new cloudwatch.GraphWidget({ title: 'Objects', left: [search('NumberOfObjects', '')], width: 12 }),
    ];
  }
  return [
    new cloudwatch.GraphWidget({
      title: namespace,
      left: [
        new cloudwatch.MathExpression({
          expression: `SEARCH('{${namespace}}', 'Maximum', 300)`,
          label: '',
          usingMetrics: {},
        }),
      ],
      width: 24,
    }),
  ];
}
