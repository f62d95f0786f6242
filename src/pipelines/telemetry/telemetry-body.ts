import { BadRequestError, UnsupportedMediaTypeError } from './errors.js';

/** `application/json`, with or without parameters (`; charset=utf-8`), and `application/<x>+json`. */
export function checkJsonContentType(header: string | undefined): void {
  const mediaType = header?.split(';')[0]?.trim().toLowerCase() ?? '';
  if (mediaType === 'application/json' || /^application\/[\w.+-]+\+json$/.test(mediaType)) return;
  throw new UnsupportedMediaTypeError(
    `content type not supported: send Content-Type: application/json (got ${header ? JSON.stringify(header) : 'none'})`,
  );
}

export type TelemetryDocument = Record<string, unknown> & { scenarios: Record<string, unknown>[] };

/** Fields every krkn client version sends per scenario. */
const REQUIRED_SCENARIO_FIELDS = ['scenario', 'start_timestamp', 'end_timestamp', 'exit_status'];

/**
 * The reference server's rules: a JSON object whose `scenarios` is a list; each scenario's
 * fields other than `parameters_base64` must not be null or "" (errors name the field).
 */
export function parseTelemetry(text: string): TelemetryDocument {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw new BadRequestError('the body is not valid JSON');
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value))
    throw new BadRequestError('the body must be a JSON object');
  const scenarios = (value as Record<string, unknown>).scenarios;
  if (!Array.isArray(scenarios)) throw new BadRequestError('scenarios param must be a list of objects');
  scenarios.forEach((scenario, i) => {
    if (typeof scenario !== 'object' || scenario === null || Array.isArray(scenario))
      throw new BadRequestError(`scenarios[${i}] must be an object`);
    const fields = scenario as Record<string, unknown>;
    for (const name of REQUIRED_SCENARIO_FIELDS) {
      if (!(name in fields)) throw new BadRequestError(`scenarios[${i}].${name} is missing`);
    }
    for (const [name, field] of Object.entries(fields)) {
      if (name === 'parameters_base64') continue;
      if (field === null || field === '')
        throw new BadRequestError(`scenarios[${i}].${name} is null or empty`);
    }
  });
  return value as TelemetryDocument;
}
