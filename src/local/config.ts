import { readFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import path from 'node:path';
import { z } from 'zod';
import { ConfigError } from '../core/errors.js';
import type { Env } from '../core/invocation.js';
import { type Pipeline, readConfig, scheduleExpressionOf } from '../core/pipeline.js';

/**
 * The local runtime's settings: environment first, then `tributary.config.json` (in the
 * working directory, or the file TRIBUTARY_CONFIG names), then documented defaults.
 */
export const DEFAULTS = {
  host: '127.0.0.1',
  httpPort: 3000,
  s3Port: 9000,
  dynamodbPort: 8000,
  stateDir: '.tributary',
  region: 'us-east-1',
  /** Same values as src/local/s3/constants.ts; repeated so config has no import cycle with the server. */
  accessKeyId: 'tributary',
  secretAccessKey: 'tributary-local-secret',
  /** Lambda waits ~1 min then ~2 min between async retries; locally 5 s then 10 s, so failures surface fast. */
  retryBaseDelayMs: 5_000,
  concurrency: 10,
} as const;

/**
 * Execution environments (worker threads) for HTTP-triggered functions: one per core left
 * beside the main thread (which serves HTTP), at least 1, at most 4. Measured on 2 cores
 * (`npm run bench -- environments`): 1 beats 2 and 3, which cost more CPU per request.
 */
export function defaultEnvironments(): number {
  return Math.min(4, Math.max(1, availableParallelism() - 1));
}

export const CONFIG_FILE = 'tributary.config.json';

export interface PipelineSettings {
  /** Values layered over process.env for this pipeline's functions (and validated by its schema). */
  config: Record<string, string>;
  /** Resource key → physical name. */
  resources: Record<string, string>;
  enabled: boolean;
}

/** Who may open the console (and `/metrics`); with neither set it is open (bound to 127.0.0.1 by default). */
export interface ConsoleSettings {
  /** HTTP Basic users: name → password, or `sha256:<hex>` of it. */
  users: Record<string, string>;
  /** A secret in `secrets`, in the ingest API's format (`user:<name>`, `apikey:<name>`): the same credentials. */
  authSecret?: string;
}

export interface LocalConfig {
  host: string;
  httpPort: number;
  s3Port: number;
  dynamodbPort: number;
  /** Absolute. */
  stateDir: string;
  region: string;
  accessKeyId: string;
  secretAccessKey: string;
  /** Delay before the first async retry; the second waits twice as long. */
  retryBaseDelayMs: number;
  /** Concurrent invocations per function. */
  concurrency: number;
  /** Execution environments (worker threads) for HTTP-triggered functions; 0 = on the main thread. */
  environments: number;
  pipelines: Record<string, PipelineSettings>;
  /** Secret name → value, written to `<state>/secrets.json` for readSecret(). */
  secrets: Record<string, unknown>;
  /** The config file that was read, if any. */
  file?: string;
  console?: ConsoleSettings;
}

const port = z.number().int().min(0).max(65_535);
const stringValue = z.union([z.string(), z.number(), z.boolean()]).transform(String);

const fileSchema = z.strictObject({
  $schema: z.string().optional(),
  host: z.string().min(1).optional(),
  httpPort: port.optional(),
  s3Port: port.optional(),
  dynamodbPort: port.optional(),
  stateDir: z.string().min(1).optional(),
  region: z.string().min(1).optional(),
  accessKeyId: z.string().min(1).optional(),
  secretAccessKey: z.string().min(1).optional(),
  retryBaseDelayMs: z.number().int().min(0).optional(),
  concurrency: z.number().int().min(1).max(1000).optional(),
  environments: z.number().int().min(0).max(64).optional(),
  pipelines: z
    .record(
      z.string(),
      z.strictObject({
        config: z.record(z.string(), stringValue).optional(),
        resources: z.record(z.string(), z.string().min(1)).optional(),
        enabled: z.boolean().optional(),
      }),
    )
    .optional(),
  secrets: z.record(z.string(), z.unknown()).optional(),
  console: z
    .strictObject({
      users: z
        .record(z.string().regex(/^[^:]+$/, 'a user name must not contain ":"'), z.string().min(1))
        .optional(),
      authSecret: z.string().min(1).optional(),
    })
    .optional(),
});

type ConfigFile = z.infer<typeof fileSchema>;

export interface LoadConfigOptions {
  pipelines: readonly Pipeline[];
  env?: Env;
  cwd?: string;
}

export function loadConfig({
  pipelines,
  env = process.env,
  cwd = process.cwd(),
}: LoadConfigOptions): LocalConfig {
  const { data: file, path: filePath } = readConfigFile(env, cwd);
  const fromEnv = <T>(name: string, parse: (raw: string) => T): T | undefined => {
    const raw = env[name];
    return raw === undefined || raw === '' ? undefined : parse(raw);
  };
  const envPort = (name: string) => fromEnv(name, (raw) => parsePort(name, raw));
  const envInt = (name: string, min: number) => fromEnv(name, (raw) => parseInteger(name, raw, min));

  const config: LocalConfig = {
    host: env.TRIBUTARY_HOST || file.host || DEFAULTS.host,
    httpPort: envPort('TRIBUTARY_HTTP_PORT') ?? file.httpPort ?? DEFAULTS.httpPort,
    s3Port: envPort('TRIBUTARY_S3_PORT') ?? file.s3Port ?? DEFAULTS.s3Port,
    dynamodbPort: envPort('TRIBUTARY_DYNAMODB_PORT') ?? file.dynamodbPort ?? DEFAULTS.dynamodbPort,
    stateDir: path.resolve(cwd, env.TRIBUTARY_STATE_DIR || file.stateDir || DEFAULTS.stateDir),
    region: env.TRIBUTARY_REGION || file.region || DEFAULTS.region,
    accessKeyId: env.TRIBUTARY_ACCESS_KEY_ID || file.accessKeyId || DEFAULTS.accessKeyId,
    secretAccessKey: env.TRIBUTARY_SECRET_ACCESS_KEY || file.secretAccessKey || DEFAULTS.secretAccessKey,
    retryBaseDelayMs:
      envInt('TRIBUTARY_RETRY_BASE_MS', 0) ?? file.retryBaseDelayMs ?? DEFAULTS.retryBaseDelayMs,
    concurrency: envInt('TRIBUTARY_CONCURRENCY', 1) ?? file.concurrency ?? DEFAULTS.concurrency,
    environments: envEnvironments(env) ?? file.environments ?? defaultEnvironments(),
    pipelines: {},
    secrets: file.secrets ?? {},
    ...(filePath ? { file: filePath } : {}),
    ...(file.console
      ? {
          console: {
            users: file.console.users ?? {},
            ...(file.console.authSecret ? { authSecret: file.console.authSecret } : {}),
          },
        }
      : {}),
  };
  config.pipelines = pipelineSettings(file, pipelines, filePath ?? CONFIG_FILE);
  return config;
}

function readConfigFile(env: Env, cwd: string): { data: ConfigFile; path?: string } {
  const explicit = env.TRIBUTARY_CONFIG;
  const file = path.resolve(cwd, explicit || CONFIG_FILE);
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT' && !explicit) return { data: {} };
    throw new ConfigError(`cannot read config file ${file}: ${(err as Error).message}`);
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (err) {
    throw new ConfigError(`config file ${file} is not valid JSON: ${(err as Error).message}`);
  }
  const parsed = fileSchema.safeParse(json);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((issue) => {
      const where = issue.path.join('.') || '(root)';
      const keys = 'keys' in issue && Array.isArray(issue.keys) ? ` (${issue.keys.join(', ')})` : '';
      return `${where}: ${issue.message}${keys}`;
    });
    throw new ConfigError(`config file ${file} is invalid — ${problems.join('; ')}`);
  }
  return { data: parsed.data, path: file };
}

