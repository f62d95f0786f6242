import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { S3EventRecord } from 'aws-lambda';
import { afterAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../../src/local/config.js';
import { resolveFunctions } from '../../../src/local/runtime/functions.js';
import { routeS3Record } from '../../../src/local/runtime/router.js';
import { statePaths } from '../../../src/local/state.js';
import csvLoad from '../../../src/pipelines/csv-load/pipeline.js';
import replication from '../../../src/pipelines/replication/pipeline.js';

const root = mkdtempSync(path.join(os.tmpdir(), 'tributary-router-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

/** A pipeline as the runtime resolves it, with its S3 filters from config. */
function functionsOf(pipeline: typeof csvLoad | typeof replication, config: Record<string, string>) {
  writeFileSync(
    path.join(root, 'tributary.config.json'),
    JSON.stringify({ pipelines: { [pipeline.name]: { config } } }),
  );
  const local = loadConfig({ pipelines: [pipeline], env: {}, cwd: root });
  return {
    local,
    functions: resolveFunctions({
      pipelines: [pipeline],
      config: local,
      paths: statePaths(local.stateDir),
      endpoints: { s3Url: 'http://127.0.0.1:9', dynamodbUrl: 'http://127.0.0.1:9' },
    }),
  };
}

const csvLoadFunctions = (config: Record<string, string>) => functionsOf(csvLoad, config);

const record = (key: string, eventName = 'ObjectCreated:Put', bucket = 'tributary-landing') =>
  ({ eventName, s3: { bucket: { name: bucket }, object: { key } } }) as unknown as S3EventRecord;

describe('routeS3Record', () => {
  it.each([
    ['data/a.csv', {}, true],
    ['data/a.csv.gz', {}, true],
    ['data/a.txt', {}, false],
    ['incoming/a.tsv', { LANDING_PREFIX: 'incoming/', SUFFIX: '.tsv' }, true],
    ['incoming/a.tsv.gz', { LANDING_PREFIX: 'incoming/', SUFFIX: '.tsv' }, true],
    ['data/a.csv', { LANDING_PREFIX: 'incoming/', SUFFIX: '.tsv' }, false],
    ['incoming/x+y%C3%A9.tsv', { LANDING_PREFIX: 'incoming/', SUFFIX: '.tsv' }, true],
    ['checkpoints/data/a.csv.json', { LANDING_PREFIX: 'incoming/' }, true],
  ])('%s with config %j → delivered %s', (key, config, delivered) => {
    const { local, functions } = csvLoadFunctions(config);

    const targets = routeS3Record(record(key), functions.values(), local);

    expect(targets.map((fn) => fn.id)).toEqual(delivered ? ['csv-load.load'] : []);
  });

  it('does not deliver removals to a created-only trigger', () => {
    const { local, functions } = csvLoadFunctions({});

    expect(routeS3Record(record('data/a.csv', 'ObjectRemoved:Delete'), functions.values(), local)).toEqual(
      [],
    );
  });
});

describe('routeS3Record for replication', () => {
  const SOURCE = 'tributary-replication-source';
  const STATE = 'tributary-replication-state';

  it.each([
    [SOURCE, 'video/a.mp4', 'ObjectCreated:Put', {}, ['replication.replicate']],
    [
      SOURCE,
      'video/a.mp4',
      'ObjectCreated:Put',
      { SOURCE_PREFIX: 'video/', SOURCE_SUFFIX: '.mp4' },
      ['replication.replicate'],
    ],
    [SOURCE, 'audio/a.mp3', 'ObjectCreated:Put', { SOURCE_PREFIX: 'video/' }, []],
    [SOURCE, 'video/a.mov', 'ObjectCreated:Put', { SOURCE_SUFFIX: '.mp4' }, []],
    [
      SOURCE,
      'video/a.mp4',
      'ObjectRemoved:Delete',
      { SOURCE_PREFIX: 'video/' },
      ['replication.replicateDelete'],
    ],
    [SOURCE, 'audio/a.mp3', 'ObjectRemoved:Delete', { SOURCE_PREFIX: 'video/' }, []],
    [
      STATE,
      'continuations/ab/00003.json',
      'ObjectCreated:Put',
      { SOURCE_PREFIX: 'video/' },
      ['replication.replicate'],
    ],
    [STATE, 'notes/readme.txt', 'ObjectCreated:Put', {}, []],
    [STATE, 'continuations/ab/00003.json', 'ObjectRemoved:Delete', {}, []],
  ])('%s %s %s with config %j → %j', (bucket, key, eventName, config, delivered) => {
    const { local, functions } = functionsOf(replication, config);

    const targets = routeS3Record(record(key, eventName, bucket), functions.values(), local);

    expect(targets.map((fn) => fn.id)).toEqual(delivered);
  });
});
