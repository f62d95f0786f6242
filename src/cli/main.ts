#!/usr/bin/env node
import { realpathSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Command, CommanderError, Option } from 'commander';
import { isTributaryError } from '../core/errors.js';
import { register as registerCloudCommands } from './commands/cloud.js';
import { devCommand } from './commands/dev.js';
import { dlqDiscard, dlqList, dlqRedrive } from './commands/dlq.js';
import { register as registerIngestCommands } from './commands/ingest.js';
import { HandlerFailedError, invokeCommand } from './commands/invoke.js';
import { register as registerLoadCommands } from './commands/load.js';
import { register as registerMetricsCommands } from './commands/metrics.js';
import { register as registerReplicateCommands } from './commands/replicate.js';
import { register as registerSummaryCommands } from './commands/summary.js';
import { register as registerTelemetryCommands } from './commands/telemetry.js';

/** sysexits(3): what scripts can tell apart. */
export const EXIT = { ok: 0, failure: 1, usage: 64, config: 78 } as const;

export function buildProgram(): Command {
  const program = new Command('tributary')
    .description('Data pipelines around S3-compatible storage — the local runtime and its tools')
    .showHelpAfterError('(run with --help for usage)')
    .exitOverride()
    .configureOutput({ writeErr: (s) => process.stderr.write(s) });

  program
    .command('dev')
    .description(
      'start the local runtime: embedded S3 and DynamoDB endpoints, event router, scheduler, HTTP gateway',
    )
    .action(async () => {
      await devCommand();
    });

  program
    .command('invoke')
    .description('run one function once, synchronously, with an event; prints its result as JSON')
    .argument('<function>', 'the function, as <pipeline>.<function>')
    .addOption(new Option('-e, --event <file>', 'JSON event file, or - for stdin').makeOptionMandatory())
    .action(async (id: string, opts: { event: string }) => {
      const result = await invokeCommand(id, opts.event);
      process.stdout.write(`${JSON.stringify(result ?? null, null, 2)}\n`);
    });

  const dlq = program
    .command('dlq')
    .description('the dead-letter queue: events whose function failed every attempt');
  dlq
    .command('list')
    .description('list dead letters (id, function, attempts, last error)')
    .option('--json', 'print the entries as JSON, with events and every error')
    .action(async (opts: { json?: boolean }) => {
      await dlqList(opts.json ?? false);
    });
  dlq
    .command('redrive')
    .description('send dead letters back to the queue (all, or one with --id); a running `dev` runs them now')
    .option('--id <id>', 'redrive only this entry')
    .action(async (opts: { id?: string }) => {
      await dlqRedrive(opts.id);
    });
  dlq
    .command('discard')
    .description('delete one dead letter')
    .requiredOption('--id <id>', 'the entry to delete')
    .action(async (opts: { id: string }) => {
      await dlqDiscard(opts.id);
    });

  registerSummaryCommands(program);
  registerIngestCommands(program);
  registerMetricsCommands(program);
  registerLoadCommands(program);
  registerReplicateCommands(program);
  registerCloudCommands(program);
  registerTelemetryCommands(program);
  return program;
}

/** Runs the CLI; returns the exit code. Stack traces only with DEBUG set. */
export async function main(argv: string[]): Promise<number> {
  const program = buildProgram();
  if (argv.length <= 2) {
    program.outputHelp({ error: true });
    return EXIT.usage;
  }
  try {
    await program.parseAsync(argv);
    return EXIT.ok;
  } catch (err) {
    return report(err);
  }
}

function report(err: unknown): number {
  const debug = Boolean(process.env.DEBUG);
  if (err instanceof CommanderError) {
    // Help and version are "errors" only to commander; its own message is already printed.
    return err.exitCode === 0 ? EXIT.ok : EXIT.usage;
  }
  if (err instanceof HandlerFailedError) {
    process.stderr.write(`tributary: ${err.message}\n`);
    if (debug && err.cause instanceof Error) process.stderr.write(`${err.cause.stack}\n`);
    return isTributaryError(err.cause) ? err.cause.exitCode : EXIT.failure;
  }
  if (isTributaryError(err)) {
    process.stderr.write(`tributary: ${err.message}\n`);
    if (debug) process.stderr.write(`${err.stack}\n`);
    return err.exitCode;
  }
  const e = err instanceof Error ? err : new Error(String(err));
  process.stderr.write(`tributary: ${e.message}${debug ? '' : ' (set DEBUG=1 for details)'}\n`);
  if (debug) process.stderr.write(`${e.stack}\n`);
  return EXIT.failure;
}

function isEntryPoint(): boolean {
  const entry = process.argv[1];
  if (!entry) return false;
  try {
    return realpathSync(entry) === realpathSync(fileURLToPath(import.meta.url));
  } catch {
    return false;
  }
}

if (isEntryPoint()) {
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
  main(process.argv).then((code) => {
    process.exitCode = code;
  });
}
