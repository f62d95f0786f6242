import type { z } from 'zod';
import { ConfigError } from './errors.js';
import { type Grant, IAM_ACTIONS, type MetricsGrant } from './grants.js';
import { currentEnv, type Env } from './invocation.js';
import type { Resource } from './resources.js';
import { parseSchedule } from './schedule.js';
import type { KeyFilter, KeyFilterValue, Trigger } from './triggers.js';

export interface FunctionSpec<R extends string = string> {
  description?: string;
  /** Lambda memory in MB (default 512). */
  memoryMb?: number;
  /** Lambda timeout in seconds (default 60, at most 900). */
  timeoutSeconds?: number;
  triggers: Trigger<R>[];
  grants: Grant<R>[];
}

// biome-ignore lint/suspicious/noExplicitAny: a zod object of any shape
export type ConfigSchema = z.ZodObject<any>;

export interface PipelineSpec<
  R extends Record<string, Resource> = Record<string, Resource>,
  C extends ConfigSchema = ConfigSchema,
> {
  /** Kebab-case; equals the folder under src/pipelines/. */
  name: string;
  description: string;
  /** Settings read from the function's environment; strings coerced by the schema. */
  config: C;
  resources: R;
  /** One entry per Lambda function; the key is the handler's export name in `handler.ts`. */
  functions: Record<string, FunctionSpec<Extract<keyof R, string>>>;
  /** Loads `handler.ts`, which exports one Lambda handler per function. */
  handlers: () => Promise<Record<string, unknown>>;
}

export type Pipeline<
  R extends Record<string, Resource> = Record<string, Resource>,
  C extends ConfigSchema = ConfigSchema,
> = Readonly<PipelineSpec<R, C>>;

export const DEFAULT_MEMORY_MB = 512;
export const DEFAULT_TIMEOUT_SECONDS = 60;

/**
 * Declares a pipeline once, for both runtimes. Checks the declaration eagerly so that a
 * trigger or grant naming a missing resource fails at import, not at deploy.
 *
 * @example
 * export default definePipeline({
 *   name: 'csv-load',
 *   description: 'CSV files landing in a bucket, loaded into a table',
 *   config: z.object({ KEY_COLUMN: z.string().default('ID') }),
 *   resources: {
 *     landing: bucket({ name: 'tributary-landing', env: 'LANDING_BUCKET' }),
 *     items: table({ name: 'items', env: 'TABLE_NAME', partitionKey: { name: 'ID', type: 'S' } }),
 *   },
 *   functions: {
 *     load: {
 *       timeoutSeconds: 900,
 *       triggers: [onObjectCreated('landing', { prefix: 'data/', suffix: '.csv' })],
 *       grants: [read('landing'), write('items')],
 *     },
 *   },
 *   handlers: () => import('./handler.js'),
 * });
 */
export function definePipeline<R extends Record<string, Resource>, C extends ConfigSchema>(
  spec: PipelineSpec<R, C>,
): Pipeline<R, C> {
  validatePipeline(spec);
  return Object.freeze({ ...spec });
}

function validatePipeline<R extends Record<string, Resource>>(spec: PipelineSpec<R, ConfigSchema>): void {
  const where = `pipeline "${spec.name}"`;
  const fail = (message: string): never => {
    throw new ConfigError(`${where}: ${message}`);
  };
  if (!/^[a-z][a-z0-9-]*$/.test(spec.name)) fail('name must be kebab-case (a-z, 0-9, -)');
  if (Object.keys(spec.functions).length === 0) fail('declares no functions');

  for (const [fnName, fn] of Object.entries(spec.functions)) {
    const at = `function "${fnName}"`;
    if (!/^[a-zA-Z_][a-zA-Z0-9_]*$/.test(fnName))
      fail(`${at}: name must be an identifier (it is the handler's export)`);
    const timeout = fn.timeoutSeconds ?? DEFAULT_TIMEOUT_SECONDS;
    if (timeout < 1 || timeout > 900) fail(`${at}: timeoutSeconds must be 1-900`);
    const memory = fn.memoryMb ?? DEFAULT_MEMORY_MB;
    if (memory < 128 || memory > 10_240) fail(`${at}: memoryMb must be 128-10240`);

    for (const trigger of fn.triggers) {
      if (trigger.kind === 's3') {
        const resource = spec.resources[trigger.bucket];
        if (resource?.kind !== 'bucket')
          fail(`${at}: S3 trigger names "${trigger.bucket}", which is not a bucket resource`);
        if (trigger.events.length === 0) fail(`${at}: S3 trigger lists no events`);
        for (const value of [trigger.prefix, trigger.suffix]) {
          if (typeof value === 'object' && !(value.configKey in spec.config.shape))
            fail(`${at}: S3 filter config key "${value.configKey}" is not in the config schema`);
        }
      } else if (trigger.kind === 'schedule') {
        const { expression } = trigger;
        if (typeof expression === 'string') parseSchedule(expression);
        else if (!(expression.configKey in spec.config.shape)) {
          fail(`${at}: schedule config key "${expression.configKey}" is not in the config schema`);
        }
      } else {
        for (const route of trigger.routes) {
          if (!/^(GET|POST|PUT|PATCH|DELETE|HEAD|OPTIONS|ANY) \/[^\s]*$/.test(route))
            fail(`${at}: bad route "${route}"`);
        }
      }
    }
    for (const grant of fn.grants) {
      if (grant.kind === 'metrics' && typeof grant.namespace === 'object') {
        if (!(grant.namespace.configKey in spec.config.shape))
          fail(
            `${at}: metrics namespace config key "${grant.namespace.configKey}" is not in the config schema`,
          );
      }
      if (grant.kind !== 'resource') continue;
      const resource = spec.resources[grant.resource];
      if (!resource) fail(`${at}: grant names "${grant.resource}", which is not a declared resource`);
      else {
        for (const access of grant.access) {
          if (!IAM_ACTIONS[resource.kind][access])
            fail(`${at}: "${access}" is not an access a ${resource.kind} has`);
        }
      }
    }
  }
}

