/**
 * Turning client JSON into table items: every rule DynamoDB would enforce is checked here
 * first, so the client gets a 400/413 naming the record and the field instead of a
 * ValidationException turned into a 500.
 */
import { type Item, itemSize, numberProblem, toItem } from './attribute-values.js';
import {
  ID_ATTRIBUTE,
  MAX_ITEM_BYTES,
  MAX_KEY_BYTES,
  MAX_NESTING_LEVELS,
  RECEIVED_AT_ATTRIBUTE,
} from './constants.js';
import { InvalidRecordError, TooLargeError } from './errors.js';
import { isJsonObject, JsonNumber, type JsonObject, type JsonValue, toPlain } from './json.js';
import type { RecordValidator } from './record-schema.js';

export interface PrepareOptions {
  /** `POST /post` requires the client's Id; `POST /records` generates one when absent. */
  requireId: boolean;
  /** Server time, ISO 8601. */
  receivedAt: string;
  newId: () => string;
  validate?: RecordValidator;
  /** How messages name the record: "the record", "record 3". */
  label: string;
}

export interface PreparedRecord {
  id: string;
  record: JsonObject;
  item: Item;
}

export function describeJson(value: JsonValue): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  if (value instanceof JsonNumber) return 'a number';
  if (typeof value === 'object') return 'an object';
  return `a ${typeof value}`;
}

export function prepareRecord(value: JsonValue, options: PrepareOptions): PreparedRecord {
  const { label } = options;
  if (!isJsonObject(value))
    throw new InvalidRecordError(`${label} must be a JSON object, not ${describeJson(value)}`);
  const id = checkId(value, options);
  options.validate?.(toPlain(value), label);
  checkAttributes(value, label);

  const record = value;
  if (record[ID_ATTRIBUTE] === undefined) {
    // Id first, as clients write it, then the client's fields.
    const rest = { ...record };
    for (const key of Object.keys(record)) delete record[key];
    record[ID_ATTRIBUTE] = id;
    Object.assign(record, rest);
  }
  record[RECEIVED_AT_ATTRIBUTE] = options.receivedAt;

  const size = itemSize(record);
  if (size > MAX_ITEM_BYTES) {
    throw new TooLargeError(
      `${label} (Id "${truncate(id)}") is ${size} bytes as a DynamoDB item; the limit is ${MAX_ITEM_BYTES} bytes (400 KB)`,
    );
  }
  return { id, record, item: toItem(record) };
}

function checkId(record: JsonObject, { requireId, newId, label }: PrepareOptions): string {
  const id = record[ID_ATTRIBUTE];
  if (id === undefined) {
    if (requireId) throw new InvalidRecordError(`${label} has no "${ID_ATTRIBUTE}": a string Id is required`);
    return newId();
  }
  if (typeof id !== 'string')
    throw new InvalidRecordError(`${label}: "${ID_ATTRIBUTE}" must be a string, not ${describeJson(id)}`);
  if (id === '')
    throw new InvalidRecordError(`${label}: "${ID_ATTRIBUTE}" must not be empty (it is the table's key)`);
  if (Buffer.byteLength(id, 'utf8') > MAX_KEY_BYTES)
    throw new InvalidRecordError(`${label}: "${ID_ATTRIBUTE}" is longer than ${MAX_KEY_BYTES} bytes`);
  return id;
}

/** Attribute names, nesting depth and numbers, as DynamoDB limits them. */
function checkAttributes(record: JsonObject, label: string): void {
  const walk = (value: JsonValue, path: string, depth: number): void => {
    if (value instanceof JsonNumber) {
      const problem = numberProblem(value.text);
      if (problem) throw new InvalidRecordError(`${label}: field "${path}" ${problem}`);
      return;
    }
    if (value === null || typeof value !== 'object') return;
    if (depth > MAX_NESTING_LEVELS) {
      throw new InvalidRecordError(
        `${label}: field "${path}" is nested ${depth} levels deep; DynamoDB allows ${MAX_NESTING_LEVELS}`,
      );
    }
    if (Array.isArray(value)) {
      value.forEach((element, i) => {
        walk(element, `${path}[${i}]`, depth + 1);
      });
      return;
    }
    for (const key of Object.keys(value)) {
      if (key === '') throw new InvalidRecordError(`${label}: "${path}" has a field with an empty name`);
      walk(value[key] as JsonValue, `${path}.${key}`, depth + 1);
    }
  };
  for (const key of Object.keys(record)) {
    if (key === '') throw new InvalidRecordError(`${label} has a field with an empty name`);
    walk(record[key] as JsonValue, key, 1);
  }
}

const truncate = (s: string): string => (s.length > 64 ? `${s.slice(0, 61)}...` : s);

/** Ids given twice in one request would race each other: refuse them. */
export function checkUniqueIds(records: readonly PreparedRecord[]): void {
  const seen = new Set<string>();
  for (const [i, { id }] of records.entries()) {
    if (seen.has(id))
      throw new InvalidRecordError(
        `record ${i} repeats Id "${truncate(id)}" given earlier in the same request`,
      );
    seen.add(id);
  }
}
