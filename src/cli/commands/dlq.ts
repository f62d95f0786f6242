import { UsageError } from '../../core/errors.js';
import { loadConfig } from '../../local/config.js';
import { type DeadLetter, DeadLetterQueue } from '../../local/runtime/queue.js';
import { runningRuntime, statePaths } from '../../local/state.js';
import { loadPipelines } from '../registry.js';

/**
 * DLQ commands work on the state dir directly, with or without `tributary dev` running.
 * Redrive never races the running invoker: it writes the entry into the queue directory
 * (atomically) and then removes it from the DLQ; the invoker polls the queue directory and
 * is the only process that runs entries.
 */
async function openDlq(): Promise<{ dlq: DeadLetterQueue; runningPid?: number }> {
  const pipelines = await loadPipelines();
  const config = loadConfig({ pipelines });
  const paths = statePaths(config.stateDir);
  const running = runningRuntime(paths);
  return {
    dlq: new DeadLetterQueue(paths.dlq, paths.queue),
    ...(running ? { runningPid: running.pid } : {}),
  };
}

export async function dlqList(
  json: boolean,
  out: NodeJS.WritableStream = process.stdout,
): Promise<DeadLetter[]> {
  const { dlq } = await openDlq();
  const letters = dlq.list();
  if (json) {
    out.write(`${JSON.stringify(letters, null, 2)}\n`);
    return letters;
  }
  if (letters.length === 0) {
    out.write('DLQ is empty\n');
    return letters;
  }
  const rows = letters.map((l) => [
    l.id,
    l.functionId,
    String(l.attempts),
    l.failedAt,
    `${l.error.name}: ${l.error.message}`,
  ]);
  const header = ['ID', 'FUNCTION', 'ATTEMPTS', 'FAILED AT', 'ERROR'];
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] as string).length)));
  for (const row of [header, ...rows]) {
    out.write(
      `${row.map((cell, i) => (i === row.length - 1 ? cell : cell.padEnd(widths[i] as number))).join('  ')}\n`,
    );
  }
  return letters;
}

export async function dlqRedrive(
  id: string | undefined,
  out: NodeJS.WritableStream = process.stdout,
): Promise<string[]> {
  const { dlq, runningPid } = await openDlq();
  if (id !== undefined && !dlq.letters.get(validId(id))) throw new UsageError(`no DLQ entry with id ${id}`);
  const moved = dlq.redrive(id);
  const where =
    runningPid !== undefined
      ? `the running tributary dev (pid ${runningPid}) picks ${moved.length === 1 ? 'it' : 'them'} up now`
      : `${moved.length === 1 ? 'it runs' : 'they run'} on the next \`tributary dev\``;
  out.write(
    moved.length === 0
      ? 'DLQ is empty: nothing to redrive\n'
      : `redrove ${moved.length} ${moved.length === 1 ? 'entry' : 'entries'} to the queue; ${where}\n`,
  );
  return moved;
}

export async function dlqDiscard(id: string, out: NodeJS.WritableStream = process.stdout): Promise<void> {
  const { dlq } = await openDlq();
  if (!dlq.discard(validId(id))) throw new UsageError(`no DLQ entry with id ${id}`);
  out.write(`discarded ${id}\n`);
}

function validId(id: string): string {
  if (!/^[A-Za-z0-9-]+$/.test(id)) throw new UsageError(`"${id}" is not a DLQ entry id`);
  return id;
}
