import { existsSync, mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Command } from 'commander';
import { afterEach, describe, expect, it } from 'vitest';
import { deployCommand, register, synthCommand } from '../../src/cli/commands/cloud.js';
import { NoCredentialsError } from '../../src/cloud/deploy.js';
import { UsageError } from '../../src/core/errors.js';

const collect = () => {
  const chunks: string[] = [];
  return {
    out: { write: (s: string) => chunks.push(s) } as unknown as NodeJS.WritableStream,
    text: () => chunks.join(''),
  };
};

const saved = { ...process.env };
afterEach(() => {
  process.env = { ...saved };
});

describe('tributary synth / deploy', () => {
  it("synth --stage writes that stage's template offline and reports it", async () => {
    const out = mkdtempSync(path.join(os.tmpdir(), 'tributary-cli-synth-'));
    const printed = collect();
    await synthCommand({ stage: 'test', out, bundle: false }, printed.out);
    expect(existsSync(path.join(out, 'tributary-test.template.json'))).toBe(true);
    expect(existsSync(path.join(out, 'tributary-devl.template.json'))).toBe(false);
    expect(printed.text()).toMatch(
      /^tributary-test {2}\S+tributary-test\.template\.json {2}\d+ resources {2}[\d.]+ KiB$/m,
    );
    expect(printed.text()).toMatch(/synthesized 1 stage\(s\), \d+ pipeline\(s\) in [\d.]+ s/);
  }, 300_000);

  it('synth with an unknown stage is a usage error', async () => {
    await expect(synthCommand({ stage: 'qa', out: os.tmpdir(), bundle: false })).rejects.toThrow(UsageError);
  });

  it('the commands parse their options (deploy requires --stage, approval levels are checked)', async () => {
    const program = new Command('tributary').exitOverride().configureOutput({ writeErr: () => {} });
    register(program);
    await expect(program.parseAsync(['node', 'tributary', 'deploy'])).rejects.toThrow(
      "required option '--stage <stage>' not specified",
    );
    await expect(
      program.parseAsync([
        'node',
        'tributary',
        'deploy',
        '--stage',
        'devl',
        '--require-approval',
        'sometimes',
      ]),
    ).rejects.toThrow(/Allowed choices are never, any-change, broadening/);
  });

  it('deploy without AWS credentials fails at once with a clear message and exit code 77', async () => {
    const empty = mkdtempSync(path.join(os.tmpdir(), 'tributary-no-aws-'));
    for (const k of Object.keys(process.env))
      if (k.startsWith('AWS_') && k !== 'AWS_CA_BUNDLE') delete process.env[k];
    process.env.AWS_SHARED_CREDENTIALS_FILE = path.join(empty, 'credentials');
    process.env.AWS_CONFIG_FILE = path.join(empty, 'config');
    process.env.AWS_EC2_METADATA_DISABLED = 'true';
    const out = path.join(empty, 'cdk.out');
    const error = await deployCommand({ stage: 'devl', out, requireApproval: 'never' }).catch(
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(NoCredentialsError);
    expect((error as NoCredentialsError).exitCode).toBe(77);
    expect((error as Error).message).toMatch(
      /^no AWS credentials found .*`tributary synth` works without them\.$/s,
    );
    expect(existsSync(out)).toBe(false); // refused before synthesizing anything
  });

  it('deploy with an unknown stage is a usage error before anything else', async () => {
    await expect(deployCommand({ stage: 'qa', out: os.tmpdir(), requireApproval: 'never' })).rejects.toThrow(
      'unknown stage "qa"',
    );
  });
});
