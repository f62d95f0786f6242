import { describe, expect, it } from 'vitest';
import { bucketDashboard } from '../../../src/pipelines/bucket-metrics/dashboard.js';

type Props = { title: string; view: string; metrics: unknown[][]; region: string; period: number };

describe('bucketDashboard', () => {
  it('names every bucket: totals, bars of sizes and counts, growth and errors', () => {
    // Act
    const body = bucketDashboard({ buckets: ['b', 'a'], region: 'eu-west-1' });
    // Assert
    const metricWidgets = body.widgets.filter((w) => w.type === 'metric').map((w) => w.properties as Props);
    expect(metricWidgets.map((p) => [p.title, p.view])).toEqual([
      ['Total size (bytes)', 'singleValue'],
      ['Total objects', 'singleValue'],
      ['Total size and growth per collection', 'timeSeries'],
      ['Size per bucket', 'bar'],
      ['Objects per bucket', 'bar'],
      ['Size over time', 'timeSeries'],
      ['Objects over time', 'timeSeries'],
      ['Collection errors', 'timeSeries'],
    ]);
    const bar = metricWidgets[3] as Props;
    expect(bar.metrics).toEqual([
      ['LyveCloudBucketSizes', 'BucketSizeBytes', 'BucketName', 'a', { id: 's0', label: 'a' }],
      ['LyveCloudBucketSizes', 'BucketSizeBytes', 'BucketName', 'b', { id: 's1', label: 'b' }],
    ]);
    expect((metricWidgets[0] as Props).metrics.at(-1)).toEqual([
      { expression: 'SUM(METRICS("s"))', id: 'totalBytes', label: 'All buckets' },
    ]);
    expect((metricWidgets[2] as Props).metrics.slice(-2)).toEqual([
      [{ expression: 'SUM(METRICS("s"))', id: 'totalBytes', label: 'All buckets' }],
      [{ expression: 'DIFF(totalBytes)', id: 'growthBytes', label: 'Growth', yAxis: 'right' }],
    ]);
    expect(metricWidgets.every((p) => p.region === 'eu-west-1' && p.period === 21_600)).toBe(true);
  });

  it('lays widgets out in a 24-wide grid without overlap', () => {
    const body = bucketDashboard({ buckets: ['a', 'b', 'c'], region: 'us-east-1' });
    for (const w of body.widgets) expect(w.x + w.width).toBeLessThanOrEqual(24);
    const cells = new Set<string>();
    for (const w of body.widgets) {
      for (let x = w.x; x < w.x + w.width; x++) {
        for (let y = w.y; y < w.y + w.height; y++) {
          const cell = `${x},${y}`;
          expect(cells.has(cell)).toBe(false);
          cells.add(cell);
        }
      }
    }
  });

  it('splits many buckets into widgets of 100 and totals them with SEARCH', () => {
    const buckets = Array.from({ length: 450 }, (_, i) => `bucket-${String(i).padStart(3, '0')}`);
    const body = bucketDashboard({ buckets, region: 'us-east-1', namespace: 'Custom' });
    const props = body.widgets.filter((w) => w.type === 'metric').map((w) => w.properties as Props);
    expect(props.filter((p) => p.view === 'bar').length).toBe(10);
    expect(Math.max(...props.map((p) => p.metrics.length))).toBeLessThanOrEqual(100);
    expect(JSON.stringify(props[0]?.metrics)).toContain(
      'SEARCH(\'{Custom,BucketName} MetricName=\\"BucketSizeBytes\\"\'',
    );
  });

  it('still writes a valid dashboard with no buckets', () => {
    const body = bucketDashboard({ buckets: [], region: 'us-east-1' });
    expect(body.widgets).toHaveLength(1);
    expect(body.widgets[0]?.type).toBe('text');
  });
});
