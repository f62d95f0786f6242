import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import {
  ACCESS_GUARD_MIDDLEWARE,
  clearSecretCache,
  readSecret,
  s3ClientForStore,
  storeSettingsFromSecret,
} from '../../src/clients/index.js';
import { AccessNotGrantedError, ConfigError } from '../../src/core/errors.js';
import { type AccessGuard, runInScope } from '../../src/core/invocation.js';

const SECRET_VALUE = 'sk-do-not-print-9f8e7d';

let dir: string;
let counter = 0;

async function secretsFile(content: unknown): Promise<string> {
  const file = join(dir, `secrets-${++counter}.json`);
  await writeFile(file, typeof content === 'string' ? content : JSON.stringify(content));
  return file;
}

const inScope = <T>(file: string, fn: () => Promise<T>, guard?: AccessGuard) =>
  runInScope({ env: { TRIBUTARY_SECRETS_FILE: file }, guard }, fn);

/** Asserts the promise fails with a ConfigError matching `message` that does not contain the secret value. */
async function expectConfigError(promise: Promise<unknown>, message: RegExp | string): Promise<void> {
  const err = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(ConfigError);
  expect((err as Error).message).toMatch(message);
  expect((err as Error).message).not.toContain(SECRET_VALUE);
}

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'tributary-secrets-'));
});

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

afterEach(() => clearSecretCache());

describe('readSecret from TRIBUTARY_SECRETS_FILE', () => {
  it('reads an object secret and a JSON-string secret', async () => {
    const file = await secretsFile({
      plain: { user: 'u', password: SECRET_VALUE },
      asString: JSON.stringify({ token: SECRET_VALUE }),
    });

    const [plain, asString] = await inScope(file, () =>
      Promise.all([readSecret('plain'), readSecret('asString')]),
    );

    expect(plain).toEqual({ user: 'u', password: SECRET_VALUE });
    expect(asString).toEqual({ token: SECRET_VALUE });
  });

  it('caches for 5 minutes: a changed file is seen only after clearSecretCache', async () => {
    const file = await secretsFile({ s: { v: 'one' } });
    const first = await inScope(file, () => readSecret('s'));
    await writeFile(file, JSON.stringify({ s: { v: 'two' } }));

    const cached = await inScope(file, () => readSecret('s'));
    clearSecretCache();
    const fresh = await inScope(file, () => readSecret('s'));

    expect(first).toEqual({ v: 'one' });
    expect(cached).toEqual({ v: 'one' });
    expect(fresh).toEqual({ v: 'two' });
  });

  it('hands out copies: a caller mutating its result does not change the cache', async () => {
    const file = await secretsFile({ s: { v: 'one' } });
    const first = await inScope(file, () => readSecret('s'));
    first.v = 'mutated';

    expect(await inScope(file, () => readSecret('s'))).toEqual({ v: 'one' });
  });

  it('asks the guard for secretsmanager:GetSecretValue on every read, cached or not', async () => {
    const file = await secretsFile({ granted: { k: 'v' }, other: { k: SECRET_VALUE } });
    const seen: string[] = [];
    const guard: AccessGuard = (action, { service, name }) => {
      seen.push(`${action} ${name}`);
      if (name !== 'granted') throw new AccessNotGrantedError('demo.fn', action, `${service}:${name}`);
    };

    await inScope(file, () => readSecret('granted'), guard);
    await inScope(file, () => readSecret('granted'), guard);
    await inScope(file, () => readSecret('other'));
    const refused = inScope(file, () => readSecret('other'), guard);

    await expect(refused).rejects.toBeInstanceOf(AccessNotGrantedError);
    expect(seen).toEqual([
      'secretsmanager:GetSecretValue granted',
      'secretsmanager:GetSecretValue granted',
      'secretsmanager:GetSecretValue other',
    ]);
  });

  it.each([
    [
      'a missing secret',
      { present: { k: 'v' } },
      'missing',
      /secret "missing" is not in TRIBUTARY_SECRETS_FILE/,
    ],
    ['a non-object file', [{ k: SECRET_VALUE }], 'any', /must hold a JSON object/],
    ['a non-JSON secret string', { s: `not json ${SECRET_VALUE}` }, 's', /secret "s" is not JSON/],
    ['a secret that is an array', { s: [SECRET_VALUE] }, 's', /secret "s" must be a JSON object of strings/],
    [
      'a non-string value',
      { s: { port: 9000, key: SECRET_VALUE } },
      's',
      /secret "s": key "port" must be a string, not number/,
    ],
    ['an empty name', { s: {} }, '', /secret name is empty/],
  ])('%s → ConfigError naming the secret, never the value', async (_, content, name, message) => {
    const file = await secretsFile(content);

    await expectConfigError(
      inScope(file, () => readSecret(name)),
      message,
    );
  });

  it('a file that is not JSON → ConfigError that does not quote the file', async () => {
    const file = await secretsFile(`{"s": {"k": "${SECRET_VALUE}"`);

    await expectConfigError(
      inScope(file, () => readSecret('s')),
      /TRIBUTARY_SECRETS_FILE .* is not valid JSON/,
    );
  });

  it('a missing file → ConfigError naming the file', async () => {
    const file = join(dir, 'absent.json');

    await expectConfigError(
      inScope(file, () => readSecret('s')),
      `TRIBUTARY_SECRETS_FILE ${file} does not exist`,
    );
  });

  it('a failed read is not cached', async () => {
    const file = join(dir, 'late.json');
    await expect(inScope(file, () => readSecret('s'))).rejects.toBeInstanceOf(ConfigError);

    await writeFile(file, JSON.stringify({ s: { k: 'v' } }));

    expect(await inScope(file, () => readSecret('s'))).toEqual({ k: 'v' });
  });
});

