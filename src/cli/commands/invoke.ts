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
 * the same scope the runtime gives the function. With `tributary dev` running on the same
 * state dir, the handler talks to its endpoints; otherwise the embedded endpoints are started
 * for the duration (events the handler causes are queued for the next `dev`).
 */
export async function invokeCommand(id: string, eventSource: string): Promise<unknown> {
  const event = await readEvent(eventSource);
  const pipelines = await loadPipelines();
  const config = loadConfig({ pipelines });
  const known = enabledPipelines(config, pipelines).flatMap((p) =>
    Object.keys(p.functions).map((f) => functionId(p, f)),
  );
  if (!known.includes(id)) throw new UnknownFunctionError(id, known.sort());
  const running = runningRuntime(statePaths(config.stateDir));
  if (running) {
    const functions = resolveFunctions({
      pipelines,
      config,
      paths: statePaths(config.stateDir),
      endpoints: { s3Url: running.s3Url, dynamodbUrl: running.dynamodbUrl },
    });
    const fn = findFunction(functions, id);
    try {
      return await invokeFunction(fn, event, { region: config.region });
    } catch (err) {
      throw new HandlerFailedError(id, err);
    }
  }
  const runtime = await startRuntime({ pipelines, config, gateway: false, scheduler: false, invoker: false });
  try {
    try {
      return await runtime.invoke(id, event);
    } catch (err) {
      throw new HandlerFailedError(id, err);
    }
  } finally {
    await runtime.close();
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
