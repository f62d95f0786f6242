import type { InvalidRow, LoadCounters, LoadReport, LoadStatus } from './types.js';

/**
 * The honest status: SUCCEEDED only when every row was written; PARTIAL when some rows were
 * invalid but others landed; FAILED when the file was rejected, the load broke, or no row
 * could be written.
 */
export function statusOf(counters: LoadCounters, error?: string): LoadStatus {
  if (error !== undefined) return 'FAILED';
  if (counters.rowsInvalid === 0 && counters.rowsWritten === counters.rowsRead) return 'SUCCEEDED';
  return counters.rowsWritten > 0 ? 'PARTIAL' : 'FAILED';
}

export interface ReportInput {
  source: LoadReport['source'];
  table: string;
  counters: LoadCounters;
  startedAt: string;
  durationMs: number;
  invocations: number;
  invalidRecords: string[];
  invalidSample: InvalidRow[];
  columns?: string[];
  error?: string;
}

export function buildReport(input: ReportInput, now = new Date()): LoadReport {
  return {
    status: statusOf(input.counters, input.error),
    source: input.source,
    table: input.table,
    ...input.counters,
    startedAt: input.startedAt,
    finishedAt: now.toISOString(),
    durationMs: Math.round(input.durationMs),
    invocations: input.invocations,
    ...(input.error !== undefined ? { error: input.error } : {}),
    ...(input.columns ? { columns: input.columns } : {}),
    invalidRecords: input.invalidRecords,
    invalidSample: input.invalidSample,
  };
}

/** One line a person reads first (notification subject, CLI summary). */
export function summaryLine(report: LoadReport): string {
  const where = report.source.bucket
    ? `s3://${report.source.bucket}/${report.source.key}`
    : report.source.key;
  const rate = report.durationMs > 0 ? Math.round((report.rowsRead / report.durationMs) * 1000) : 0;
  return `${report.status}: ${where} → ${report.table}: ${report.rowsWritten}/${report.rowsRead} rows written, ${report.rowsInvalid} invalid (${(report.durationMs / 1000).toFixed(1)} s, ${rate} rows/s)${report.error ? ` — ${report.error}` : ''}`;
}
