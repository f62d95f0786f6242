import type { Command } from 'commander';
import { ensureLocalDefault, localDefaultPath } from '../../clients/index.js';
import { loadConfig } from '../../local/config.js';
import { DEV_KEY } from '../../pipelines/ingest/dev-key.js';
import { loadPipelines } from '../registry.js';

/** `tributary ingest dev-key`: the API key the local runtime uses when no auth secret is configured. */
export function register(program: Command): void {
  const ingest = program.command('ingest').description('the ingest pipeline');
  ingest
    .command('dev-key')
    .description("print the local runtime's generated API key (used when no auth secret is configured)")
    .action(async () => {
      const config = loadConfig({ pipelines: await loadPipelines() });
      process.stdout.write(`${ensureLocalDefault(config.stateDir, DEV_KEY).key}\n`);
      process.stderr.write(`(caller "dev", from ${localDefaultPath(config.stateDir, DEV_KEY)})\n`);
    });
}
