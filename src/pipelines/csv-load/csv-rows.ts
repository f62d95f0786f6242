import { Transform, type TransformCallback } from 'node:stream';
import { type CsvError, type Info, type Options, parse } from 'csv-parse';
import { MAX_RECORD_BYTES } from './constants.js';
import { CsvRejectedError } from './errors.js';

export type Delimiter = ',' | ';' | '\t';

/** One parsed record, or one the parser could not make sense of, in file order. */
export type CsvEvent =
  | { kind: 'record'; fields: string[]; raw: string; startLine: number; endLine: number; endOffset: number }
  | { kind: 'broken'; reason: string; raw: string; startLine: number };

export interface ReadCsvOptions {
  delimiter: Delimiter;
  /** Where `bytes` starts in the whole (decompressed) file; lines and offsets are reported from there. */
  baseOffset?: number;
  baseLine?: number;
}

interface Parsed {
  record: string[];
  raw: string;
  info: Info;
  brokenBefore: Array<{ error: CsvError; raw: string | undefined }>;
}

/**
 * Streams CSV records with the line each starts on and the byte offset just after it, so a
 * load can report bad rows precisely and resume mid-file. Malformed records (bad quoting)
 * come out as `broken` events instead of ending the file.
 */
export async function* readCsv(
  bytes: NodeJS.ReadableStream,
  options: ReadCsvOptions,
): AsyncGenerator<CsvEvent> {
  const baseOffset = options.baseOffset ?? 0;
  const baseLine = options.baseLine ?? 0;
  let pendingBroken: Parsed['brokenBefore'] = [];
  const guard = new RecordSizeGuard();
  const parserOptions: Options<Parsed, unknown> = {
    delimiter: options.delimiter,
    bom: true,
    // Column counts are checked per row by the loader, which knows the header even on resume.
    relax_column_count: true,
    skip_empty_lines: true,
    skip_records_with_error: true,
    // A stray quote (`a"b`, `"x"y`) is kept as text, as Python's csv module (the sample) reads it;
    // strict quoting would leave the parser inside a quote and swallow the rows after it.
    relax_quotes: true,
    raw: true,
    info: true,
    on_skip: (error, raw) => {
      if (error) pendingBroken.push({ error, raw });
      guard.recordEnded();
      return undefined;
    },
    // Runs in step with on_skip, so broken records keep their place in file order.
    on_record: (rec: unknown) => {
      const parsed = rec as Parsed;
      parsed.brokenBefore = pendingBroken;
      pendingBroken = [];
      guard.recordEnded(baseOffset + parsed.info.bytes);
      return parsed;
    },
  };
  // The typings tie on_record to the default record shape; ours wraps it with raw and info.
  const parser = parse(parserOptions as unknown as Options);
  guard.baseOffset = baseOffset;
  bytes.on('error', (err) => parser.destroy(err));
  guard.on('error', (err) => parser.destroy(err));
  bytes.pipe(guard).pipe(parser);

  let lastLine = baseLine;
  const broken = (b: Parsed['brokenBefore'][number]): CsvEvent => ({
    kind: 'broken',
    reason: describeCsvError(b.error),
    raw: trimDelimiters(b.raw ?? ''),
    startLine: lastLine + 1,
  });

  try {
    for await (const chunk of parser) {
      const parsed = chunk as Parsed;
      for (const b of parsed.brokenBefore) yield broken(b);
      const raw = trimDelimiters(parsed.raw);
      const endLine = baseLine + parsed.info.lines;
      const startLine = endLine - countNewlines(raw);
      lastLine = endLine;
      yield {
        kind: 'record',
        fields: parsed.record,
        raw,
        startLine,
        endLine,
        endOffset: baseOffset + parsed.info.bytes,
      };
    }
    for (const b of pendingBroken) yield broken(b);
  } finally {
    bytes.unpipe?.(guard);
    guard.destroy();
    parser.destroy();
  }
}

/** Stops a record that keeps growing (an unterminated quote swallowing the file) before it fills memory. */
class RecordSizeGuard extends Transform {
  baseOffset = 0;
  private fed = 0;
  private lastEnd = 0;

  recordEnded(absoluteOffset?: number): void {
    this.lastEnd = absoluteOffset === undefined ? this.fed : absoluteOffset - this.baseOffset;
  }

  override _transform(chunk: Buffer, _enc: BufferEncoding, done: TransformCallback): void {
    this.fed += chunk.length;
    if (this.fed - this.lastEnd > MAX_RECORD_BYTES) {
      done(
        new CsvRejectedError(
          `a record is still open after ${MAX_RECORD_BYTES / 1_048_576} MB (byte ${this.baseOffset + this.lastEnd}): an unterminated quote?`,
        ),
      );
      return;
    }
    done(null, chunk);
  }
}

const CSV_REASONS: Record<string, string> = {
  CSV_QUOTE_NOT_CLOSED: 'unterminated quoted field: the quote is not closed before the end of the file',
  CSV_INVALID_CLOSING_QUOTE:
    'invalid closing quote: a quoted field must be followed by a delimiter or a line end',
  INVALID_OPENING_QUOTE: 'a quote inside an unquoted field (quote the whole field and double inner quotes)',
  CSV_NON_TRIMABLE_CHAR_AFTER_CLOSING_QUOTE: 'characters after a closing quote',
};

function describeCsvError(error: CsvError): string {
  return CSV_REASONS[error.code] ?? error.message;
}

function trimDelimiters(raw: string): string {
  return raw.replace(/^[\r\n]+/, '').replace(/[\r\n]+$/, '');
}

function countNewlines(s: string): number {
  let n = 0;
  for (let i = s.indexOf('\n'); i !== -1; i = s.indexOf('\n', i + 1)) n++;
  return n;
}
