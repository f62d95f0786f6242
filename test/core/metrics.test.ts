import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runInScope } from '../../src/core/invocation.js';
import { emitMetrics, type MetricDatum, toEmf } from '../../src/core/metrics.js';

const at = new Date('2026-11-23T00:00:00Z');

describe('emitMetrics', () => {
  it('writes one EMF document per dimension set, at most 100 metrics each', () => {
    const docs: Array<{ ns: string; data: MetricDatum[] }> = [];
    const data: MetricDatum[] = [
      ...Array.from({ length: 150 }, (_, i) => ({
        name: `M${i}`,
        value: i,
        unit: 'Count' as const,
        timestamp: at,
      })),
      { name: 'BucketSizeBytes', value: 5, unit: 'Bytes', dimensions: { BucketName: 'b1' }, timestamp: at },
    ];
    emitMetrics('NS', data, (ns, group) => docs.push({ ns, data: group }));
    expect(docs.map((d) => d.data.length)).toEqual([100, 50, 1]);
  });

  it('shapes EMF as CloudWatch expects', () => {
    const doc = toEmf('LyveCloudBucketSizes', [
      { name: 'BucketSizeBytes', value: 42, unit: 'Bytes', dimensions: { BucketName: 'b1' }, timestamp: at },
      { name: 'NumberOfObjects', value: 3, unit: 'Count', dimensions: { BucketName: 'b1' }, timestamp: at },
    ]);
    expect(doc).toEqual({
      _aws: {
        Timestamp: at.getTime(),
        CloudWatchMetrics: [
          {
            Namespace: 'LyveCloudBucketSizes',
            Dimensions: [['BucketName']],
            Metrics: [
              { Name: 'BucketSizeBytes', Unit: 'Bytes' },
              { Name: 'NumberOfObjects', Unit: 'Count' },
            ],
          },
        ],
      },
      BucketName: 'b1',
      BucketSizeBytes: 42,
      NumberOfObjects: 3,
    });
  });

  it('appends to the local metrics history when the runtime names a file', () => {
    const file = join(mkdtempSync(join(tmpdir(), 'metrics-')), 'history.jsonl');
    runInScope({ env: { TRIBUTARY_METRICS_FILE: file } }, () =>
      emitMetrics('NS', [{ name: 'X', value: 1, unit: 'Count', timestamp: at }]),
    );
    expect(JSON.parse(readFileSync(file, 'utf8').trim())).toEqual({
      namespace: 'NS',
      name: 'X',
      value: 1,
      unit: 'Count',
      dimensions: {},
      timestamp: at.toISOString(),
    });
  });
});
