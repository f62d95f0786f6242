import { describe, expect, it } from 'vitest';
import { buildApp } from '../../src/cloud/app.js';
import { selectStages, stageConfigs } from '../../src/cloud/stages.js';
import { ConfigError, UsageError } from '../../src/core/errors.js';
import { definePipeline } from '../../src/core/pipeline.js';
import everything from './fixtures/everything/pipeline.js';
import { entryFor } from './helpers.js';

/** Builds (without synthesizing) the devl stack with a modified devl config. */
function buildDevl(devl: Partial<ReturnType<typeof stageConfigs>['devl']>, pipeline = everything) {
  const configs = stageConfigs({});
  configs.devl = { ...configs.devl, ...devl };
  return () =>
    buildApp({
      pipelines: [pipeline],
      configs,
      stages: ['devl'],
      bundle: false,
      nag: false,
      entryFor: entryFor([pipeline]),
    });
}

describe('stage and pipeline config errors fail synth with a clear message', () => {
  it('unknown stage names are usage errors', () => {
    expect(() => selectStages('staging')).toThrow(UsageError);
    expect(() => selectStages('staging')).toThrow(
      'unknown stage "staging": expected one of devl, test, prod',
    );
    expect(selectStages(undefined)).toEqual(['devl', 'test', 'prod']);
    expect(selectStages('prod')).toEqual(['prod']);
  });

  it('account and region from env are checked', () => {
    expect(
      stageConfigs({ TRIBUTARY_PROD_ACCOUNT: '123456789012', TRIBUTARY_PROD_REGION: 'eu-west-1' }).prod,
    ).toMatchObject({
      account: '123456789012',
      region: 'eu-west-1',
    });
    expect(() => stageConfigs({ TRIBUTARY_TEST_ACCOUNT: '1234' })).toThrow(
      'TRIBUTARY_TEST_ACCOUNT must be a 12-digit AWS account id',
    );
    expect(() => stageConfigs({ CDK_DEFAULT_REGION: 'mars' })).toThrow(UsageError);
    expect(() => stageConfigs({ TRIBUTARY_DEVL_DOMAIN: 'api.example.com' })).toThrow('must be set together');
  });

  it('a config key the pipeline does not declare is refused', () => {
    expect(buildDevl({ pipelineConfig: { everything: { SWEEP_SCHEDUEL: 'rate(1 hour)' } } })).toThrow(
      'stage "devl", pipeline "everything": unknown config SWEEP_SCHEDUEL (known: SWEEP_SCHEDULE, BATCH_SIZE)',
    );
  });

  it('a config value the pipeline schema rejects is refused', () => {
    expect(buildDevl({ pipelineConfig: { everything: { BATCH_SIZE: '-3' } } })).toThrow(ConfigError);
  });

  it('a schedule from config that EventBridge would reject is refused', () => {
    expect(buildDevl({ pipelineConfig: { everything: { SWEEP_SCHEDULE: 'rate(7 minute)' } } })).toThrow(
      'use "rate(7 minutes)"',
    );
  });

  it('a schedule from config becomes the rule expression', () => {
    const { stacks } = buildDevl({ pipelineConfig: { everything: { SWEEP_SCHEDULE: 'rate(2 hours)' } } })();
    const rules = stacks[0]?.node.findAll().filter((c) => c.node.id === 'Rule') ?? [];
    const expressions = rules.map(
      (r) => (r.node.defaultChild as unknown as { scheduleExpression: string }).scheduleExpression,
    );
    expect(expressions.sort()).toEqual(['cron(0 3 ? * MON *)', 'rate(2 hours)']);
  });

  it('config for a pipeline that is not registered is refused', () => {
    expect(buildDevl({ pipelineConfig: { evrything: {} } })).toThrow(
      'configures pipeline "evrything", which is not registered',
    );
  });

  it('a config key that Lambda reserves is refused', () => {
    const reserved = definePipeline({
      ...everything,
      config: everything.config.extend({ AWS_REGION: everything.config.shape.SWEEP_SCHEDULE }),
    });
    expect(buildDevl({ pipelineConfig: { everything: { AWS_REGION: 'rate(1 hour)' } } }, reserved)).toThrow(
      'config key AWS_REGION is reserved by Lambda',
    );
  });

  it('a pipeline whose handler file is missing is refused', () => {
    const configs = stageConfigs({});
    expect(() => buildApp({ pipelines: [everything], configs, bundle: false })).toThrow(
      /pipeline "everything": its handler file .*src\/pipelines\/everything\/handler.ts does not exist/,
    );
  });
});
