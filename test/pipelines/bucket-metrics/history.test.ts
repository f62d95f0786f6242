import { describe, expect, it } from 'vitest';
import type { StoredMetric } from '../../../src/core/metrics.js';
import { bucketHistory } from '../../../src/pipelines/bucket-metrics/history.js';

const m = (
  name: string,
  value: number,
  timestamp: string,
  dimensions: Record<string, string>,
  namespace = 'LyveCloudBucketSizes',
): StoredMetric => ({
  namespace,
  name,
  value,
  unit: name === 'BucketSizeBytes' ? 'Bytes' : 'Count',
  dimensions,
  timestamp,
});

describe('bucketHistory', () => {
  it('pairs size and count per bucket and time, oldest first, whole buckets only', () => {
    // Arrange
    const t1 = '2025-01-01T00:00:00.000Z';
    const t2 = '2025-01-01T06:00:00.000Z';
    const metrics = [
      m('BucketSizeBytes', 200, t2, { BucketName: 'a' }),
      m('NumberOfObjects', 2, t2, { BucketName: 'a' }),
      m('BucketSizeBytes', 100, t1, { BucketName: 'a' }),
      m('NumberOfObjects', 1, t1, { BucketName: 'a' }),
      m('BucketSizeBytes', 50, t1, { BucketName: 'a', Prefix: 'x/' }),
      m('CollectionErrors', 0, t1, { BucketName: 'a' }),
      m('BucketSizeBytes', 9, t1, { BucketName: 'z' }, 'Other'),
    ];
    // Act
    const series = bucketHistory(metrics);
    // Assert
    expect(series).toEqual([
      {
        bucket: 'a',
        points: [
          { timestamp: t1, bytes: 100, objects: 1 },
          { timestamp: t2, bytes: 200, objects: 2 },
        ],
      },
    ]);
  });
});
