import { randomUUID } from 'node:crypto';
import type { Context } from 'aws-lambda';
import { type InvocationScope, runInScope } from '../../core/invocation.js';
import { LOCAL_ACCOUNT_ID, type LocalFunction } from './functions.js';

/** The attempt ran past the function's timeout (Lambda: "Task timed out after N seconds"). */
export class FunctionTimeoutError extends Error {
  constructor(readonly timeoutMs: number) {
    super(`Task timed out after ${(timeoutMs / 1000).toFixed(2)} seconds`);
    this.name = 'TimeoutError';
  }
}

export function lambdaContext(
  fn: LocalFunction,
  region: string,
  deadline: number,
  requestId: string,
): Context {
  const arn = `arn:aws:lambda:${region}:${LOCAL_ACCOUNT_ID}:function:${fn.lambdaName}`;
  const unsupported = () => {
    throw new Error('context.done/succeed/fail are not supported: return or throw from the handler');
  };
  return {
    callbackWaitsForEmptyEventLoop: true,
    functionName: fn.lambdaName,
    functionVersion: '$LATEST',
    invokedFunctionArn: arn,
    memoryLimitInMB: String(fn.memoryMb),
    awsRequestId: requestId,
    logGroupName: `/aws/lambda/${fn.lambdaName}`,
    logStreamName: `local/${requestId}`,
    getRemainingTimeInMillis: () => Math.max(0, deadline - Date.now()),
    done: unsupported,
    fail: unsupported,
    succeed: unsupported,
  };
}

export interface InvokeOptions {
  region: string;
  requestId?: string;
}

/**
 * Runs one attempt of a function: its handler inside the function's scope (env + access
 * guard), with a Lambda context, failing with FunctionTimeoutError past the timeout. Node
 * cannot stop a promise, so a timed-out handler's remaining work runs on unobserved, as a
 * frozen Lambda sandbox's would resume — its result is dropped.
 */
export async function invokeFunction(
  fn: LocalFunction,
  event: unknown,
  options: InvokeOptions,
): Promise<unknown> {
  const handler = await fn.handler();
  const requestId = options.requestId ?? randomUUID();
  const deadline = Date.now() + fn.timeoutMs;
  const context = lambdaContext(fn, options.region, deadline, requestId);
  const run = runInScope(scopeOf(fn), async () => handler(event, context));
  // One timer and one settle per attempt (no extra promise and race): whichever comes first
  // wins, and a late settle of the other is ignored.
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new FunctionTimeoutError(fn.timeoutMs)), fn.timeoutMs);
    run.then(
      (value) => {
        clearTimeout(timer);
        resolve(value);
      },
      (err: unknown) => {
        clearTimeout(timer);
        reject(err);
      },
    );
  });
}

// The scope object is the same for every attempt of a function.
const scopes = new WeakMap<LocalFunction, InvocationScope>();
function scopeOf(fn: LocalFunction): InvocationScope {
  let scope = scopes.get(fn);
  if (!scope) {
    scope = { env: fn.env, guard: fn.guard };
    scopes.set(fn, scope);
  }
  return scope;
}
