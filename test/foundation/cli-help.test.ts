import type { Command } from 'commander';
import { describe, expect, it } from 'vitest';
import { buildProgram } from '../../src/cli/main.js';
import { runCliInProcess } from '../helpers/cli.js';

/** Every command path in the CLI, found by walking the program (so new commands are covered too). */
function commandPaths(command: Command, prefix: string[] = []): string[][] {
  return command.commands.flatMap((sub) => {
    const path = [...prefix, sub.name()];
    return [path, ...commandPaths(sub, path)];
  });
}

const run = runCliInProcess;

const paths = commandPaths(buildProgram());

describe('tributary: every command', () => {
  it('has the commands issue 2 names', () => {
    const names = paths.map((p) => p.join(' '));

    expect(names).toEqual(expect.arrayContaining(['dev', 'invoke', 'dlq', 'dlq list', 'dlq redrive']));
  });

  it.each(paths.map((p) => [p.join(' '), p]))(
    '`%s --help` prints its usage and exits 0',
    async (_name, path) => {
      const result = await run([...path, '--help']);

      expect(result.code).toBe(0);
      expect(result.stdout).toContain(`Usage: tributary ${path.join(' ')}`);
      expect(result.stderr).toBe('');
    },
  );

  it.each(paths.map((p) => [p.join(' '), p]))(
    '`%s --no-such-flag` exits 64 with a one-line usage error',
    async (_name, path) => {
      const result = await run([...path, '--no-such-flag']);

      expect(result.code).toBe(64);
      // Commander reports a missing required option or argument before an unknown option; each is a usage error.
      expect(result.stderr).toMatch(
        /^error: (unknown option '--no-such-flag'|required option '.+' not specified|missing required argument)/,
      );
      expect(result.stderr).not.toMatch(/\n\s+at /);
    },
  );
});
