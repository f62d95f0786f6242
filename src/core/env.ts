import { AsyncLocalStorage } from 'node:async_hooks';

/**
 * The environment a handler sees. On Lambda it is `process.env`. The local runtime runs
 * many functions in one process, so it gives each invocation its own environment (resource
 * names, endpoints, credentials) through async context instead of mutating `process.env`.
 */
export type Env = Readonly<Record<string, string | undefined>>;

const scope = new AsyncLocalStorage<Env>();

export function currentEnv(): Env {
  return scope.getStore() ?? process.env;
}

export function runWithEnv<T>(env: Env, fn: () => T): T {
  return scope.run(env, fn);
}
