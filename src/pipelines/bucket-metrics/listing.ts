import { ListObjectsV2Command, ListObjectVersionsCommand, type S3Client } from '@aws-sdk/client-s3';
import { compareKeys } from '../../core/key-order.js';
import { DELIMITER, PAGE_SIZE } from './constants.js';
import { keyAlphabet, type PageKeys } from './key-range.js';
import type { Cursor } from './types.js';

/** One listing page, reduced to what the totals need (no per-key objects kept). */
export interface PageSummary {
  objects: number;
  bytes: number;
  largestObjectBytes: number;
  noncurrentBytes: number;
  noncurrentVersions: number;
  /** Everything the page carried: keys, versions, delete markers and prefixes. */
  entries: number;
  /** Sub-prefixes (CommonPrefixes) to list next. */
  prefixes: string[];
  /** Where the listing of this prefix continues, if the page was truncated. */
  next?: Cursor;
  /** The store said the page was truncated but gave no way to continue. */
  truncatedWithoutCursor: boolean;
  /** The page reached past the request's `until`: that part was left out, and the range is done. */
  pastEnd: boolean;
  /** Keys directly under the prefix, for splitting the rest of a long flat listing (ListObjectsV2 pages). */
  keys?: PageKeys;
}

export interface PageRequest {
  bucket: string;
  prefix: string;
  cursor?: Cursor;
  /** List versions (ListObjectVersions) instead of current objects (ListObjectsV2). */
  versions: boolean;
  /** Key range of a split listing: keys after `after` (exclusive) up to `until` (inclusive). */
  after?: string;
  until?: string;
}

/**
 * Lists one page of one prefix with Delimiter '/': keys directly under the prefix are
 * summed here, deeper ones come back as CommonPrefixes for the caller to list concurrently.
 */
export async function listPage(client: S3Client, request: PageRequest): Promise<PageSummary> {
  return request.versions ? listVersionsPage(client, request) : listObjectsPage(client, request);
}

async function listObjectsPage(
  client: S3Client,
  { bucket, prefix, cursor, after, until }: PageRequest,
): Promise<PageSummary> {
  const token = cursor && 'token' in cursor ? cursor.token : undefined;
  const out = await client.send(
    new ListObjectsV2Command({
      Bucket: bucket,
      Prefix: prefix || undefined,
      Delimiter: DELIMITER,
      MaxKeys: PAGE_SIZE,
      ContinuationToken: token,
      StartAfter: token ? undefined : after,
    }),
  );
  const inRange = (key: string) => until === undefined || compareKeys(key, until) <= 0;
  const commonPrefixes = (out.CommonPrefixes ?? []).filter((p) => !p.Prefix || inRange(p.Prefix));
  const page = emptyPage(commonPrefixes);
  page.pastEnd = commonPrefixes.length < (out.CommonPrefixes?.length ?? 0);
  const keys: string[] = [];
  for (const object of out.Contents ?? []) {
    const key = object.Key ?? '';
    if (!inRange(key)) {
      page.pastEnd = true;
      continue;
    }
    keys.push(key);
    addCurrent(page, object.Size ?? 0);
  }
  page.entries += keys.length;
  // Splitting continues after the page's last entry, a key or a common prefix.
  const lastKey = keys.at(-1);
  const lastPrefix = page.prefixes.at(-1);
  const last =
    lastKey !== undefined && lastPrefix !== undefined && compareKeys(lastPrefix, lastKey) > 0
      ? lastPrefix
      : lastKey;
  if (last !== undefined) page.keys = { lastKey: last, alphabet: keyAlphabet(keys, prefix) };
  if (out.IsTruncated && !page.pastEnd) {
    if (out.NextContinuationToken) page.next = { token: out.NextContinuationToken };
    else page.truncatedWithoutCursor = true;
  }
  return page;
}

async function listVersionsPage(
  client: S3Client,
  { bucket, prefix, cursor }: PageRequest,
): Promise<PageSummary> {
  const markers = cursor && 'keyMarker' in cursor ? cursor : undefined;
  const out = await client.send(
    new ListObjectVersionsCommand({
      Bucket: bucket,
      Prefix: prefix || undefined,
      Delimiter: DELIMITER,
      MaxKeys: PAGE_SIZE,
      KeyMarker: markers?.keyMarker,
      VersionIdMarker: markers?.versionIdMarker,
    }),
  );
  const page = emptyPage(out.CommonPrefixes);
  for (const version of out.Versions ?? []) {
    const size = version.Size ?? 0;
    if (version.IsLatest) addCurrent(page, size);
    else {
      page.noncurrentBytes += size;
      page.noncurrentVersions++;
    }
  }
  // Delete markers have no size; a key whose latest version is a delete marker is not an object.
  page.entries += (out.Versions?.length ?? 0) + (out.DeleteMarkers?.length ?? 0);
  if (out.IsTruncated) {
    if (out.NextKeyMarker) {
      page.next = {
        keyMarker: out.NextKeyMarker,
        ...(out.NextVersionIdMarker ? { versionIdMarker: out.NextVersionIdMarker } : {}),
      };
    } else page.truncatedWithoutCursor = true;
  }
  return page;
}

function emptyPage(commonPrefixes: { Prefix?: string }[] | undefined): PageSummary {
  const prefixes = (commonPrefixes ?? []).flatMap((p) => (p.Prefix ? [p.Prefix] : []));
  return {
    entries: prefixes.length,
    objects: 0,
    bytes: 0,
    largestObjectBytes: 0,
    noncurrentBytes: 0,
    noncurrentVersions: 0,
    prefixes,
    truncatedWithoutCursor: false,
    pastEnd: false,
  };
}

function addCurrent(page: PageSummary, size: number): void {
  page.objects++;
  page.bytes += size;
  if (size > page.largestObjectBytes) page.largestObjectBytes = size;
}

/** Whether a page carried nothing at all (no keys, versions, delete markers or prefixes). */
export function isEmptyPage(page: PageSummary): boolean {
  return page.entries === 0;
}

export function sameCursor(a: Cursor | undefined, b: Cursor | undefined): boolean {
  return a !== undefined && b !== undefined && JSON.stringify(a) === JSON.stringify(b);
}
