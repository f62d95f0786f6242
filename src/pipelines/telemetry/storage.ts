/** The telemetry bucket: telemetry.json objects and one-level listings (presigned URLs: presign.ts). */
import {
  GetObjectCommand,
  HeadObjectCommand,
  PutObjectCommand,
  paginateListObjectsV2,
  type S3Client,
} from '@aws-sdk/client-s3';
import { listPage } from './list-page.js';

export interface Entry {
  type: 'file' | 'folder';
  /** The name within the listed folder (as the reference server's `/navigate`). */
  path: string;
  size: number;
  /** HTTP date (`Tue, 05 Mar 2024 10:00:00 GMT`) as the reference server's Flask sends it; "" for folders. */
  modified: string;
}

export interface Listing {
  entries: Entry[];
  /** Continue from here; absent when the listing is complete. */
  nextCursor?: string;
}

export interface ListOptions {
  /** One S3 page of at most this many entries; without it, pages are walked up to `maxEntries`. */
  limit?: number;
  cursor?: string;
  maxEntries: number;
}

/** One folder level under `prefix` (`""`, `group/` or `group/run/`), folders then files per page. */
export async function listLevel(
  s3: S3Client,
  bucket: string,
  prefix: string,
  options: ListOptions,
): Promise<Listing> {
  const entries: Entry[] = [];
  let token = options.cursor;
  do {
    const room = options.limit ?? Math.min(1000, options.maxEntries - entries.length);
    const page = await listPage(s3, {
      Bucket: bucket,
      Prefix: prefix,
      Delimiter: '/',
      MaxKeys: room,
      ...(token ? { ContinuationToken: token } : {}),
    });
    for (const p of page.prefixes)
      entries.push({ type: 'folder', path: p.slice(prefix.length, -1), size: 0, modified: '' });
    for (const o of page.objects) {
      if (o.key === prefix) continue;
      entries.push({
        type: 'file',
        path: o.key.slice(prefix.length),
        size: o.size,
        modified: o.lastModified ? new Date(o.lastModified).toUTCString() : '',
      });
    }
    token = page.nextContinuationToken;
  } while (token && options.limit === undefined && entries.length < options.maxEntries);
  return token ? { entries, nextCursor: token } : { entries };
}

export interface StoredFile {
  /** Path below the run folder. */
  name: string;
  key: string;
  size: number;
  modified: string;
}

/** Every object of a run folder (subfolders included): one listing per run page. */
export async function listRunFiles(
  s3: S3Client,
  bucket: string,
  prefix: string,
  max = 10_000,
): Promise<StoredFile[]> {
  const files: StoredFile[] = [];
  for await (const page of paginateListObjectsV2({ client: s3 }, { Bucket: bucket, Prefix: prefix })) {
    for (const o of page.Contents ?? []) {
      if (!o.Key) continue;
      files.push({
        name: o.Key.slice(prefix.length),
        key: o.Key,
        size: o.Size ?? 0,
        modified: o.LastModified?.toISOString() ?? '',
      });
    }
    if (files.length >= max) break;
  }
  return files;
}

export async function putJson(s3: S3Client, bucket: string, key: string, text: string): Promise<void> {
  await s3.send(
    new PutObjectCommand({
      Bucket: bucket,
      Key: key,
      Body: text,
      ContentType: 'application/json; charset=utf-8',
    }),
  );
}

/** The object's text, or undefined when it is missing or larger than `maxBytes`. */
export async function readText(
  s3: S3Client,
  bucket: string,
  key: string,
  maxBytes: number,
): Promise<string | undefined> {
  try {
    const head = await s3.send(new HeadObjectCommand({ Bucket: bucket, Key: key }));
    if ((head.ContentLength ?? 0) > maxBytes) return undefined;
    const object = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
    return await object.Body?.transformToString('utf8');
  } catch (err) {
    if (isNotFound(err)) return undefined;
    throw err;
  }
}

export async function exists(s3: S3Client, bucket: string, key: string): Promise<boolean> {
  try {
    await s3.send(new HeadObjectCommand({ Bucket: bucket, Key: key }));
    return true;
  } catch (err) {
    if (isNotFound(err)) return false;
    throw err;
  }
}

function isNotFound(err: unknown): boolean {
  const e = err as { name?: string; $metadata?: { httpStatusCode?: number } };
  return e.name === 'NotFound' || e.name === 'NoSuchKey' || e.$metadata?.httpStatusCode === 404;
}
