import type { StoredMetric } from '../core/metrics.js';
import { renderPrometheus } from '../pipelines/bucket-metrics/prometheus.js';
import type { FunctionSummary } from './aggregates.js';

const escapeLabel = (value: string) =>
  value.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n');

/**
 * `GET /metrics`: the local metrics history (bucket sizes, replication, …) as Prometheus
 * gauges of their latest values, followed by the runtime's own counters from the
 * invocation history and its queue gauges.
 */
export function renderMetricsEndpoint(
  metrics: readonly StoredMetric[],
  functions: readonly FunctionSummary[],
  depths: { queue: number; dlq: number },
): string {
  const lines: string[] = [];
  const counter = (name: string, help: string, rows: [string, number][]) => {
    lines.push(`# HELP ${name} ${help}`, `# TYPE ${name} counter`);
    for (const [labels, value] of rows) lines.push(`${name}{${labels}} ${value}`);
  };
  const sorted = [...functions].sort((a, b) => a.functionId.localeCompare(b.functionId));
  const fn = (s: FunctionSummary) => `function="${escapeLabel(s.functionId)}"`;
  counter(
    'tributary_function_attempts_total',
    'Finished attempts of each function, by outcome',
    sorted.flatMap((s) => [
      [`${fn(s)},outcome="succeeded"`, s.succeeded] as [string, number],
      [`${fn(s)},outcome="failed"`, s.failed] as [string, number],
    ]),
  );
  counter(
    'tributary_function_dead_lettered_total',
    'Events moved to the DLQ after every attempt failed',
    sorted.map((s) => [fn(s), s.deadLettered]),
  );
  lines.push(
    '# HELP tributary_queue_depth Asynchronous events waiting to run',
    '# TYPE tributary_queue_depth gauge',
    `tributary_queue_depth ${depths.queue}`,
    '# HELP tributary_dlq_depth Events in the dead-letter queue',
    '# TYPE tributary_dlq_depth gauge',
    `tributary_dlq_depth ${depths.dlq}`,
  );
  return `${renderPrometheus(metrics)}${lines.join('\n')}\n`;
}
