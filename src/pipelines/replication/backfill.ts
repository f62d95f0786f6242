import { setMaxListeners } from 'node:events';
import { errorMessage } from '../../core/errors.js';
import {
  type BackfillCounts,
  type BackfillScope,
  type Checkpoint,
  loadCheckpoint,
  removeCheckpoint,
  saveCheckpoint,
} from './checkpoint.js';
import { headWithRetry, sameObject } from './compare-object.js';
import { TargetConfigError } from './errors.js';
import { targetKey } from './event-key.js';
import { type ListedObject, listObjects, pairListings } from './listing.js';
import { TaskPool } from './pool.js';
import { type Endpoints, replicateObject } from './replicate-object.js';
import { targetProblem } from './s3-errors.js';

export interface BackfillProgress extends BackfillCounts {
  /** Source objects and bytes in scope (including those done in an earlier, resumed run). */
  objectsTotal: number;
  bytesTotal: number;
  failed: number;
}

export interface BackfillReport extends BackfillProgress {
  failures: { key: string; reason: string }[];
  /** The key the run resumed after, when it continued an interrupted one. */
  resumedAfter?: string;
  interrupted: boolean;
  elapsedMs: number;
}

export interface BackfillOptions {
  endpoints: Endpoints;
  /** Source key prefix to backfill. */
  prefix: string;
  /** Objects copied at once. */
  concurrency: number;
  /** Where progress is kept so an interrupted run resumes; none = no resume. */
  checkpointFile?: string;
  /** Stops the run: in-flight copies are aborted (multipart uploads too), the checkpoint kept. */
  signal?: AbortSignal;
  onProgress?: (progress: BackfillProgress) => void;
  /** Minimum ms between checkpoint writes (default 1000). */
  checkpointEveryMs?: number;
}

const MAX_REPORTED_FAILURES = 1000;

/**
 * Copies the source objects the target lacks or holds stale, `concurrency` at a time, in key
 * order. Both buckets are listed side by side (constant memory). The checkpoint records the
 * key below which everything is done; a failed key holds it back, so a resumed run retries
 * it (and skips, cheaply, what already arrived). Target misconfiguration stops the run.
 */
