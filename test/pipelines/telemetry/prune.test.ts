import { HeadObjectCommand, PutObjectCommand } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCliInProcess } from '../../helpers/cli.js';
import { auth, runFolder, startTelemetry, type TelemetryRuntime, telemetryDoc } from './helpers.js';

const DAY = 86_400;

/** `tributary telemetry prune` (in this process, for speed) against a running local runtime on the same state dir. */
describe('tributary telemetry prune', () => {
  let t: TelemetryRuntime;
  const now = Math.floor(Date.now() / 1000);
  const oldRun = runFolder(now - 40 * DAY, undefined, 'old');
  const newRun = runFolder(now - 2 * DAY, undefined, 'recent');

  beforeAll(async () => {
    t = await startTelemetry();
    for (const run of [oldRun, newRun]) {
      const res = await fetch(`${t.apiUrl}/telemetry?request_id=${run}&telemetry_group=team`, {
        method: 'POST',
        headers: { authorization: auth('krkn'), 'content-type': 'application/json' },
        body: JSON.stringify(telemetryDoc()),
      });
      expect(res.status).toBe(200);
      await t.s3.send(
        new PutObjectCommand({
          Bucket: t.bucket,
          Key: `team/${run}/prometheus-00.tar`,
          Body: Buffer.alloc(1000),
        }),
      );
    }
  });
  afterAll(async () => {
    await t?.close();
  });

  const cli = (args: string[]) =>
    runCliInProcess(['telemetry', 'prune', ...args], {
      ...t.env,
      TRIBUTARY_PIPELINES: '',
      DEBUG: '',
      LOG_LEVEL: 'ERROR',
    });

  const exists = (key: string) =>
    t.s3.send(new HeadObjectCommand({ Bucket: t.bucket, Key: key })).then(
      () => true,
      () => false,
    );

  it.each([
    [['--older-than', 'abc'], /--older-than must be a number of days/],
    [['--older-than', '-3'], /--older-than must be a number of days|unknown option/],
    [[], /required option '--older-than <days>'/],
  ])('exits 64 for %j', async (args, message) => {
    const result = await cli(args);
    expect(result.code).toBe(64);
    expect(result.stderr).toMatch(message);
  });

  it('lists runs older than N days without deleting anything', async () => {
    const result = await cli(['--older-than', '30', '--json']);
    expect(result.code).toBe(0);
    const out = JSON.parse(result.stdout) as {
      deleted: boolean;
      runs: { run: string; objects: number; bytes: number }[];
    };
    expect(out.deleted).toBe(false);
    expect(out.runs.map((r) => r.run)).toEqual([oldRun]);
    expect(out.runs[0]?.objects).toBe(2);
    expect(await exists(`team/${oldRun}/telemetry.json`)).toBe(true);
  });

  it('deletes them with --yes: objects and index record; newer runs stay', async () => {
    const result = await cli(['--older-than', '30', '--yes']);
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/deleted 1 runs \(2 objects/);
    expect(await exists(`team/${oldRun}/telemetry.json`)).toBe(false);
    expect(await exists(`team/${oldRun}/prometheus-00.tar`)).toBe(false);
    expect(await exists(`team/${newRun}/telemetry.json`)).toBe(true);
    const search = await fetch(`${t.apiUrl}/api/runs?group=team`, {
      headers: { authorization: auth('viewer') },
    });
    const runs = ((await search.json()) as { runs: { run: string }[] }).runs.map((r) => r.run);
    expect(runs).toEqual([newRun]);
  });
});
