import { describe, expect, it } from 'vitest';
import {
  type ClientSettings,
  clientSettings,
  isAwsEndpoint,
  resolveSettings,
} from '../../src/clients/index.js';
import { ConfigError } from '../../src/core/errors.js';
import { runInScope } from '../../src/core/invocation.js';

const DEFAULTS: ClientSettings = {
  region: 'us-east-1',
  forcePathStyle: false,
  retryMode: 'standard',
  maxAttempts: 3,
  requestChecksumCalculation: 'WHEN_SUPPORTED',
  responseChecksumValidation: 'WHEN_SUPPORTED',
};

describe('clientSettings from the environment', () => {
  it.each<[string, 's3' | 'dynamodb' | 'secretsmanager', Record<string, string>, Partial<ClientSettings>]>([
    ['nothing set: AWS defaults, SDK credential chain', 's3', {}, {}],
    ['region', 's3', { AWS_REGION: 'eu-west-3' }, { region: 'eu-west-3' }],
    [
      'AWS_DEFAULT_REGION when AWS_REGION is unset',
      'dynamodb',
      { AWS_DEFAULT_REGION: 'ap-south-1' },
      { region: 'ap-south-1' },
    ],
    ['empty values count as unset', 's3', { AWS_REGION: '', AWS_ENDPOINT_URL_S3: '' }, {}],
    [
      'S3 endpoint: path style and checksums only when required',
      's3',
      { AWS_ENDPOINT_URL_S3: 'http://127.0.0.1:9000' },
      {
        endpoint: 'http://127.0.0.1:9000',
        forcePathStyle: true,
        requestChecksumCalculation: 'WHEN_REQUIRED',
        responseChecksumValidation: 'WHEN_REQUIRED',
      },
    ],
    [
      'the per-service endpoint wins over AWS_ENDPOINT_URL',
      'dynamodb',
      { AWS_ENDPOINT_URL: 'http://127.0.0.1:1', AWS_ENDPOINT_URL_DYNAMODB: 'http://127.0.0.1:8000' },
      {
        endpoint: 'http://127.0.0.1:8000',
        forcePathStyle: true,
        requestChecksumCalculation: 'WHEN_REQUIRED',
        responseChecksumValidation: 'WHEN_REQUIRED',
      },
    ],
    [
      'AWS_ENDPOINT_URL is the fallback; another service variable does not apply',
      'secretsmanager',
      { AWS_ENDPOINT_URL: 'https://localhost:4566', AWS_ENDPOINT_URL_S3: 'http://127.0.0.1:9000' },
      {
        endpoint: 'https://localhost:4566',
        forcePathStyle: true,
        requestChecksumCalculation: 'WHEN_REQUIRED',
        responseChecksumValidation: 'WHEN_REQUIRED',
      },
    ],
    [
      'explicit path style and checksum settings win over endpoint defaults',
      's3',
      {
        AWS_ENDPOINT_URL_S3: 'https://s3.us-east-1.lyvecloud.seagate.com',
        S3_FORCE_PATH_STYLE: 'false',
        AWS_REQUEST_CHECKSUM_CALCULATION: 'WHEN_SUPPORTED',
      },
      {
        endpoint: 'https://s3.us-east-1.lyvecloud.seagate.com',
        forcePathStyle: false,
        requestChecksumCalculation: 'WHEN_SUPPORTED',
        responseChecksumValidation: 'WHEN_REQUIRED',
      },
    ],
    [
      'static credentials with a session token',
      's3',
      { AWS_ACCESS_KEY_ID: 'AKID', AWS_SECRET_ACCESS_KEY: 'SECRET', AWS_SESSION_TOKEN: 'TOKEN' },
      { credentials: { accessKeyId: 'AKID', secretAccessKey: 'SECRET', sessionToken: 'TOKEN' } },
    ],
    [
      'static credentials without a session token',
      's3',
      { AWS_ACCESS_KEY_ID: 'AKID', AWS_SECRET_ACCESS_KEY: 'SECRET' },
      { credentials: { accessKeyId: 'AKID', secretAccessKey: 'SECRET' } },
    ],
    [
      'retry mode and attempts',
      'dynamodb',
      { AWS_RETRY_MODE: 'adaptive', AWS_MAX_ATTEMPTS: '7' },
      { retryMode: 'adaptive', maxAttempts: 7 },
    ],
    [
      'path style can be forced against AWS too',
      's3',
      { S3_FORCE_PATH_STYLE: 'true', AWS_RESPONSE_CHECKSUM_VALIDATION: 'WHEN_REQUIRED' },
      { forcePathStyle: true, responseChecksumValidation: 'WHEN_REQUIRED' },
    ],
  ])('%s', (_, service, env, expected) => {
    expect(clientSettings(service, env)).toEqual({ ...DEFAULTS, ...expected });
  });

  it.each([
    [{ AWS_REGION: 'us east 1' }, 'AWS_REGION', 'us east 1'],
    [{ AWS_DEFAULT_REGION: 'eu/west' }, 'AWS_DEFAULT_REGION', 'eu/west'],
    [{ AWS_ENDPOINT_URL_S3: 'localhost:9000' }, 'AWS_ENDPOINT_URL_S3', 'localhost:9000'],
    [{ AWS_ENDPOINT_URL: 'ftp://127.0.0.1' }, 'AWS_ENDPOINT_URL', 'ftp://127.0.0.1'],
    [{ S3_FORCE_PATH_STYLE: 'yes' }, 'S3_FORCE_PATH_STYLE', 'yes'],
    [{ AWS_RETRY_MODE: 'legacy' }, 'AWS_RETRY_MODE', 'legacy'],
    [{ AWS_MAX_ATTEMPTS: '0' }, 'AWS_MAX_ATTEMPTS', '0'],
    [{ AWS_MAX_ATTEMPTS: 'three' }, 'AWS_MAX_ATTEMPTS', 'three'],
    [{ AWS_MAX_ATTEMPTS: '2.5' }, 'AWS_MAX_ATTEMPTS', '2.5'],
    [{ AWS_MAX_ATTEMPTS: '21' }, 'AWS_MAX_ATTEMPTS', '21'],
    [{ AWS_REQUEST_CHECKSUM_CALCULATION: 'ALWAYS' }, 'AWS_REQUEST_CHECKSUM_CALCULATION', 'ALWAYS'],
    [
      { AWS_RESPONSE_CHECKSUM_VALIDATION: 'when_required' },
      'AWS_RESPONSE_CHECKSUM_VALIDATION',
      'when_required',
    ],
  ])('%o → ConfigError naming %s and the bad value', (env, variable, value) => {
    const act = () => clientSettings('s3', env);

    expect(act).toThrow(ConfigError);
    expect(act).toThrow(variable);
    expect(act).toThrow(`"${value}"`);
  });

  it.each([
    [{ AWS_ACCESS_KEY_ID: 'AKID' }, 'AWS_ACCESS_KEY_ID is set but AWS_SECRET_ACCESS_KEY is not'],
    [{ AWS_SECRET_ACCESS_KEY: 'TOPSECRET' }, 'AWS_SECRET_ACCESS_KEY is set but AWS_ACCESS_KEY_ID is not'],
    [{ AWS_SESSION_TOKEN: 'TOPSECRET' }, 'AWS_SESSION_TOKEN is set without'],
  ])('half-set credentials %o → ConfigError that never echoes a secret', (env, message) => {
    const act = () => clientSettings('s3', env);

    expect(act).toThrow(ConfigError);
    expect(act).toThrow(message);
    expect(() => act()).not.toThrow(/TOPSECRET/);
  });

  it('reads the current invocation scope, not process.env, by default', () => {
    const settings = runInScope(
      { env: { AWS_REGION: 'sa-east-1', AWS_ENDPOINT_URL_DYNAMODB: 'http://127.0.0.1:8000' } },
      () => clientSettings('dynamodb'),
    );

    expect(settings.region).toBe('sa-east-1');
    expect(settings.endpoint).toBe('http://127.0.0.1:8000');
  });
});

