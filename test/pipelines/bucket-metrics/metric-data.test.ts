import { describe, expect, it } from 'vitest';
import { emitMetrics, type MetricDatum, toEmf } from '../../../src/core/metrics.js';
import { bucketMetricData } from '../../../src/pipelines/bucket-metrics/metric-data.js';
import { ancestorPrefixes, newBucketScan } from '../../../src/pipelines/bucket-metrics/scan.js';

describe('bucketMetricData', () => {
  it('reports 0, not nothing, for an empty bucket, stamped with the listing time', () => {
    // Arrange
    const scan = { ...newBucketScan('empty'), status: 'done' as const, versioning: 'off' as const };
    scan.finishedAt = '2025-03-01T10:00:00.000Z';
    scan.incompleteMultipartBytes = 0;
    // Act
    const data = bucketMetricData(scan);
    // Assert
    expect(data.map((d) => [d.name, d.value, d.unit])).toEqual([
      ['BucketSizeBytes', 0, 'Bytes'],
      ['NumberOfObjects', 0, 'Count'],
      ['LargestObjectBytes', 0, 'Bytes'],
      ['CollectionErrors', 0, 'Count'],
      ['IncompleteMultipartUploadBytes', 0, 'Bytes'],
    ]);
    expect(data.every((d) => d.timestamp?.toISOString() === '2025-03-01T10:00:00.000Z')).toBe(true);
    expect(data.every((d) => JSON.stringify(d.dimensions) === '{"BucketName":"empty"}')).toBe(true);
  });

  it('goes to CloudWatch as EMF: one document per dimension set, stamped with the listing time', () => {
    // Arrange
    const scan = { ...newBucketScan('photos'), status: 'done' as const, versioning: 'off' as const };
    scan.finishedAt = '2025-03-01T10:00:00.000Z';
    scan.totals.bytes = 6_144;
    scan.totals.objects = 2;
    scan.prefixes = { '2024/': { bytes: 2_048, objects: 1 } };
    const docs: Record<string, unknown>[] = [];
    // Act: the writer Lambda uses, minus stdout
    emitMetrics('LyveCloudBucketSizes', bucketMetricData(scan), (namespace, data: MetricDatum[]) => {
      docs.push(toEmf(namespace, data));
    });
    // Assert
    expect(docs).toEqual([
      {
        _aws: {
          Timestamp: Date.parse('2025-03-01T10:00:00.000Z'),
          CloudWatchMetrics: [
            {
              Namespace: 'LyveCloudBucketSizes',
              Dimensions: [['BucketName']],
              Metrics: [
                { Name: 'BucketSizeBytes', Unit: 'Bytes' },
                { Name: 'NumberOfObjects', Unit: 'Count' },
                { Name: 'LargestObjectBytes', Unit: 'Bytes' },
                { Name: 'CollectionErrors', Unit: 'Count' },
              ],
            },
          ],
        },
        BucketName: 'photos',
        BucketSizeBytes: 6_144,
        NumberOfObjects: 2,
        LargestObjectBytes: 0,
        CollectionErrors: 0,
      },
      {
        _aws: {
          Timestamp: Date.parse('2025-03-01T10:00:00.000Z'),
          CloudWatchMetrics: [
            {
              Namespace: 'LyveCloudBucketSizes',
              Dimensions: [['BucketName', 'Prefix']],
              Metrics: [
                { Name: 'BucketSizeBytes', Unit: 'Bytes' },
                { Name: 'NumberOfObjects', Unit: 'Count' },
              ],
            },
          ],
        },
        BucketName: 'photos',
        Prefix: '2024/',
        BucketSizeBytes: 2_048,
        NumberOfObjects: 1,
      },
    ]);
  });

  it('reports only CollectionErrors = 1 for a failed bucket', () => {
    const scan = { ...newBucketScan('denied'), status: 'failed' as const };
    scan.totals.objects = 5; // partial: must not be published
    expect(bucketMetricData(scan).map((d) => [d.name, d.value])).toEqual([['CollectionErrors', 1]]);
  });

  it('adds noncurrent bytes when versioned, leaves out multipart bytes the store cannot tell, adds prefixes', () => {
    const scan = { ...newBucketScan('v'), status: 'done' as const, versioning: 'enabled' as const };
    scan.totals = { bytes: 10, objects: 2, largestObjectBytes: 6, noncurrentBytes: 4, noncurrentVersions: 1 };
    scan.incompleteMultipartBytes = null;
    scan.prefixes = { 'a/': { bytes: 6, objects: 1 } };
    const data = bucketMetricData(scan);
    expect(data.find((d) => d.name === 'NoncurrentVersionBytes')?.value).toBe(4);
    expect(data.some((d) => d.name === 'IncompleteMultipartUploadBytes')).toBe(false);
    expect(data.filter((d) => d.dimensions?.Prefix === 'a/').map((d) => [d.name, d.value])).toEqual([
      ['BucketSizeBytes', 6],
      ['NumberOfObjects', 1],
    ]);
  });
});

describe('ancestorPrefixes', () => {
  it.each([
    ['', 3, []],
    ['a/', 3, ['a/']],
    ['a/b/c/', 2, ['a/', 'a/b/']],
    ['a/b/c/', 5, ['a/', 'a/b/', 'a/b/c/']],
    ['a//', 2, ['a/', 'a//']],
    ['a/b/', 0, []],
  ])('%j to depth %d → %j', (prefix, depth, expected) => {
    expect(ancestorPrefixes(prefix, depth)).toEqual(expected);
  });
});
