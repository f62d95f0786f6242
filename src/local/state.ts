import { randomUUID } from 'node:crypto';
import {
  closeSync,
  fsyncSync,
  mkdirSync,
  openSync,
  readFileSync,
  renameSync,
  rmSync,
  writeSync,
} from 'node:fs';
import { open, rename, rm } from 'node:fs/promises';
import path from 'node:path';
import { ConfigError } from '../core/errors.js';

/**
 * The state directory: everything the local runtime keeps between runs.
 *
 *   s3/             objects (the embedded S3 endpoint)
 *   dynamodb/       tables (the embedded DynamoDB endpoint)
 *   queue/          pending asynchronous invocations, one JSON file each
 *   dlq/            invocations that failed every attempt, one JSON file each
 *   secrets.json    secrets from config, mode 0600, for readSecret()
 *   metrics.jsonl   local metrics history
 *   runtime.json    the running `tributary dev` (pid, endpoints), removed on shutdown
 */
export interface StatePaths {
  root: string;
  s3: string;
  dynamodb: string;
  queue: string;
  dlq: string;
  secrets: string;
  metrics: string;
  runtime: string;
}

export function statePaths(root: string): StatePaths {
  return {
    root,
    s3: path.join(root, 's3'),
    dynamodb: path.join(root, 'dynamodb'),
    queue: path.join(root, 'queue'),
    dlq: path.join(root, 'dlq'),
    secrets: path.join(root, 'secrets.json'),
    metrics: path.join(root, 'metrics.jsonl'),
    runtime: path.join(root, 'runtime.json'),
  };
}

export function prepareStateDir(root: string, secrets: Record<string, unknown>): StatePaths {
  const paths = statePaths(root);
  try {
    for (const dir of [paths.root, paths.s3, paths.dynamodb, paths.queue, paths.dlq]) {
      mkdirSync(dir, { recursive: true });
    }
    writeFileDurably(paths.secrets, `${JSON.stringify(secrets, null, 2)}\n`, 0o600);
  } catch (err) {
    throw new ConfigError(`cannot use state directory ${root}: ${(err as Error).message}`);
  }
  return paths;
}

/**
 * Writes a file so that a crash leaves either the old or the new content, never a torn
 * one: a temp file in the same directory, fsync, rename over the target, fsync the directory.
 */
export function writeFileDurably(file: string, content: string, mode = 0o644): void {
  const dir = path.dirname(file);
  const temp = path.join(dir, `.${path.basename(file)}.${randomUUID()}.tmp`);
  const fd = openSync(temp, 'w', mode);
  try {
    writeSync(fd, content);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  try {
    renameSync(temp, file);
  } catch (err) {
    rmSync(temp, { force: true });
    throw err;
  }
  syncDir(dir);
}

/**
 * The same, without blocking the event loop: the writes and fsyncs run on libuv's thread
 * pool, so concurrent callers (S3 requests awaiting their event) overlap, and the directory
 * fsync is shared by every rename that happened before it started (group commit).
 */
export async function writeFileDurablyAsync(file: string, content: string): Promise<void> {
  const dir = path.dirname(file);
  const temp = path.join(dir, `.${path.basename(file)}.${randomUUID()}.tmp`);
  const handle = await open(temp, 'w');
  try {
    await handle.writeFile(content);
    await handle.datasync();
  } finally {
    await handle.close();
  }
  try {
    await rename(temp, file);
  } catch (err) {
    await rm(temp, { force: true });
    throw err;
  }
  await syncDirGrouped(dir);
}

interface DirSyncGroup {
  running?: Promise<void>;
  pending?: Promise<void>;
}
const dirSyncGroups = new Map<string, DirSyncGroup>();

/** Resolves once a directory fsync that started after this call has finished. */
export function syncDirGrouped(dir: string): Promise<void> {
  let group = dirSyncGroups.get(dir);
  if (!group) {
    group = {};
    dirSyncGroups.set(dir, group);
  }
  const g = group;
  // A sync that has not started yet covers this caller's rename too.
  if (g.pending) return g.pending;
  const run = async () => {
    await g.running?.catch(() => {});
    g.pending = undefined;
    const sync = (async () => {
      const handle = await open(dir, 'r');
      try {
        await handle.sync();
      } finally {
        await handle.close();
      }
    })();
    g.running = sync;
    try {
      await sync;
    } finally {
      if (g.running === sync) g.running = undefined;
    }
  };
  g.pending = run();
  return g.pending;
}

export function syncDir(dir: string): void {
  const fd = openSync(dir, 'r');
  try {
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}

export interface RuntimeInfo {
  pid: number;
  httpUrl: string;
  s3Url: string;
  dynamodbUrl: string;
  startedAt: string;
}

/** The `tributary dev` that holds this state dir, if its process is alive. */
export function runningRuntime(paths: StatePaths): RuntimeInfo | undefined {
  let info: RuntimeInfo;
  try {
    info = JSON.parse(readFileSync(paths.runtime, 'utf8')) as RuntimeInfo;
  } catch {
    return undefined;
  }
  return isAlive(info.pid) ? info : undefined;
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}
