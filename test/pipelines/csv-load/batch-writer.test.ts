import type { WriteRequest } from '@aws-sdk/client-dynamodb';
import { describe, expect, it } from 'vitest';
import { BatchWriter } from '../../../src/pipelines/csv-load/batch-writer.js';
import { memoryTable } from './helpers.js';

const item = (id: string, v = id) => ({ ID: { S: id }, v: { S: v } });
const fastRetry = { retries: 5, baseMs: 1, maxMs: 5 };

describe('BatchWriter', () => {
  it('sends batches of 25 and counts rows', async () => {
    const table = memoryTable();
    const writer = new BatchWriter({ write: table.write, concurrency: 3 });
    for (let i = 0; i < 60; i++) await writer.add(String(i), item(String(i)));
    await writer.flush();
    expect(table.calls.map((c) => c.length)).toEqual([25, 25, 10]);
    expect(writer).toMatchObject({ rowsWritten: 60, itemsWritten: 60, rowsCollapsed: 0 });
  });

  it('collapses same-key rows in a batch, last one wins', async () => {
    const table = memoryTable();
    const writer = new BatchWriter({ write: table.write, concurrency: 2 });
    await writer.add('a', item('a', 'first'));
    await writer.add('b', item('b'));
    await writer.add('a', item('a', 'second'));
    await writer.flush();
    expect(table.calls).toHaveLength(1);
    expect(table.items.get('a')?.v).toEqual({ S: 'second' });
    expect(writer).toMatchObject({ rowsWritten: 3, itemsWritten: 2, rowsCollapsed: 1 });
  });

  it('keeps the last row for a key across batches in flight', async () => {
    // The first batch holding "k" is slow; the later one must still land after it.
    const landed: string[] = [];
    let call = 0;
    const write = async (requests: WriteRequest[]) => {
      const delay = call++ === 0 ? 30 : 0;
      await new Promise((r) => setTimeout(r, delay));
      for (const r of requests) landed.push(`${r.PutRequest?.Item?.ID?.S}=${r.PutRequest?.Item?.v?.S}`);
      return [];
    };
    const writer = new BatchWriter({ write, concurrency: 8 });
    await writer.add('k', item('k', 'old'));
    for (let i = 0; i < 24; i++) await writer.add(`x${i}`, item(`x${i}`));
    await writer.add('k', item('k', 'new'));
    await writer.flush();
    expect(landed.filter((l) => l.startsWith('k=')).at(-1)).toBe('k=new');
  });

  it('retries UnprocessedItems with backoff until they are written', async () => {
    const table = memoryTable({ unprocessedFirst: 30 });
    const writer = new BatchWriter({ write: table.write, concurrency: 1, retry: fastRetry });
    for (let i = 0; i < 25; i++) await writer.add(String(i), item(String(i)));
    await writer.flush();
    expect(table.items.size).toBe(25);
    expect(table.calls.map((c) => c.length)).toEqual([25, 25, 5]);
  });

  it('fails the load when items stay unprocessed after every retry', async () => {
    const table = memoryTable({ unprocessedFirst: Number.POSITIVE_INFINITY });
    const writer = new BatchWriter({ write: table.write, concurrency: 1, retry: fastRetry });
    await writer.add('a', item('a'));
    await expect(writer.flush()).rejects.toThrow('DynamoDB left 1 of 1 items unprocessed after 5 retries');
    expect(table.calls).toHaveLength(6);
  });

  it('never has more batches in flight than its concurrency', async () => {
    let inFlight = 0;
    let peak = 0;
    const write = async () => {
      peak = Math.max(peak, ++inFlight);
      await new Promise((r) => setTimeout(r, 2));
      inFlight--;
      return [];
    };
    const writer = new BatchWriter({ write, concurrency: 3 });
    for (let i = 0; i < 500; i++) await writer.add(String(i), item(String(i)));
    await writer.flush();
    expect(peak).toBe(3);
  });

  it('surfaces a write error on the next add or flush', async () => {
    const writer = new BatchWriter({
      write: async () => {
        throw new Error('ResourceNotFoundException: table gone');
      },
      concurrency: 2,
    });
    for (let i = 0; i < 25; i++) await writer.add(String(i), item(String(i)));
    await expect(writer.flush()).rejects.toThrow('table gone');
  });

  it('refuses a concurrency below 1', () => {
    expect(() => new BatchWriter({ write: async () => [], concurrency: 0 })).toThrow(RangeError);
  });
});
