import { AccessNotGrantedError, ConfigError, UsageError } from '../../core/errors.js';
import { actionsFor } from '../../core/grants.js';
import type { AccessGuard, Env } from '../../core/invocation.js';
import {
  DEFAULT_MEMORY_MB,
  DEFAULT_TIMEOUT_SECONDS,
  type FunctionSpec,
  functionId,
  type Pipeline,
} from '../../core/pipeline.js';
import { enabledPipelines, type LocalConfig, physicalName } from '../config.js';
import type { StatePaths } from '../state.js';

/** Where a function's SDK clients go: the embedded endpoints (or those of a running `tributary dev`). */
export interface Endpoints {
  s3Url: string;
  dynamodbUrl: string;
}

// biome-ignore lint/suspicious/noExplicitAny: Lambda handlers take any event shape
export type Handler = (event: any, context: any) => unknown;

/** One declared function, resolved against config: what the invoker and gateway run. */
export interface LocalFunction {
  /** `<pipeline>.<function>` */
  id: string;
  pipeline: Pipeline;
  name: string;
  spec: FunctionSpec;
  /** Lambda-style name (`<pipeline>-<function>`). */
  lambdaName: string;
  memoryMb: number;
  timeoutMs: number;
  env: Env;
  guard: AccessGuard;
  handler: () => Promise<Handler>;
}

export const LOCAL_ACCOUNT_ID = '000000000000';

export interface ResolveOptions {
  pipelines: readonly Pipeline[];
  config: LocalConfig;
  paths: StatePaths;
  endpoints: Endpoints;
  /** Base environment (default process.env). */
  baseEnv?: Env;
}

export function resolveFunctions(options: ResolveOptions): Map<string, LocalFunction> {
  const functions = new Map<string, LocalFunction>();
  for (const pipeline of enabledPipelines(options.config, options.pipelines)) {
    for (const [name, spec] of Object.entries(pipeline.functions)) {
      const id = functionId(pipeline, name);
      functions.set(id, {
        id,
        pipeline,
        name,
        spec,
        lambdaName: `${pipeline.name}-${name}`,
        memoryMb: spec.memoryMb ?? DEFAULT_MEMORY_MB,
        timeoutMs: (spec.timeoutSeconds ?? DEFAULT_TIMEOUT_SECONDS) * 1000,
        env: functionEnv(options, pipeline, name, spec),
        guard: functionGuard(options.config, pipeline, id, spec),
        handler: handlerLoader(pipeline, name),
      });
    }
  }
  return functions;
}

/**
 * What the function's process.env would hold on Lambda: its pipeline's config, the physical
 * name of each resource it is granted, and where and how to reach the embedded endpoints.
 */
function functionEnv(options: ResolveOptions, pipeline: Pipeline, name: string, spec: FunctionSpec): Env {
  const { config, paths, endpoints } = options;
  const env: Record<string, string | undefined> = {
    ...(options.baseEnv ?? process.env),
    ...config.pipelines[pipeline.name]?.config,
    AWS_REGION: config.region,
    AWS_DEFAULT_REGION: config.region,
    AWS_ACCESS_KEY_ID: config.accessKeyId,
    AWS_SECRET_ACCESS_KEY: config.secretAccessKey,
    AWS_ENDPOINT_URL_S3: endpoints.s3Url,
    AWS_ENDPOINT_URL_DYNAMODB: endpoints.dynamodbUrl,
    S3_FORCE_PATH_STYLE: 'true',
    TRIBUTARY_SECRETS_FILE: paths.secrets,
    TRIBUTARY_METRICS_FILE: paths.metrics,
    AWS_LAMBDA_FUNCTION_NAME: `${pipeline.name}-${name}`,
    AWS_LAMBDA_FUNCTION_MEMORY_SIZE: String(spec.memoryMb ?? DEFAULT_MEMORY_MB),
  };
  delete env.AWS_SESSION_TOKEN;
  delete env.AWS_PROFILE;
  for (const grant of spec.grants) {
    if (grant.kind !== 'resource') continue;
    const resource = pipeline.resources[grant.resource];
    if (resource) env[resource.env] = physicalName(config, pipeline, grant.resource);
  }
  return Object.freeze(env);
}

/** Refuses any action the function's grants do not cover — the local stand-in for its IAM policy. */
function functionGuard(config: LocalConfig, pipeline: Pipeline, id: string, spec: FunctionSpec): AccessGuard {
  const allowed = new Map<string, Set<string>>();
  let metrics = false;
  for (const grant of spec.grants) {
    if (grant.kind === 'metrics') {
      metrics = true;
      continue;
    }
    const resource = pipeline.resources[grant.resource];
    if (!resource) continue;
    const name = physicalName(config, pipeline, grant.resource);
    for (const action of actionsFor(resource.kind, grant.access)) {
      const names = allowed.get(action) ?? new Set<string>();
      names.add(name);
      allowed.set(action, names);
    }
  }
  return (action, resource) => {
    if (metrics && action === 'cloudwatch:PutMetricData') return;
    if (allowed.get(action)?.has(resource.name)) return;
    throw new AccessNotGrantedError(id, action, `${resource.service}:${resource.name}`);
  };
}

function handlerLoader(pipeline: Pipeline, name: string): () => Promise<Handler> {
  let loaded: Promise<Handler> | undefined;
  return () => {
    loaded ??= pipeline.handlers().then((module) => {
      const handler = module[name];
      if (typeof handler !== 'function') {
        throw new ConfigError(
          `pipeline "${pipeline.name}": its handlers module exports no function "${name}"`,
        );
      }
      return handler as Handler;
    });
    return loaded;
  };
}

/** Looks a function up by id; unknown → a message listing the known ones. */
export function findFunction(functions: ReadonlyMap<string, LocalFunction>, id: string): LocalFunction {
  const fn = functions.get(id);
  if (fn) return fn;
  const known = [...functions.keys()].sort();
  throw new UnknownFunctionError(id, known);
}

export class UnknownFunctionError extends UsageError {
  constructor(
    readonly functionId: string,
    readonly known: string[],
  ) {
    super(
      `unknown function "${functionId}"; known functions: ${known.length > 0 ? known.join(', ') : '(none — no pipelines are registered)'}`,
    );
  }
}
