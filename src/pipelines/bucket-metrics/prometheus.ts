import type { StoredMetric } from '../../core/metrics.js';

/** Prometheus text exposition format, version 0.0.4 — the Content-Type to answer with. */
export const PROMETHEUS_CONTENT_TYPE = 'text/plain; version=0.0.4; charset=utf-8';

/** `LyveCloudBucketSizes` + `BucketSizeBytes` → `lyve_cloud_bucket_sizes_bucket_size_bytes`. */
export function prometheusName(...parts: string[]): string {
  const name = parts
    .map((p) =>
      p
        .replace(/([a-z0-9])([A-Z])/g, '$1_$2')
        .replace(/([A-Z]+)([A-Z][a-z])/g, '$1_$2')
        .replace(/[^a-zA-Z0-9]+/g, '_')
        .replace(/^_+|_+$/g, '')
        .toLowerCase(),
    )
    .filter((p) => p !== '')
    .join('_');
  return /^[a-z_]/.test(name) ? name : `_${name}`;
}

const escapeLabel = (value: string) =>
  value.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n');

function formatValue(value: number): string {
  if (Number.isNaN(value)) return 'NaN';
  if (value === Number.POSITIVE_INFINITY) return '+Inf';
  if (value === Number.NEGATIVE_INFINITY) return '-Inf';
  return String(value);
}

/**
 * The local metrics history as a Prometheus scrape: one gauge per namespace and metric
 * name, one series per dimension set, holding its latest value (by timestamp). Sample
 * timestamps are left out on purpose: Prometheus rejects samples older than its head block,
 * and a bucket listed 6 hours ago is still the current size. Pure: the runtime reads
 * TRIBUTARY_METRICS_FILE and serves this on GET /metrics.
 */
export function renderPrometheus(metrics: readonly StoredMetric[]): string {
  const latest = new Map<string, StoredMetric>();
  for (const m of metrics) {
    const key = `${m.namespace}\n${m.name}\n${JSON.stringify(Object.entries(m.dimensions).sort())}`;
    const seen = latest.get(key);
    if (!seen || seen.timestamp <= m.timestamp) latest.set(key, m);
  }
  const families = new Map<string, StoredMetric[]>();
  for (const m of latest.values()) {
    const name = prometheusName(m.namespace, m.name);
    families.set(name, [...(families.get(name) ?? []), m]);
  }
  const lines: string[] = [];
  for (const name of [...families.keys()].sort()) {
    const series = families.get(name) ?? [];
    const first = series[0] as StoredMetric;
    lines.push(`# HELP ${name} ${first.name} (${first.namespace}), unit ${first.unit}, latest value`);
    lines.push(`# TYPE ${name} gauge`);
    const rows = series.map((m) => {
      const labels = Object.entries(m.dimensions)
        .sort(([a], [b]) => a.localeCompare(b))
        .map(([k, v]) => `${prometheusName(k)}="${escapeLabel(v)}"`);
      return `${name}${labels.length > 0 ? `{${labels.join(',')}}` : ''} ${formatValue(m.value)}`;
    });
    lines.push(...rows.sort());
  }
  return lines.length > 0 ? `${lines.join('\n')}\n` : '';
}

/** Parses the local metrics history (JSON lines); lines that are not metrics are skipped, not fatal. */
export function parseMetricsHistory(text: string): StoredMetric[] {
  const metrics: StoredMetric[] = [];
  for (const line of text.split('\n')) {
    if (line.trim() === '') continue;
    try {
      const m = JSON.parse(line) as Partial<StoredMetric>;
      if (
        typeof m.namespace === 'string' &&
        typeof m.name === 'string' &&
        typeof m.value === 'number' &&
        typeof m.timestamp === 'string' &&
        typeof m.dimensions === 'object' &&
        m.dimensions !== null
      ) {
        metrics.push(m as StoredMetric);
      }
    } catch {
      // A line torn by a crash mid-append; the rest of the history is still good.
    }
  }
  return metrics;
}
