import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ConfigError } from '../../../src/core/errors.js';
import { DEFAULTS, loadConfig, physicalName, validatePipelineConfigs } from '../../../src/local/config.js';
import { events, pipelines } from '../../fixtures/pipelines.js';

const dirs: string[] = [];
function cwdWith(file?: unknown): string {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'tributary-config-'));
  dirs.push(dir);
  if (file !== undefined) {
    writeFileSync(
      path.join(dir, 'tributary.config.json'),
      typeof file === 'string' ? file : JSON.stringify(file),
    );
  }
  return dir;
}

afterAll(() => {
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

describe('loadConfig', () => {
  it('uses the documented defaults with no env and no file', () => {
    const cwd = cwdWith();

    const config = loadConfig({ pipelines, env: {}, cwd });

    expect(config).toMatchObject({
      host: '127.0.0.1',
      httpPort: 3000,
      s3Port: 9000,
      dynamodbPort: 8000,
      stateDir: path.join(cwd, '.tributary'),
      accessKeyId: 'tributary',
      secretAccessKey: 'tributary-local-secret',
      retryBaseDelayMs: DEFAULTS.retryBaseDelayMs,
    });
    expect(config.pipelines['fixture-events']).toEqual({ config: {}, resources: {}, enabled: true });
  });

  it('reads the file, and env wins over it', () => {
    const cwd = cwdWith({
      host: '0.0.0.0',
      s3Port: 9100,
      stateDir: 'state',
      pipelines: {
        'fixture-events': { config: { RECORD_DIR: '/tmp/x' }, resources: { inbox: 'real-inbox' } },
        'fixture-api': { enabled: false },
      },
      secrets: { 'lyve-credentials': { accessKeyId: 'a', secretAccessKey: 'b' } },
    });

    const config = loadConfig({
      pipelines,
      env: { TRIBUTARY_S3_PORT: '9200', TRIBUTARY_ACCESS_KEY_ID: 'me', TRIBUTARY_SECRET_ACCESS_KEY: 'mine' },
      cwd,
    });

    expect(config.host).toBe('0.0.0.0');
    expect(config.s3Port).toBe(9200);
    expect(config.stateDir).toBe(path.join(cwd, 'state'));
    expect(config.accessKeyId).toBe('me');
    expect(config.secretAccessKey).toBe('mine');
    expect(config.pipelines['fixture-events']?.config).toEqual({ RECORD_DIR: '/tmp/x' });
    expect(config.pipelines['fixture-api']?.enabled).toBe(false);
    expect(physicalName(config, events, 'inbox')).toBe('real-inbox');
    expect(physicalName(config, events, 'other')).toBe('fixture-other');
    expect(config.secrets).toEqual({ 'lyve-credentials': { accessKeyId: 'a', secretAccessKey: 'b' } });
  });

  it('reads the file TRIBUTARY_CONFIG names', () => {
    const cwd = cwdWith();
    writeFileSync(path.join(cwd, 'other.json'), JSON.stringify({ httpPort: 3100 }));

    const config = loadConfig({ pipelines, env: { TRIBUTARY_CONFIG: 'other.json' }, cwd });

    expect(config.httpPort).toBe(3100);
  });

  it.each([
    [
      'an unknown pipeline',
      { pipelines: { nope: {} } },
      /unknown pipeline "nope" \(known: fixture-events, fixture-api\)/,
    ],
    [
      'an unknown resource key',
      { pipelines: { 'fixture-events': { resources: { outbox: 'x' } } } },
      /pipeline "fixture-events" has no resource "outbox" \(resources: inbox, other, items\)/,
    ],
    [
      'an unknown config key',
      { pipelines: { 'fixture-events': { config: { NOPE: '1' } } } },
      /has no config key "NOPE" \(keys: RECORD_DIR, TICK_SCHEDULE\)/,
    ],
    ['an unknown top-level key', { htpPort: 3000 }, /Unrecognized key.*htpPort/],
    ['a bad port in the file', { s3Port: 70000 }, /s3Port: .*65535/],
    ['a port that is not a number', { httpPort: 'x' }, /httpPort/],
    ['invalid JSON', '{ "httpPort": ', /not valid JSON/],
  ])('refuses %s', (_what, file, message) => {
    const cwd = cwdWith(file);

    const load = () => loadConfig({ pipelines, env: {}, cwd });

    expect(load).toThrow(ConfigError);
    expect(load).toThrow(message);
  });

  it.each([
    ['TRIBUTARY_HTTP_PORT', 'abc', /TRIBUTARY_HTTP_PORT="abc" is not a port/],
    ['TRIBUTARY_S3_PORT', '99999', /TRIBUTARY_S3_PORT="99999" is not a port/],
    ['TRIBUTARY_DYNAMODB_PORT', '-1', /TRIBUTARY_DYNAMODB_PORT="-1" is not a port/],
    ['TRIBUTARY_CONCURRENCY', '0', /TRIBUTARY_CONCURRENCY="0" must be an integer ≥ 1/],
  ])('refuses %s=%s', (name, value, message) => {
    const load = () => loadConfig({ pipelines, env: { [name]: value }, cwd: cwdWith() });

    expect(load).toThrow(ConfigError);
    expect(load).toThrow(message);
  });

  it('refuses a missing TRIBUTARY_CONFIG file', () => {
    const load = () => loadConfig({ pipelines, env: { TRIBUTARY_CONFIG: 'missing.json' }, cwd: cwdWith() });

    expect(load).toThrow(/cannot read config file .*missing\.json/);
  });
});

describe('validatePipelineConfigs', () => {
  const configWith = (values: Record<string, string>) =>
    loadConfig({
      pipelines,
      env: {},
      cwd: cwdWith({
        pipelines: {
          'fixture-events': { config: values },
          'fixture-api': { config: { RECORD_DIR: '/tmp' } },
        },
      }),
    });

  it('accepts valid values', () => {
    expect(() => validatePipelineConfigs(configWith({ RECORD_DIR: '/tmp' }), pipelines)).not.toThrow();
  });

  it('refuses a config value the pipeline schema rejects', () => {
    const check = () => validatePipelineConfigs(configWith({}), pipelines);

    expect(check).toThrow(ConfigError);
    expect(check).toThrow(/pipeline "fixture-events" config is invalid — RECORD_DIR/);
  });

  it('refuses an invalid schedule expression', () => {
    const check = () =>
      validatePipelineConfigs(configWith({ RECORD_DIR: '/tmp', TICK_SCHEDULE: 'rate(7 minute)' }), pipelines);

    expect(check).toThrow(ConfigError);
    expect(check).toThrow(/fixture-events.*tick.*use "rate\(7 minutes\)"/);
  });
});
