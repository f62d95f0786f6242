/**
 * JSON ⇄ DynamoDB attribute values, by hand rather than through lib-dynamodb's marshaller,
 * so that a number goes to DynamoDB as the exact text the client sent and comes back as the
 * exact text DynamoDB holds — no doubles in between.
 */
import type { AttributeValue } from '@aws-sdk/client-dynamodb';
import { InvalidRecordError } from './errors.js';
import { JsonNumber, type JsonObject, type JsonValue, newJsonObject } from './json.js';

export type Item = Record<string, AttributeValue>;

export function toItem(record: JsonObject): Item {
  const item: Item = {};
  for (const key of Object.keys(record)) item[key] = toAttributeValue(record[key] as JsonValue);
  return item;
}

export function toAttributeValue(value: JsonValue): AttributeValue {
  if (value === null) return { NULL: true };
  if (typeof value === 'string') return { S: value };
  if (typeof value === 'boolean') return { BOOL: value };
  if (value instanceof JsonNumber) return { N: value.text };
  if (Array.isArray(value)) return { L: value.map(toAttributeValue) };
  return { M: toItem(value) };
}

export function fromItem(item: Item): JsonObject {
  const record = newJsonObject();
  for (const key of Object.keys(item)) record[key] = fromAttributeValue(item[key] as AttributeValue);
  return record;
}

/** Sets and binaries (written by other tools) come back as JSON arrays and base64 strings. */
export function fromAttributeValue(av: AttributeValue): JsonValue {
  if (av.S !== undefined) return av.S;
  if (av.N !== undefined) return new JsonNumber(av.N);
  if (av.BOOL !== undefined) return av.BOOL;
  if (av.NULL !== undefined) return null;
  if (av.L !== undefined) return av.L.map(fromAttributeValue);
  if (av.M !== undefined) return fromItem(av.M);
  if (av.SS !== undefined) return [...av.SS];
  if (av.NS !== undefined) return av.NS.map((n) => new JsonNumber(n));
  if (av.B !== undefined) return Buffer.from(av.B).toString('base64');
  if (av.BS !== undefined) return av.BS.map((b) => Buffer.from(b).toString('base64'));
  return null;
}

/** DynamoDB's number range: 38 significant digits, magnitude 1E-130 to 9.99…E+125. */
export const MAX_NUMBER_DIGITS = 38;

export interface NumberShape {
  significantDigits: number;
  /** The value is 0.d₁d₂… × 10^exponent (0 for zero). */
  exponent: number;
  zero: boolean;
}

export function numberShape(text: string): NumberShape {
  const match = /^-?(\d+)(?:\.(\d+))?(?:[eE]([+-]?\d+))?$/.exec(text);
  if (!match) throw new InvalidRecordError(`"${text}" is not a number`);
  const intPart = match[1] as string;
  const digits = intPart + (match[2] ?? '');
  const leading = digits.length - digits.replace(/^0+/, '').length;
  const significant = digits.slice(leading).replace(/0+$/, '');
  if (significant === '') return { significantDigits: 0, exponent: 0, zero: true };
  return {
    significantDigits: significant.length,
    exponent: intPart.length - leading + Number(match[3] ?? '0'),
    zero: false,
  };
}

/**
 * numberShape for the text of a JSON number (what the ingest parser produces), without
 * regular expressions or intermediate strings: it runs for every number of every record.
 * Any other text gets numberShape's own answer.
 */
export function jsonNumberShape(text: string): NumberShape {
  const end = text.length;
  let pos = text.charCodeAt(0) === 45 /* - */ ? 1 : 0;
  let digits = 0;
  let intDigits = -1;
  let first = -1;
  let last = -1;
  for (; pos < end; pos++) {
    const c = text.charCodeAt(pos);
    if (c >= 48 && c <= 57) {
      if (c !== 48) {
        if (first < 0) first = digits;
        last = digits;
      }
      digits++;
    } else if (c === 46 /* . */ && intDigits < 0 && digits > 0) intDigits = digits;
    else break;
  }
  // No digits, or a point with none after it: not JSON.
  if (digits === 0 || intDigits === digits) return numberShape(text);
  if (intDigits < 0) intDigits = digits;
  let exponent = 0;
  if (pos < end) {
    const c = text.charCodeAt(pos);
    const rest = text.slice(pos + 1);
    if ((c !== 101 && c !== 69) /* e E */ || !/^[+-]?\d+$/.test(rest)) return numberShape(text);
    exponent = Number(rest);
  }
  if (first < 0) return { significantDigits: 0, exponent: 0, zero: true };
  return { significantDigits: last - first + 1, exponent: intDigits - first + exponent, zero: false };
}

/** Why DynamoDB would refuse a number of this shape, or undefined when it fits. */
export function shapeProblem(shape: NumberShape): string | undefined {
  if (shape.zero) return undefined;
  if (shape.significantDigits > MAX_NUMBER_DIGITS)
    return `has ${shape.significantDigits} significant digits; DynamoDB keeps at most ${MAX_NUMBER_DIGITS}`;
  if (shape.exponent > 126) return 'is larger than DynamoDB allows (9.99…E+125)';
  if (shape.exponent < -129) return 'is closer to zero than DynamoDB allows (1E-130)';
  return undefined;
}

/** Why DynamoDB would refuse this number, or undefined when it fits. */
export function numberProblem(text: string): string | undefined {
  return shapeProblem(numberShape(text));
}

/** The bytes a number counts toward the item size, from its shape. */
export const numberBytes = (shape: NumberShape): number => Math.ceil(shape.significantDigits / 2) + 1;

export const utf8Length = (s: string): number => Buffer.byteLength(s, 'utf8');

/**
 * An item's size as DynamoDB counts it toward the 400 KB limit: names and strings in
 * UTF-8 bytes, numbers about one byte per two significant digits plus one, booleans and
 * nulls one byte, lists and maps three bytes plus one per element.
 */
export function itemSize(record: JsonObject): number {
  let size = 0;
  for (const key of Object.keys(record)) size += utf8Length(key) + valueSize(record[key] as JsonValue);
  return size;
}

function valueSize(value: JsonValue): number {
  if (value === null || typeof value === 'boolean') return 1;
  if (typeof value === 'string') return utf8Length(value);
  if (value instanceof JsonNumber) return numberBytes(numberShape(value.text));
  if (Array.isArray(value)) {
    let size = 3;
    for (const element of value) size += 1 + valueSize(element);
    return size;
  }
  let size = 3;
  for (const key of Object.keys(value)) size += 1 + utf8Length(key) + valueSize(value[key] as JsonValue);
  return size;
}
