import { randomUUID } from 'node:crypto';
import type { Context } from 'aws-lambda';
import { runInScope } from '../../core/invocation.js';
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
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new FunctionTimeoutError(fn.timeoutMs)), fn.timeoutMs);
  });
  try {
    const run = runInScope({ env: fn.env, guard: fn.guard }, async () => handler(event, context));
    run.catch(() => {}); // observed below; avoids an unhandled rejection after a timeout
    return await Promise.race([run, timeout]);
  } finally {
    clearTimeout(timer);
  }
}
