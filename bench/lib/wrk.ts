import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';

const execFileAsync = promisify(execFile);

export interface WrkResult {
  'req/s': number;
  'p50 ms': number;
  'p99 ms': number;
  /** The server process's CPU time (user + system) per request: what the code costs, whatever the load. */
  'server CPU µs/req': number;
  errors: number;
}

export interface WrkOptions {
  base: string;
  /** The request script (wrk's Lua API). */
  lua: string;
  seconds: number;
  connections?: number;
  /** Prints wrk's own output to stderr when set. */
  debug?: boolean;
}

/**
 * Runs Debian's `wrk` (one thread: the server under test runs in this process, on the same
 * 2 cores) and parses its latency distribution. Asynchronous, so the server keeps serving.
 */
export async function runWrk(options: WrkOptions): Promise<WrkResult> {
  const dir = mkdtempSync(join(tmpdir(), 'wrk-'));
  const file = join(dir, 'script.lua');
  writeFileSync(file, options.lua);
  const cpu = process.cpuUsage();
  const args = [
    '-t1',
    `-c${options.connections ?? 16}`,
    `-d${options.seconds}s`,
    '--latency',
    '-s',
    file,
    options.base,
  ];
  let stdout: string;
  try {
    ({ stdout } = await execFileAsync('wrk', args));
  } catch (err) {
    throw new Error(`wrk failed: ${(err as { stderr?: string }).stderr ?? (err as Error).message}`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  const used = process.cpuUsage(cpu);
  if (options.debug) process.stderr.write(stdout);
  return parseWrk(stdout, used.user + used.system);
}

function parseWrk(stdout: string, serverCpuMicros: number): WrkResult {
  const ms = (label: string): number => {
    const m = new RegExp(`^\\s*${label}%\\s+([\\d.]+)(us|ms|s)`, 'm').exec(stdout);
    if (!m) return Number.NaN;
    const v = Number(m[1]);
    return Math.round((m[2] === 'us' ? v / 1000 : m[2] === 's' ? v * 1000 : v) * 10) / 10;
  };
  const rps = Number(/Requests\/sec:\s+([\d.]+)/.exec(stdout)?.[1] ?? Number.NaN);
  const non2xx = Number(/Non-2xx or 3xx responses:\s+(\d+)/.exec(stdout)?.[1] ?? 0);
  const socket = /Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)/.exec(stdout);
  const errors = non2xx + (socket ? socket.slice(1).reduce((a, b) => a + Number(b), 0) : 0);
  const requests = Number(/(\d+) requests in/.exec(stdout)?.[1] ?? Number.NaN);
  return {
    'req/s': Math.round(rps),
    'p50 ms': ms('50'),
    'p99 ms': ms('99'),
    'server CPU µs/req': Math.round(serverCpuMicros / requests),
    errors,
  };
}
