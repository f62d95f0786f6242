/**
 * Request bodies: one JSON record, a JSON array of records, or NDJSON (one record a line).
 * Numbers keep their exact text; nesting is bounded before parsing can exhaust the stack.
 */
import { MAX_NESTING_LEVELS } from './constants.js';
import { InvalidJsonError, InvalidRecordError, TooLargeError } from './errors.js';
import { type JsonValue, parseJson } from './json.js';

/** An array wrapper, the record object, then DynamoDB's 32 levels (checked per record, by path). */
export const PARSE_MAX_DEPTH = MAX_NESTING_LEVELS + 2;

const NDJSON_TYPES = new Set([
  'application/x-ndjson',
  'application/ndjson',
  'application/jsonl',
  'application/x-jsonlines',
]);

export function isNdjson(contentType: string | undefined): boolean {
  const mediaType = contentType?.split(';')[0]?.trim().toLowerCase();
  return mediaType !== undefined && NDJSON_TYPES.has(mediaType);
}

/** The body of `POST /post`: one JSON value (the record check decides whether it is an object). */
export function parseSingle(body: string): JsonValue {
  return parseJson(body, { maxDepth: PARSE_MAX_DEPTH });
}

/** The body of `POST /records`: its records, at most `maxRecords` of them. */
export function parseMany(body: string, contentType: string | undefined, maxRecords: number): JsonValue[] {
  const records = isNdjson(contentType) ? parseNdjson(body, maxRecords) : parseJsonRecords(body);
  if (records.length === 0) throw new InvalidRecordError('the body holds no records');
  if (records.length > maxRecords) throw tooMany(records.length, maxRecords);
  return records;
}

function parseJsonRecords(body: string): JsonValue[] {
  const value = parseJson(body, { maxDepth: PARSE_MAX_DEPTH });
  return Array.isArray(value) ? value : [value];
}

function parseNdjson(body: string, maxRecords: number): JsonValue[] {
  const lines = body.split('\n');
  const records: JsonValue[] = [];
  for (const [i, raw] of lines.entries()) {
    const line = raw.endsWith('\r') ? raw.slice(0, -1) : raw;
    if (line.trim() === '') continue;
    // Count before parsing: a huge body is refused without parsing all of it.
    if (records.length === maxRecords) throw tooMany(countNonEmpty(lines), maxRecords);
    try {
      records.push(parseJson(line, { maxDepth: PARSE_MAX_DEPTH - 1, source: `line ${i + 1}` }));
    } catch (err) {
      if (err instanceof InvalidJsonError) throw new InvalidJsonError(`NDJSON ${err.message}`);
      throw err;
    }
  }
  return records;
}

const countNonEmpty = (lines: string[]): number => lines.filter((l) => l.trim() !== '').length;

const tooMany = (count: number, max: number): TooLargeError =>
  new TooLargeError(`the request has ${count} records; the limit is ${max} (MAX_RECORDS_PER_REQUEST)`);
