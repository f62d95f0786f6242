import { DEFAULT_NAMESPACE, DIMENSION, METRIC } from './constants.js';

/** A CloudWatch dashboard widget, as the DashboardBody JSON holds it. */
export interface DashboardWidget {
  type: 'metric' | 'text';
  x: number;
  y: number;
  width: number;
  height: number;
  properties: Record<string, unknown>;
}

export interface DashboardBody {
  start: string;
  periodOverride: 'auto' | 'inherit';
  widgets: DashboardWidget[];
}

export interface DashboardOptions {
  /** Bucket names (the real list, after include/exclude). */
  buckets: readonly string[];
  region: string;
  namespace?: string;
  /** Seconds per data point; the collection schedule's interval (default 6 h). */
  periodSeconds?: number;
  title?: string;
}

/** A metric widget holds at most 500 metrics; bars stay readable with far fewer. */
const BUCKETS_PER_WIDGET = 100;
/** Above this many buckets the totals come from a SEARCH expression instead of one metric per bucket. */
const MAX_TOTAL_METRICS = 400;

type MetricRow = (string | Record<string, unknown>)[];

/**
 * The widgets of the bucket-sizes dashboard, named bucket by bucket from the real bucket
 * list (unlike the sample's hand-written names): totals, total size with its growth per
 * collection, a bar of sizes and of object counts, each over time, and collection errors. Plain DashboardBody JSON, so the CLI can
 * write it for `aws cloudwatch put-dashboard` and the CDK app can pass it as `dashboardBody`.
 */
export function bucketDashboardWidgets(options: DashboardOptions): DashboardWidget[] {
  const namespace = options.namespace ?? DEFAULT_NAMESPACE;
  const period = options.periodSeconds ?? 21_600;
  const buckets = [...options.buckets].sort();
  const common = { region: options.region, period, stat: 'Maximum' };
  const series = (metric: string, idPrefix: string, names: readonly string[], visible = true): MetricRow[] =>
    names.map((bucket, i) => [
      namespace,
      metric,
      DIMENSION.bucket,
      bucket,
      { id: `${idPrefix}${i}`, label: bucket, ...(visible ? {} : { visible: false }) },
    ]);

  const widgets: Omit<DashboardWidget, 'x' | 'y'>[] = [
    {
      type: 'text',
      width: 24,
      height: 2,
      properties: {
        markdown: `# ${options.title ?? 'Bucket sizes'}\n${buckets.length} bucket(s) in \`${namespace}\`, collected by the Tributary **bucket-metrics** pipeline. Sizes are of current object versions.`,
      },
    },
  ];
  const total = (metric: string, idPrefix: string, id: string): MetricRow[] =>
    buckets.length <= MAX_TOTAL_METRICS
      ? [
          ...series(metric, idPrefix, buckets, false),
          [{ expression: `SUM(METRICS("${idPrefix}"))`, id, label: 'All buckets' }],
        ]
      : [
          [
            {
              expression: `SUM(SEARCH('{${namespace},${DIMENSION.bucket}} MetricName="${metric}"', 'Maximum', ${period}))`,
              id,
              label: 'All buckets',
            },
          ],
        ];
  if (buckets.length > 0) {
    widgets.push(
      {
        type: 'metric',
        width: 12,
        height: 4,
        properties: {
          ...common,
          title: 'Total size (bytes)',
          view: 'singleValue',
          sparkline: true,
          metrics: total(METRIC.bucketSize, 's', 'totalBytes'),
        },
      },
      {
        type: 'metric',
        width: 12,
        height: 4,
        properties: {
          ...common,
          title: 'Total objects',
          view: 'singleValue',
          sparkline: true,
          metrics: total(METRIC.objects, 'n', 'totalObjects'),
        },
      },
      {
        type: 'metric',
        width: 24,
        height: 6,
        properties: {
          ...common,
          title: 'Total size and growth per collection',
          view: 'timeSeries',
          stacked: false,
          metrics: [
            ...total(METRIC.bucketSize, 's', 'totalBytes'),
            // DIFF: each point minus the one before it, i.e. what the store grew since the last run.
            [{ expression: 'DIFF(totalBytes)', id: 'growthBytes', label: 'Growth', yAxis: 'right' }],
          ],
        },
      },
    );
  }
  for (let i = 0; i < buckets.length; i += BUCKETS_PER_WIDGET) {
    const chunk = buckets.slice(i, i + BUCKETS_PER_WIDGET);
    const part = buckets.length > BUCKETS_PER_WIDGET ? ` (${i + 1}-${i + chunk.length})` : '';
    widgets.push(
      {
        type: 'metric',
        width: 12,
        height: 8,
        properties: {
          ...common,
          title: `Size per bucket${part}`,
          view: 'bar',
          metrics: series(METRIC.bucketSize, 's', chunk),
        },
      },
      {
        type: 'metric',
        width: 12,
        height: 8,
        properties: {
          ...common,
          title: `Objects per bucket${part}`,
          view: 'bar',
          metrics: series(METRIC.objects, 'n', chunk),
        },
      },
      {
        type: 'metric',
        width: 12,
        height: 8,
        properties: {
          ...common,
          title: `Size over time${part}`,
          view: 'timeSeries',
          stacked: false,
          metrics: series(METRIC.bucketSize, 's', chunk),
        },
      },
      {
        type: 'metric',
        width: 12,
        height: 8,
        properties: {
          ...common,
          title: `Objects over time${part}`,
          view: 'timeSeries',
          stacked: false,
          metrics: series(METRIC.objects, 'n', chunk),
        },
      },
      {
        type: 'metric',
        width: 24,
        height: 4,
        properties: {
          ...common,
          stat: 'Sum',
          title: `Collection errors${part}`,
          view: 'timeSeries',
          metrics: series(METRIC.errors, 'e', chunk),
        },
      },
    );
  }
  return layout(widgets);
}

/** The whole DashboardBody (`aws cloudwatch put-dashboard --dashboard-body file://…`). */
export function bucketDashboard(options: DashboardOptions): DashboardBody {
  return { start: '-P30D', periodOverride: 'inherit', widgets: bucketDashboardWidgets(options) };
}

/** Left to right in a 24-unit grid, a new row when a widget does not fit. */
function layout(widgets: Omit<DashboardWidget, 'x' | 'y'>[]): DashboardWidget[] {
  let x = 0;
  let y = 0;
  let rowHeight = 0;
  return widgets.map((w) => {
    if (x + w.width > 24) {
      x = 0;
      y += rowHeight;
      rowHeight = 0;
    }
    const placed = { ...w, x, y };
    x += w.width;
    rowHeight = Math.max(rowHeight, w.height);
    return placed;
  });
}
