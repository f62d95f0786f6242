import { describe, expect, it } from 'vitest';
import { InvalidJsonError } from '../../../src/pipelines/ingest/errors.js';
import {
  JsonNumber,
  type JsonObject,
  parseJson,
  stringifyJson,
  toPlain,
} from '../../../src/pipelines/ingest/json.js';

const parse = (text: string, maxDepth = 34) => parseJson(text, { maxDepth });

describe('parseJson', () => {
  it('keeps number literals exactly', () => {
    // Arrange
    const text =
      '{"big":12345678901234567890123456789012345678,"small":0.1000000000000000055511151231257827,"e":-1.5E+30}';
    // Act
    const value = parse(text) as JsonObject;
    // Assert
    expect(value.big).toEqual(new JsonNumber('12345678901234567890123456789012345678'));
    expect((value.small as JsonNumber).text).toBe('0.1000000000000000055511151231257827');
    expect((value.e as JsonNumber).text).toBe('-1.5E+30');
    expect(stringifyJson(value)).toBe(text);
  });

  it('parses every JSON type, escapes and whitespace', () => {
    const value = parse(
      ' { "s" : "a\\"b\\\\c\\/\\n\\u00e9\\ud83d\\ude00" , "t":true,"f":false,"n":null,"a":[1,[],{}] } ',
    );
    expect(toPlain(value)).toEqual({ s: 'a"b\\c/\né😀', t: true, f: false, n: null, a: [1, [], {}] });
  });

  it('treats __proto__ as an ordinary key', () => {
    const value = parse('{"__proto__":{"polluted":true}}') as JsonObject;
    expect(Object.keys(value)).toEqual(['__proto__']);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    expect(stringifyJson(value)).toBe('{"__proto__":{"polluted":true}}');
  });

  it.each([
    ['', /is empty/],
    ['   ', /is empty/],
    ['{', /expected a property name/],
    ['{"a":1,}', /expected a property name/],
    ['{"a" 1}', /expected ":"/],
    ['[1 2]', /expected "," or "]"/],
    ['{"a":1 "b":2}', /expected "," or "}"/],
    ['"abc', /unterminated string/],
    ['"a\tb"', /control character/],
    ['"\\x"', /bad escape/],
    ['"\\u12G4"', /bad \\u escape/],
    ['01', /more after the JSON value/],
    ['-', /unexpected character/],
    ['1.', /more after/],
    ['NaN', /unexpected character/],
    ['tru', /unexpected character/],
    ['{} {}', /more after/],
    ["{'a':1}", /expected a property name/],
  ])('rejects %j', (text, message) => {
    expect(() => parse(text)).toThrow(InvalidJsonError);
    expect(() => parse(text)).toThrow(message);
  });

  it('names the line and column of a syntax error', () => {
    expect(() => parse('{\n  "a": 1,\n  "b": x\n}')).toThrow(/line 3, column 8/);
  });

  it('refuses nesting beyond the limit without exhausting the stack', () => {
    // Arrange: far deeper than any recursion limit
    const deep = `${'['.repeat(200_000)}${']'.repeat(200_000)}`;
    // Act / Assert
    expect(() => parse(deep)).toThrow(/nests deeper than 34 levels/);
    expect(() => parse('[[[1]]]', 3)).not.toThrow();
    expect(() => parse('[[[[1]]]]', 3)).toThrow(InvalidJsonError);
  });
});

describe('stringifyJson', () => {
  it('escapes strings like JSON.stringify', () => {
    expect(stringifyJson(['a"b', '\u2028', 'é'])).toBe(JSON.stringify(['a"b', '\u2028', 'é']));
  });
});
