import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { ConfigError } from '../../src/core/errors.js';
import { actionsFor, iamActionForCommand, putMetrics, read, write } from '../../src/core/grants.js';
import {
  definePipeline,
  type PipelineSpec,
  readConfig,
  resolveGrants,
  resourceName,
  s3FilterOf,
} from '../../src/core/pipeline.js';
import { bucket, table } from '../../src/core/resources.js';
import { matchesS3Event, onHttp, onObjectCreated, onSchedule } from '../../src/core/triggers.js';

const resources = {
  landing: bucket({ name: 'landing', env: 'LANDING_BUCKET' }),
  items: table({ name: 'items', env: 'TABLE_NAME', partitionKey: { name: 'ID', type: 'S' } }),
};

function spec(overrides: Partial<PipelineSpec<typeof resources>> = {}): PipelineSpec<typeof resources> {
  return {
    name: 'csv-load',
    description: 'test',
    config: z.object({ KEY_COLUMN: z.string().default('ID'), SCHEDULE: z.string().default('rate(1 hour)') }),
    resources,
    functions: {
      load: {
        triggers: [onObjectCreated('landing', { prefix: 'data/' })],
        grants: [read('landing'), write('items')],
      },
    },
    handlers: async () => ({}),
    ...overrides,
  };
}

describe('definePipeline', () => {
  it('accepts a valid declaration', () => {
    expect(definePipeline(spec()).name).toBe('csv-load');
  });

  it.each<[string, Partial<PipelineSpec<typeof resources>>, RegExp]>([
    ['a bad name', { name: 'CSV Load' }, /kebab-case/],
    ['no functions', { functions: {} }, /declares no functions/],
    [
      'an S3 trigger on a table',
      { functions: { load: { triggers: [onObjectCreated('items' as 'landing')], grants: [] } } },
      /not a bucket resource/,
    ],
    [
      'a grant on a missing resource',
      { functions: { load: { triggers: [], grants: [read('nope' as 'landing')] } } },
      /"nope", which is not a declared resource/,
    ],
    [
      'an access the resource kind lacks',
      {
        functions: {
          load: { triggers: [], grants: [{ kind: 'resource', resource: 'items', access: ['publish'] }] },
        },
      },
      /"publish" is not an access a table has/,
    ],
    [
      'an invalid schedule',
      { functions: { tick: { triggers: [onSchedule('rate(7 minute)')], grants: [] } } },
      /rate\(7 minutes\)/,
    ],
    [
      'a schedule config key missing from the schema',
      { functions: { tick: { triggers: [onSchedule({ configKey: 'NOPE' })], grants: [] } } },
      /"NOPE" is not in the config schema/,
    ],
    [
      'a malformed route',
      { functions: { api: { triggers: [onHttp('FETCH /x' as 'GET /x')], grants: [] } } },
      /bad route/,
    ],
    [
      'a timeout over 900 s',
      { functions: { load: { timeoutSeconds: 901, triggers: [], grants: [] } } },
      /timeoutSeconds/,
    ],
    [
      'a function name that is no identifier',
      { functions: { 'load-csv': { triggers: [], grants: [] } } },
      /identifier/,
    ],
  ])('rejects %s', (_, overrides, message) => {
    expect(() => definePipeline(spec(overrides))).toThrow(ConfigError);
    expect(() => definePipeline(spec(overrides))).toThrow(message);
  });
});

describe('readConfig and resourceName', () => {
  const pipeline = definePipeline(spec({ config: z.object({ BATCH: z.coerce.number().int().positive() }) }));

  it('coerces config from the environment', () => {
    expect(readConfig(pipeline, { BATCH: '25' })).toEqual({ BATCH: 25 });
  });

  it('names every bad key', () => {
    expect(() => readConfig(pipeline, { BATCH: '-1' })).toThrow(/config is invalid — BATCH:/);
  });

  it('reads a resource name from its env var and explains a missing one', () => {
    expect(resourceName(pipeline, 'landing', { LANDING_BUCKET: 'b1' })).toBe('b1');
    expect(() => resourceName(pipeline, 'items', {})).toThrow(/TABLE_NAME \(the table "items"\) is not set/);
  });
});

describe('triggers and grants', () => {
  it.each([
    ['ObjectCreated:Put', 'data/a.csv', true],
    ['ObjectCreated:CompleteMultipartUpload', 'data/a.csv', true],
    ['ObjectRemoved:Delete', 'data/a.csv', false],
    ['ObjectCreated:Put', 'other/a.csv', false],
    ['ObjectCreated:Put', 'data/a.txt', false],
  ])('matches %s on %s → %s', (eventName, key, expected) => {
    const trigger = onObjectCreated('landing', { prefix: 'data/', suffix: '.csv' });
    expect(matchesS3Event(trigger, s3FilterOf(trigger, {}), eventName, key)).toBe(expected);
  });

  it('resolves S3 filters from config keys, with a literal tail', () => {
    const trigger = onObjectCreated('landing', {
      prefix: { configKey: 'PREFIX' },
      suffix: { configKey: 'SUFFIX', append: '.gz' },
    });

    expect(s3FilterOf(trigger, { PREFIX: 'in/', SUFFIX: '.csv' })).toEqual({
      prefix: 'in/',
      suffix: '.csv.gz',
    });
    expect(s3FilterOf(onObjectCreated('landing'), {})).toEqual({ prefix: '', suffix: '' });
    expect(() => s3FilterOf(trigger, { SUFFIX: '.csv' })).toThrow('config PREFIX must be a string');
  });

  it('resolves a metrics namespace from a config key', () => {
    const grants = [putMetrics({ configKey: 'NAMESPACE' }), putMetrics('Fixed'), read('landing')];

    expect(resolveGrants(grants, { NAMESPACE: 'Mine' })).toEqual([
      { kind: 'metrics', namespace: 'Mine' },
      { kind: 'metrics', namespace: 'Fixed' },
      read('landing'),
    ]);
    expect(() => resolveGrants(grants, {})).toThrow('config NAMESPACE must be a metric namespace');
  });

  it('refuses an S3 filter config key the schema does not have', () => {
    expect(() =>
      definePipeline({
        name: 'bad-filter',
        description: 'S3 filter from a config key that does not exist',
        config: z.object({ PREFIX: z.string() }),
        resources: { landing: bucket({ name: 'l', env: 'L' }) },
        functions: {
          load: { triggers: [onObjectCreated('landing', { prefix: { configKey: 'PREFXI' } })], grants: [] },
        },
        handlers: async () => ({ load: async () => undefined }),
      }),
    ).toThrow('S3 filter config key "PREFXI" is not in the config schema');
  });

  it.each([
    ['S3', 'HeadObjectCommand', 's3:GetObject'],
    ['S3', 'ListObjectsV2Command', 's3:ListBucket'],
    ['S3', 'UploadPartCommand', 's3:PutObject'],
    ['S3', 'DeleteObjectsCommand', 's3:DeleteObject'],
    ['DynamoDB', 'BatchWriteItemCommand', 'dynamodb:BatchWriteItem'],
    ['Secrets Manager', 'GetSecretValueCommand', 'secretsmanager:GetSecretValue'],
  ])('%s %s needs %s', (service, command, action) => {
    expect(iamActionForCommand(service, command)).toBe(action);
  });

  it('lists the actions of a grant, sorted and without repeats', () => {
    expect(actionsFor('table', ['write', 'delete'])).toEqual([
      'dynamodb:BatchWriteItem',
      'dynamodb:DeleteItem',
      'dynamodb:PutItem',
      'dynamodb:UpdateItem',
    ]);
  });
});