/** A function's id as the CLI and logs name it: `<pipeline>.<function>`. */
export const functionId = (pipeline: Pick<Pipeline, 'name'>, fnName: string): string =>
  `${pipeline.name}.${fnName}`;

/**
 * Parses a pipeline's config from an environment (default: the current invocation's).
 * Errors name every bad key, never a stack trace.
 */
export function readConfig<C extends ConfigSchema>(
  pipeline: Pick<Pipeline<Record<string, Resource>, C>, 'name' | 'config'>,
  env: Env = currentEnv(),
): z.infer<C> {
  const result = pipeline.config.safeParse(env);
  if (result.success) return result.data;
  const problems = result.error.issues.map(
    (issue) => `${issue.path.join('.') || '(config)'}: ${issue.message}`,
  );
  throw new ConfigError(`pipeline "${pipeline.name}" config is invalid — ${problems.join('; ')}`);
}

/** A metrics grant's namespace, resolving a config key. */
export function metricsNamespaceOf(grant: MetricsGrant, config: Record<string, unknown>): string {
  if (typeof grant.namespace === 'string') return grant.namespace;
  const value = config[grant.namespace.configKey];
  if (typeof value !== 'string' || value === '')
    throw new ConfigError(`config ${grant.namespace.configKey} must be a metric namespace`);
  return value;
}

/** Grants with every config key resolved (what the cloud app turns into IAM). */
export function resolveGrants(grants: readonly Grant[], config: Record<string, unknown>): Grant[] {
  return grants.map((g) =>
    g.kind === 'metrics' ? { kind: 'metrics', namespace: metricsNamespaceOf(g, config) } : g,
  );
}

/** An S3 trigger's key filter, resolving config keys. */
export function s3FilterOf(
  trigger: Extract<Trigger, { kind: 's3' }>,
  config: Record<string, unknown>,
): KeyFilter {
  const resolve = (value: KeyFilterValue | undefined): string => {
    if (value === undefined) return '';
    if (typeof value === 'string') return value;
    const configured = config[value.configKey];
    if (typeof configured !== 'string') throw new ConfigError(`config ${value.configKey} must be a string`);
    return `${configured}${value.append ?? ''}`;
  };
  return { prefix: resolve(trigger.prefix), suffix: resolve(trigger.suffix) };
}

/** Whether a trigger's filter needs the pipeline's config to be known. */
export const s3FilterUsesConfig = (trigger: Extract<Trigger, { kind: 's3' }>): boolean =>
  typeof trigger.prefix === 'object' || typeof trigger.suffix === 'object';

/** The schedule expression of a trigger, resolving a config key. */
export function scheduleExpressionOf(
  trigger: Extract<Trigger, { kind: 'schedule' }>,
  config: Record<string, unknown>,
): string {
  const { expression } = trigger;
  if (typeof expression === 'string') return expression;
  const value = config[expression.configKey];
  if (typeof value !== 'string')
    throw new ConfigError(`config ${expression.configKey} must be a schedule expression`);
  parseSchedule(value);
  return value;
}

/**
 * The physical name of one of a pipeline's resources, as the current invocation's
 * environment gives it (set by the runtime for granted resources only).
 */
export function resourceName<R extends Record<string, Resource>>(
  pipeline: Pick<Pipeline<R>, 'name' | 'resources'>,
  key: Extract<keyof R, string>,
  env: Env = currentEnv(),
): string {
  const resource = pipeline.resources[key] as Resource;
  const value = env[resource.env];
  if (!value) {
    throw new ConfigError(
      `pipeline "${pipeline.name}": ${resource.env} (the ${resource.kind} "${key}") is not set — is the function granted it?`,
    );
  }
  return value;
}
