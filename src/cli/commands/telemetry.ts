import type { Command } from 'commander';
import { ensureLocalDefault, localDefaultPath } from '../../clients/index.js';
import { UsageError } from '../../core/errors.js';
import { loadConfig } from '../../local/config.js';
import { DEV_USERS } from '../../pipelines/telemetry/dev-users.js';
import type { PruneEvent } from '../../pipelines/telemetry/handler.js';
import { hashPassword } from '../../pipelines/telemetry/passwords.js';
import type { PruneResult } from '../../pipelines/telemetry/prune.js';
import { loadPipelines } from '../registry.js';
import { invokeOnce } from './invoke.js';

const PRUNE_FUNCTION = 'telemetry.prune';

/**
 * `tributary telemetry prune --older-than <days> [--yes]`, `hash-password`, `dev-credentials`.
 * prune runs the pipeline's `prune` function in its own scope (env and grants): against a
 * running `tributary dev` on the same state dir through its endpoints, else on embedded ones.
 */
export function register(program: Command): void {
  const telemetry = program
    .command('telemetry')
    .description('the krkn telemetry pipeline: retention and users');
  telemetry
    .command('prune')
    .description('list runs older than N days (by the run folder time); delete them with --yes')
    .requiredOption('--older-than <days>', 'age in days (a whole or decimal number ≥ 0)')
    .option('--yes', 'delete the listed runs (objects and index records); without it nothing is deleted')
    .option('--json', 'print the result as JSON')
    .action(async (opts: { olderThan: string; yes?: boolean; json?: boolean }) => {
      process.env.LOG_LEVEL ??= 'WARN';
      const result = await runPrune({ olderThanDays: parseDays(opts.olderThan), delete: opts.yes === true });
      process.stdout.write(opts.json ? `${JSON.stringify(result, null, 2)}\n` : describePrune(result));
    });
  telemetry
    .command('hash-password')
    .description('read a password from stdin and print its scrypt hash for the users secret')
    .action(async () => {
      const password = (await readStdin()).replace(/\r?\n$/, '');
      if (password === '') throw new UsageError('no password on stdin (e.g. printf %s "$PW" | tributary …)');
      process.stdout.write(`${await hashPassword(password)}\n`);
    });
  telemetry
    .command('dev-credentials')
    .description("print the local runtime's generated users (used when no users secret is configured)")
    .action(async () => {
      const config = loadConfig({ pipelines: await loadPipelines() });
      const { users } = ensureLocalDefault(config.stateDir, DEV_USERS);
      for (const u of users) process.stdout.write(`${u.name}\t${u.role}\t${u.password}\n`);
      process.stderr.write(`(from ${localDefaultPath(config.stateDir, DEV_USERS)})\n`);
    });
}

export function parseDays(text: string): number {
  const days = Number(text);
  if (!/^\d+(\.\d+)?$/.test(text.trim()) || !Number.isFinite(days))
    throw new UsageError(`--older-than must be a number of days ≥ 0 (got "${text}")`);
  return days;
}

export async function runPrune(event: PruneEvent): Promise<PruneResult> {
  return (await invokeOnce(PRUNE_FUNCTION, event)) as PruneResult;
}

function describePrune(r: PruneResult): string {
  const lines = r.runs.map(
    (run) => `${run.time}  ${run.group}/${run.run}  ${run.objects} objects, ${run.bytes} bytes`,
  );
  const total = r.runs.reduce((sum, run) => sum + run.bytes, 0);
  const summary = r.deleted
    ? `deleted ${r.runs.length} runs (${r.objectsDeleted} objects, ${total} bytes) older than ${r.cutoff}`
    : `${r.runs.length} runs (${total} bytes) older than ${r.cutoff}${r.runs.length ? ': run again with --yes to delete them' : ''}`;
  return `${[...lines, summary].join('\n')}\n`;
}

async function readStdin(): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}
