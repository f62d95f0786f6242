import { spawn } from 'node:child_process';
import { rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DeadLetterQueue, describeError, newEntry } from '../../src/local/runtime/queue.js';
import { statePaths } from '../../src/local/state.js';
import { type CliResult, runCliInProcess } from '../helpers/cli.js';
import { FIXTURE_PIPELINES, makeWorkspace, REPO, runCli, until } from '../local/runtime/helpers.js';

let dir: string;
let env: Record<string, string>;
beforeAll(() => {
  ({ dir, env } = makeWorkspace());
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** Runs the CLI in this process (fast) with the fixture pipelines and extra env. */
const runInProcess = (args: string[], extraEnv: Record<string, string> = {}): Promise<CliResult> =>
  runCliInProcess(args, { ...env, TRIBUTARY_PIPELINES: FIXTURE_PIPELINES, DEBUG: '', ...extraEnv });

describe('tributary: usage', () => {
  it.each([
    [['--help'], /Usage: tributary \[options\] \[command\][\s\S]*dev[\s\S]*invoke[\s\S]*dlq/],
    [['dev', '--help'], /Usage: tributary dev/],
    [['invoke', '--help'], /Usage: tributary invoke \[options\] <function>[\s\S]*--event <file>/],
    [['dlq', '--help'], /Usage: tributary dlq[\s\S]*list[\s\S]*redrive[\s\S]*discard/],
    [['dlq', 'list', '--help'], /--json/],
    [['dlq', 'redrive', '--help'], /--id <id>/],
    [['dlq', 'discard', '--help'], /--id <id>/],
  ])('%j prints help and exits 0', async (args, text) => {
    const result = await runInProcess(args);

    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(text);
  });

  it.each([
    ['no command', [], /Usage: tributary/],
    ['an unknown command', ['frobnicate'], /unknown command 'frobnicate'/],
    ['an unknown option', ['dlq', 'list', '--verbose'], /unknown option '--verbose'/],
    [
      'invoke without --event',
      ['invoke', 'fixture-api.plain'],
      /required option '-e, --event <file>' not specified/,
    ],
    ['invoke without a function', ['invoke', '--event', 'x.json'], /missing required argument 'function'/],
    ['discard without --id', ['dlq', 'discard'], /required option '--id <id>' not specified/],
  ])('exits 64 for %s', async (_what, args, message) => {
    const result = await runInProcess(args);

    expect(result.code).toBe(64);
    expect(result.stderr).toMatch(message);
  });

  it('exits with those codes as a real process', async () => {
    const help = await runCli(['--help'], env);
    const bad = await runCli(['dlq', 'list', '--verbose'], env);

    expect(help.code).toBe(0);
    expect(help.stdout).toContain('Usage: tributary');
    expect(bad.code).toBe(64);
    expect(bad.stderr).toMatch(/unknown option '--verbose'/);
  });
});

let events = 0;
function eventFile(content: string): string {
  const file = path.join(dir, `event-${events++}.json`);
  writeFileSync(file, content);
  return file;
}

describe('tributary invoke', () => {
  it('runs a function once and prints its result as JSON', async () => {
    const eventFile = path.join(dir, 'event.json');
    writeFileSync(eventFile, JSON.stringify({ rawPath: '/plain' }));

    const result = await runCli(['invoke', 'fixture-api.plain', '--event', eventFile], env);

    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    expect(JSON.parse(result.stdout)).toEqual({ hello: 'world', path: '/plain' });
  });

  it('reads the event from stdin with --event -', async () => {
    const result = await runCli(['invoke', 'fixture-api.plain', '--event', '-'], env, '{"rawPath":"/text"}');

    expect(result.code).toBe(0);
    expect(JSON.parse(result.stdout)).toBe('just text');
  });

  it('exits 1 with the error, and no stack, when the handler throws', async () => {
    const result = await runCli(['invoke', 'fixture-api.boom', '--event', '-'], env, '{}');

    expect(result.code).toBe(1);
    expect(result.stderr).toBe(
      'tributary: fixture-api.boom failed: Error: handler exploded with a secret stack\n',
    );
  });

  it('lists the known functions for an unknown one (exit 64)', async () => {
    const result = await runInProcess(['invoke', 'fixture-api.nope', '--event', eventFile('{}')]);

    expect(result.code).toBe(64);
    expect(result.stderr).toMatch(
      /unknown function "fixture-api.nope"; known functions: fixture-api.boom, fixture-api.echo, fixture-api.plain, fixture-events.failing/,
    );
  });

  it.each([
    ['a missing event file', () => 'nope.json', /cannot read event file nope.json: ENOENT/],
    ['an event that is not JSON', () => eventFile('{oops'), /event .*\.json is not valid JSON/],
  ])('exits 64 for %s', async (_what, file, message) => {
    const result = await runInProcess(['invoke', 'fixture-api.plain', '--event', file()]);

    expect(result.code).toBe(64);
    expect(result.stderr).toMatch(message);
    expect(result.stderr).not.toMatch(/\n\s+at /);
  });

  it('exits 78 for invalid configuration', async () => {
    const result = await runInProcess(['invoke', 'fixture-api.plain', '--event', eventFile('{}')], {
      TRIBUTARY_S3_PORT: 'x',
    });

    expect(result.code).toBe(78);
    expect(result.stderr).toBe('tributary: TRIBUTARY_S3_PORT="x" is not a port (0-65535)\n');
  });

  it('prints the stack when DEBUG is set', async () => {
    const result = await runInProcess(['invoke', 'fixture-api.boom', '--event', eventFile('{}')], {
      DEBUG: '1',
    });

    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/\n\s+at /);
  });
});

describe('tributary dlq', () => {
  const seed = async () => {
    const paths = statePaths(env.TRIBUTARY_STATE_DIR as string);
    const dlq = new DeadLetterQueue(paths.dlq, paths.queue);
    const entry = { ...newEntry('fixture-events.failing', { Records: [] }), attempts: 3 };
    dlq.queue.put(entry);
    return { dlq, letter: await dlq.bury(entry, describeError(new Error('it broke'))) };
  };

  it('lists dead letters as a table and as JSON', async () => {
    const { dlq, letter } = await seed();

    const table = await runCli(['dlq', 'list'], env);
    const json = await runInProcess(['dlq', 'list', '--json']);

    expect(table.code).toBe(0);
    expect(table.stdout).toMatch(/^ID\s+FUNCTION\s+ATTEMPTS\s+FAILED AT\s+ERROR\n/);
    expect(table.stdout).toContain(`${letter.id}  fixture-events.failing  3`);
    expect(table.stdout).toContain('Error: it broke');
    expect(JSON.parse(json.stdout)).toEqual([letter]);
    dlq.discard(letter.id);
  });

  it('redrives into the queue when dev is not running', async () => {
    const { dlq, letter } = await seed();

    const result = await runCli(['dlq', 'redrive'], env);

    expect(result.code).toBe(0);
    expect(result.stdout).toBe('redrove 1 entry to the queue; it runs on the next `tributary dev`\n');
    expect(dlq.depth()).toBe(0);
    expect(dlq.queue.get(letter.id)).toMatchObject({ attempts: 0, functionId: 'fixture-events.failing' });
    dlq.queue.remove(letter.id);
  });

  it('discards one entry', async () => {
    const { dlq, letter } = await seed();

    const result = await runInProcess(['dlq', 'discard', '--id', letter.id]);

    expect(result.code).toBe(0);
    expect(dlq.depth()).toBe(0);
  });

  it.each([
    [['dlq', 'discard', '--id', '00000000-0000-0000-0000-000000000000'], /no DLQ entry with id 0{8}-/],
    [['dlq', 'redrive', '--id', '00000000-0000-0000-0000-000000000000'], /no DLQ entry with id 0{8}-/],
    [['dlq', 'discard', '--id', '../secrets'], /"..\/secrets" is not a DLQ entry id/],
  ])('exits 64 for %j', async (args, message) => {
    const result = await runInProcess(args);

    expect(result.code).toBe(64);
    expect(result.stderr).toMatch(message);
  });

  it('says so when the DLQ is empty', async () => {
    expect((await runInProcess(['dlq', 'list'])).stdout).toBe('DLQ is empty\n');
    expect((await runInProcess(['dlq', 'redrive'])).stdout).toBe('DLQ is empty: nothing to redrive\n');
  });
});

describe('tributary dev', () => {
  let blocker: Server;
  let busyPort: number;
  beforeAll(async () => {
    blocker = createServer();
    await new Promise<void>((resolve) => blocker.listen(0, '127.0.0.1', resolve));
    busyPort = (blocker.address() as { port: number }).port;
  });
  afterAll(() => new Promise<void>((resolve) => blocker.close(() => resolve())));

  it('exits 78 naming the variable when a port is in use', async () => {
    const result = await runCli(['dev'], { ...env, TRIBUTARY_S3_PORT: String(busyPort) });

    expect(result.code).toBe(78);
    expect(result.stderr).toBe(`tributary: port ${busyPort} is in use; set TRIBUTARY_S3_PORT\n`);
  });

  it('starts, prints endpoints and credentials, serves /healthz, and stops on SIGINT', async () => {
    const child = spawn(process.execPath, ['--import', 'tsx', path.join(REPO, 'src/cli/main.ts'), 'dev'], {
      cwd: REPO,
      env: { ...process.env, ...env, TRIBUTARY_PIPELINES: FIXTURE_PIPELINES, LOG_LEVEL: 'ERROR' },
    });
    let stdout = '';
    child.stdout.on('data', (d) => {
      stdout += d;
    });
    const exited = new Promise<number | null>((resolve) => child.on('close', resolve));

    const httpUrl = await until(() => /HTTP API\s+(http:\/\/\S+)/.exec(stdout)?.[1], 30_000);
    const health = await fetch(`${httpUrl}/healthz`);
    child.kill('SIGINT');
    const code = await exited;

    expect(health.status).toBe(200);
    expect(stdout).toMatch(/S3\s+http:\/\/127\.0\.0\.1:\d+/);
    expect(stdout).toMatch(/DynamoDB\s+http:\/\/127\.0\.0\.1:\d+/);
    expect(stdout).toContain('AWS_ACCESS_KEY_ID=tributary AWS_SECRET_ACCESS_KEY=tributary-local-secret');
    expect(stdout).toMatch(/aws --endpoint-url http:\/\/127\.0\.0\.1:\d+ s3 ls/);
    expect(stdout).toContain('SIGINT: shutting down');
    expect(stdout).toContain('stopped');
    expect(code).toBe(0);
  });
});
