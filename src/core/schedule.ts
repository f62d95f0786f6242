import { ConfigError } from './errors.js';

/**
 * EventBridge schedule expressions, validated the way EventBridge validates them, so that
 * an expression the cloud would reject (such as `rate(7 minute)`) is refused at start,
 * locally too.
 */
export type ScheduleExpression = `rate(${string})` | `cron(${string})`;

export type ParsedSchedule =
  | { kind: 'rate'; expression: string; everyMs: number }
  | {
      kind: 'cron';
      expression: string;
      /** Minutes, hours, day-of-month, month, day-of-week, year — as written, UTC. */
      fields: CronFields;
    };

export interface CronFields {
  minutes: string;
  hours: string;
  dayOfMonth: string;
  month: string;
  dayOfWeek: string;
  year: string;
}

const UNIT_MS = { minute: 60_000, hour: 3_600_000, day: 86_400_000 } as const;

export function parseSchedule(expression: string): ParsedSchedule {
  const text = expression.trim();
  const rate = /^rate\((.*)\)$/.exec(text);
  if (rate) return { kind: 'rate', expression: text, everyMs: parseRate(rate[1] ?? '', text) };
  const cron = /^cron\((.*)\)$/.exec(text);
  if (cron) return { kind: 'cron', expression: text, fields: parseCron(cron[1] ?? '', text) };
  throw new ConfigError(`invalid schedule "${expression}": expected rate(<n> <unit>) or cron(<6 fields>)`);
}

function parseRate(body: string, text: string): number {
  const match = /^(\d+) (minute|minutes|hour|hours|day|days)$/.exec(body.trim());
  if (!match) throw new ConfigError(`invalid schedule "${text}": expected rate(<positive integer> <unit>)`);
  const value = Number(match[1]);
  const unit = match[2] as string;
  if (!Number.isSafeInteger(value) || value < 1) {
    throw new ConfigError(`invalid schedule "${text}": the value must be a positive integer`);
  }
  const singular = unit.replace(/s$/, '') as keyof typeof UNIT_MS;
  // EventBridge: "rate(1 minute)" but "rate(5 minutes)"; anything else is rejected.
  if ((value === 1) !== (unit === singular)) {
    const expected = value === 1 ? singular : `${singular}s`;
    throw new ConfigError(`invalid schedule "${text}": use "rate(${value} ${expected})"`);
  }
  return value * UNIT_MS[singular];
}

const MONTHS = ['JAN', 'FEB', 'MAR', 'APR', 'MAY', 'JUN', 'JUL', 'AUG', 'SEP', 'OCT', 'NOV', 'DEC'];
const DAYS = ['SUN', 'MON', 'TUE', 'WED', 'THU', 'FRI', 'SAT'];

interface FieldRule {
  name: keyof CronFields;
  min: number;
  max: number;
  names?: string[];
  /** First number that a name stands for (JAN = 1, SUN = 1). */
  nameBase?: number;
  extra: RegExp;
}

const RULES: FieldRule[] = [
  { name: 'minutes', min: 0, max: 59, extra: /^$/ },
  { name: 'hours', min: 0, max: 23, extra: /^$/ },
  { name: 'dayOfMonth', min: 1, max: 31, extra: /^(\?|L|LW|\d{1,2}W)$/ },
  { name: 'month', min: 1, max: 12, names: MONTHS, nameBase: 1, extra: /^$/ },
  {
    name: 'dayOfWeek',
    min: 1,
    max: 7,
    names: DAYS,
    nameBase: 1,
    extra: /^(\?|([1-7]|SUN|MON|TUE|WED|THU|FRI|SAT)(L|#[1-5]))$/,
  },
  { name: 'year', min: 1970, max: 2199, extra: /^$/ },
];

function parseCron(body: string, text: string): CronFields {
  const parts = body.trim().split(/\s+/);
  if (parts.length !== 6) {
    throw new ConfigError(
      `invalid schedule "${text}": cron needs 6 fields (minutes hours day-of-month month day-of-week year), got ${parts.length}`,
    );
  }
  const fields = {} as CronFields;
  RULES.forEach((rule, i) => {
    const value = (parts[i] as string).toUpperCase();
    validateField(value, rule, text);
    fields[rule.name] = value;
  });
  const domAny = fields.dayOfMonth === '?';
  const dowAny = fields.dayOfWeek === '?';
  if (domAny === dowAny) {
    throw new ConfigError(
      `invalid schedule "${text}": exactly one of day-of-month and day-of-week must be "?"`,
    );
  }
  return fields;
}

function validateField(value: string, rule: FieldRule, text: string): void {
  const fail = (why: string): never => {
    throw new ConfigError(`invalid schedule "${text}": ${rule.name} "${value}" ${why}`);
  };
  if (rule.extra.test(value)) return;
  for (const item of value.split(',')) {
    const [range, step, ...rest] = item.split('/');
    if (rest.length > 0 || range === undefined || range === '') fail('is malformed');
    if (step !== undefined && !/^\d+$/.test(step)) fail('has a step that is not a number');
    if (range === '*') continue;
    const ends = (range as string).split('-');
    if (ends.length > 2) fail('is malformed');
    for (const end of ends) {
      const n = toNumber(end, rule);
      if (n === undefined) fail(`has "${end}", which is not allowed here`);
      else if (n < rule.min || n > rule.max) fail(`is outside ${rule.min}-${rule.max}`);
    }
  }
}

function toNumber(token: string, rule: FieldRule): number | undefined {
  if (/^\d+$/.test(token)) return Number(token);
  const index = rule.names?.indexOf(token) ?? -1;
  return index >= 0 ? index + (rule.nameBase ?? 0) : undefined;
}

/** The names of EventBridge's day-of-week numbers (1 = SUN), for engines that count from 0. */
export const DAY_NAMES: readonly string[] = DAYS;
