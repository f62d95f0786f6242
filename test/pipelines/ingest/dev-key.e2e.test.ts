import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../../src/local/config.js';
import { type Runtime, startRuntime } from '../../../src/local/runtime.js';
import ingest from '../../../src/pipelines/ingest/pipeline.js';
import { isolatedRuntimeEnv } from '../../helpers/runtime-env.js';
import { REPO, runCli } from '../../local/runtime/helpers.js';

/** `npm start` with no setup: no auth secret configured, so the runtime generates a dev key. */
describe('ingest with no auth secret configured (the local dev key)', () => {
  let dir: string;
  let env: Record<string, string>;
  let runtime: Runtime;
  let base: string;

  beforeAll(async () => {
    dir = mkdtempSync(path.join(os.tmpdir(), 'tributary-ingest-devkey-'));
    writeFileSync(path.join(dir, 'tributary.config.json'), '{}');
    env = {
      TRIBUTARY_CONFIG: path.join(dir, 'tributary.config.json'),
      ...isolatedRuntimeEnv(path.join(dir, 'state')),
      TRIBUTARY_PIPELINES: '',
    };
    runtime = await startRuntime({
      pipelines: [ingest],
      config: loadConfig({ pipelines: [ingest], env, cwd: REPO }),
      scheduler: false,
    });
    base = `${runtime.endpoints.httpUrl}/ingest`;
  });

  afterAll(async () => {
    await runtime?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  const post = (key?: string) =>
    fetch(`${base}/post`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...(key ? { 'x-api-key': key } : {}) },
      body: JSON.stringify({ Id: 'dev-1', v: 1 }),
    });

  it('answers 401 without a key (not 500), and takes the key `tributary ingest dev-key` prints', async () => {
    const anonymous = await post();
    const printed = await runCli(['ingest', 'dev-key'], env);
    const key = printed.stdout.trim();
    const stored = await post(key);
    const wrong = await post(`${key}x`);

    expect(anonymous.status).toBe(401);
    expect(printed.code).toBe(0);
    expect(printed.stderr).toContain('ingest-dev-key.json');
    expect(key.length).toBeGreaterThanOrEqual(16);
    expect(stored.status).toBe(200);
    expect(await stored.json()).toEqual({ message: 'Execution successfully!', id: 'dev-1' });
    expect(wrong.status).toBe(401);
  });

  it('keeps the key in the state dir, 0600, the same across reads', async () => {
    const file = path.join(env.TRIBUTARY_STATE_DIR as string, 'ingest-dev-key.json');
    const again = await runCli(['ingest', 'dev-key'], env);

    expect(statSync(file).mode & 0o777).toBe(0o600);
    expect(again.stdout.trim()).toBe((JSON.parse(readFileSync(file, 'utf8')) as { key: string }).key);
  });
});
