import type { AttributeValue } from '@aws-sdk/client-dynamodb';
import { ConfigError } from '../../core/errors.js';
import { MAX_ITEM_BYTES } from './constants.js';
import { CsvRejectedError } from './errors.js';
import type { ColumnType, KeySchema, TypingOptions } from './types.js';

/**
 * Turns parsed CSV rows into DynamoDB items (low-level AttributeValues, so numbers keep every
 * digit: `N` is a decimal string, never a JS float).
 */
export type RowResult =
  | { ok: true; item: Record<string, AttributeValue>; key: string }
  | { ok: false; reason: string };

type ColumnRule = 'string' | 'number' | 'boolean' | 'infer';

interface ColumnPlan {
  name: string;
  rule: ColumnRule;
  /** Set for key attributes: the type the table's key schema demands. */
  keyType?: 'S' | 'N';
  /** UTF-8 bytes of the attribute name (counts towards the item size). */
  nameBytes: number;
}

export interface ItemPlan {
  columns: ColumnPlan[];
  /** Column indexes of the partition and (optional) sort key. */
  keyIndexes: number[];
  /** Typed mode omits empty cells; string mode stores them as "" like the sample did. */
  omitEmpty: boolean;
}

/** Decimal without exponent or leading zeros: what `--infer-types` takes for a number ("007" stays a string). */
const INFERRED_NUMBER = /^-?(?:0|[1-9]\d*)(?:\.\d+)?$/;
/** Any decimal DynamoDB may accept; range is checked separately. */
const DECLARED_NUMBER = /^[-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?$/;

export function planItems(header: readonly string[], keys: KeySchema, typing: TypingOptions): ItemPlan {
  const unknownTyped = Object.keys(typing.columnTypes).filter((c) => !header.includes(c));
  if (unknownTyped.length > 0) {
    // A typo in COLUMN_TYPES would otherwise silently store strings.
    throw new CsvRejectedError(
      `COLUMN_TYPES names columns the file does not have: ${unknownTyped.join(', ')} (columns: ${header.join(', ')})`,
    );
  }
  const keyAttributes = [keys.partitionKey, ...(keys.sortKey ? [keys.sortKey] : [])];
  for (const key of keyAttributes) {
    if (key.type === 'B')
      throw new ConfigError(`key attribute ${key.name} has type B: binary keys cannot come from CSV`);
  }
  const columns = header.map((name): ColumnPlan => {
    const key = keyAttributes.find((k) => k.name === name);
    const declared = typing.columnTypes[name];
    const rule: ColumnRule = declared ?? (typing.inferTypes ? 'infer' : 'string');
    return {
      name,
      rule,
      ...(key ? { keyType: key.type as 'S' | 'N' } : {}),
      nameBytes: Buffer.byteLength(name),
    };
  });
  return {
    columns,
    keyIndexes: keyAttributes.map((k) => header.indexOf(k.name)),
    omitEmpty: typing.inferTypes || Object.keys(typing.columnTypes).length > 0,
  };
}

export function rowToItem(plan: ItemPlan, record: readonly string[]): RowResult {
  const { columns } = plan;
  if (record.length !== columns.length) {
    return { ok: false, reason: `expected ${columns.length} columns, got ${record.length}` };
  }
  const item: Record<string, AttributeValue> = {};
  // Upper bound first (3 bytes per UTF-16 unit); exact UTF-8 only when the bound is too big.
  let roughBytes = 0;
  for (let i = 0; i < columns.length; i++) {
    const column = columns[i] as ColumnPlan;
    const value = record[i] as string;
    if (column.keyType) {
      if (value === '') return { ok: false, reason: `key column ${column.name} is empty` };
      if (column.keyType === 'N') {
        if (!isDynamoNumber(value))
          return { ok: false, reason: `key column ${column.name}: "${clip(value)}" is not a number` };
        item[column.name] = { N: value };
      } else {
        item[column.name] = { S: value };
      }
      roughBytes += column.nameBytes + value.length * 3;
      continue;
    }
    if (value === '' && plan.omitEmpty) continue;
    const converted = convert(column, value);
    if (typeof converted === 'string') return { ok: false, reason: converted };
    item[column.name] = converted;
    roughBytes += column.nameBytes + (converted.S !== undefined ? value.length * 3 : 22);
  }
  if (sizeOf(item, roughBytes) > MAX_ITEM_BYTES) {
    return {
      ok: false,
      reason: `item is ${itemBytes(item)} bytes; DynamoDB items stop at ${MAX_ITEM_BYTES}`,
    };
  }
  return { ok: true, item, key: keyOf(plan, record) };
}

/** Exact size only when the cheap bound says it might be over. */
function sizeOf(item: Record<string, AttributeValue>, roughBytes: number): number {
  return roughBytes <= MAX_ITEM_BYTES ? roughBytes : itemBytes(item);
}

/** DynamoDB's item size: names + values (strings in UTF-8, numbers ~1 byte per 2 digits + 1, booleans 1). */
export function itemBytes(item: Record<string, AttributeValue>): number {
  let bytes = 0;
  for (const [name, v] of Object.entries(item)) {
    bytes += Buffer.byteLength(name);
    if (v.S !== undefined) bytes += Buffer.byteLength(v.S);
    else if (v.N !== undefined) bytes += Math.ceil(v.N.replace(/[^0-9]/g, '').length / 2) + 1;
    else bytes += 1;
  }
  return bytes;
}

/** The row's table key as one string, to collapse same-key rows. */
export function keyOf(plan: ItemPlan, record: readonly string[]): string {
  const [pk, sk] = plan.keyIndexes;
  const p = record[pk as number] as string;
  return sk === undefined ? p : `${p.length}:${p}${record[sk] as string}`;
}

function convert(column: ColumnPlan, value: string): AttributeValue | string {
  switch (column.rule) {
    case 'string':
      return { S: value };
    case 'number':
      return isDynamoNumber(value) ? { N: value } : `column ${column.name}: "${clip(value)}" is not a number`;
    case 'boolean': {
      const b = parseBoolean(value);
      return b === undefined
        ? `column ${column.name}: "${clip(value)}" is not a boolean (true/false)`
        : { BOOL: b };
    }
    case 'infer': {
      if (INFERRED_NUMBER.test(value) && isDynamoNumber(value)) return { N: value };
      const b = parseBoolean(value);
      return b === undefined ? { S: value } : { BOOL: b };
    }
  }
}

function parseBoolean(value: string): boolean | undefined {
  const lower = value.toLowerCase();
  if (lower === 'true') return true;
  if (lower === 'false') return false;
  return undefined;
}

/**
 * Whether DynamoDB stores `value` as a number: up to 38 significant digits, magnitude
 * between 1e-130 and 9.99…e125 (or zero).
 */
export function isDynamoNumber(value: string): boolean {
  if (!DECLARED_NUMBER.test(value)) return false;
  const [mantissa = '', exp = '0'] = value.replace(/^[-+]/, '').toLowerCase().split('e');
  const [int = '', frac = ''] = mantissa.split('.');
  const digits = (int + frac).replace(/^0+/, '');
  if (digits === '') return true; // zero
  const significant = digits.replace(/0+$/, '');
  if (significant.length > 38) return false;
  // Position of the most significant digit as a power of ten.
  const leadingZerosInFrac = int.replace(/^0+/, '') === '' ? frac.length - frac.replace(/^0+/, '').length : 0;
  const magnitude =
    int.replace(/^0+/, '') === ''
      ? -(leadingZerosInFrac + 1) + Number(exp)
      : int.replace(/^0+/, '').length - 1 + Number(exp);
  return magnitude >= -130 && magnitude <= 125;
}

export function parseColumnTypes(json: string | undefined): Record<string, ColumnType> {
  if (!json) return {};
  let parsed: unknown;
  try {
    parsed = JSON.parse(json);
  } catch {
    throw new ConfigError(`COLUMN_TYPES must be JSON like {"price":"number"}, got ${clip(json)}`);
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    throw new ConfigError('COLUMN_TYPES must be a JSON object of column → string|number|boolean');
  }
  const result: Record<string, ColumnType> = {};
  for (const [column, type] of Object.entries(parsed)) {
    if (type !== 'string' && type !== 'number' && type !== 'boolean') {
      throw new ConfigError(
        `COLUMN_TYPES.${column} must be "string", "number" or "boolean", got ${JSON.stringify(type)}`,
      );
    }
    result[column] = type;
  }
  return result;
}

const clip = (s: string, n = 40): string => (s.length > n ? `${s.slice(0, n)}…` : s);
