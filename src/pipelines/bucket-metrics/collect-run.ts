import { ListBucketsCommand, type S3Client } from '@aws-sdk/client-s3';
import { type BucketFilter, selectBuckets } from './bucket-filter.js';
import { createLimiter } from './limiter.js';
import type { PageSummary } from './listing.js';
import { newBucketScan, scanBucket } from './scan.js';
import { withThrottleRetry } from './throttling.js';
import type { BucketScan, Checkpoint } from './types.js';

export interface CollectOptions {
  client: S3Client;
  prefixDepth: number;
  concurrency: number;
  countMultipart: boolean;
  filter: BucketFilter;
  /** Only these buckets (CLI `--bucket`); each must exist in the store. */
  only?: readonly string[];
  /** Continue this run instead of starting one. */
  resume?: Checkpoint;
  runId: string;
  /** Turns true when the invocation must stop issuing requests. */
  shouldStop?: () => boolean;
  /** Each bucket as soon as it is finished (done or failed): publish it while the rest go on. */
  onBucketFinished?: (scan: BucketScan) => void | Promise<void>;
  onPage?: (bucket: string, page: PageSummary) => void;
  /** Told the bucket list once it is known. */
  onBuckets?: (buckets: readonly string[]) => void;
}

export interface CollectResult {
  /** The run's state after this invocation; `scans` holds the unfinished buckets. */
  checkpoint: Checkpoint;
  /** Buckets finished in this invocation. */
  finished: BucketScan[];
  complete: boolean;
  /** Listing requests made by this invocation. */
  requests: number;
}

/** Every bucket the credentials can see, all pages (stores that ignore MaxBuckets answer one page). */
export async function listBucketNames(client: S3Client): Promise<string[]> {
  const names: string[] = [];
  let token: string | undefined;
  do {
    const out = await withThrottleRetry(() =>
      client.send(new ListBucketsCommand({ ContinuationToken: token })),
    );
    for (const b of out.Buckets ?? []) if (b.Name) names.push(b.Name);
    token = out.ContinuationToken && out.ContinuationToken !== token ? out.ContinuationToken : undefined;
  } while (token);
  return names;
}

export class UnknownBucketError extends Error {
  constructor(readonly buckets: string[]) {
    super(`no such bucket in the store: ${buckets.join(', ')}`);
  }
}

/**
 * One invocation's share of a run: starts a run (list and filter buckets) or resumes a
 * checkpoint, scans all unfinished buckets at once under one limiter, and returns what is
 * left when the time budget stops it.
 */
export async function collectBuckets(options: CollectOptions): Promise<CollectResult> {
  const shouldStop = options.shouldStop ?? (() => false);
  const checkpoint: Checkpoint = options.resume
    ? { ...options.resume, sequence: options.resume.sequence, scans: [...options.resume.scans] }
    : await startRun(options);
  options.onBuckets?.([
    ...checkpoint.finished.map((f) => f.bucket),
    ...checkpoint.scans.map((s) => s.bucket),
  ]);

  const limiter = createLimiter(options.concurrency);
  const requestsBefore = checkpoint.scans.reduce((n, s) => n + s.requests, 0);
  const finished: BucketScan[] = [];
  await Promise.all(
    checkpoint.scans.map(async (scan) => {
      await scanBucket(scan, {
        client: options.client,
        limiter,
        prefixDepth: checkpoint.prefixDepth,
        countMultipart: options.countMultipart,
        shouldStop,
        ...(options.onPage ? { onPage: options.onPage } : {}),
      });
      if (scan.status !== 'pending') {
        finished.push(scan);
        await options.onBucketFinished?.(scan);
      }
    }),
  );
  const requests = checkpoint.scans.reduce((n, s) => n + s.requests, 0) - requestsBefore;
  const pending = checkpoint.scans.filter((s) => s.status === 'pending');
  checkpoint.finished = [
    ...checkpoint.finished,
    ...finished.map((s) => ({
      bucket: s.bucket,
      status: s.status,
      objects: s.totals.objects,
      bytes: s.totals.bytes,
    })),
  ];
  checkpoint.scans = pending;
  return { checkpoint, finished, complete: pending.length === 0, requests };
}

async function startRun(options: CollectOptions): Promise<Checkpoint> {
  const all = await listBucketNames(options.client);
  let buckets = selectBuckets(all, options.filter);
  if (options.only && options.only.length > 0) {
    const missing = options.only.filter((b) => !all.includes(b));
    if (missing.length > 0) throw new UnknownBucketError(missing);
    buckets = [...new Set(options.only)];
  }
  const now = new Date();
  return {
    version: 1,
    runId: options.runId,
    sequence: 0,
    startedAt: now.toISOString(),
    prefixDepth: options.prefixDepth,
    scans: buckets.map((b) => newBucketScan(b, now)),
    finished: [],
  };
}
