import { GetBucketVersioningCommand, type S3Client } from '@aws-sdk/client-s3';
import { errorMessage } from '../../core/errors.js';
import { MAX_EMPTY_PAGES, SPLIT_MIN_KEYS } from './constants.js';
import { splitBoundaries } from './key-range.js';
import type { Limiter } from './limiter.js';
import { isEmptyPage, listPage, type PageSummary, sameCursor } from './listing.js';
import { incompleteMultipartBytes, MultipartCountStopped } from './multipart.js';
import { errorCode, isRetryable, withThrottleRetry } from './throttling.js';
import type { BucketScan, Totals, Versioning, WorkItem } from './types.js';

export interface ScanContext {
  client: S3Client;
  /** Shared by every bucket of the run: bounds the requests in flight. */
  limiter: Limiter;
  /** Per-prefix breakdown depth; 0 = none. */
  prefixDepth: number;
  countMultipart: boolean;
  /** Turns true when the invocation must stop issuing requests (time budget). */
  shouldStop: () => boolean;
  /** Called after each listing page is added to the totals (progress views). */
  onPage?: (bucket: string, page: PageSummary) => void;
}

export const zeroTotals = (): Totals => ({
  bytes: 0,
  objects: 0,
  largestObjectBytes: 0,
  noncurrentBytes: 0,
  noncurrentVersions: 0,
});

export function newBucketScan(bucket: string, now = new Date()): BucketScan {
  return {
    bucket,
    status: 'pending',
    totals: zeroTotals(),
    prefixes: {},
    pending: [{ prefix: '' }],
    requests: 0,
    startedAt: now.toISOString(),
    notes: [],
  };
}

/** A listing the store answered in a way that would never end or cannot continue. */
export class ListingError extends Error {
  readonly code = 'InvalidListing';
}

/**
 * Lists one bucket (or continues a checkpointed scan of it). Each prefix is listed with
 * Delimiter '/': keys directly under it are counted from the page, sub-prefixes are listed
 * concurrently, and every request goes through the shared limiter. Each page is applied
 * whole (totals + new prefixes + continuation), so stopping between pages leaves a scan
 * that `pending` resumes exactly. Mutates and returns `scan`: `done`, `failed` (with
 * `error`), or still `pending` when the time budget stopped it.
 */
export async function scanBucket(scan: BucketScan, ctx: ScanContext): Promise<BucketScan> {
  if (scan.status !== 'pending') return scan;
  let failure: unknown;
  const fail = (err: unknown) => {
    failure ??= err;
  };

  if (scan.versioning === undefined) {
    try {
      const versioning = await detectVersioning(scan, ctx);
      // Throttled until the time budget ran out: nothing listed yet, the next invocation starts it.
      if (versioning === undefined) return scan;
      scan.versioning = versioning;
    } catch (err) {
      fail(err);
    }
  }

  const multipart =
    ctx.countMultipart && scan.incompleteMultipartBytes === undefined && failure === undefined
      ? countMultipart(scan, ctx).catch(fail)
      : Promise.resolve();

  const paused: WorkItem[] = [];
  if (failure === undefined) {
    await new Promise<void>((resolve) => {
      let outstanding = 0;
      const spawn = (item: WorkItem) => {
        outstanding++;
        listItem(item)
          .catch(fail)
          .finally(() => {
            if (--outstanding === 0) resolve();
          });
      };
      const listItem = (item: WorkItem) =>
        ctx.limiter.run(async () => {
          if (failure !== undefined) return;
          if (ctx.shouldStop()) {
            paused.push(item);
            return;
          }
          scan.requests++;
          let page: PageSummary;
          try {
            page = await withThrottleRetry(
              () =>
                listPage(ctx.client, {
                  bucket: scan.bucket,
                  prefix: item.prefix,
                  versions: scan.versioning === 'enabled' || scan.versioning === 'suspended',
                  ...(item.cursor ? { cursor: item.cursor } : {}),
                  ...(item.after !== undefined ? { after: item.after } : {}),
                  ...(item.until !== undefined ? { until: item.until } : {}),
                }),
              ctx.shouldStop,
            );
          } catch (err) {
            // Still throttled when the budget ran out: not a failure, the next invocation asks again.
            if (isRetryable(err) && ctx.shouldStop()) {
              paused.push(item);
              return;
            }
            throw err;
          }
          const next = nextItem(item, page);
          applyPage(scan, item.prefix, page, ctx.prefixDepth);
          ctx.onPage?.(scan.bucket, page);
          for (const prefix of page.prefixes) spawn({ prefix });
          if (next) for (const part of splitFlat(next, page, ctx)) spawn(part);
        });
      const start = scan.pending.splice(0);
      if (start.length === 0) resolve();
      for (const item of start) spawn(item);
    });
  }
  await multipart;

  if (failure !== undefined) {
    scan.status = 'failed';
    scan.error = {
      code: failure instanceof ListingError ? failure.code : errorCode(failure),
      message: errorMessage(failure),
    };
    scan.pending = [];
    scan.finishedAt = new Date().toISOString();
  } else if (paused.length > 0 || (ctx.countMultipart && scan.incompleteMultipartBytes === undefined)) {
    scan.pending = paused;
  } else {
    scan.status = 'done';
    scan.finishedAt = new Date().toISOString();
  }
  return scan;
}

