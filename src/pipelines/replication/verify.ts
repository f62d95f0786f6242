import { headWithRetry, sameObject } from './compare-object.js';
import { targetKey } from './event-key.js';
import { listObjects, pairListings } from './listing.js';
import { TaskPool } from './pool.js';
import type { Endpoints } from './replicate-object.js';
import { targetProblem } from './s3-errors.js';

export interface VerifyReport {
  sourceObjects: number;
  sourceBytes: number;
  same: number;
  missingCount: number;
  extraCount: number;
  differingCount: number;
  /** Up to MAX_LISTED keys each. */
  missing: string[];
  extra: string[];
  differing: { key: string; why: string }[];
  /** Whether the target holds exactly the source's objects. */
  inSync: boolean;
}

const MAX_LISTED = 1000;

/**
 * Lists the source and the target side by side and reports what the target lacks, what it
 * has beyond the source, and what differs (size, or a copy of another source version).
 */
export async function verifyReplica(options: {
  endpoints: Pick<Endpoints, 'source' | 'target'>;
  prefix: string;
  concurrency: number;
  onProgress?: (checked: number) => void;
}): Promise<VerifyReport> {
  const { source, target } = options.endpoints;
  const report: VerifyReport = {
    sourceObjects: 0,
    sourceBytes: 0,
    same: 0,
    missingCount: 0,
    extraCount: 0,
    differingCount: 0,
    missing: [],
    extra: [],
    differing: [],
    inSync: false,
  };
  const pool = new TaskPool(Math.max(1, options.concurrency));
  let failure: unknown;
  let checked = 0;
  const pairs = pairListings(
    listObjects({ client: source.client, bucket: source.bucket, prefix: options.prefix }),
    listObjects({
      client: target.client,
      bucket: target.bucket,
      prefix: targetKey(target.prefix, options.prefix),
      strip: target.prefix,
      mapError: (err) => targetProblem(err, target.bucket, target.endpoint),
    }),
  );
  for await (const pair of pairs) {
    if (failure) break;
    if (pair.kind !== 'extra') {
      report.sourceObjects++;
      report.sourceBytes += pair.source.size;
    }
    if (pair.kind === 'missing') {
      report.missingCount++;
      if (report.missing.length < MAX_LISTED) report.missing.push(pair.source.key);
    } else if (pair.kind === 'extra') {
      report.extraCount++;
      if (report.extra.length < MAX_LISTED) report.extra.push(pair.target.key);
    } else {
      const { source: s, target: t } = pair;
      await pool.run(async () => {
        try {
          const head = headWithRetry(target.client, target.bucket, targetKey(target.prefix, s.key));
          const { same } = await sameObject(s, t, head);
          if (same) report.same++;
          else {
            report.differingCount++;
            const why =
              s.size !== t.size
                ? `size ${t.size} on the target, ${s.size} on the source`
                : 'the target holds a copy of another source version';
            if (report.differing.length < MAX_LISTED) report.differing.push({ key: s.key, why });
          }
        } catch (err) {
          failure ??= err;
        }
      });
    }
    options.onProgress?.(++checked);
  }
  await pool.drain();
  if (failure) throw failure;
  report.inSync = report.missingCount === 0 && report.extraCount === 0 && report.differingCount === 0;
  return report;
}
