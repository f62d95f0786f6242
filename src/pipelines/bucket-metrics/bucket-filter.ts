import { ConfigError } from '../../core/errors.js';

/**
 * Which buckets to measure. Patterns are bucket names with `*` (any run of characters) and
 * `?` (one character); S3 bucket names hold only a-z 0-9 . -, so nothing else needs escaping.
 */
export function parseBucketPatterns(text: string): RegExp[] {
  return text
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s !== '')
    .map((pattern) => {
      if (!/^[a-zA-Z0-9.\-_*?]+$/.test(pattern)) {
        throw new ConfigError(`bucket pattern "${pattern}" may hold only bucket-name characters, * and ?`);
      }
      const body = pattern.replace(/[.]/g, '\\.').replace(/\*/g, '.*').replace(/\?/g, '.');
      return new RegExp(`^${body}$`);
    });
}

export interface BucketFilter {
  include: readonly RegExp[];
  exclude: readonly RegExp[];
}

/** Included (or no include list) and not excluded. */
export function selectBuckets(names: readonly string[], { include, exclude }: BucketFilter): string[] {
  return names.filter(
    (name) =>
      (include.length === 0 || include.some((re) => re.test(name))) && !exclude.some((re) => re.test(name)),
  );
}
