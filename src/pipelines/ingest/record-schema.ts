import { Ajv, type ValidateFunction } from 'ajv';
import addFormatsPlugin from 'ajv-formats';
import { ConfigError } from '../../core/errors.js';
import { InvalidRecordError } from './errors.js';

/** Validates one record (plain JS values) and throws an error naming the field. */
export type RecordValidator = (record: unknown, label: string) => void;

const MAX_REPORTED = 5;
const compiled = new Map<string, RecordValidator>();
const addFormats = addFormatsPlugin as unknown as (ajv: Ajv) => Ajv;

/**
 * Compiles the configured JSON Schema once per schema text. Ajv's strict mode refuses
 * unknown keywords, so a typo in the schema stops the function from starting instead of
 * silently accepting everything.
 */
export function recordValidator(schemaText: string): RecordValidator {
  const cached = compiled.get(schemaText);
  if (cached) return cached;
  let schema: unknown;
  try {
    schema = JSON.parse(schemaText);
  } catch (err) {
    throw new ConfigError(`RECORD_SCHEMA is not JSON: ${(err as Error).message}`);
  }
  if (typeof schema !== 'object' || schema === null || Array.isArray(schema))
    throw new ConfigError('RECORD_SCHEMA must be a JSON Schema object');
  let validate: ValidateFunction;
  try {
    const ajv = addFormats(new Ajv({ allErrors: true }));
    validate = ajv.compile(schema);
  } catch (err) {
    throw new ConfigError(`RECORD_SCHEMA is not a valid JSON Schema: ${(err as Error).message}`);
  }
  const validator: RecordValidator = (record, label) => {
    if (validate(record)) return;
    const errors = validate.errors ?? [];
    const problems = errors.slice(0, MAX_REPORTED).map((e) => {
      const missing =
        e.keyword === 'required' ? (e.params as { missingProperty?: string }).missingProperty : undefined;
      const field = missing ? `${e.instancePath}/${missing}` : e.instancePath;
      const where = field ? `field "${field.slice(1).replaceAll('/', '.')}"` : 'the record';
      return missing ? `${where} is required` : `${where} ${e.message ?? 'is invalid'}`;
    });
    const more = errors.length > MAX_REPORTED ? ` (and ${errors.length - MAX_REPORTED} more)` : '';
    throw new InvalidRecordError(`${label} does not match RECORD_SCHEMA: ${problems.join('; ')}${more}`);
  };
  compiled.set(schemaText, validator);
  return validator;
}
