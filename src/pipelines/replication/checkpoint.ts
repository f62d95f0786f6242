import { createHash } from 'node:crypto';
import { mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { UsageError } from '../../core/errors.js';

/** What a backfill run copies: a checkpoint only resumes the run it belongs to. */
export interface BackfillScope {
  sourceBucket: string;
  prefix: string;
  targetEndpoint: string;
  targetBucket: string;
  targetPrefix: string;
}

export interface BackfillCounts {
  objectsDone: number;
  bytesDone: number;
  copied: number;
  bytesCopied: number;
  skipped: number;
  missing: number;
}

export interface Checkpoint {
  version: 1;
  scope: BackfillScope;
  /** Every source key up to and including this one is done; resume lists after it. */
  after: string;
  counts: BackfillCounts;
  updatedAt: string;
}

/** The checkpoint file for a scope, under the state dir: one per source/target pairing. */
export function checkpointFile(stateDir: string, scope: BackfillScope): string {
  const id = createHash('sha256').update(JSON.stringify(scope)).digest('hex').slice(0, 16);
  return path.join(stateDir, 'replication', `backfill-${id}.json`);
}

export async function loadCheckpoint(file: string, scope: BackfillScope): Promise<Checkpoint | undefined> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw new UsageError(`cannot read checkpoint ${file}: ${(err as Error).message}`);
  }
  let parsed: Checkpoint;
  try {
    parsed = JSON.parse(text) as Checkpoint;
  } catch {
    throw new UsageError(`checkpoint ${file} is not valid JSON: delete it to start over`);
  }
  if (parsed.version !== 1 || typeof parsed.after !== 'string' || typeof parsed.counts !== 'object') {
    throw new UsageError(`checkpoint ${file} is not a backfill checkpoint: delete it to start over`);
  }
  if (JSON.stringify(parsed.scope) !== JSON.stringify(scope)) return undefined;
  return parsed;
}

/** Written to a temp file and renamed, so an interrupted write never leaves half a checkpoint. */
export async function saveCheckpoint(file: string, checkpoint: Checkpoint): Promise<void> {
  await mkdir(path.dirname(file), { recursive: true });
  const tmp = `${file}.${process.pid}.tmp`;
  await writeFile(tmp, `${JSON.stringify(checkpoint, null, 2)}\n`);
  await rename(tmp, file);
}

export const removeCheckpoint = (file: string): Promise<void> => rm(file, { force: true });
