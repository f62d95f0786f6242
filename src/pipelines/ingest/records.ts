/**
 * Turning client JSON into table items: every rule DynamoDB would enforce is checked here
 * first, so the client gets a 400/413 naming the record and the field instead of a
 * ValidationException turned into a 500.
 */
import type { AttributeValue } from '@aws-sdk/client-dynamodb';
import { type Item, jsonNumberShape, numberBytes, shapeProblem, utf8Length } from './attribute-values.js';
import {
  ID_ATTRIBUTE,
  MAX_ITEM_BYTES,
  MAX_KEY_BYTES,
  MAX_NESTING_LEVELS,
  RECEIVED_AT_ATTRIBUTE,
} from './constants.js';
import { InvalidRecordError, TooLargeError } from './errors.js';
import { isJsonObject, JsonNumber, type JsonObject, type JsonValue, newJsonObject, toPlain } from './json.js';
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
  const { label, receivedAt } = options;
  if (!isJsonObject(value))
    throw new InvalidRecordError(`${label} must be a JSON object, not ${describeJson(value)}`);
  const id = checkId(value, options);
  options.validate?.(toPlain(value), label);

  // One walk checks every attribute (names, nesting, numbers), encodes it and counts its size.
  const encoder = new Encoder(label);
  const item: Item = {};
  let record = value;
  if (value[ID_ATTRIBUTE] === undefined) {
    // Id first, as clients write it, then the client's fields.
    record = newJsonObject();
    record[ID_ATTRIBUTE] = id;
    item[ID_ATTRIBUTE] = { S: id };
    encoder.size += utf8Length(ID_ATTRIBUTE) + utf8Length(id);
  }
  for (const key of Object.keys(value)) {
    if (key === '') throw new InvalidRecordError(`${label} has a field with an empty name`);
    const field = value[key] as JsonValue;
    if (record !== value) record[key] = field;
    const before = encoder.size;
    encoder.trail.push(key);
    const encoded = encoder.encode(field, 1);
    encoder.trail.pop();
    // The client's receivedAt is checked like any field, then replaced below.
    if (key === RECEIVED_AT_ATTRIBUTE) encoder.size = before;
    else encoder.size += utf8Length(key);
    item[key] = encoded;
  }
  record[RECEIVED_AT_ATTRIBUTE] = receivedAt;
  item[RECEIVED_AT_ATTRIBUTE] = { S: receivedAt };
  encoder.size += utf8Length(RECEIVED_AT_ATTRIBUTE) + utf8Length(receivedAt);

  if (encoder.size > MAX_ITEM_BYTES) {
    throw new TooLargeError(
      `${label} (Id "${truncate(id)}") is ${encoder.size} bytes as a DynamoDB item; the limit is ${MAX_ITEM_BYTES} bytes (400 KB)`,
    );
  }
  return { id, record, item };
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

/**
 * JSON values to DynamoDB attribute values, refusing what DynamoDB would (empty names,
 * nesting, numbers out of range) and adding up the item size as DynamoDB counts it (see
 * itemSize). The path to the current field is kept as a stack and only spelled out for an
 * error message.
 */
class Encoder {
  size = 0;
  readonly trail: (string | number)[] = [];
  constructor(private readonly label: string) {}

  encode(value: JsonValue, depth: number): AttributeValue {
    if (typeof value === 'string') {
      this.size += utf8Length(value);
      return { S: value };
    }
    if (value === null) {
      this.size += 1;
      return { NULL: true };
    }
    if (typeof value === 'boolean') {
      this.size += 1;
      return { BOOL: value };
    }
    if (value instanceof JsonNumber) {
      const shape = jsonNumberShape(value.text);
      const problem = shapeProblem(shape);
      if (problem) throw new InvalidRecordError(`${this.label}: field "${this.path()}" ${problem}`);
      this.size += numberBytes(shape);
      return { N: value.text };
    }
    if (depth > MAX_NESTING_LEVELS) {
      throw new InvalidRecordError(
        `${this.label}: field "${this.path()}" is nested ${depth} levels deep; DynamoDB allows ${MAX_NESTING_LEVELS}`,
      );
    }
    this.size += 3;
    if (Array.isArray(value)) {
      const list: AttributeValue[] = [];
      for (let i = 0; i < value.length; i++) {
        this.trail.push(i);
        this.size += 1;
        list.push(this.encode(value[i] as JsonValue, depth + 1));
        this.trail.pop();
      }
      return { L: list };
    }
    const map: Item = {};
    for (const key of Object.keys(value)) {
      if (key === '')
        throw new InvalidRecordError(`${this.label}: "${this.path()}" has a field with an empty name`);
      this.trail.push(key);
      this.size += 1 + utf8Length(key);
      map[key] = this.encode(value[key] as JsonValue, depth + 1);
      this.trail.pop();
    }
    return { M: map };
  }

  /** `a.b[2].c`, as messages name a field. */
  private path(): string {
    let path = '';
    for (const step of this.trail) path += typeof step === 'number' ? `[${step}]` : path ? `.${step}` : step;
    return path;
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
