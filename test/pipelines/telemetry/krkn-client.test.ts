import { execFile } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { createReadStream, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { Readable } from 'node:stream';
import { GetObjectCommand } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runFolder, startTelemetry, type TelemetryRuntime, telemetryDoc, USERS } from './helpers.js';

/** Debian's python3 with python3-requests: the HTTP stack krkn-lib uses. */
const PYTHON = '/usr/bin/python3';
const CLIENT = path.join(import.meta.dirname, 'krkn_client.py');

function runClient(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(PYTHON, [CLIENT, ...args], { timeout: 120_000 }, (err, stdout, stderr) => {
      const code = err ? (typeof err.code === 'number' ? err.code : 1) : 0;
      resolve({ code, stdout, stderr });
    });
  });
}

async function sha256(stream: Readable): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of stream) hash.update(chunk as Buffer);
  return hash.digest('hex');
}

describe('an unmodified krkn client (Python requests) against the telemetry API', () => {
  let t: TelemetryRuntime;
  beforeAll(async () => {
    // As `tributary dev` runs it: the api in an execution environment (worker thread).
    t = await startTelemetry({}, { environments: 1 });
  });
  afterAll(async () => {
    await t?.close();
  });

  it('POSTs telemetry, gets presigned URLs and PUTs a 50 MB file; objects land at the right keys byte-identical', async () => {
    // Arrange
    const group = 'default';
    const run = runFolder(1_700_000_000, undefined, 'ci-4.15');
    const telemetryFile = path.join(t.dir, 'telemetry.json');
    writeFileSync(telemetryFile, JSON.stringify(telemetryDoc()));
    const big = path.join(t.dir, 'prometheus-00.tar');
    writeFileSync(big, randomBytes(50 * 1024 * 1024));
    const alerts = path.join(t.dir, 'critical-alerts-00.log');
    writeFileSync(alerts, 'alert: etcdMembersDown\n');
    // Act
    const result = await runClient([
      t.apiUrl,
      'krkn',
      USERS.krkn.password,
      group,
      run,
      telemetryFile,
      big,
      alerts,
    ]);
    // Assert
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    const steps = result.stdout
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { step: string; status: number });
    expect(steps.map((s) => `${s.step} ${s.status}`)).toEqual([
      'telemetry 200',
      'presigned-url 200',
      'put 200',
      'presigned-url 200',
      'put 200',
    ]);
    for (const file of [big, alerts]) {
      const key = `${group}/${run}/${path.basename(file)}`;
      const stored = await t.s3.send(new GetObjectCommand({ Bucket: t.bucket, Key: key }));
      expect(await sha256(stored.Body as Readable), key).toBe(await sha256(createReadStream(file)));
    }
    const telemetry = await t.s3.send(
      new GetObjectCommand({ Bucket: t.bucket, Key: `${group}/${run}/telemetry.json` }),
    );
    expect(JSON.parse((await telemetry.Body?.transformToString()) as string)).toEqual(telemetryDoc());
  }, 120_000);

  it('stops at a wrong password (401), as krkn does on any status other than 200', async () => {
    const telemetryFile = path.join(t.dir, 'telemetry-2.json');
    writeFileSync(telemetryFile, JSON.stringify(telemetryDoc()));
    const result = await runClient([
      t.apiUrl,
      'krkn',
      'wrong',
      'default',
      runFolder(1_700_000_001),
      telemetryFile,
    ]);
    expect(result.code).toBe(1);
    expect(JSON.parse(result.stdout.trim())).toMatchObject({ step: 'telemetry', status: 401 });
  });
});
