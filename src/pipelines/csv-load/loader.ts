import { type BatchWriteFn, BatchWriter } from './batch-writer.js';
import { MAX_RAW_CHARS } from './constants.js';
import { type CsvEvent, type Delimiter, readCsv } from './csv-rows.js';
import { CsvRejectedError } from './errors.js';
import { checkHeader } from './header.js';
import { planItems, rowToItem } from './item.js';
import type { InvalidRow, KeySchema, LoadCounters, LoadPosition, TypingOptions } from './types.js';

export interface LoadCsvOptions {
  /** The file's bytes (decompressed), starting at `resume.offset` when resuming. */
  bytes: NodeJS.ReadableStream;
  keys: KeySchema;
  typing: TypingOptions;
  delimiter: Delimiter;
  write: BatchWriteFn;
  concurrency: number;
  /** Receives each invalid row in file order. */
  invalid: (row: InvalidRow) => void | Promise<void>;
  /** Continue a load from where an earlier invocation stopped. */
  resume?: LoadPosition;
  /** Counters carried over from earlier invocations. */
  counters?: LoadCounters;
  /** Asked between rows; true → stop at a row boundary, write what is buffered, return the position. */
  shouldStop?: () => boolean;
  onProgress?: (counters: LoadCounters) => void;
}

export interface LoadOutcome {
  /** False when `shouldStop` ended the load early: continue from `position`. */
  done: boolean;
  position: LoadPosition;
  counters: LoadCounters;
}

const CHECK_EVERY_ROWS = 256;

/**
 * Streams a CSV into a table: header checks first (a file that cannot load is rejected
 * whole, before anything is written), then each row typed, validated and batched. Invalid
 * rows go to `invalid` and never stop the rest. Throws CsvRejectedError for a file that
 * cannot load, and any write failure after retries (the caller's retry re-runs the load;
 * writes are idempotent puts).
 */
export async function loadCsv(options: LoadCsvOptions): Promise<LoadOutcome> {
  const start = options.counters ?? {
    rowsRead: 0,
    rowsWritten: 0,
    rowsInvalid: 0,
    rowsCollapsed: 0,
    bytesRead: 0,
  };
  const writer = new BatchWriter({ write: options.write, concurrency: options.concurrency });
  const position: LoadPosition = options.resume
    ? { ...options.resume, header: [...options.resume.header] }
    : { offset: 0, line: 0, header: [] };
  let plan = options.resume ? planItems(options.resume.header, options.keys, options.typing) : undefined;
  let rowsRead = start.rowsRead;
  let rowsInvalid = start.rowsInvalid;
  let sawAnything = options.resume !== undefined;
  let stopped = false;

  const counters = (): LoadCounters => ({
    rowsRead,
    rowsInvalid,
    rowsWritten: start.rowsWritten + writer.rowsWritten,
    rowsCollapsed: start.rowsCollapsed + writer.rowsCollapsed,
    bytesRead: position.offset,
  });
  const invalid = async (line: number, reason: string, raw: string) => {
    rowsInvalid++;
    const truncated = raw.length > MAX_RAW_CHARS;
    await options.invalid({
      line,
      reason,
      raw: truncated ? raw.slice(0, MAX_RAW_CHARS) : raw,
      ...(truncated ? { rawTruncated: true } : {}),
    });
  };

  try {
    await run();
  } catch (cause) {
    // Let batches already sent settle, so nothing is still writing when the caller reports.
    await writer.flush().catch(() => {});
    throw new LoadFailure(cause, counters(), position);
  }
  const result = counters();
  options.onProgress?.(result);
  return { done: !stopped, position, counters: result };

  async function run(): Promise<void> {
    const events = readCsv(options.bytes, {
      delimiter: options.delimiter,
      baseOffset: position.offset,
      baseLine: position.line,
    });
    for await (const event of events) {
      sawAnything = true;
      if (!plan) {
        plan = headerPlan(event, options);
        position.header = plan.columns.map((c) => c.name);
        advance(position, event);
        continue;
      }
      rowsRead++;
      if (event.kind === 'broken') {
        await invalid(event.startLine, event.reason, event.raw);
      } else {
        const result = rowToItem(plan, event.fields);
        if (result.ok) await writer.add(result.key, result.item);
        else {
          const reason = event.raw.includes('\ufffd')
            ? `${result.reason} (the row is not valid UTF-8)`
            : result.reason;
          await invalid(event.startLine, reason, event.raw);
        }
        advance(position, event);
      }
      // Only after a whole record: a stop position must be a record boundary.
      if (event.kind === 'record' && rowsRead % CHECK_EVERY_ROWS === 0) {
        options.onProgress?.(counters());
        if (options.shouldStop?.()) {
          stopped = true;
          break; // ends the generator, which closes the parser and the source
        }
      }
    }
    if (!sawAnything) throw new CsvRejectedError('the file is empty: there is no header row');
    if (!plan) throw new CsvRejectedError('the file has no header row');
    await writer.flush();
  }
}

/** A load that broke part-way: what it had done when it did (`cause` is the error). */
export class LoadFailure extends Error {
  override name = 'LoadFailure';
  constructor(
    override readonly cause: unknown,
    readonly counters: LoadCounters,
    readonly position: LoadPosition,
  ) {
    super(cause instanceof Error ? cause.message : String(cause));
  }
}

function headerPlan(event: CsvEvent, options: LoadCsvOptions) {
  if (event.kind === 'broken') throw new CsvRejectedError(`the header row cannot be parsed: ${event.reason}`);
  const header = checkHeader(event.fields, options.keys);
  return planItems(header, options.keys, options.typing);
}

function advance(position: LoadPosition, event: CsvEvent): void {
  if (event.kind !== 'record') return;
  position.offset = event.endOffset;
  position.line = event.endLine;
}
