import { describe, expect, it } from 'vitest';
import { ConfigError } from '../../../src/core/errors.js';
import { readConfig } from '../../../src/core/pipeline.js';
import pipeline from '../../../src/pipelines/bucket-metrics/pipeline.js';

describe('bucket-metrics config', () => {
  it('has a default for every key', () => {
    // Act
    const config = readConfig(pipeline, {});
    // Assert
    expect(config).toMatchObject({
      SCHEDULE: 'rate(6 hours)',
      PREFIX_DEPTH: 0,
      CONCURRENCY: 32,
      NAMESPACE: 'LyveCloudBucketSizes',
      CHECKPOINT_RESERVE_SECONDS: 30,
      MULTIPART_UPLOADS: true,
    });
    expect(config.INCLUDE_BUCKETS).toEqual([]);
    expect(config.EXCLUDE_BUCKETS).toEqual([]);
  });

  it('reads patterns, depth and concurrency from strings', () => {
    const config = readConfig(pipeline, {
      INCLUDE_BUCKETS: 'a-*, b',
      PREFIX_DEPTH: '2',
      CONCURRENCY: '64',
      MULTIPART_UPLOADS: 'false',
    });
    expect(config.INCLUDE_BUCKETS.map(String)).toEqual(['/^a-.*$/', '/^b$/']);
    expect(config.PREFIX_DEPTH).toBe(2);
    expect(config.CONCURRENCY).toBe(64);
    expect(config.MULTIPART_UPLOADS).toBe(false);
  });

  it.each([
    ['SCHEDULE', 'rate(7 minute)'],
    ['SCHEDULE', 'every 6 hours'],
    ['CONCURRENCY', '0'],
    ['CONCURRENCY', 'lots'],
    ['PREFIX_DEPTH', '-1'],
    ['PREFIX_DEPTH', '1.5'],
    ['NAMESPACE', 'has space'],
    ['EXCLUDE_BUCKETS', 'bad/pattern'],
    ['MULTIPART_UPLOADS', 'yes'],
    ['CHECKPOINT_RESERVE_SECONDS', '0'],
  ])('refuses %s=%s naming the key', (key, value) => {
    expect(() => readConfig(pipeline, { [key]: value })).toThrow(ConfigError);
    expect(() => readConfig(pipeline, { [key]: value })).toThrow(key);
  });
});
