import { describe, expect, it } from 'vitest';
import {
  fromItem,
  itemSize,
  jsonNumberShape,
  numberProblem,
  numberShape,
  toItem,
} from '../../../src/pipelines/ingest/attribute-values.js';
import { InvalidRecordError, TooLargeError } from '../../../src/pipelines/ingest/errors.js';
import { JsonNumber, type JsonObject, parseJson, stringifyJson } from '../../../src/pipelines/ingest/json.js';
import { recordValidator } from '../../../src/pipelines/ingest/record-schema.js';
import { checkUniqueIds, type PrepareOptions, prepareRecord } from '../../../src/pipelines/ingest/records.js';

const RECEIVED = '2026-11-18T10:00:00.000Z';
const options = (overrides: Partial<PrepareOptions> = {}): PrepareOptions => ({
  requireId: true,
  receivedAt: RECEIVED,
  newId: () => 'generated-id',
  label: 'the record',
  ...overrides,
});
const json = (text: string) => parseJson(text, { maxDepth: 40 });
const nested = (levels: number): string =>
  `{"Id":"x","a":${'{"b":'.repeat(levels - 1)}{}${'}'.repeat(levels - 1)}}`;

describe('prepareRecord', () => {
  it('adds receivedAt and keeps numbers as exact DynamoDB numbers', () => {
    // Arrange
    const value = json('{"Id":"a1","n":3.14159265358979323846264338327950288,"list":[1,"x",null,true]}');
    // Act
    const { id, item, record } = prepareRecord(value, options());
    // Assert
    expect(id).toBe('a1');
    expect(item).toEqual({
      Id: { S: 'a1' },
      n: { N: '3.14159265358979323846264338327950288' },
      list: { L: [{ N: '1' }, { S: 'x' }, { NULL: true }, { BOOL: true }] },
      receivedAt: { S: RECEIVED },
    });
    expect(stringifyJson(fromItem(item))).toBe(stringifyJson(record));
  });

  it('replaces a receivedAt sent by the client', () => {
    const { item } = prepareRecord(json('{"Id":"a","receivedAt":"1999-01-01"}'), options());
    expect(item.receivedAt).toEqual({ S: RECEIVED });
  });

  it('generates an Id when allowed, first among the fields', () => {
    const { id, record } = prepareRecord(json('{"v":1}'), options({ requireId: false }));
    expect(id).toBe('generated-id');
    expect(Object.keys(record)).toEqual(['Id', 'v', 'receivedAt']);
  });

  it.each([
    ['[1]', /must be a JSON object, not an array/],
    ['"text"', /not a string/],
    ['42', /not a number/],
    ['null', /not null/],
    ['{"v":1}', /has no "Id"/],
    ['{"Id":7}', /"Id" must be a string, not a number/],
    ['{"Id":null}', /"Id" must be a string, not null/],
    ['{"Id":""}', /"Id" must not be empty/],
    [`{"Id":"${'x'.repeat(2049)}"}`, /longer than 2048 bytes/],
    ['{"Id":"a","":1}', /field with an empty name/],
    ['{"Id":"a","m":{"":1}}', /"m" has a field with an empty name/],
    ['{"Id":"a","n":123456789012345678901234567890123456789}', /field "n" has 39 significant digits/],
    ['{"Id":"a","deep":{"x":[1e200]}}', /field "deep.x\[0\]" is larger than DynamoDB allows/],
    ['{"Id":"a","tiny":1e-131}', /closer to zero/],
  ])('rejects %s', (text, message) => {
    expect(() => prepareRecord(json(text), options())).toThrow(InvalidRecordError);
    expect(() => prepareRecord(json(text), options())).toThrow(message);
  });

  it('allows 32 levels of nested attributes and refuses 33, naming the path', () => {
    expect(() => prepareRecord(json(nested(32)), options())).not.toThrow();
    expect(() => prepareRecord(json(nested(33)), options())).toThrow(
      /field "a(\.b){32}" is nested 33 levels deep; DynamoDB allows 32/,
    );
  });

  it('refuses an item over 400 KB with 413, naming the record and its size', () => {
    // Arrange
    const big = json(`{"Id":"big","blob":"${'x'.repeat(400 * 1024)}"}`);
    // Act / Assert
    expect(() => prepareRecord(big, options({ label: 'record 3' }))).toThrow(TooLargeError);
    expect(() => prepareRecord(big, options({ label: 'record 3' }))).toThrow(
      /record 3 \(Id "big"\) is 409\d+ bytes/,
    );
  });

  it('validates against a JSON Schema as sent, naming the field', () => {
    // Arrange
    const validate = recordValidator(
      JSON.stringify({
        type: 'object',
        required: ['Id', 'temp'],
        properties: {
          Id: { type: 'string' },
          temp: { type: 'number' },
          at: { type: 'string', format: 'date-time' },
        },
      }),
    );
    // Act / Assert
    expect(() => prepareRecord(json('{"Id":"a","temp":1.5}'), options({ validate }))).not.toThrow();
    expect(() => prepareRecord(json('{"Id":"a","temp":"hot"}'), options({ validate }))).toThrow(
      /the record does not match RECORD_SCHEMA: field "temp" must be number/,
    );
    expect(() => prepareRecord(json('{"Id":"a"}'), options({ validate }))).toThrow(
      /field "temp" is required/,
    );
    expect(() => prepareRecord(json('{"Id":"a","temp":1,"at":"yesterday"}'), options({ validate }))).toThrow(
      /field "at" must match format "date-time"/,
    );
  });
});

