import { describe, expect, it } from 'vitest';
import type { StoredMetric } from '../../../src/core/metrics.js';
import {
  parseMetricsHistory,
  prometheusName,
  renderPrometheus,
} from '../../../src/pipelines/bucket-metrics/prometheus.js';

const point = (over: Partial<StoredMetric>): StoredMetric => ({
  namespace: 'LyveCloudBucketSizes',
  name: 'BucketSizeBytes',
  value: 0,
  unit: 'Bytes',
  dimensions: { BucketName: 'a' },
  timestamp: '2025-01-01T00:00:00.000Z',
  ...over,
});

describe('prometheusName', () => {
  it.each([
    [['LyveCloudBucketSizes', 'BucketSizeBytes'], 'lyve_cloud_bucket_sizes_bucket_size_bytes'],
    [['Tributary/BucketMetrics', 'ObjectsListed'], 'tributary_bucket_metrics_objects_listed'],
    [['BucketName'], 'bucket_name'],
    [['AWS/S3', 'NumberOfObjects'], 'aws_s3_number_of_objects'],
    [['3rd', 'x'], '_3rd_x'],
  ])('%j → %s', (parts, expected) => {
    expect(prometheusName(...parts)).toBe(expected);
  });
});

describe('renderPrometheus', () => {
  it('exposes the latest value of each series as a gauge', () => {
    // Arrange
    const metrics = [
      point({ value: 10, timestamp: '2025-01-01T00:00:00.000Z' }),
      point({ value: 30, timestamp: '2025-01-01T12:00:00.000Z' }),
      point({ value: 20, timestamp: '2025-01-01T06:00:00.000Z' }),
      point({ value: 5, dimensions: { BucketName: 'b' } }),
      point({ name: 'NumberOfObjects', unit: 'Count', value: 7 }),
    ];
    // Act
    const text = renderPrometheus(metrics);
    // Assert
    expect(text).toBe(
      [
        '# HELP lyve_cloud_bucket_sizes_bucket_size_bytes BucketSizeBytes (LyveCloudBucketSizes), unit Bytes, latest value',
        '# TYPE lyve_cloud_bucket_sizes_bucket_size_bytes gauge',
        'lyve_cloud_bucket_sizes_bucket_size_bytes{bucket_name="a"} 30',
        'lyve_cloud_bucket_sizes_bucket_size_bytes{bucket_name="b"} 5',
        '# HELP lyve_cloud_bucket_sizes_number_of_objects NumberOfObjects (LyveCloudBucketSizes), unit Count, latest value',
        '# TYPE lyve_cloud_bucket_sizes_number_of_objects gauge',
        'lyve_cloud_bucket_sizes_number_of_objects{bucket_name="a"} 7',
        '',
      ].join('\n'),
    );
  });

  it('escapes label values and keeps several dimensions apart', () => {
    const text = renderPrometheus([
      point({ dimensions: { BucketName: 'a', Prefix: 'we"ird\\dir\n/' }, value: 1 }),
      point({ dimensions: {}, name: 'ObjectsListed', namespace: 'Tributary/BucketMetrics', value: 2 }),
    ]);
    expect(text).toContain(
      'lyve_cloud_bucket_sizes_bucket_size_bytes{bucket_name="a",prefix="we\\"ird\\\\dir\\n/"} 1',
    );
    expect(text).toContain('tributary_bucket_metrics_objects_listed 2');
  });

  it('renders nothing for an empty history', () => {
    expect(renderPrometheus([])).toBe('');
  });
});

describe('parseMetricsHistory', () => {
  it('reads JSON lines and skips torn or foreign lines', () => {
    const good = point({ value: 3 });
    const text = `${JSON.stringify(good)}\n{"namespace":"x"\nnot json\n${JSON.stringify({ a: 1 })}\n\n`;
    expect(parseMetricsHistory(text)).toEqual([good]);
  });
});
