import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { gunzipSync } from 'node:zlib';
import { GetObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../../src/local/config.js';
import { type Runtime, startRuntime } from '../../../src/local/runtime.js';
import type { SummaryResult } from '../../../src/pipelines/ingest/handler.js';
import ingest from '../../../src/pipelines/ingest/pipeline.js';
import { REPO, runCli } from '../../local/runtime/helpers.js';
import { type IngestRuntime, startIngestRuntime } from './helpers.js';

/** The pipeline as users run it: the local runtime's HTTP gateway, grants enforced, secrets from config. */
describe('ingest in the local runtime', () => {
  let t: IngestRuntime;
  let dir: string;
  let runtime: Runtime;
  let env: Record<string, string>;
  let base: string;
  const KEY = 'e2e-key-0123456789';

  beforeAll(async () => {
    t = await startIngestRuntime({
      pipelines: { ingest: { config: { MAX_RECORDS_PER_REQUEST: '50' } } },
      secrets: { [ingest.resources.auth.name]: { 'apikey:e2e': KEY } },
    });
    ({ dir, runtime, env, base } = t);
  });

  afterAll(async () => {
    await t?.close();
  });

  const send = (route: string, init: RequestInit = {}) =>
    fetch(`${base}${route}`, {
      ...init,
      headers: { 'x-api-key': KEY, 'content-type': 'application/json', ...init.headers },
    });

  it('stores records over HTTP and reads them back, numbers exact', async () => {
    // Act
    const post = await send('/post', {
      method: 'POST',
      body: '{"Id":"gw-1","n":1.000000000000000000000000000000000001}',
    });
    const many = await send('/records', {
      method: 'POST',
      body: '{"v":1}\n{"v":2}\n',
      headers: { 'content-type': 'application/x-ndjson' },
    });
    const get = await send('/records/gw-1');
    // Assert
    expect(post.status).toBe(200);
    expect(await post.json()).toEqual({ message: 'Execution successfully!', id: 'gw-1' });
    expect(many.status).toBe(200);
    expect(((await many.json()) as { count: number }).count).toBe(2);
    expect(await get.text()).toMatch(/"n":1\.000000000000000000000000000000000001[,}]/);
  });

  it('answers bad input with 4xx through the gateway, never 5xx', async () => {
    const statuses = await Promise.all([
      send('/post', { method: 'POST', body: 'not json' }),
      send('/post', { method: 'POST', body: '{"Id":""}' }),
      send('/records', { method: 'POST', body: JSON.stringify(Array.from({ length: 51 }, () => ({}))) }),
      send('/records?limit=0'),
      send('/records/x', { headers: { 'x-api-key': 'wrong' } }),
    ]).then((answers) => answers.map((a) => a.status));
    expect(statuses).toEqual([400, 400, 413, 400, 401]);
  });

  it('runs the weekly summary with its grants, from the CLI against the running runtime', async () => {
    // Arrange: the record above was received this week; summarise this week
    const thisWeek = ((await (await send('/records/gw-1')).json()) as { receivedAt: string }).receivedAt;
    const { isoWeekOf } = await import('../../../src/pipelines/ingest/week.js');
    const week = isoWeekOf(new Date(thisWeek)).label;
    // Act
    const cli = await runCli(['summary', 'run', '--week', week, '--json'], env);
    // Assert
    expect(cli.code).toBe(0);
    const result = JSON.parse(cli.stdout) as SummaryResult;
    expect(result.recordCount).toBe(3);
    const s3 = new S3Client({
      endpoint: runtime.endpoints.s3Url,
      region: runtime.config.region,
      credentials: {
        accessKeyId: runtime.config.accessKeyId,
        secretAccessKey: runtime.config.secretAccessKey,
      },
      forcePathStyle: true,
    });
    const object = await s3.send(
      new GetObjectCommand({ Bucket: ingest.resources.summaries.name, Key: result.exportKey }),
    );
    const lines = gunzipSync(
      await (object.Body as { transformToByteArray(): Promise<Uint8Array> }).transformToByteArray(),
    )
      .toString()
      .trim()
      .split('\n');
    expect(lines).toHaveLength(3);
    s3.destroy();
  });

  it("refuses to start with the sample's invalid schedule, naming it", async () => {
    // Arrange
    const bad = path.join(dir, 'bad-schedule.config.json');
    writeFileSync(
      bad,
      JSON.stringify({ pipelines: { ingest: { config: { SUMMARY_SCHEDULE: 'rate(7 minute)' } } } }),
    );
    const config = loadConfig({ pipelines: [ingest], env: { ...env, TRIBUTARY_CONFIG: bad }, cwd: REPO });
    // Act
    const starting = startRuntime({ pipelines: [ingest], config, gateway: false, invoker: false });
    // Assert
    await expect(starting).rejects.toThrow(/SUMMARY_SCHEDULE: invalid schedule "rate\(7 minute\)"/);
  });

  it('exits 64 for a week that does not exist', async () => {
    const cli = await runCli(['summary', 'run', '--week', '2026-W60'], env);
    expect(cli.code).toBe(64);
    expect(cli.stderr).toMatch(/week "2026-W60" does not exist/);
  });
});
