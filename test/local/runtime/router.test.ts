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

const root = mkdtempSync(path.join(os.tmpdir(), 'tributary-router-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

/** csv-load as the runtime resolves it, with its landing filter from config. */
function csvLoadFunctions(config: Record<string, string>) {
  writeFileSync(
    path.join(root, 'tributary.config.json'),
    JSON.stringify({ pipelines: { 'csv-load': { config } } }),
  );
  const local = loadConfig({ pipelines: [csvLoad], env: {}, cwd: root });
  return {
    local,
    functions: resolveFunctions({
      pipelines: [csvLoad],
      config: local,
      paths: statePaths(local.stateDir),
      endpoints: { s3Url: 'http://127.0.0.1:9', dynamodbUrl: 'http://127.0.0.1:9' },
    }),
  };
}

const record = (key: string, eventName = 'ObjectCreated:Put') =>
  ({ eventName, s3: { bucket: { name: 'tributary-landing' }, object: { key } } }) as unknown as S3EventRecord;

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