describe('checkUniqueIds', () => {
  it('refuses an Id given twice in one request', () => {
    const records = ['{"Id":"a"}', '{"Id":"b"}', '{"Id":"a"}'].map((t) => prepareRecord(json(t), options()));
    expect(() => checkUniqueIds(records)).toThrow(/record 2 repeats Id "a"/);
  });
});

describe('numbers and sizes', () => {
  it.each([
    ['0', undefined],
    ['-0.000', undefined],
    ['1e-130', undefined],
    ['9.9999999999999999999999999999999999999E+125', undefined],
    ['1E+126', 'is larger than DynamoDB allows (9.99…E+125)'],
    ['0.00000000000000000000000000000000000000000000000000000000000000000000001', undefined],
    ['100000000000000000000000000000000000000000000', undefined],
  ])('numberProblem(%s)', (text, problem) => {
    expect(numberProblem(text)).toBe(problem);
  });

  it('counts names, strings, numbers and containers as DynamoDB does', () => {
    const record = json('{"Id":"abc","n":12345,"b":true,"l":[null,"é"],"m":{"k":"v"}}') as JsonObject;
    // Id 2+3, n 1+4, b 1+1, l 1+(3+1+1+1+2), m 1+(3+1+1+1)
    expect(itemSize(record)).toBe(5 + 5 + 2 + 9 + 7);
  });

  it('round-trips sets and binaries from other writers as JSON', () => {
    const record = fromItem({ ss: { SS: ['a'] }, ns: { NS: ['1.50'] }, b: { B: Buffer.from('hi') } });
    expect(stringifyJson(record)).toBe('{"ss":["a"],"ns":[1.50],"b":"aGk="}');
    expect(toItem({ n: new JsonNumber('1') } as JsonObject)).toEqual({ n: { N: '1' } });
  });
});

describe('jsonNumberShape (the per-number fast path)', () => {
  it('agrees with numberShape on JSON numbers of every form', () => {
    // Arrange: fixed edge cases, then random numbers in the forms JSON allows.
    const texts = [
      '0',
      '-0',
      '0.0',
      '10',
      '100.000',
      '0.001',
      '-0.0010',
      '1e5',
      '1E-5',
      '0.5e+3',
      '12.50E-2',
      '0e10',
    ];
    let seed = 7;
    const random = () => {
      seed = (seed * 1_103_515_245 + 12_345) % 2_147_483_648;
      return seed;
    };
    const digits = (n: number) => Array.from({ length: n }, () => String(random() % 10)).join('');
    for (let i = 0; i < 2000; i++) {
      const int = random() % 4 === 0 ? '0' : `${1 + (random() % 9)}${digits(random() % 45)}`;
      const fraction = random() % 2 ? `.${digits(1 + (random() % 45))}` : '';
      const exponent =
        random() % 3 === 0
          ? `${random() % 2 ? 'e' : 'E'}${['', '+', '-'][random() % 3]}${random() % 140}`
          : '';
      texts.push(`${random() % 2 ? '-' : ''}${int}${fraction}${exponent}`);
    }
    // Act / Assert
    for (const text of texts)
      expect({ text, shape: jsonNumberShape(text) }).toEqual({ text, shape: numberShape(text) });
  });

  it('answers as numberShape for text that is not a JSON number', () => {
    for (const text of ['-', '1.', '.5', '+1', '1e', '1.2.3', 'abc', '']) {
      expect(() => jsonNumberShape(text)).toThrow(InvalidRecordError);
      expect(() => numberShape(text)).toThrow(InvalidRecordError);
    }
  });
});

describe('prepareRecord item order and size', () => {
  it('keeps a client receivedAt in its place with the server value, and counts it once', () => {
    const { item, record } = prepareRecord(
      json('{"a":1,"receivedAt":{"x":[1,2]},"b":"é"}'),
      options({ requireId: false }),
    );
    expect(Object.keys(item)).toEqual(['Id', 'a', 'receivedAt', 'b']);
    expect(Object.keys(record)).toEqual(['Id', 'a', 'receivedAt', 'b']);
    expect(item.receivedAt).toEqual({ S: RECEIVED });
    expect(itemSize(record)).toBe(itemSize(fromItem(item)));
  });

  it('still refuses a bad number inside a client receivedAt it then replaces', () => {
    expect(() => prepareRecord(json('{"Id":"a","receivedAt":[1e200]}'), options())).toThrow(
      /field "receivedAt\[0\]" is larger/,
    );
  });

  it('counts the size as itemSize does for a mixed record at the 400 KB edge', () => {
    const base = '{"Id":"edge","n":[1.25,-3e10,{"k":null,"t":true}],"s":"';
    const overhead = itemSize(json(`${base}"}`) as JsonObject) + 'receivedAt'.length + RECEIVED.length;
    const fits = `${base}${'x'.repeat(400 * 1024 - overhead)}"}`;
    expect(() => prepareRecord(json(fits), options())).not.toThrow();
    expect(() => prepareRecord(json(`${fits.slice(0, -2)}x"}`), options())).toThrow(TooLargeError);
  });
});
