import type { KeyType } from '../../core/resources.js';

export type ColumnType = 'string' | 'number' | 'boolean';
export type LoadStatus = 'SUCCEEDED' | 'PARTIAL' | 'FAILED';

export interface KeySchema {
  partitionKey: { name: string; type: KeyType };
  sortKey?: { name: string; type: KeyType };
}

export interface TypingOptions {
  /** Numbers and booleans recognised in every column; empty cells omitted. */
  inferTypes: boolean;
  /** Column → type; a value that is not of its type makes the row invalid. */
  columnTypes: Record<string, ColumnType>;
}

export interface InvalidRow {
  /** 1-based line of the file where the row starts (0 when the whole file is rejected). */
  line: number;
  reason: string;
  raw: string;
  rawTruncated?: boolean;
}

/** Where a load got to: enough to continue it in another invocation. */
export interface LoadPosition {
  /** Byte offset, in the decompressed stream, just after the last row that was fully handled. */
  offset: number;
  /** Lines consumed up to `offset`. */
  line: number;
  /** The header row, which a continuation does not see again. */
  header: string[];
}

export interface LoadCounters {
  rowsRead: number;
  rowsWritten: number;
  rowsInvalid: number;
  /** Rows superseded by a later row with the same key in the same batch (last wins). */
  rowsCollapsed: number;
  bytesRead: number;
}

export interface LoadReport extends LoadCounters {
  status: LoadStatus;
  source: { bucket?: string; key: string; etag?: string };
  table: string;
  startedAt: string;
  finishedAt: string;
  durationMs: number;
  /** Invocations the load took (more than 1 when it checkpointed). */
  invocations: number;
  /** Why the file was rejected or the load failed. */
  error?: string;
  columns?: string[];
  /** Where the invalid rows are, one file per invocation that found some. */
  invalidRecords: string[];
  /** The first invalid rows, for a quick look. */
  invalidSample: InvalidRow[];
}

/** Persisted between invocations of a load that ran out of time. */
export interface Checkpoint {
  version: 1;
  bucket: string;
  key: string;
  etag?: string;
  gzip: boolean;
  position: LoadPosition;
  counters: LoadCounters;
  startedAt: string;
  /** Time spent in earlier invocations. */
  durationMs: number;
  invocations: number;
  invalidRecords: string[];
  invalidSample: InvalidRow[];
}
