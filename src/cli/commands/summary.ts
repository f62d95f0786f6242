import type { Command } from 'commander';
import type { SummaryEvent, SummaryResult } from '../../pipelines/ingest/handler.js';
import { parseIsoWeek } from '../../pipelines/ingest/week.js';
import { invokeOnce } from './invoke.js';

const FUNCTION_ID = 'ingest.summary';

/**
 * `tributary summary run [--week 2026-W47]`: the ingest pipeline's weekly summary, now, in the
 * function's own scope (its env and grants). Against a running `tributary dev` on the same
 * state dir it uses that runtime's endpoints; otherwise it starts the embedded ones for the run.
 */
export function register(program: Command): void {
  const summary = program.command('summary').description("the ingest pipeline's weekly summary and export");
  summary
    .command('run')
    .description(
      'write summaries/<week>/export.jsonl.gz and summary.json for one ISO week (default: the last complete one)',
    )
    .option('--week <week>', 'ISO week, e.g. 2026-W47')
    .option('--json', 'print the result as JSON')
    .action(async (opts: { week?: string; json?: boolean }) => {
      // The command prints the result itself; the handler's info log would repeat it on stdout.
      process.env.LOG_LEVEL ??= 'WARN';
      const result = await runSummary(opts.week);
      if (opts.json) process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
      else process.stdout.write(`${describe(result)}\n`);
    });
}

export async function runSummary(week?: string): Promise<SummaryResult> {
  // A bad week is a usage error (exit 64) before anything starts.
  const event: SummaryEvent = week === undefined ? {} : { week: parseIsoWeek(week).label };
  return (await invokeOnce(FUNCTION_ID, event)) as SummaryResult;
}

function describe(r: SummaryResult): string {
  const kib = (r.exportBytes / 1024).toFixed(1);
  return [
    `week ${r.week}: ${r.recordCount} records in ${(r.durationMs / 1000).toFixed(1)} s`,
    `  ${r.exportKey} (${kib} KiB gzip)`,
    `  ${r.summaryKey}`,
  ].join('\n');
}
