import { Readable } from 'node:stream';
import type { AttributeValue, WriteRequest } from '@aws-sdk/client-dynamodb';
import type { BatchWriteFn } from '../../../src/pipelines/csv-load/batch-writer.js';
import type { InvalidRow } from '../../../src/pipelines/csv-load/types.js';

/** A table in memory behind the BatchWriteFn interface, recording every call. */
export function memoryTable(options: { unprocessedFirst?: number } = {}) {
  const items = new Map<string, Record<string, AttributeValue>>();
  const calls: WriteRequest[][] = [];
  let leftToRefuse = options.unprocessedFirst ?? 0;
  const write: BatchWriteFn = async (requests) => {
    calls.push(requests);
    await new Promise((r) => setImmediate(r));
    const keys = requests.map((r) => r.PutRequest?.Item?.ID?.S);
    if (new Set(keys).size !== keys.length) throw new Error('batch holds one key twice');
    const unprocessed: WriteRequest[] = [];
    for (const r of requests) {
      if (leftToRefuse > 0) {
        leftToRefuse--;
        unprocessed.push(r);
        continue;
      }
      const item = r.PutRequest?.Item as Record<string, AttributeValue>;
      items.set(item.ID?.S as string, item);
    }
    return unprocessed;
  };
  return { items, calls, write };
}

export const bytesOf = (text: string | Buffer, chunk = 7): Readable => {
  const buf = typeof text === 'string' ? Buffer.from(text) : text;
  const parts: Buffer[] = [];
  for (let i = 0; i < buf.length; i += chunk) parts.push(buf.subarray(i, i + chunk));
  return Readable.from(parts);
};

export function invalidCollector() {
  const rows: InvalidRow[] = [];
  return { rows, add: (row: InvalidRow) => void rows.push(row) };
}