export async function backfill(options: BackfillOptions): Promise<BackfillReport> {
  const started = Date.now();
  const { endpoints, prefix } = options;
  const signal = followed(options.signal);
  const { source, target } = endpoints;
  const scope: BackfillScope = {
    sourceBucket: source.bucket,
    prefix,
    targetEndpoint: target.endpoint,
    targetBucket: target.bucket,
    targetPrefix: target.prefix,
  };
  const file = options.checkpointFile;
  const resumed = file ? await loadCheckpoint(file, scope) : undefined;
  const after = resumed?.after;

  const progress: BackfillProgress = {
    objectsDone: 0,
    bytesDone: 0,
    copied: 0,
    bytesCopied: 0,
    skipped: 0,
    missing: 0,
    ...resumed?.counts,
    failed: 0,
    objectsTotal: 0,
    bytesTotal: 0,
  };
  progress.objectsTotal = progress.objectsDone;
  progress.bytesTotal = progress.bytesDone;
  for await (const o of listObjects({
    client: source.client,
    bucket: source.bucket,
    prefix,
    ...startAfter(after),
    ...sig(signal),
  })) {
    progress.objectsTotal++;
    progress.bytesTotal += o.size;
  }
  options.onProgress?.({ ...progress });

  const failures: { key: string; reason: string }[] = [];
  let fatal: unknown;
  // Keys in flight, in listing order; the watermark advances over a done prefix of them.
  const pending: Entry[] = [];
  // What the checkpoint records: only entries at or below the watermark, so a resumed run
  // that handles the others again does not count them twice.
  const committed: BackfillCounts = {
    objectsDone: progress.objectsDone,
    bytesDone: progress.bytesDone,
    copied: progress.copied,
    bytesCopied: progress.bytesCopied,
    skipped: progress.skipped,
    missing: progress.missing,
  };
  let watermark = after ?? '';
  let blocked = false;
  let lastSave = 0;
  let saving: Promise<void> = Promise.resolve();
  const saveEvery = options.checkpointEveryMs ?? 1000;

  const checkpoint = (): Checkpoint => ({
    version: 1,
    scope,
    after: watermark,
    counts: { ...committed },
    updatedAt: new Date().toISOString(),
  });
  const advance = async (): Promise<void> => {
    while (!blocked && pending[0]?.ok !== undefined) {
      const head = pending.shift() as Entry;
      if (!head.ok) {
        blocked = true;
        break;
      }
      watermark = head.key;
      committed.objectsDone++;
      committed.bytesDone += head.size;
      if (head.outcome === 'copied') {
        committed.copied++;
        committed.bytesCopied += head.size;
      } else if (head.outcome === 'missing') committed.missing++;
      else committed.skipped++;
    }
    if (file && Date.now() - lastSave >= saveEvery) {
      lastSave = Date.now();
      const snapshot = checkpoint();
      // One write at a time, in order: a later snapshot never loses to an earlier one.
      saving = saving.then(() => saveCheckpoint(file, snapshot));
      await saving;
    }
  };

  const handle = async (object: ListedObject, entry: Entry, known?: ListedObject) => {
    try {
      let state: Awaited<ReturnType<typeof sameObject>>['state'] | null = null;
      if (known) {
        const compared = await sameObject(
          object,
          known,
          headWithRetry(target.client, target.bucket, targetKey(target.prefix, object.key), signal),
        );
        if (compared.same) {
          progress.skipped++;
          entry.outcome = 'skipped';
          entry.ok = true;
          return;
        }
        state = compared.state ?? null;
      }
      const result = await replicateObject(
        endpoints,
        { key: object.key, etag: object.etag, size: object.size, target: state },
        signal,
      );
      if (result.outcome === 'copied') {
        progress.copied++;
        progress.bytesCopied += result.bytes ?? 0;
      } else if (result.outcome === 'missing') progress.missing++;
      else progress.skipped++;
      entry.outcome =
        result.outcome === 'copied' || result.outcome === 'missing' ? result.outcome : 'skipped';
      entry.ok = true;
    } catch (err) {
      entry.ok = false;
      if (signal?.aborted) return;
      if (err instanceof TargetConfigError) fatal ??= err;
      progress.failed++;
      if (failures.length < MAX_REPORTED_FAILURES)
        failures.push({ key: object.key, reason: errorMessage(err) });
    } finally {
      if (entry.ok) {
        progress.objectsDone++;
        progress.bytesDone += object.size;
      }
      options.onProgress?.({ ...progress });
      await advance();
    }
  };

  const pool = new TaskPool(Math.max(1, options.concurrency));
  const pairs = pairListings(
    listObjects({
      client: source.client,
      bucket: source.bucket,
      prefix,
      ...startAfter(after),
      ...sig(signal),
    }),
    listObjects({
      client: target.client,
      bucket: target.bucket,
      prefix: targetKey(target.prefix, prefix),
      strip: target.prefix,
      mapError: (err) => targetProblem(err, target.bucket, target.endpoint),
      ...startAfter(after === undefined ? undefined : targetKey(target.prefix, after)),
      ...sig(signal),
    }),
  );
  for await (const pair of pairs) {
    if (signal?.aborted || fatal) break;
    if (pair.kind === 'extra') continue;
    const entry: Entry = { key: pair.source.key, size: pair.source.size };
    pending.push(entry);
    await pool.run(() => handle(pair.source, entry, pair.kind === 'both' ? pair.target : undefined));
  }
  await pool.drain();
  if (fatal) throw fatal;

  const interrupted = signal?.aborted ?? false;
  await saving.catch(() => undefined);
  if (file) {
    if (!interrupted && progress.failed === 0) await removeCheckpoint(file);
    else await saveCheckpoint(file, checkpoint());
  }
  return {
    ...progress,
    failures,
    ...(after !== undefined ? { resumedAfter: after } : {}),
    interrupted,
    elapsedMs: Date.now() - started,
  };
}

interface Entry {
  key: string;
  size: number;
  /** Set when handled: true done, false failed or interrupted. */
  ok?: boolean;
  outcome?: 'copied' | 'skipped' | 'missing';
}

/**
 * A signal that fires with `outer`, on which every copy in flight may listen (to cut a body
 * short) without Node's 10-listener leak warning.
 */
function followed(outer: AbortSignal | undefined): AbortSignal | undefined {
  if (!outer) return undefined;
  const inner = new AbortController();
  setMaxListeners(0, inner.signal);
  if (outer.aborted) inner.abort(outer.reason);
  else outer.addEventListener('abort', () => inner.abort(outer.reason), { once: true });
  return inner.signal;
}

const startAfter = (key: string | undefined) => (key ? { startAfter: key } : {});
const sig = (signal: AbortSignal | undefined) => (signal ? { signal } : {});
