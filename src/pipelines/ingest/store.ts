/**
 * The records table. Every write returns only once DynamoDB has acknowledged it, so a 2xx
 * from the API means the records are durable.
 */
import {
  type AttributeValue,
  BatchWriteItemCommand,
  type DynamoDBClient,
  GetItemCommand,
  ScanCommand,
  type WriteRequest,
} from '@aws-sdk/client-dynamodb';
import { backoffDelay } from '../../core/retry.js';
import type { Item } from './attribute-values.js';
import { BATCH_SIZE, ID_ATTRIBUTE, RECEIVED_AT_ATTRIBUTE } from './constants.js';
import { BadRequestError, NotStoredError } from './errors.js';
import type { PreparedRecord } from './records.js';

export async function getRecord(
  client: DynamoDBClient,
  table: string,
  id: string,
): Promise<Item | undefined> {
  const out = await client.send(
    new GetItemCommand({ TableName: table, Key: { [ID_ATTRIBUTE]: { S: id } }, ConsistentRead: true }),
  );
  return out.Item;
}

export interface BatchOptions {
  /** BatchWriteItem calls in flight. */
  concurrency: number;
  /** Rounds of retrying UnprocessedItems before giving up. */
  retries?: number;
  sleep?: (ms: number) => Promise<void>;
}

const pause = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/**
 * Writes records in batches of 25, retrying UnprocessedItems with backoff (DynamoDB's
 * answer to throttling). Throws NotStoredError naming what was and was not stored when a
 * batch still has unprocessed items after the retries.
 */
export async function writeBatches(
  client: DynamoDBClient,
  table: string,
  records: readonly PreparedRecord[],
  { concurrency, retries = 8, sleep = pause }: BatchOptions,
): Promise<void> {
  const chunks: PreparedRecord[][] = [];
  for (let i = 0; i < records.length; i += BATCH_SIZE) chunks.push(records.slice(i, i + BATCH_SIZE));
  const stored: string[] = [];
  const notStored: string[] = [];
  let failure: unknown;

  const writeChunk = async (chunk: PreparedRecord[]): Promise<void> => {
    let pending: WriteRequest[] = chunk.map((r) => ({ PutRequest: { Item: r.item } }));
    for (let attempt = 0; pending.length > 0; attempt++) {
      if (attempt > retries) break;
      if (attempt > 0) await sleep(backoffDelay(attempt - 1, { baseMs: 50, maxMs: 2_000 }));
      const out = await client.send(new BatchWriteItemCommand({ RequestItems: { [table]: pending } }));
      pending = out.UnprocessedItems?.[table] ?? [];
    }
    const left = new Set(pending.map((w) => w.PutRequest?.Item?.[ID_ATTRIBUTE]?.S));
    for (const r of chunk) (left.has(r.id) ? notStored : stored).push(r.id);
  };

  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < chunks.length && failure === undefined) {
      const chunk = chunks[next++] as PreparedRecord[];
      try {
        await writeChunk(chunk);
      } catch (err) {
        failure ??= err;
        notStored.push(...chunk.map((r) => r.id));
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, chunks.length) }, worker));
  // Chunks never started after a failure are not stored either.
  const settled = new Set([...stored, ...notStored]);
  for (const r of records) if (!settled.has(r.id)) notStored.push(r.id);
  if (failure !== undefined && stored.length === 0) throw failure;
  if (notStored.length > 0) {
    throw new NotStoredError(
      `${notStored.length} of ${records.length} records were not stored (DynamoDB kept throttling or failed); ` +
        'the stored ones are listed: retry the others',
      stored,
      notStored,
    );
  }
}

/** Where a listing continues: opaque to clients (base64url JSON). */
interface Cursor {
  id: string;
  since?: string;
}

export function encodeCursor(cursor: Cursor): string {
  return Buffer.from(JSON.stringify(cursor), 'utf8').toString('base64url');
}

export function decodeCursor(text: string, since: string | undefined): Cursor {
  let cursor: unknown;
  try {
    cursor = JSON.parse(Buffer.from(text, 'base64url').toString('utf8'));
  } catch {
    throw new BadRequestError('cursor is not valid: pass the cursor of a previous answer unchanged');
  }
  const c = cursor as Partial<Cursor> | null;
  if (typeof c !== 'object' || c === null || typeof c.id !== 'string' || c.id === '')
    throw new BadRequestError('cursor is not valid: pass the cursor of a previous answer unchanged');
  if ((c.since ?? undefined) !== since)
    throw new BadRequestError(
      'cursor was issued for a different "since": keep "since" the same while paging',
    );
  return { id: c.id, ...(c.since ? { since: c.since } : {}) };
}

export interface ListOptions {
  /** ISO time: only records with receivedAt at or after it. */
  since?: string;
  limit: number;
  cursor?: string;
  /** Scan pages read for one answer at most; a short answer with a cursor means "go on". */
  maxPages?: number;
}

export interface ListPage {
  items: Item[];
  cursor?: string;
}

/**
 * Lists records in table order (not time order) with a Scan. `since` is a filter: DynamoDB
 * still reads — and bills — every item it passes over, so a listing costs a full table
 * read; see docs/pipelines/ingest.md. A page can hold fewer than `limit` records and still
 * have a cursor; only a missing cursor means the end.
 */
export async function listRecords(
  client: DynamoDBClient,
  table: string,
  options: ListOptions,
): Promise<ListPage> {
  const { since, limit, maxPages = 10 } = options;
  const start = options.cursor ? decodeCursor(options.cursor, since) : undefined;
  let exclusiveStartKey: Record<string, AttributeValue> | undefined = start
    ? { [ID_ATTRIBUTE]: { S: start.id } }
    : undefined;
  const items: Item[] = [];
  for (let page = 0; page < maxPages; page++) {
    const out = await client.send(
      new ScanCommand({
        TableName: table,
        // Unfiltered, read exactly what is missing so the last key is the cursor.
        Limit: since ? Math.max(limit, 500) : limit - items.length,
        ExclusiveStartKey: exclusiveStartKey,
        ...(since
          ? {
              FilterExpression: '#at >= :since',
              ExpressionAttributeNames: { '#at': RECEIVED_AT_ATTRIBUTE },
              ExpressionAttributeValues: { ':since': { S: since } },
            }
          : {}),
      }),
    );
    items.push(...(out.Items ?? []));
    exclusiveStartKey = out.LastEvaluatedKey;
    if (items.length >= limit || !exclusiveStartKey) break;
  }
  if (items.length > limit) items.length = limit;
  else if (!exclusiveStartKey) return { items };
  const lastId =
    items.length === limit ? items[limit - 1]?.[ID_ATTRIBUTE]?.S : exclusiveStartKey?.[ID_ATTRIBUTE]?.S;
  return lastId ? { items, cursor: encodeCursor({ id: lastId, ...(since ? { since } : {}) }) } : { items };
}
