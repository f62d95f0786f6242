import { AsyncLocalStorage } from 'node:async_hooks';

/**
 * What a handler's invocation sees. On Lambda that is `process.env` and IAM. The local
 * runtime runs many functions in one process, so it gives each invocation its own
 * environment (resource names, endpoints, credentials) and an access guard through async
 * context, instead of mutating `process.env`.
 */
export type Env = Readonly<Record<string, string | undefined>>;

/** Throws when the current function may not perform `action` (IAM name) on the named resource. */
export type AccessGuard = (action: string, resource: { service: string; name: string }) => void;

export interface InvocationScope {
  env: Env;
  guard?: AccessGuard;
}

const scope = new AsyncLocalStorage<InvocationScope>();

export function currentEnv(): Env {
  return scope.getStore()?.env ?? process.env;
}

export function currentGuard(): AccessGuard | undefined {
  return scope.getStore()?.guard;
}

export function runInScope<T>(invocation: InvocationScope, fn: () => T): T {
  return scope.run(invocation, fn);
}
