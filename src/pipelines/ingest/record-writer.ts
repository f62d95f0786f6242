/**
 * Group commit for single-record writes (`POST /post`). While fewer than MAX_IN_FLIGHT writes
 * are on their way to the table, a record goes alone as a PutItem — always so on Lambda,
 * where an instance serves one request at a time. When more requests than that write at
 * once (the local runtime serves them concurrently in one process), the records that arrive
 * meanwhile go together as one BatchWriteItem as soon as a slot frees up: one SDK call and
 * one endpoint request for up to 25 records instead of one each.
 *
 * Each caller's promise settles only once DynamoDB has acknowledged its own record, so a 2xx
 * still means "stored". Anything a batch does not store — UnprocessedItems, or the whole
 * batch failing (e.g. a ValidationException caused by one item) — is written again record by
 * record with PutItem, so every caller gets exactly the outcome or error it would get alone.
 */
import {
  BatchWriteItemCommand,
  type DynamoDBClient,
  PutItemCommand,
  type WriteRequest,
} from '@aws-sdk/client-dynamodb';
import type { Item } from './attribute-values.js';
import { BATCH_SIZE, ID_ATTRIBUTE } from './constants.js';

/** Writes sent at once before records start to wait for a batch (measured: see docs/pipelines/ingest.md). */
export const MAX_IN_FLIGHT = 1;

interface Pending {
  id: string;
  item: Item;
  resolve: () => void;
  reject: (err: unknown) => void;
}

const writers = new WeakMap<DynamoDBClient, Map<string, RecordWriter>>();

/** The writer for a table through a client: concurrent requests share it, so they can share batches. */
export function recordWriter(client: DynamoDBClient, table: string): RecordWriter {
  let byTable = writers.get(client);
  if (!byTable) {
    byTable = new Map();
    writers.set(client, byTable);
  }
  let writer = byTable.get(table);
  if (!writer) {
    writer = new RecordWriter(client, table);
    byTable.set(table, writer);
  }
  return writer;
}

export class RecordWriter {
  private readonly queue: Pending[] = [];
  private inFlight = 0;

  constructor(
    private readonly client: DynamoDBClient,
    private readonly table: string,
    private readonly maxInFlight = MAX_IN_FLIGHT,
  ) {}

  /** Stores one item (key `id`); resolves once DynamoDB acknowledged it. */
  put(id: string, item: Item): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      this.queue.push({ id, item, resolve, reject });
      this.drain();
    });
  }

  private drain(): void {
    while (this.inFlight < this.maxInFlight && this.queue.length > 0) {
      const group = this.takeGroup();
      this.inFlight++;
      void this.write(group).finally(() => {
        this.inFlight--;
        this.drain();
      });
    }
  }

  /** Up to 25 queued records with distinct Ids (BatchWriteItem refuses a key twice), oldest first. */
  private takeGroup(): Pending[] {
    const group: Pending[] = [];
    const ids = new Set<string>();
    for (let i = 0; i < this.queue.length && group.length < BATCH_SIZE; ) {
      const pending = this.queue[i] as Pending;
      if (ids.has(pending.id)) {
        i++;
        continue;
      }
      ids.add(pending.id);
      group.push(pending);
      this.queue.splice(i, 1);
    }
    return group;
  }

  private async write(group: Pending[]): Promise<void> {
    if (group.length === 1) return this.putAlone(group[0] as Pending);
    let unprocessed: WriteRequest[];
    try {
      const out = await this.client.send(
        new BatchWriteItemCommand({
          RequestItems: { [this.table]: group.map((p) => ({ PutRequest: { Item: p.item } })) },
        }),
      );
      unprocessed = out.UnprocessedItems?.[this.table] ?? [];
    } catch {
      // Whatever refused the batch, each record learns its own fate alone.
      await Promise.all(group.map((p) => this.putAlone(p)));
      return;
    }
    const left = new Set(unprocessed.map((w) => w.PutRequest?.Item?.[ID_ATTRIBUTE]?.S));
    const retried: Promise<void>[] = [];
    for (const p of group) {
      if (left.has(p.id)) retried.push(this.putAlone(p));
      else p.resolve();
    }
    await Promise.all(retried);
  }

  private async putAlone(pending: Pending): Promise<void> {
    try {
      await this.client.send(new PutItemCommand({ TableName: this.table, Item: pending.item }));
      pending.resolve();
    } catch (err) {
      pending.reject(err);
    }
  }
}