describe('checksum default per endpoint', () => {
  it.each([
    [undefined, 'WHEN_SUPPORTED'],
    ['https://s3.amazonaws.com', 'WHEN_SUPPORTED'],
    ['https://s3.eu-west-1.amazonaws.com', 'WHEN_SUPPORTED'],
    ['https://bucket.s3.dualstack.us-east-1.amazonaws.com', 'WHEN_SUPPORTED'],
    ['https://s3.cn-north-1.amazonaws.com.cn', 'WHEN_SUPPORTED'],
    ['http://127.0.0.1:9000', 'WHEN_REQUIRED'],
    ['https://s3.us-east-1.lyvecloud.seagate.com', 'WHEN_REQUIRED'],
    ['http://minio.internal:9000', 'WHEN_REQUIRED'],
    ['https://s3.amazonaws.com.evil.example', 'WHEN_REQUIRED'],
    ['https://notamazonaws.com', 'WHEN_REQUIRED'],
  ])('%s → %s', (endpoint, mode) => {
    const env = endpoint ? { AWS_ENDPOINT_URL_S3: endpoint } : {};

    const settings = clientSettings('s3', env);

    expect(isAwsEndpoint(endpoint)).toBe(mode === 'WHEN_SUPPORTED');
    expect(settings.requestChecksumCalculation).toBe(mode);
    expect(settings.responseChecksumValidation).toBe(mode);
  });
});

describe('resolveSettings (code overrides on top of the environment)', () => {
  it('recomputes endpoint-dependent defaults from the overriding endpoint', () => {
    const settings = resolveSettings(
      's3',
      { endpoint: 'http://127.0.0.1:9000' },
      { AWS_REGION: 'eu-west-1' },
    );

    expect(settings).toEqual({
      ...DEFAULTS,
      region: 'eu-west-1',
      endpoint: 'http://127.0.0.1:9000',
      forcePathStyle: true,
      requestChecksumCalculation: 'WHEN_REQUIRED',
      responseChecksumValidation: 'WHEN_REQUIRED',
    });
  });

  it('keeps what the environment states explicitly, and ignores undefined overrides', () => {
    const env = { S3_FORCE_PATH_STYLE: 'false', AWS_MAX_ATTEMPTS: '9' };

    const settings = resolveSettings(
      's3',
      { endpoint: 'http://127.0.0.1:9000', maxAttempts: undefined },
      env,
    );

    expect(settings.forcePathStyle).toBe(false);
    expect(settings.maxAttempts).toBe(9);
  });

  it('refuses a non-URL endpoint override', () => {
    expect(() => resolveSettings('s3', { endpoint: 'not a url' }, {})).toThrow(ConfigError);
  });
});