/**
 * Keys directly under one prefix cannot be fanned out by delimiter: when a page of them is
 * full, more follow and the limiter has room, the rest of the listing becomes key ranges
 * listed concurrently. The first range goes on with the page's own continuation token; the
 * others start after their boundary (StartAfter). Each range may split again the same way.
 */
function splitFlat(next: WorkItem, page: PageSummary, ctx: ScanContext): WorkItem[] {
  const { limiter } = ctx;
  if (!page.keys || page.objects < SPLIT_MIN_KEYS || !next.cursor || !('token' in next.cursor)) return [next];
  if (limiter.active + limiter.waiting >= limiter.concurrency) return [next];
  const bounds = splitBoundaries(next.prefix, page.keys, next.until);
  if (bounds.length === 0) return [next];
  const range = (after: string | undefined, until: string | undefined): WorkItem => ({
    prefix: next.prefix,
    ...(after !== undefined ? { after } : {}),
    ...(until !== undefined ? { until } : {}),
  });
  return [
    { ...next, until: bounds[0] as string },
    ...bounds.map((bound, i) => range(bound, bounds[i + 1] ?? next.until)),
  ];
}

/** The same prefix's next page, or none; refuses listings that would loop forever. */
function nextItem(item: WorkItem, page: PageSummary): WorkItem | undefined {
  if (page.truncatedWithoutCursor) {
    throw new ListingError(`listing "${item.prefix}" was truncated but gave no continuation token or marker`);
  }
  if (!page.next) return undefined;
  if (sameCursor(item.cursor, page.next)) {
    throw new ListingError(
      `listing "${item.prefix}" returned the continuation it was given: the store does not advance`,
    );
  }
  const emptyPages = isEmptyPage(page) ? (item.emptyPages ?? 0) + 1 : 0;
  if (emptyPages > MAX_EMPTY_PAGES) {
    throw new ListingError(
      `listing "${item.prefix}" returned ${emptyPages} pages in a row with no keys but a continuation token`,
    );
  }
  return {
    prefix: item.prefix,
    cursor: page.next,
    ...(emptyPages > 0 ? { emptyPages } : {}),
    ...(item.until !== undefined ? { until: item.until } : {}),
  };
}

function applyPage(scan: BucketScan, prefix: string, page: PageSummary, depth: number): void {
  const t = scan.totals;
  t.objects += page.objects;
  t.bytes += page.bytes;
  t.noncurrentBytes += page.noncurrentBytes;
  t.noncurrentVersions += page.noncurrentVersions;
  if (page.largestObjectBytes > t.largestObjectBytes) t.largestObjectBytes = page.largestObjectBytes;
  if (depth === 0 || page.objects === 0) return;
  for (const ancestor of ancestorPrefixes(prefix, depth)) {
    const entry = scan.prefixes[ancestor] ?? { bytes: 0, objects: 0 };
    entry.bytes += page.bytes;
    entry.objects += page.objects;
    scan.prefixes[ancestor] = entry;
  }
}

/** `a/b/c/` at depth 2 → `a/`, `a/b/`: the folders whose totals include keys directly under `prefix`. */
export function ancestorPrefixes(prefix: string, depth: number): string[] {
  const result: string[] = [];
  let end = prefix.indexOf('/');
  while (end >= 0 && result.length < depth) {
    result.push(prefix.slice(0, end + 1));
    end = prefix.indexOf('/', end + 1);
  }
  return result;
}

/**
 * Versioned buckets are listed with ListObjectVersions (current + noncurrent in one pass).
 * A store without versioning (the embedded endpoint answers NotImplemented) or credentials
 * not allowed to ask is listed as unversioned, and the result says so.
 */
async function detectVersioning(scan: BucketScan, ctx: ScanContext): Promise<Versioning | undefined> {
  try {
    scan.requests++;
    const out = await ctx.limiter.run(() =>
      withThrottleRetry(
        () => ctx.client.send(new GetBucketVersioningCommand({ Bucket: scan.bucket })),
        ctx.shouldStop,
      ),
    );
    if (out.Status === 'Enabled') return 'enabled';
    if (out.Status === 'Suspended') return 'suspended';
    return 'off';
  } catch (err) {
    const code = errorCode(err);
    if (code === 'NoSuchBucket') throw err;
    // Throttled past the time budget: ask again in the next invocation.
    if (isRetryable(err) && ctx.shouldStop()) return undefined;
    scan.notes.push(`GetBucketVersioning answered ${code}: listed as unversioned`);
    return 'unsupported';
  }
}

async function countMultipart(scan: BucketScan, ctx: ScanContext): Promise<void> {
  try {
    scan.incompleteMultipartBytes = await incompleteMultipartBytes(scan.bucket, ctx);
  } catch (err) {
    if (err instanceof MultipartCountStopped || (isRetryable(err) && ctx.shouldStop())) return;
    const code = errorCode(err);
    if (code === 'NotImplemented' || code === 'AccessDenied') {
      // Sizes and counts are still right; only this extra figure is unknown.
      scan.notes.push(`ListMultipartUploads answered ${code}: incomplete multipart bytes not counted`);
      scan.incompleteMultipartBytes = null;
      return;
    }
    throw err;
  }
}
