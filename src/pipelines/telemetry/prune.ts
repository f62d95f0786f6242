/**
 * Retention: runs older than a cutoff, found by walking `<group>/<run>/` folders, and — when
 * asked — deleted (every object of the run, then its index record). A run's time is the
 * `<unix_ts>` of krkn's folder name, else its newest object's LastModified.
 */
import { DeleteObjectsCommand, paginateListObjectsV2, type S3Client } from '@aws-sdk/client-s3';
import type { RunIndex } from './run-index.js';
import { parseRunFolder } from './run-record.js';
import { listLevel } from './storage.js';

export interface PruneRun {
  group: string;
  run: string;
  /** ISO time the run's age is measured from. */
  time: string;
  objects: number;
  bytes: number;
}

export interface PruneResult {
  cutoff: string;
  deleted: boolean;
  runs: PruneRun[];
  objectsDeleted: number;
}

export interface PruneOptions {
  s3: S3Client;
  bucket: string;
  index: RunIndex;
  cutoff: Date;
  /** Without it, only lists. */
  delete: boolean;
}

export async function pruneRuns(options: PruneOptions): Promise<PruneResult> {
  const { s3, bucket, cutoff } = options;
  const result: PruneResult = {
    cutoff: cutoff.toISOString(),
    deleted: options.delete,
    runs: [],
    objectsDeleted: 0,
  };
  for (const group of await folders(s3, bucket, '')) {
    for (const run of await folders(s3, bucket, `${group}/`)) {
      const prefix = `${group}/${run}/`;
      const keys = await objectsOf(s3, bucket, prefix);
      const folderTime = parseRunFolder(run).time;
      const newest = Math.max(0, ...keys.map((k) => k.modified));
      const time = folderTime !== undefined ? folderTime * 1000 : newest;
      if (time >= cutoff.getTime()) continue;
      const bytes = keys.reduce((sum, k) => sum + k.size, 0);
      result.runs.push({ group, run, time: new Date(time).toISOString(), objects: keys.length, bytes });
      if (!options.delete) continue;
      result.objectsDeleted += await deleteKeys(
        s3,
        bucket,
        keys.map((k) => k.key),
      );
      await options.index.deleteRun(group, run);
    }
  }
  return result;
}

async function folders(s3: S3Client, bucket: string, prefix: string): Promise<string[]> {
  const names: string[] = [];
  let cursor: string | undefined;
  do {
    const page = await listLevel(s3, bucket, prefix, { maxEntries: 100_000, ...(cursor ? { cursor } : {}) });
    for (const e of page.entries) if (e.type === 'folder') names.push(e.path);
    cursor = page.nextCursor;
  } while (cursor);
  return names;
}

async function objectsOf(
  s3: S3Client,
  bucket: string,
  prefix: string,
): Promise<{ key: string; size: number; modified: number }[]> {
  const out: { key: string; size: number; modified: number }[] = [];
  for await (const page of paginateListObjectsV2({ client: s3 }, { Bucket: bucket, Prefix: prefix })) {
    for (const o of page.Contents ?? []) {
      if (o.Key) out.push({ key: o.Key, size: o.Size ?? 0, modified: o.LastModified?.getTime() ?? 0 });
    }
  }
  return out;
}

async function deleteKeys(s3: S3Client, bucket: string, keys: string[]): Promise<number> {
  let deleted = 0;
  for (let i = 0; i < keys.length; i += 1000) {
    const batch = keys.slice(i, i + 1000);
    const out = await s3.send(
      new DeleteObjectsCommand({
        Bucket: bucket,
        Delete: { Objects: batch.map((Key) => ({ Key })), Quiet: true },
      }),
    );
    const failed = out.Errors ?? [];
    if (failed.length > 0) {
      const first = failed[0];
      throw new Error(
        `could not delete ${failed.length} objects (first: ${first?.Key}: ${first?.Code} ${first?.Message})`,
      );
    }
    deleted += batch.length;
  }
  return deleted;
}
