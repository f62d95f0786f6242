import type { Command } from 'commander';
import { enabledPipelines, loadConfig } from '../../local/config.js';
import { findFunction, resolveFunctions, UnknownFunctionError } from '../../local/runtime/functions.js';
import { invokeFunction } from '../../local/runtime/invoke.js';
import { startRuntime } from '../../local/runtime.js';
import { runningRuntime, statePaths } from '../../local/state.js';
import type { SummaryEvent, SummaryResult } from '../../pipelines/ingest/handler.js';
import { parseIsoWeek } from '../../pipelines/ingest/week.js';
import { loadPipelines } from '../registry.js';
import { HandlerFailedError } from './invoke.js';

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
  const pipelines = await loadPipelines();
  const config = loadConfig({ pipelines });
  const enabled = enabledPipelines(config, pipelines);
  if (!enabled.some((p) => p.name === 'ingest')) {
    const known = enabled.flatMap((p) => Object.keys(p.functions).map((f) => `${p.name}.${f}`));
    throw new UnknownFunctionError(FUNCTION_ID, known.sort());
  }
  const paths = statePaths(config.stateDir);
  const running = runningRuntime(paths);
  if (running) {
    const functions = resolveFunctions({
      pipelines,
      config,
      paths,
      endpoints: { s3Url: running.s3Url, dynamodbUrl: running.dynamodbUrl },
    });
    return invoke(() =>
      invokeFunction(findFunction(functions, FUNCTION_ID), event, { region: config.region }),
    );
  }
  const runtime = await startRuntime({ pipelines, config, gateway: false, scheduler: false, invoker: false });
  try {
    return await invoke(() => runtime.invoke(FUNCTION_ID, event));
  } finally {
    await runtime.close();
  }
}

async function invoke(run: () => Promise<unknown>): Promise<SummaryResult> {
  try {
    return (await run()) as SummaryResult;
  } catch (err) {
    throw new HandlerFailedError(FUNCTION_ID, err);
  }
}

function describe(r: SummaryResult): string {
  const kib = (r.exportBytes / 1024).toFixed(1);
  return [
    `week ${r.week}: ${r.recordCount} records in ${(r.durationMs / 1000).toFixed(1)} s`,
    `  ${r.exportKey} (${kib} KiB gzip)`,
    `  ${r.summaryKey}`,
  ].join('\n');
}
