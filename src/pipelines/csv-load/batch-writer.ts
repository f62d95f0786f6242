import { setTimeout as sleep } from 'node:timers/promises';
import type { AttributeValue, WriteRequest } from '@aws-sdk/client-dynamodb';
import { backoffDelay } from '../../core/retry.js';
import { BATCH_SIZE, UNPROCESSED_RETRY } from './constants.js';

/** Sends one BatchWriteItem for the table; resolves to the requests DynamoDB left unprocessed. */
export type BatchWriteFn = (requests: WriteRequest[]) => Promise<WriteRequest[]>;

export interface BatchWriterOptions {
  write: BatchWriteFn;
  /** Batches in flight at once. */
  concurrency: number;
  retry?: { retries: number; baseMs: number; maxMs: number };
}

type Item = Record<string, AttributeValue>;

/**
 * Groups items into BatchWriteItem calls of 25 with several in flight, and makes `add` wait
 * when they are all busy — the backpressure that keeps a whole file out of memory.
 *
 * Same-key rows: DynamoDB rejects a batch holding one key twice, so within a batch the later
 * row replaces the earlier (last wins). Across batches a batch waits for any in-flight batch
 * holding one of its keys, so the file's last row for a key is also the one that lands last.
 */
export class BatchWriter {
  rowsWritten = 0;
  itemsWritten = 0;
  rowsCollapsed = 0;

  private current = new Map<string, Item>();
  private currentRows = 0;
  private readonly inFlight = new Set<Promise<void>>();
  private readonly inFlightKeys = new Map<string, Promise<void>>();
  private failure: { error: unknown } | undefined;
  private readonly retry: { retries: number; baseMs: number; maxMs: number };

  constructor(private readonly options: BatchWriterOptions) {
    if (!Number.isInteger(options.concurrency) || options.concurrency < 1) {
      throw new RangeError(`batch concurrency must be an integer ≥ 1, got ${options.concurrency}`);
    }
    this.retry = options.retry ?? UNPROCESSED_RETRY;
  }

  async add(key: string, item: Item): Promise<void> {
    this.throwIfFailed();
    if (this.current.has(key)) {
      this.rowsCollapsed++;
      this.current.delete(key); // re-insert so the batch keeps file order
    }
    this.current.set(key, item);
    this.currentRows++;
    if (this.current.size >= BATCH_SIZE) await this.dispatch();
  }

  /** Sends what is buffered and waits for every batch; throws the first write failure. */
  async flush(): Promise<void> {
    if (this.current.size > 0) await this.dispatch();
    await Promise.all(this.inFlight);
    this.throwIfFailed();
  }

  private async dispatch(): Promise<void> {
    const batch = this.current;
    const rows = this.currentRows;
    this.current = new Map();
    this.currentRows = 0;

    const blockers = new Set<Promise<void>>();
    for (const key of batch.keys()) {
      const holder = this.inFlightKeys.get(key);
      if (holder) blockers.add(holder);
    }
    if (blockers.size > 0) await Promise.all(blockers);
    while (this.inFlight.size >= this.options.concurrency) await Promise.race(this.inFlight);
    this.throwIfFailed();

    const sending: Promise<void> = this.send(batch, rows)
      .catch((error: unknown) => {
        this.failure ??= { error };
      })
      .finally(() => {
        this.inFlight.delete(sending);
        for (const key of batch.keys()) {
          if (this.inFlightKeys.get(key) === sending) this.inFlightKeys.delete(key);
        }
      });
    this.inFlight.add(sending);
    for (const key of batch.keys()) this.inFlightKeys.set(key, sending);
  }

  private async send(batch: Map<string, Item>, rows: number): Promise<void> {
    let requests: WriteRequest[] = [...batch.values()].map((Item) => ({ PutRequest: { Item } }));
    for (let attempt = 0; ; attempt++) {
      const unprocessed = await this.options.write(requests);
      if (unprocessed.length === 0) break;
      if (attempt >= this.retry.retries) {
        throw new Error(
          `DynamoDB left ${unprocessed.length} of ${batch.size} items unprocessed after ${this.retry.retries} retries`,
        );
      }
      await sleep(backoffDelay(attempt, this.retry));
      requests = unprocessed;
    }
    this.rowsWritten += rows;
    this.itemsWritten += batch.size;
  }

  private throwIfFailed(): void {
    if (this.failure) throw this.failure.error;
  }
}