function pipelineSettings(
  file: ConfigFile,
  pipelines: readonly Pipeline[],
  where: string,
): Record<string, PipelineSettings> {
  const known = new Map(pipelines.map((p) => [p.name, p]));
  const declared = file.pipelines ?? {};
  for (const [name, settings] of Object.entries(declared)) {
    const pipeline = known.get(name);
    if (!pipeline) {
      throw new ConfigError(
        `${where}: unknown pipeline "${name}" (known: ${[...known.keys()].join(', ') || 'none'})`,
      );
    }
    for (const key of Object.keys(settings.resources ?? {})) {
      if (!(key in pipeline.resources)) {
        throw new ConfigError(
          `${where}: pipeline "${name}" has no resource "${key}" (resources: ${Object.keys(pipeline.resources).join(', ')})`,
        );
      }
    }
    for (const key of Object.keys(settings.config ?? {})) {
      if (!(key in pipeline.config.shape)) {
        throw new ConfigError(
          `${where}: pipeline "${name}" has no config key "${key}" (keys: ${Object.keys(pipeline.config.shape).join(', ') || 'none'})`,
        );
      }
    }
  }
  const result: Record<string, PipelineSettings> = {};
  for (const pipeline of pipelines) {
    const settings = declared[pipeline.name];
    result[pipeline.name] = {
      config: { ...(settings?.config ?? {}) },
      resources: { ...(settings?.resources ?? {}) },
      enabled: settings?.enabled ?? true,
    };
  }
  return result;
}

