/**
 * The run index: one DynamoDB item per run (partition key `group`, sort key `run`), written
 * by POST /telemetry and updated by the upload indexer when a file lands in the bucket. A
 * group's runs are one Query; search filters and sorts those items, never the objects.
 *
 * Search reads a group's runs through a per-instance cache (see `searchable`): reading 10,000
 * items costs about a second on the embedded endpoint, filtering and sorting them a few ms.
 */
import {
  DeleteCommand,
  type DynamoDBDocumentClient,
  GetCommand,
  QueryCommand,
  ScanCommand,
  UpdateCommand,
  type UpdateCommandInput,
} from '@aws-sdk/lib-dynamodb';
import type { FileSummary, RunRecord } from './run-record.js';

/** The attributes search filters, sorts and shows (search.ts); the rest stays in the table. */
export const SEARCH_ATTRIBUTES = [
  'group',
  'run',
  'run_uuid',
  'run_tag',
  'run_time',
  'cloud_type',
  'cluster_version',
  'job_status',
  'scenarios',
  'files',
] as const;
export type SearchableRun = Pick<RunRecord, (typeof SEARCH_ATTRIBUTES)[number]>;

const ALL_GROUPS = '\u0000all';

/** Groups one instance keeps (the least recently read go first). */
const MAX_CACHED_GROUPS = 50;

interface CachedRuns {
  readAt: number;
  runs: readonly SearchableRun[];
}

/**
 * What one instance (a warm Lambda, the local runtime's process) has read of one table.
 * `generation` counts this instance's writes: a read that overlapped a write is not kept,
 * and a request never joins a read that started before the last write.
 */
interface TableCache {
  generation: number;
  /** Writes under way in this instance. */
  writing: number;
  entries: Map<string, CachedRuns>;
  reading: Map<string, { generation: number; runs: Promise<readonly SearchableRun[]> }>;
}

// Per endpoint and table, not per client: the API and the upload indexer share the module in
// one instance (the local runtime's process) but sign with their own credentials.
const MAX_CACHED_TABLES = 20;
const caches = new Map<string, TableCache>();

async function tableCache(db: DynamoDBDocumentClient, table: string): Promise<TableCache> {
  const endpoint = await db.config.endpoint?.();
  const where = endpoint
    ? `${endpoint.protocol}//${endpoint.hostname}:${endpoint.port ?? ''}${endpoint.path}`
    : await db.config.region();
  const key = `${where}\n${table}`;
  let cache = caches.get(key);
  if (!cache) {
    if (caches.size >= MAX_CACHED_TABLES) caches.delete(caches.keys().next().value as string);
    cache = { generation: 0, writing: 0, entries: new Map(), reading: new Map() };
    caches.set(key, cache);
  }
  return cache;
}

/** An item as UpdateItem returns it (ALL_NEW), cut to what search reads. */
type UpdateParts = Pick<
  UpdateCommandInput,
  'UpdateExpression' | 'ConditionExpression' | 'ExpressionAttributeNames' | 'ExpressionAttributeValues'
>;

function searchable(out: { Attributes?: Record<string, unknown> }): SearchableRun {
  const item = out.Attributes ?? {};
  return Object.fromEntries(
    SEARCH_ATTRIBUTES.filter((name) => name in item).map((name) => [name, item[name]]),
  ) as unknown as SearchableRun;
}

export class RunIndex {
  constructor(
    private readonly db: DynamoDBDocumentClient,
    private readonly table: string,
  ) {}

  private cached?: Promise<TableCache>;
  private cache(): Promise<TableCache> {
    this.cached ??= tableCache(this.db, this.table);
    return this.cached;
  }

  /**
   * Runs one write, then brings this instance's cached reads of the group (and of every group)
   * up to date with the item as it now is (`null`: deleted). Overlapping writes may answer
   * out of order, and a failed one may or may not have happened: then the reads are dropped.
   */
  private async write(group: string, run: string, send: () => Promise<SearchableRun | null>): Promise<void> {
    const cache = await this.cache();
    const start = cache.generation;
    cache.writing++;
    let after: SearchableRun | null | undefined;
    try {
      after = await send();
    } finally {
      cache.writing--;
      cache.generation++;
      const alone = after !== undefined && cache.writing === 0 && cache.generation === start + 1;
      for (const key of [group, ALL_GROUPS]) {
        const entry = cache.entries.get(key);
        if (!entry) continue;
        if (!alone) {
          cache.entries.delete(key);
          continue;
        }
        // A new array: searches under way keep the one they were given.
        const runs = entry.runs.filter((r) => r.group !== group || r.run !== run);
        if (after) runs.push(after);
        cache.entries.set(key, { readAt: entry.readAt, runs });
      }
    }
  }

  /** One UpdateItem of a run, through `write` with the item as it now is. */
  private update(group: string, run: string, parts: UpdateParts): Promise<void> {
    return this.write(group, run, async () =>
      searchable(
        await this.db.send(
          new UpdateCommand({
            TableName: this.table,
            Key: { group, run },
            ...parts,
            ReturnValues: 'ALL_NEW',
          }),
        ),
      ),
    );
  }

  /** `update`, or false when its condition does not hold. */
  private async updateIf(group: string, run: string, parts: UpdateParts): Promise<boolean> {
    try {
      await this.update(group, run, parts);
      return true;
    } catch (err) {
      if ((err as Error).name === 'ConditionalCheckFailedException') return false;
      throw err;
    }
  }

