import { describe, expect, it } from 'vitest';
import { ConfigError } from '../../../src/core/errors.js';
import { parseBucketPatterns, selectBuckets } from '../../../src/pipelines/bucket-metrics/bucket-filter.js';

const names = ['logs-2024', 'logs-2025', 'media', 'media.backup', 'tmp1', 'tmp22'];

describe('bucket filter', () => {
  it.each([
    ['', '', names],
    ['logs-*', '', ['logs-2024', 'logs-2025']],
    ['media, tmp?', '', ['media', 'tmp1']],
    ['', 'logs-*,tmp*', ['media', 'media.backup']],
    ['media*', 'media.backup', ['media']],
    ['nothing', '', []],
  ])('include "%s" exclude "%s"', (include, exclude, expected) => {
    // Arrange
    const filter = { include: parseBucketPatterns(include), exclude: parseBucketPatterns(exclude) };
    // Act
    const selected = selectBuckets(names, filter);
    // Assert
    expect(selected).toEqual(expected);
  });

  it('does not treat a dot as a wildcard', () => {
    const filter = { include: parseBucketPatterns('media.backup'), exclude: [] };
    expect(selectBuckets(['media.backup', 'mediaxbackup'], filter)).toEqual(['media.backup']);
  });

  it.each(['logs/*', 'a b', 'x[1]', 'a,(b)'])('refuses the pattern "%s"', (pattern) => {
    expect(() => parseBucketPatterns(pattern)).toThrow(ConfigError);
  });
});
