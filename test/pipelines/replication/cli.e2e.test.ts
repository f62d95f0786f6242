import { execFile } from 'node:child_process';
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { promisify } from 'node:util';
import { PutObjectCommand } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCliInProcess } from '../../helpers/cli.js';
import { isolatedRuntimeEnv } from '../../helpers/runtime-env.js';
import { bodyOf, credentials, type Fixture, SOURCE, startFixture, TARGET, targetVia } from './helpers.js';

const run = promisify(execFile);
const MAIN = path.resolve('src/cli/main.ts');
// Resolved here: the child runs in a temp dir, where `tsx` would not resolve by name.
const TSX = pathToFileURL(path.resolve('node_modules/tsx/dist/loader.mjs')).href;
let fx: Fixture;
let secretFile: string;

beforeAll(async () => {
  fx = await startFixture();
  Object.assign(process.env, childEnv(), { LOG_LEVEL: 'ERROR' });
  secretFile = path.join(fx.dir, 'target.json');
  await writeFile(secretFile, JSON.stringify(targetVia(fx.server.url)));
  for (let i = 0; i < 12; i++) {
    await fx.client.send(new PutObjectCommand({ Bucket: SOURCE, Key: `cli/obj ${i}`, Body: `body ${i}` }));
  }
});
afterAll(async () => {
  await fx.stop();
});

/** The CLI in a child process, as a user runs it; resolves with the exit code. */
async function tributaryProcess(
  ...args: string[]
): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await run(process.execPath, ['--import', TSX, MAIN, ...args], {
      env: { ...process.env, ...childEnv() },
      cwd: fx.dir,
    });
    return { code: 0, stdout, stderr };
  } catch (err) {
    const e = err as { code: number; stdout: string; stderr: string };
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
}

const tributary = (...args: string[]) => runCliInProcess(args);

function childEnv(): Record<string, string> {
  return {
    AWS_ACCESS_KEY_ID: credentials.accessKeyId,
    AWS_SECRET_ACCESS_KEY: credentials.secretAccessKey,
    AWS_REGION: 'us-east-1',
    ...isolatedRuntimeEnv(path.join(fx.dir, 'cli-state')),
    AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
  };
}

const remote = (...args: string[]) => [
  ...args,
  '--source-endpoint',
  fx.server.url,
  '--target-secret-file',
  secretFile,
  '--target-bucket',
  TARGET,
];

describe('tributary replicate', () => {
  it('verify exits 1 while the target lacks objects; backfill copies them; verify then exits 0', async () => {
    // Act
    const before = await tributary(
      ...remote('replicate', 'verify', '--source', SOURCE, '--prefix', 'cli/', '--json'),
    );
    const filled = await tributary(
      ...remote('replicate', 'backfill', '--source', SOURCE, '--prefix', 'cli/', '--concurrency', '4'),
    );
    const after = await tributary(...remote('replicate', 'verify', '--source', SOURCE, '--prefix', 'cli/'));

    // Assert
    expect(before.code).toBe(1);
    expect(JSON.parse(before.stdout)).toMatchObject({ inSync: false, missingCount: 12 });
    expect(before.stderr).toContain('12 missing');
    expect(filled.code).toBe(0);
    expect(filled.stdout).toContain('backfill complete');
    expect(filled.stdout).toMatch(/copied\s+12/);
    expect(filled.stderr).toMatch(/12\/12 objects .* MB\/s .* objects\/s .* ETA/);
    expect((await bodyOf(fx.client, TARGET, 'cli/obj 7')).toString()).toBe('body 7');
    expect(after.code).toBe(0);
    expect(after.stdout).toContain('in sync: 12 source objects');
  });

  it.each([
    [['--concurrency', '0'], /--concurrency "0" must be a whole number/],
    [['--concurrency', 'lots'], /--concurrency "lots"/],
    [['--source-endpoint', 'ftp://x'], /--source-endpoint "ftp:\/\/x" must be an http\(s\) URL/],
    [['--target-secret-file', '/nonexistent.json'], /--target-secret-file \/nonexistent.json: no such file/],
  ])('refuses bad flags %j with exit 64', async (flags, message) => {
    const result = await tributary('replicate', 'backfill', '--source', SOURCE, ...flags);

    expect(result.code).toBe(64);
    expect(result.stderr).toMatch(message);
  });

  it('refuses a bad --source bucket name and a missing --source', async () => {
    const bad = await tributary('replicate', 'verify', '--source', 'Bad_Bucket!');
    const none = await tributary('replicate', 'verify');

    expect(bad.code).toBe(64);
    expect(bad.stderr).toContain('is not a bucket name');
    expect(none.code).toBe(64);
    expect(none.stderr).toContain("required option '--source <bucket>'");
  });

  it('says when the source bucket does not exist (exit 64)', async () => {
    const result = await tributary(...remote('replicate', 'backfill', '--source', 'no-such-source'));

    expect(result.code).toBe(64);
    expect(result.stderr).toContain('source bucket "no-such-source" does not exist');
  });

  it('says when the target bucket does not exist', async () => {
    const result = await tributary(
      'replicate',
      'backfill',
      '--source',
      SOURCE,
      '--source-endpoint',
      fx.server.url,
      '--target-secret-file',
      secretFile,
      '--target-bucket',
      'no-such-target',
    );

    expect(result.code).toBe(1);
    expect(result.stderr).toContain('target bucket "no-such-target" does not exist');
  });

  it('runs in the local runtime by default (embedded endpoints started for the command)', async () => {
    // The default target bucket does not exist in a fresh state dir: a clear error, not a crash.
    const result = await tributaryProcess('replicate', 'verify', '--source', 'tributary-replication-source');

    expect(result.code).toBe(1);
    expect(result.stderr).toContain('target bucket "tributary-replica" does not exist');
  });
});
