import { appendFileSync } from 'node:fs';
import { currentEnv } from './invocation.js';

/**
 * One interface for metrics. On AWS it writes CloudWatch Embedded Metric Format lines to
 * stdout, which Lambda ships to CloudWatch Logs and CloudWatch extracts as metrics with no
 * API call. Locally the runtime sets TRIBUTARY_METRICS_FILE and the same data points are
 * appended there as JSON lines: the local metrics history that `/metrics` and the console read.
 */
export type MetricUnit = 'Bytes' | 'Count' | 'Milliseconds' | 'Seconds' | 'Percent' | 'None';

export interface MetricDatum {
  name: string;
  value: number;
  unit: MetricUnit;
  dimensions?: Record<string, string>;
  /** When the value was observed (default: now). */
  timestamp?: Date;
}

/** A data point as the local metrics history stores it. */
export interface StoredMetric {
  namespace: string;
  name: string;
  value: number;
  unit: MetricUnit;
  dimensions: Record<string, string>;
  timestamp: string;
}

/** CloudWatch accepts at most 100 metrics per EMF document. */
const EMF_MAX_METRICS = 100;

export function emitMetrics(namespace: string, data: readonly MetricDatum[], write = defaultWriter()): void {
  for (const group of groupForEmf(data)) write(namespace, group);
}

type Writer = (namespace: string, data: MetricDatum[]) => void;

function defaultWriter(): Writer {
  const file = currentEnv().TRIBUTARY_METRICS_FILE;
  if (file) {
    return (namespace, data) => {
      const lines = data.map((d) => JSON.stringify(toStored(namespace, d))).join('\n');
      appendFileSync(file, `${lines}\n`);
    };
  }
  return (namespace, data) => process.stdout.write(`${JSON.stringify(toEmf(namespace, data))}\n`);
}

export function toStored(namespace: string, d: MetricDatum): StoredMetric {
  return {
    namespace,
    name: d.name,
    value: d.value,
    unit: d.unit,
    dimensions: d.dimensions ?? {},
    timestamp: (d.timestamp ?? new Date()).toISOString(),
  };
}

/** EMF needs one dimension set and one timestamp per document: group by both, then chunk by 100. */
function groupForEmf(data: readonly MetricDatum[]): MetricDatum[][] {
  const groups = new Map<string, MetricDatum[]>();
  const now = new Date();
  for (const d of data) {
    const datum = { ...d, timestamp: d.timestamp ?? now };
    const key = `${datum.timestamp.getTime()}|${JSON.stringify(Object.entries(d.dimensions ?? {}).sort())}`;
    const group = groups.get(key) ?? [];
    group.push(datum);
    groups.set(key, group);
  }
  const chunks: MetricDatum[][] = [];
  for (const group of groups.values()) {
    for (let i = 0; i < group.length; i += EMF_MAX_METRICS) chunks.push(group.slice(i, i + EMF_MAX_METRICS));
  }
  return chunks;
}

export function toEmf(namespace: string, data: readonly MetricDatum[]): Record<string, unknown> {
  const first = data[0];
  const dimensions = first?.dimensions ?? {};
  const doc: Record<string, unknown> = {
    _aws: {
      Timestamp: (first?.timestamp ?? new Date()).getTime(),
      CloudWatchMetrics: [
        {
          Namespace: namespace,
          Dimensions: [Object.keys(dimensions)],
          Metrics: data.map((d) => ({ Name: d.name, Unit: d.unit })),
        },
      ],
    },
    ...dimensions,
  };
  for (const d of data) doc[d.name] = d.value;
  return doc;
}
