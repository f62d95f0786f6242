import { readFileSync } from 'node:fs';
import { text } from 'node:stream/consumers';
import { UsageError } from '../../core/errors.js';
import { functionId } from '../../core/pipeline.js';
import { enabledPipelines, loadConfig } from '../../local/config.js';
import { findFunction, resolveFunctions, UnknownFunctionError } from '../../local/runtime/functions.js';
import { invokeFunction } from '../../local/runtime/invoke.js';
import { startRuntime } from '../../local/runtime.js';
import { runningRuntime, statePaths } from '../../local/state.js';
import { loadPipelines } from '../registry.js';

/** Thrown when the handler itself failed: the CLI prints it and exits non-zero. */
export class HandlerFailedError extends Error {
  constructor(
    readonly functionId: string,
    override readonly cause: unknown,
  ) {
    const e = cause instanceof Error ? cause : new Error(String(cause));
    super(`${functionId} failed: ${e.name}: ${e.message}`);
    this.name = 'HandlerFailedError';
  }
}

/**
 * `tributary invoke <pipeline>.<function> --event <file|->`: one synchronous invocation in
 * the same scope the runtime gives the function (see `invokeOnce`).
 */
export async function invokeCommand(id: string, eventSource: string): Promise<unknown> {
  return invokeOnce(id, await readEvent(eventSource));
}

/**
 * Runs one function once, synchronously, in its own scope (env and grants). With `tributary
 * dev` running on the same state dir, the handler talks to its endpoints; otherwise the
 * embedded endpoints are started for the duration (events the handler causes are queued for
 * the next `dev`). What every CLI command that runs a pipeline's function goes through.
 */
export async function invokeOnce(id: string, event: unknown): Promise<unknown> {
  const pipelines = await loadPipelines();
  const config = loadConfig({ pipelines });
  const known = enabledPipelines(config, pipelines).flatMap((p) =>
    Object.keys(p.functions).map((f) => functionId(p, f)),
  );
  if (!known.includes(id)) throw new UnknownFunctionError(id, known.sort());
  const paths = statePaths(config.stateDir);
  const running = runningRuntime(paths);
  if (running) {
    const functions = resolveFunctions({
      pipelines,
      config,
      paths,
      endpoints: { s3Url: running.s3Url, dynamodbUrl: running.dynamodbUrl },
    });
    return handlerResult(id, () =>
      invokeFunction(findFunction(functions, id), event, { region: config.region }),
    );
  }
  const runtime = await startRuntime({ pipelines, config, gateway: false, scheduler: false, invoker: false });
  try {
    return await handlerResult(id, () => runtime.invoke(id, event));
  } finally {
    await runtime.close();
  }
}

async function handlerResult(id: string, run: () => Promise<unknown>): Promise<unknown> {
  try {
    return await run();
  } catch (err) {
    throw new HandlerFailedError(id, err);
  }
}

async function readEvent(source: string): Promise<unknown> {
  let raw: string;
  if (source === '-') raw = await text(process.stdin);
  else {
    try {
      raw = readFileSync(source, 'utf8');
    } catch (err) {
      throw new UsageError(
        `cannot read event file ${source}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`,
      );
    }
  }
  try {
    return JSON.parse(raw);
  } catch (err) {
    throw new UsageError(
      `event ${source === '-' ? '(stdin)' : source} is not valid JSON: ${(err as Error).message}`,
    );
  }
}
