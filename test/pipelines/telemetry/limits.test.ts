import { existsSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { auth, basic, runFolder, startTelemetry, type TelemetryRuntime, telemetryDoc } from './helpers.js';

/** Floods, expiry and the dev-user fallback, each with a runtime configured for it. */
describe('telemetry limits', () => {
  let t: TelemetryRuntime;
  beforeAll(async () => {
    t = await startTelemetry({
      RATE_LIMIT_PER_SECOND: '1',
      RATE_LIMIT_BURST: '5',
      IP_RATE_LIMIT_PER_SECOND: '1',
      IP_RATE_LIMIT_BURST: '40',
      AUTH_FAILURE_RATE_PER_SECOND: '0.1',
      AUTH_FAILURE_BURST: '3',
      S3_LINK_EXPIRATION: '1',
    });
  });
  afterAll(async () => {
    await t?.close();
  });

  const get = (route: string, authorization?: string) =>
    fetch(`${t.apiUrl}${route}`, { headers: authorization ? { authorization } : {}, redirect: 'manual' });

  it('answers 429 with Retry-After to a user beyond the burst; earlier requests were served', async () => {
    const statuses: number[] = [];
    let retryAfter: string | null = null;
    for (let i = 0; i < 8; i++) {
      const res = await get('/navigate', auth('viewer'));
      statuses.push(res.status);
      if (res.status === 429) retryAfter = res.headers.get('retry-after');
    }
    expect(statuses.slice(0, 5)).toEqual([200, 200, 200, 200, 200]);
    expect(statuses.slice(5)).toContain(429);
    expect(Number(retryAfter)).toBeGreaterThanOrEqual(1);
  });

  it('limits users separately: another user is still served', async () => {
    const res = await get(
      `/presigned-url?request_id=g/${runFolder(1)}&remote_filename=prometheus-00.tar`,
      auth('krkn'),
    );
    expect(res.status).toBe(200);
  });

  it('answers 429 to an IP that keeps failing logins, before hashing; a remembered login still works', async () => {
    const statuses: number[] = [];
    for (let i = 0; i < 5; i++) statuses.push((await get('/navigate', basic('admin', `guess-${i}`))).status);
    const remembered = await get(
      `/presigned-url?request_id=g/${runFolder(2)}&remote_filename=logs-00.tar.gz`,
      auth('krkn'),
    );
    const fresh = await get('/navigate', auth('admin'));
    expect(statuses).toEqual([401, 401, 401, 429, 429]);
    expect(remembered.status).toBe(200);
    expect(fresh.status).toBe(429);
    expect(await fresh.text()).toMatch(/failed logins/);
  });

  it('answers 429 to a flooding client IP, whoever it claims to be', async () => {
    let last = 0;
    for (let i = 0; i < 45 && last !== 429; i++) last = (await get('/')).status;
    expect(last).toBe(429);
  });

  it('an expired presigned URL gets 403 from the S3 endpoint', async () => {
    // A fresh runtime for this one: the flood above used up this IP's budget.
    const fresh = await startTelemetry({ S3_LINK_EXPIRATION: '1' });
    try {
      const res = await fetch(
        `${fresh.apiUrl}/presigned-url?request_id=g/${runFolder(3)}&remote_filename=prometheus-00.tar`,
        { headers: { authorization: auth('krkn') } },
      );
      const url = await res.text();
      expect(url).toContain('X-Amz-Expires=1&');
      await new Promise((r) => setTimeout(r, 2100));
      const put = await fetch(url, { method: 'PUT', body: 'late' });
      expect(put.status).toBe(403);
      expect(await put.text()).toMatch(/expired/i);
    } finally {
      await fresh.close();
    }
  });
});

describe('telemetry without a users secret (local runtime)', () => {
  let t: TelemetryRuntime;
  beforeAll(async () => {
    t = await startTelemetry({}, { secret: false });
  });
  afterAll(async () => {
    await t?.close();
  });

  it('generates dev users once (0600, in the state dir) and authenticates them', async () => {
    // Act: the first request creates them
    const anonymous = await fetch(`${t.apiUrl}/navigate`);
    const file = path.join(t.env.TRIBUTARY_STATE_DIR as string, 'telemetry-dev-users.json');
    const { users } = JSON.parse(readFileSync(file, 'utf8')) as {
      users: { name: string; password: string }[];
    };
    const krkn = users.find((u) => u.name === 'krkn');
    const viewer = users.find((u) => u.name === 'viewer');
    const post = await fetch(`${t.apiUrl}/telemetry?request_id=${runFolder(9)}&telemetry_group=dev`, {
      method: 'POST',
      headers: { authorization: basic('krkn', krkn?.password ?? ''), 'content-type': 'application/json' },
      body: JSON.stringify(telemetryDoc()),
    });
    const browse = await fetch(`${t.apiUrl}/navigate/dev`, {
      headers: { authorization: basic('viewer', viewer?.password ?? '') },
    });
    // Assert
    expect(anonymous.status).toBe(401);
    expect(existsSync(file)).toBe(true);
    expect(statSync(file).mode & 0o777).toBe(0o600);
    expect(post.status).toBe(200);
    expect(browse.status).toBe(200);
  });
});
