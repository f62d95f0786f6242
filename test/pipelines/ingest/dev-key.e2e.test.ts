import { readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../../local/runtime/helpers.js';
import { type IngestRuntime, startIngestRuntime } from './helpers.js';

/** `npm start` with no setup: no auth secret configured, so the runtime generates a dev key. */
describe('ingest with no auth secret configured (the local dev key)', () => {
  let t: IngestRuntime;
  let env: Record<string, string>;
  let base: string;

  beforeAll(async () => {
    t = await startIngestRuntime({});
    ({ env, base } = t);
  });

  afterAll(async () => {
    await t?.close();
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