  /**
   * The runs of a group (every group when undefined), with only the attributes search needs,
   * reused for `maxAgeSeconds` by this instance. Writes through any RunIndex of this instance
   * show at once (the cached runs take the written item); writes by other instances (another
   * Lambda instance, the upload indexer on AWS, a CLI process) show within `maxAgeSeconds`.
   * 0 reads every time.
   */
  async searchable(group: string | undefined, maxAgeSeconds: number): Promise<readonly SearchableRun[]> {
    const key = group ?? ALL_GROUPS;
    const cache = await this.cache();
    const now = Date.now();
    const hit = cache.entries.get(key);
    if (hit && now - hit.readAt < maxAgeSeconds * 1000) {
      // Map order is insertion order: re-inserting keeps the groups in use.
      cache.entries.delete(key);
      cache.entries.set(key, hit);
      return hit.runs;
    }
    const { generation } = cache;
    const reading = cache.reading.get(key);
    if (maxAgeSeconds > 0 && reading?.generation === generation) return reading.runs;
    const runs = this.readRuns(group, [...SEARCH_ATTRIBUTES]);
    cache.reading.set(key, { generation, runs });
    try {
      const found = await runs;
      if (cache.generation === generation) {
        cache.entries.delete(key);
        if (cache.entries.size >= MAX_CACHED_GROUPS)
          cache.entries.delete(cache.entries.keys().next().value as string);
        cache.entries.set(key, { readAt: now, runs: found });
      }
      return found;
    } finally {
      if (cache.reading.get(key)?.runs === runs) cache.reading.delete(key);
    }
  }

  /** Writes a run's telemetry fields, keeping the files already recorded. */
  async putRun(record: RunRecord): Promise<void> {
    const { group, run, files: _files, ...fields } = record;
    const names: Record<string, string> = { '#files': 'files' };
    const values: Record<string, unknown> = { ':empty': {} };
    const sets = ['#files = if_not_exists(#files, :empty)'];
    Object.entries(fields).forEach(([name, value], i) => {
      names[`#a${i}`] = name;
      values[`:v${i}`] = value;
      sets.push(`#a${i} = :v${i}`);
    });
    await this.update(group, run, {
      UpdateExpression: `SET ${sets.join(', ')}`,
      ExpressionAttributeNames: names,
      ExpressionAttributeValues: values,
    });
  }

  /**
   * Records one uploaded file. Idempotent (a redelivered event sets the same value); works
   * whether or not the run's telemetry arrived first.
   */
  async putFile(group: string, run: string, name: string, file: FileSummary): Promise<void> {
    for (let attempt = 0; attempt < 3; attempt++) {
      const added = await this.updateIf(group, run, {
        UpdateExpression: 'SET #files.#name = :file',
        ConditionExpression: 'attribute_exists(#files)',
        ExpressionAttributeNames: { '#files': 'files', '#name': name },
        ExpressionAttributeValues: { ':file': file },
      });
      if (added) return;
      // No files map yet. If someone creates it in between, add to it on the next round.
      const created = await this.updateIf(group, run, {
        UpdateExpression: 'SET #files = :files',
        ConditionExpression: 'attribute_not_exists(#files)',
        ExpressionAttributeNames: { '#files': 'files' },
        ExpressionAttributeValues: { ':files': { [name]: file } },
      });
      if (created) return;
    }
    throw new Error(`could not record ${group}/${run}/${name} in the run index after 3 attempts`);
  }

  async getRun(group: string, run: string): Promise<RunRecord | undefined> {
    const { Item } = await this.db.send(new GetCommand({ TableName: this.table, Key: { group, run } }));
    return Item as RunRecord | undefined;
  }

  /** Every run of a group (one Query, paginated), or of every group (Scan) when `group` is undefined. */
  async listRuns(group?: string): Promise<RunRecord[]> {
    return (await this.readRuns(group)) as RunRecord[];
  }

  private async readRuns(group: string | undefined, attributes?: string[]): Promise<SearchableRun[]> {
    // `group` and `run` are reserved words, so every projected name goes through a placeholder.
    const names: Record<string, string> = {};
    attributes?.forEach((name, i) => {
      names[`#p${i}`] = name;
    });
    const projection = attributes && {
      ProjectionExpression: attributes.map((_, i) => `#p${i}`).join(', '),
    };
    const runs: SearchableRun[] = [];
    let start: Record<string, unknown> | undefined;
    do {
      const page =
        group === undefined
          ? await this.db.send(
              new ScanCommand({
                TableName: this.table,
                ExclusiveStartKey: start,
                ...projection,
                ...(projection ? { ExpressionAttributeNames: names } : {}),
              }),
            )
          : await this.db.send(
              new QueryCommand({
                TableName: this.table,
                KeyConditionExpression: '#g = :g',
                ExpressionAttributeNames: { '#g': 'group', ...names },
                ExpressionAttributeValues: { ':g': group },
                ExclusiveStartKey: start,
                ...projection,
              }),
            );
      runs.push(...((page.Items ?? []) as SearchableRun[]));
      start = page.LastEvaluatedKey;
    } while (start);
    return runs;
  }

  async deleteRun(group: string, run: string): Promise<void> {
    await this.write(group, run, async () => {
      await this.db.send(new DeleteCommand({ TableName: this.table, Key: { group, run } }));
      return null;
    });
  }
}