/**
 * No Secrets Manager is reachable from this machine. This answers GetSecretValue the way the
 * service's JSON protocol does, so the real SDK client, its error decoding and our mapping of
 * results run end to end over HTTP.
 */
function secretsManagerResponder(secrets: Record<string, { SecretString?: string; SecretBinary?: string }>) {
  const requests: string[] = [];
  const server: Server = createServer((req, res) => {
    let body = '';
    req.on('data', (chunk) => {
      body += chunk;
    });
    req.on('end', () => {
      const { SecretId } = JSON.parse(body) as { SecretId: string };
      requests.push(`${req.headers['x-amz-target']} ${SecretId}`);
      const secret = secrets[SecretId];
      res.setHeader('content-type', 'application/x-amz-json-1.1');
      if (!secret) {
        res.statusCode = 400;
        res.end(
          JSON.stringify({
            __type: 'ResourceNotFoundException',
            message: "Secrets Manager can't find the specified secret.",
          }),
        );
        return;
      }
      res.end(
        JSON.stringify({
          ARN: `arn:aws:secretsmanager:us-east-1:000000000000:secret:${SecretId}`,
          Name: SecretId,
          ...secret,
        }),
      );
    });
  });
  return { server, requests };
}

describe('readSecret from Secrets Manager (no TRIBUTARY_SECRETS_FILE)', () => {
  const { server, requests } = secretsManagerResponder({
    lyve: { SecretString: JSON.stringify({ lc_access_key: 'AK', lc_secret_key: SECRET_VALUE }) },
    binary: { SecretBinary: Buffer.from('x').toString('base64') },
    text: { SecretString: SECRET_VALUE },
  });
  let env: Record<string, string>;

  beforeAll(async () => {
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as { port: number };
    env = {
      AWS_ENDPOINT_URL_SECRETS_MANAGER: `http://127.0.0.1:${port}`,
      AWS_ACCESS_KEY_ID: 'local',
      AWS_SECRET_ACCESS_KEY: 'local',
      AWS_MAX_ATTEMPTS: '1',
    };
  });

  afterAll(async () => {
    await new Promise((resolve) => server.close(resolve));
  });

  it('parses the SecretString, and serves repeated reads from the cache', async () => {
    const first = await runInScope({ env }, () => readSecret('lyve'));
    const second = await runInScope({ env }, () => readSecret('lyve'));

    expect(first).toEqual({ lc_access_key: 'AK', lc_secret_key: SECRET_VALUE });
    expect(second).toEqual(first);
    expect(requests.filter((r) => r.endsWith(' lyve'))).toEqual(['secretsmanager.GetSecretValue lyve']);
  });

  it.each([
    ['missing', /secret "missing" does not exist in Secrets Manager/],
    ['binary', /secret "binary" has no string value/],
    ['text', /secret "text" is not JSON/],
  ])('%s → ConfigError', async (name, message) => {
    await expectConfigError(
      runInScope({ env }, () => readSecret(name)),
      message,
    );
  });
});

