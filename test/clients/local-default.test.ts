import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import {
  ensureLocalDefault,
  type LocalDefault,
  MissingSecretError,
  readSecretOrLocalDefault,
  SECRETS_FILE_VARIABLE,
} from '../../src/clients/index.js';
import { ConfigError } from '../../src/core/errors.js';
import { runInScope } from '../../src/core/invocation.js';

let made = 0;
const TOKEN: LocalDefault<{ token: string }> = {
  file: 'token.json',
  generate: () => ({ token: `t-${++made}` }),
  isValid: (v): v is { token: string } => typeof (v as { token?: unknown } | null)?.token === 'string',
};

describe('local defaults for secrets that are not configured', () => {
  const root = mkdtempSync(path.join(os.tmpdir(), 'tributary-local-default-'));
  afterAll(() => rmSync(root, { recursive: true, force: true }));
  const stateDir = (name: string) => path.join(root, name);

  it('generates once, 0600, and hands out the same value afterwards', () => {
    const dir = stateDir('once');
    const first = ensureLocalDefault(dir, TOKEN);
    const second = ensureLocalDefault(dir, TOKEN);

    expect(second).toEqual(first);
    expect(statSync(path.join(dir, 'token.json')).mode & 0o777).toBe(0o600);
  });

  it('refuses a malformed file, naming it and saying how to recover', () => {
    const dir = stateDir('bad');
    ensureLocalDefault(dir, TOKEN);
    writeFileSync(path.join(dir, 'token.json'), '{"token": 5}');

    expect(() => ensureLocalDefault(dir, TOKEN)).toThrow(ConfigError);
    expect(() => ensureLocalDefault(dir, TOKEN)).toThrow(/token\.json is malformed: delete it/);
    writeFileSync(path.join(dir, 'token.json'), 'not json');
    expect(() => ensureLocalDefault(dir, TOKEN)).toThrow(/token\.json is not valid JSON/);
  });

  it('uses the secret when it is configured and the default only when it is missing', async () => {
    const dir = stateDir('secrets');
    const file = path.join(root, 'secrets', 'secrets.json');
    ensureLocalDefault(dir, TOKEN); // creates the dir
    writeFileSync(file, JSON.stringify({ configured: { token: 'from-config' }, broken: { token: 5 } }));
    const env = { [SECRETS_FILE_VARIABLE]: file };
    const read = (name: string) =>
      runInScope({ env }, () => readSecretOrLocalDefault(name, TOKEN, ({ token }) => ({ token })));

    const configured = await read('configured');
    const missing = await read('absent');
    const generated = JSON.parse(readFileSync(path.join(dir, 'token.json'), 'utf8')) as { token: string };

    expect(configured).toEqual({ token: 'from-config' });
    expect(missing).toEqual(generated);
    // A secret that exists but is malformed is an error, not a reason to make one up.
    await expect(read('broken')).rejects.toThrow(/secret "broken": key "token" must be a string/);
  });

  it('makes nothing up without a local secrets file: on AWS a missing secret stays an error', async () => {
    // Secrets Manager answering as it does for a secret that does not exist.
    const server = createServer((_req, res) => {
      res.writeHead(400, { 'content-type': 'application/x-amz-json-1.1' });
      res.end(JSON.stringify({ __type: 'ResourceNotFoundException', message: 'not found' }));
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as AddressInfo;
    const env = {
      AWS_ENDPOINT_URL_SECRETS_MANAGER: `http://127.0.0.1:${port}`,
      AWS_ACCESS_KEY_ID: 'test',
      AWS_SECRET_ACCESS_KEY: 'test-secret',
      AWS_REGION: 'us-east-1',
    };
    try {
      const read = runInScope({ env }, () =>
        readSecretOrLocalDefault('nowhere', TOKEN, ({ token }) => ({ token })),
      );

      await expect(read).rejects.toBeInstanceOf(MissingSecretError);
      await expect(read).rejects.toThrow('secret "nowhere" does not exist in Secrets Manager');
    } finally {
      server.close();
    }
  });
});
