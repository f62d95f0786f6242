/**
 * JSON that keeps numbers exact. `JSON.parse` turns `12345678901234567890` into a double
 * and silently loses digits; DynamoDB stores up to 38 significant digits. This parser keeps
 * each number's literal text (stored as a DynamoDB `N` as written) and refuses nesting
 * deeper than a limit before it can exhaust the stack.
 */
import { InvalidJsonError } from './errors.js';

/** A JSON number as written: its text is valid JSON number syntax. */
export class JsonNumber {
  constructor(readonly text: string) {}
  valueOf(): number {
    return Number(this.text);
  }
}

export type JsonValue = string | boolean | null | JsonNumber | JsonValue[] | JsonObject;
export interface JsonObject {
  [key: string]: JsonValue;
}

export const isJsonObject = (value: JsonValue | undefined): value is JsonObject =>
  typeof value === 'object' && value !== null && !Array.isArray(value) && !(value instanceof JsonNumber);

/** Objects without a prototype, so a `__proto__` key is just a key. */
export const newJsonObject = (): JsonObject => Object.create(null) as JsonObject;

const NUMBER = /-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?/y;
// JSON forbids raw control characters (U+0000-U+001F) inside strings: they stop the fast path.
// biome-ignore lint/suspicious/noControlCharactersInRegex: exactly what is being matched
const PLAIN_CHARS = /[^"\\\u0000-\u001f]*/y;
const WHITESPACE = /[ \t\n\r]*/y;
const ESCAPES: Record<string, string> = {
  '"': '"',
  '\\': '\\',
  '/': '/',
  b: '\b',
  f: '\f',
  n: '\n',
  r: '\r',
  t: '\t',
};

export interface ParseOptions {
  /** Containers (objects/arrays) deeper than this are refused; the top value is depth 1. */
  maxDepth: number;
  /** Named in error messages, e.g. "line 3 of the body". */
  source?: string;
}

export function parseJson(text: string, options: ParseOptions): JsonValue {
  return new Parser(text, options).parseDocument();
}

class Parser {
  private pos = 0;
  constructor(
    private readonly text: string,
    private readonly options: ParseOptions,
  ) {}

  parseDocument(): JsonValue {
    this.skipWhitespace();
    if (this.pos >= this.text.length) this.fail('is empty', false);
    const value = this.parseValue(0);
    this.skipWhitespace();
    if (this.pos < this.text.length) this.fail('has more after the JSON value');
    return value;
  }

  private parseValue(depth: number): JsonValue {
    const ch = this.text[this.pos];
    switch (ch) {
      case '{':
        return this.parseObject(depth + 1);
      case '[':
        return this.parseArray(depth + 1);
      case '"':
        return this.parseString();
      case 't':
        return this.literal('true', true);
      case 'f':
        return this.literal('false', false);
      case 'n':
        return this.literal('null', null);
      default:
        return this.parseNumber();
    }
  }

  private parseObject(depth: number): JsonObject {
    this.checkDepth(depth);
    const object = newJsonObject();
    this.pos++;
    this.skipWhitespace();
    if (this.text[this.pos] === '}') {
      this.pos++;
      return object;
    }
    for (;;) {
      this.skipWhitespace();
      if (this.text[this.pos] !== '"') this.fail('expected a property name in double quotes');
      const key = this.parseString();
      this.skipWhitespace();
      if (this.text[this.pos] !== ':') this.fail('expected ":" after a property name');
      this.pos++;
      this.skipWhitespace();
      object[key] = this.parseValue(depth);
      this.skipWhitespace();
      const next = this.text[this.pos];
      this.pos++;
      if (next === '}') return object;
      if (next !== ',') this.fail('expected "," or "}" in an object', true, -1);
    }
  }

  private parseArray(depth: number): JsonValue[] {
    this.checkDepth(depth);
    const array: JsonValue[] = [];
    this.pos++;
    this.skipWhitespace();
    if (this.text[this.pos] === ']') {
      this.pos++;
      return array;
    }
    for (;;) {
      this.skipWhitespace();
      array.push(this.parseValue(depth));
      this.skipWhitespace();
      const next = this.text[this.pos];
      this.pos++;
      if (next === ']') return array;
      if (next !== ',') this.fail('expected "," or "]" in an array', true, -1);
    }
  }

  private parseString(): string {
    this.pos++; // opening quote
    let out = '';
    for (;;) {
      PLAIN_CHARS.lastIndex = this.pos;
      PLAIN_CHARS.exec(this.text);
      out += this.text.slice(this.pos, PLAIN_CHARS.lastIndex);
      this.pos = PLAIN_CHARS.lastIndex;
      const ch = this.text[this.pos];
      if (ch === '"') {
        this.pos++;
        return out;
      }
      if (ch === undefined) this.fail('has an unterminated string');
      if (ch !== '\\') this.fail('has a control character inside a string (escape it)');
      const esc = this.text[this.pos + 1];
      if (esc === 'u') {
        const hex = this.text.slice(this.pos + 2, this.pos + 6);
        if (!/^[0-9a-fA-F]{4}$/.test(hex)) this.fail('has a bad \\u escape');
        out += String.fromCharCode(Number.parseInt(hex, 16));
        this.pos += 6;
      } else {
        const decoded = esc === undefined ? undefined : ESCAPES[esc];
        if (decoded === undefined) this.fail('has a bad escape in a string');
        out += decoded;
        this.pos += 2;
      }
    }
  }

  private parseNumber(): JsonNumber {
    NUMBER.lastIndex = this.pos;
    const match = NUMBER.exec(this.text);
    if (!match || match[0] === '' || match[0] === '-') this.fail('has an unexpected character');
    this.pos = NUMBER.lastIndex;
    return new JsonNumber((match as RegExpExecArray)[0]);
  }

  private literal<T>(word: string, value: T): T {
    if (!this.text.startsWith(word, this.pos)) this.fail('has an unexpected character');
    this.pos += word.length;
    return value;
  }

  private checkDepth(depth: number): void {
    if (depth > this.options.maxDepth) {
      throw new InvalidJsonError(
        `${this.where()} nests deeper than ${this.options.maxDepth} levels of objects and arrays`,
      );
    }
  }

  private skipWhitespace(): void {
    // Most calls find no whitespace at all: look at one character before running the regex.
    if (this.text.charCodeAt(this.pos) > 32) return;
    WHITESPACE.lastIndex = this.pos;
    WHITESPACE.exec(this.text);
    this.pos = WHITESPACE.lastIndex;
  }

  private where(): string {
    return this.options.source ?? 'the body';
  }

  private fail(problem: string, withPosition = true, adjust = 0): never {
    const at = withPosition ? ` at ${this.position(this.pos + adjust)}` : '';
    throw new InvalidJsonError(`${this.where()} is not valid JSON: it ${problem}${at}`);
  }

  private position(offset: number): string {
    const before = this.text.slice(0, Math.max(0, offset));
    const line = before.split('\n').length;
    const column = offset - before.lastIndexOf('\n');
    return `line ${line}, column ${column}`;
  }
}

/** JSON text with numbers written exactly as they were read (or as DynamoDB returned them). */
export function stringifyJson(value: JsonValue): string {
  if (value === null) return 'null';
  switch (typeof value) {
    case 'string':
      return JSON.stringify(value);
    case 'boolean':
      return value ? 'true' : 'false';
  }
  if (value instanceof JsonNumber) return value.text;
  if (Array.isArray(value)) return `[${value.map(stringifyJson).join(',')}]`;
  const parts: string[] = [];
  for (const key of Object.keys(value)) {
    parts.push(`${JSON.stringify(key)}:${stringifyJson(value[key] as JsonValue)}`);
  }
  return `{${parts.join(',')}}`;
}

/** Plain JavaScript values (numbers as doubles), for JSON Schema validation and statistics. */
export function toPlain(value: JsonValue): unknown {
  if (value === null || typeof value !== 'object') return value;
  if (value instanceof JsonNumber) return Number(value.text);
  if (Array.isArray(value)) return value.map(toPlain);
  const out: Record<string, unknown> = {};
  for (const key of Object.keys(value)) {
    Object.defineProperty(out, key, {
      value: toPlain(value[key] as JsonValue),
      enumerable: true,
      writable: true,
      configurable: true,
    });
  }
  return out;
}
