import { describe, expect, it } from 'vitest';
import {
  isDynamoNumber,
  itemBytes,
  parseColumnTypes,
  planItems,
  rowToItem,
} from '../../../src/pipelines/csv-load/item.js';
import type { KeySchema } from '../../../src/pipelines/csv-load/types.js';

const keys: KeySchema = { partitionKey: { name: 'ID', type: 'S' } };
const strings = { inferTypes: false, columnTypes: {} };
const inferred = { inferTypes: true, columnTypes: {} };

describe('rowToItem', () => {
  it('stores every value as a string by default, empty cells as "" like the sample', () => {
    const plan = planItems(['ID', 'price', 'note'], keys, strings);
    expect(rowToItem(plan, ['a1', '12.50', ''])).toEqual({
      ok: true,
      key: 'a1',
      item: { ID: { S: 'a1' }, price: { S: '12.50' }, note: { S: '' } },
    });
  });

  it('infers numbers as exact N strings, booleans, and omits empty cells', () => {
    const plan = planItems(['ID', 'big', 'price', 'zip', 'ok', 'note'], keys, inferred);
    const result = rowToItem(plan, [
      'a1',
      '12345678901234567890123456789012345678',
      '-0.10',
      '007',
      'TRUE',
      '',
    ]);
    expect(result).toEqual({
      ok: true,
      key: 'a1',
      item: {
        ID: { S: 'a1' },
        big: { N: '12345678901234567890123456789012345678' },
        price: { N: '-0.10' },
        zip: { S: '007' },
        ok: { BOOL: true },
      },
    });
  });

  it('keeps the key a string even when it looks like a number', () => {
    const plan = planItems(['ID', 'n'], keys, inferred);
    expect(rowToItem(plan, ['42', '42'])).toMatchObject({ item: { ID: { S: '42' }, n: { N: '42' } } });
  });

  it.each([
    [['ID', 'qty'], ['a', 'x'], { qty: 'number' as const }, 'column qty: "x" is not a number'],
    [
      ['ID', 'ok'],
      ['a', 'yes'],
      { ok: 'boolean' as const },
      'column ok: "yes" is not a boolean (true/false)',
    ],
  ])('rejects a value that fails its declared type', (header, row, columnTypes, reason) => {
    const plan = planItems(header, keys, { inferTypes: false, columnTypes });
    expect(rowToItem(plan, row)).toEqual({ ok: false, reason });
  });

  it('rejects an empty key, a wrong column count and an item over 400 KB', () => {
    const plan = planItems(['ID', 'blob'], keys, strings);
    expect(rowToItem(plan, ['', 'x'])).toEqual({ ok: false, reason: 'key column ID is empty' });
    expect(rowToItem(plan, ['a'])).toEqual({ ok: false, reason: 'expected 2 columns, got 1' });
    expect(rowToItem(plan, ['a', 'x', 'y'])).toEqual({ ok: false, reason: 'expected 2 columns, got 3' });
    const big = rowToItem(plan, ['a', 'é'.repeat(205_000)]);
    expect(big).toEqual({
      ok: false,
      reason: expect.stringMatching(/^item is 410007 bytes; DynamoDB items stop at 409600$/),
    });
  });

  it('accepts an item just under 400 KB of multi-byte text', () => {
    const plan = planItems(['ID', 'blob'], keys, strings);
    expect(rowToItem(plan, ['a', 'é'.repeat(204_000)]).ok).toBe(true);
  });

  it('builds one key string from partition and sort key, unambiguously', () => {
    const composite: KeySchema = {
      partitionKey: { name: 'pk', type: 'S' },
      sortKey: { name: 'sk', type: 'N' },
    };
    const plan = planItems(['pk', 'sk'], composite, strings);
    const a = rowToItem(plan, ['ab', '1']);
    const b = rowToItem(plan, ['a', '1']);
    expect(a).toMatchObject({ ok: true, key: '2:ab1', item: { sk: { N: '1' } } });
    expect(b).toMatchObject({ ok: true, key: '1:a1' });
    expect(rowToItem(plan, ['a', 'x'])).toEqual({ ok: false, reason: 'key column sk: "x" is not a number' });
  });

  it('refuses COLUMN_TYPES naming a column the file lacks, and binary keys', () => {
    expect(() => planItems(['ID'], keys, { inferTypes: false, columnTypes: { prise: 'number' } })).toThrow(
      /COLUMN_TYPES names columns the file does not have: prise/,
    );
    expect(() => planItems(['ID'], { partitionKey: { name: 'ID', type: 'B' } }, strings)).toThrow(
      /binary keys/,
    );
  });
});

describe('isDynamoNumber', () => {
  it.each([
    ['0', true],
    ['-12.5', true],
    ['1e125', true],
    ['9.9999999999999999999999999999999999999e125', true],
    ['1e126', false],
    ['1e-130', true],
    ['1e-131', false],
    ['0.000', true],
    ['123456789012345678901234567890123456789', false],
    ['1.5.2', false],
    ['abc', false],
    ['', false],
  ])('%s → %s', (value, expected) => {
    expect(isDynamoNumber(value)).toBe(expected);
  });
});

describe('parseColumnTypes', () => {
  it('reads a JSON map and refuses anything else', () => {
    expect(parseColumnTypes('{"price":"number","ok":"boolean"}')).toEqual({ price: 'number', ok: 'boolean' });
    expect(parseColumnTypes(undefined)).toEqual({});
    expect(() => parseColumnTypes('price=number')).toThrow(/must be JSON/);
    expect(() => parseColumnTypes('["price"]')).toThrow(/JSON object/);
    expect(() => parseColumnTypes('{"price":"float"}')).toThrow(/COLUMN_TYPES.price must be/);
  });
});

describe('itemBytes', () => {
  it('counts names and UTF-8 values', () => {
    expect(itemBytes({ ID: { S: 'é' }, n: { N: '1234' }, b: { BOOL: true } })).toBe(2 + 2 + 1 + 3 + 1 + 1);
  });
});
