import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { ConfigError } from '../core/errors.js';
import type { Pipeline } from '../core/pipeline.js';

/**
 * The pipelines the CLI runs: the registry in src/pipelines, or — for tests and for trying a
 * pipeline before it is registered — the `pipelines` export of the module TRIBUTARY_PIPELINES names.
 */
export async function loadPipelines(env = process.env, cwd = process.cwd()): Promise<Pipeline[]> {
  const override = env.TRIBUTARY_PIPELINES;
  if (!override) return (await import('../pipelines/index.js')).pipelines;
  const file = path.resolve(cwd, override);
  let module: { pipelines?: unknown };
  try {
    module = (await import(pathToFileURL(file).href)) as { pipelines?: unknown };
  } catch (err) {
    throw new ConfigError(`TRIBUTARY_PIPELINES: cannot load ${file}: ${(err as Error).message}`);
  }
  if (!Array.isArray(module.pipelines)) {
    throw new ConfigError(`TRIBUTARY_PIPELINES: ${file} does not export "pipelines" (an array)`);
  }
  return module.pipelines as Pipeline[];
}
