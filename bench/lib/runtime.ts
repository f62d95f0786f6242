import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Pipeline } from '../../src/core/index.js';
import type { LocalConfig } from '../../src/local/config.js';
import type { Runtime, RuntimeOptions } from '../../src/local/runtime.js';

export interface BenchRuntime {
  /** The temp dir holding `tributary.config.json` and the state (`state/`); the bench removes it. */
  dir: string;
  config: LocalConfig;
  runtime: Runtime;
}

/**
 * A local runtime for a bench: a fresh temp dir with the given `tributary.config.json`
 * (built from the dir, for configs that point into it), state under it, and every port
 * chosen by the OS. The runtime modules load on first call, after the bench has set its env.
 */
export async function startBenchRuntime(options: {
  name: string;
  pipelines: readonly Pipeline[];
  configFile: (dir: string) => object;
  runtime?: Omit<RuntimeOptions, 'pipelines' | 'config'>;
}): Promise<BenchRuntime> {
  const { startRuntime } = await import('../../src/local/runtime.js');
  const { loadConfig } = await import('../../src/local/config.js');
  const dir = mkdtempSync(join(tmpdir(), `bench-${options.name}-`));
  writeFileSync(join(dir, 'tributary.config.json'), JSON.stringify(options.configFile(dir)));
  const config = loadConfig({
    pipelines: options.pipelines,
    env: {
      TRIBUTARY_STATE_DIR: join(dir, 'state'),
      TRIBUTARY_HTTP_PORT: '0',
      TRIBUTARY_S3_PORT: '0',
      TRIBUTARY_DYNAMODB_PORT: '0',
    },
    cwd: dir,
  });
  const runtime = await startRuntime({ ...options.runtime, pipelines: options.pipelines, config });
  return { dir, config, runtime };
}
