import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { S3Client } from '@aws-sdk/client-s3';
import { loadConfig } from '../../../src/local/config.js';
import type { Runtime } from '../../../src/local/runtime.js';
import { pipelines } from '../../fixtures/pipelines.js';
import { isolatedRuntimeEnv } from '../../helpers/runtime-env.js';

export const REPO = path.resolve(import.meta.dirname, '../../..');
export const FIXTURE_PIPELINES = path.join(REPO, 'test/fixtures/pipelines.ts');

/** A temp dir holding a config file (fixtures record into it) and the state dir. */
export function makeWorkspace(extra: Record<string, unknown> = {}): {
  dir: string;
  env: Record<string, string>;
} {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'tributary-e2e-'));
  writeFileSync(
    path.join(dir, 'tributary.config.json'),
    JSON.stringify({
      pipelines: {
        'fixture-events': { config: { RECORD_DIR: dir } },
        'fixture-api': { config: { RECORD_DIR: dir } },
      },
      ...extra,
    }),
  );
  const env = {
    TRIBUTARY_CONFIG: path.join(dir, 'tributary.config.json'),
    ...isolatedRuntimeEnv(path.join(dir, 'state')),
  };
  return { dir, env };
}

export function configFor(env: Record<string, string>) {
  return loadConfig({ pipelines, env, cwd: REPO });
}

export function s3For(runtime: Runtime): S3Client {
  return new S3Client({
    endpoint: runtime.endpoints.s3Url,
    region: runtime.config.region,
    forcePathStyle: true,
    credentials: { accessKeyId: runtime.config.accessKeyId, secretAccessKey: runtime.config.secretAccessKey },
  });
}

export interface Call {
  fn: string;
  [key: string]: unknown;
}

export function calls(dir: string): Call[] {
  const file = path.join(dir, 'calls.jsonl');
  if (!existsSync(file)) return [];
  return readFileSync(file, 'utf8')
    .trim()
    .split('\n')
    .filter((line) => line !== '')
    .map((line) => JSON.parse(line) as Call);
}

export async function until<T>(
  probe: () => T | undefined | false | Promise<T | undefined | false>,
  timeoutMs = 15_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value) return value;
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 25));
  }
}

export interface CliResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs the CLI from sources in a child process, as a user would. */
export function runCli(args: string[], env: Record<string, string> = {}, stdin?: string): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', path.join(REPO, 'src/cli/main.ts'), ...args], {
      cwd: REPO,
      env: {
        ...process.env,
        TRIBUTARY_PIPELINES: FIXTURE_PIPELINES,
        AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
        LOG_LEVEL: 'ERROR',
        DEBUG: '',
        ...env,
      },
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => {
      stdout += d;
    });
    child.stderr.on('data', (d) => {
      stderr += d;
    });
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
    child.stdin.end(stdin ?? '');
  });
}