/** The physical name of a resource: the config override, or the declared name. */
export function physicalName(config: LocalConfig, pipeline: Pipeline, key: string): string {
  const override = config.pipelines[pipeline.name]?.resources[key];
  const resource = pipeline.resources[key];
  if (!resource) throw new ConfigError(`pipeline "${pipeline.name}" has no resource "${key}"`);
  return override ?? resource.name;
}

/** The pipelines that run: declared, and not disabled in config. */
export function enabledPipelines(config: LocalConfig, pipelines: readonly Pipeline[]): Pipeline[] {
  return pipelines.filter((p) => config.pipelines[p.name]?.enabled !== false);
}

/**
 * Validates every enabled pipeline's config with its own schema (and its schedule
 * expressions), so a bad value refuses to start rather than failing the first invocation.
 */
export function validatePipelineConfigs(config: LocalConfig, pipelines: readonly Pipeline[]): void {
  for (const pipeline of enabledPipelines(config, pipelines)) {
    const env = { ...process.env, ...config.pipelines[pipeline.name]?.config };
    const values = readConfig(pipeline, env) as Record<string, unknown>;
    for (const [fnName, fn] of Object.entries(pipeline.functions)) {
      for (const trigger of fn.triggers) {
        if (trigger.kind !== 'schedule') continue;
        try {
          scheduleExpressionOf(trigger, values);
        } catch (err) {
          throw new ConfigError(
            `pipeline "${pipeline.name}" function "${fnName}": ${(err as Error).message}`,
          );
        }
      }
    }
  }
}

function parsePort(name: string, raw: string): number {
  const n = Number(raw);
  if (!/^\d+$/.test(raw.trim()) || n > 65_535) {
    throw new ConfigError(`${name}="${raw}" is not a port (0-65535)`);
  }
  return n;
}

function envEnvironments(env: Env): number | undefined {
  const raw = env.TRIBUTARY_ENVIRONMENTS;
  if (raw === undefined || raw === '') return undefined;
  const n = parseInteger('TRIBUTARY_ENVIRONMENTS', raw, 0);
  if (n > 64) throw new ConfigError(`TRIBUTARY_ENVIRONMENTS="${raw}" must be an integer from 0 to 64`);
  return n;
}

function parseInteger(name: string, raw: string, min: number): number {
  const n = Number(raw);
  if (!/^\d+$/.test(raw.trim()) || n < min) {
    throw new ConfigError(`${name}="${raw}" must be an integer ≥ ${min}`);
  }
  return n;
}