describe('storeSettingsFromSecret / s3ClientForStore', () => {
  it('builds path-style settings for the store with its keys and region', async () => {
    const file = await secretsFile({
      lyve: {
        lc_access_key: 'LCAK',
        lc_secret_key: SECRET_VALUE,
        lc_endpoint_url: 'https://s3.us-west-1.lyvecloud.seagate.com',
        lc_region: 'us-west-1',
      },
    });

    const settings = await inScope(file, () => storeSettingsFromSecret('lyve'));

    expect(settings).toEqual({
      region: 'us-west-1',
      endpoint: 'https://s3.us-west-1.lyvecloud.seagate.com',
      forcePathStyle: true,
      credentials: { accessKeyId: 'LCAK', secretAccessKey: SECRET_VALUE },
      retryMode: 'standard',
      maxAttempts: 3,
      requestChecksumCalculation: 'WHEN_REQUIRED',
      responseChecksumValidation: 'WHEN_REQUIRED',
    });
  });

  it('defaults the region to us-east-1', async () => {
    const file = await secretsFile({
      store: { lc_access_key: 'A', lc_secret_key: 'S', lc_endpoint_url: 'http://127.0.0.1:9000' },
    });

    expect((await inScope(file, () => storeSettingsFromSecret('store'))).region).toBe('us-east-1');
  });

  it.each([
    [{ lc_secret_key: SECRET_VALUE, lc_endpoint_url: 'http://127.0.0.1:9000' }, /lacks lc_access_key:/],
    [{ lc_access_key: 'A', lc_secret_key: '  ' }, /lacks lc_secret_key, lc_endpoint_url:/],
    [
      { lc_access_key: 'A', lc_secret_key: SECRET_VALUE, lc_endpoint_url: 'ftp://x' },
      /lc_endpoint_url must be an http\(s\) URL/,
    ],
    [
      { lc_access_key: 'A', lc_secret_key: SECRET_VALUE, lc_endpoint_url: 'http://h', lc_region: 'us east' },
      /lc_region must look like us-east-1/,
    ],
  ])('%o → ConfigError naming the secret and what is wrong', async (secret, message) => {
    const file = await secretsFile({ store: secret });

    const settings = inScope(file, () => storeSettingsFromSecret('store'));

    await expectConfigError(settings, message);
    await expectConfigError(settings, /secret "store"/);
  });

  it('s3ClientForStore is configured for the store and carries no access guard', async () => {
    const file = await secretsFile({
      store: { lc_access_key: 'A', lc_secret_key: 'S', lc_endpoint_url: 'http://127.0.0.1:9000' },
    });
    const guard: AccessGuard = (action, { name }) => {
      if (action !== 'secretsmanager:GetSecretValue' || name !== 'store') throw new Error(`denied ${action}`);
    };

    const client = await inScope(file, () => s3ClientForStore('store'), guard);

    expect(await client.config.endpoint?.()).toMatchObject({ hostname: '127.0.0.1', port: 9000 });
    expect(await client.config.credentials()).toMatchObject({ accessKeyId: 'A', secretAccessKey: 'S' });
    expect(client.config.forcePathStyle).toBe(true);
    expect(client.middlewareStack.identify().some((m) => m.includes(ACCESS_GUARD_MIDDLEWARE))).toBe(false);
  });

  it('reading the store secret is still guarded', async () => {
    const file = await secretsFile({
      store: { lc_access_key: 'A', lc_secret_key: 'S', lc_endpoint_url: 'http://h' },
    });
    const guard: AccessGuard = (action, { service, name }) => {
      throw new AccessNotGrantedError('demo.fn', action, `${service}:${name}`);
    };

    await expect(inScope(file, () => s3ClientForStore('store'), guard)).rejects.toThrow(
      'not granted secretsmanager:GetSecretValue on secretsmanager:store',
    );
  });
});
