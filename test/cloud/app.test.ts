import { Match } from 'aws-cdk-lib/assertions';
import { beforeAll, describe, expect, it } from 'vitest';
import { stageConfigs } from '../../src/cloud/stages.js';
import { actionsFor, type Grant } from '../../src/core/grants.js';
import {
  definePipeline,
  metricsNamespaceOf,
  type Pipeline,
  readConfig,
  scheduleExpressionOf,
} from '../../src/core/pipeline.js';
import { pipelines as registered } from '../../src/pipelines/index.js';
import everything from './fixtures/everything/pipeline.js';
import {
  asArray,
  functionStatements,
  type Json,
  logicalIdAt,
  normaliseAssets,
  type Synthesized,
  synth,
  template,
} from './helpers.js';

const fixtures = [everything];
const all: Pipeline[] = [everything, ...registered];
const STAGES = ['devl', 'test', 'prod'] as const;
/** Statements every function gets that are not grants: its own logs, its own DLQ, the stage key. */
const INFRA_SIDS = new Set(['WriteOwnLogs', 'SendFailedEventsToOwnDlq', 'UseStageKey']);

// One synth of every stage, with cdk-nag's AwsSolutions pack, shared by the assertions below.
let synthesized: Synthesized;
// Synth is CPU-bound; on two shared cores under load it can take minutes.
beforeAll(() => {
  synthesized = synth(all, fixtures);
}, 300_000);

const devl = (): Json => synthesized.templates.devl;

/** The actions each declared resource grant turns into, keyed by resource logical id. */
function expectedGrantActions(
  json: Json,
  pipeline: Pipeline,
  grants: readonly Grant[],
): Map<string, string[]> {
  const expected = new Map<string, string[]>();
  for (const grant of grants) {
    if (grant.kind !== 'resource') continue;
    const resource = pipeline.resources[grant.resource];
    if (!resource || resource.kind === 'secret') continue; // secrets are referenced, not in the template
    const suffix = { bucket: 'Bucket', table: 'Table', queue: 'Queue', topic: 'Topic' }[resource.kind];
    const id = logicalIdAt(json, `${pipeline.name}/Resources/${grant.resource}/${suffix}/Resource`);
    expected.set(id, [...(expected.get(id) ?? []), ...actionsFor(resource.kind, grant.access)].sort());
  }
  return expected;
}

/** Logical ids a statement's Resource names (through Ref / GetAtt / Join). */
function referencedIds(statement: Json): string[] {
  const text = JSON.stringify(statement.Resource);
  return [...text.matchAll(/"(?:Ref|Fn::GetAtt)":(?:\["|")([A-Za-z0-9]+)/g)].map((m) => m[1] as string);
}

describe('cloud app synth (offline, every stage, cdk-nag AwsSolutions)', () => {
  it('writes one template per stage with every pipeline, without AWS access', () => {
    expect(Object.keys(synthesized.templates).sort()).toEqual([...STAGES].sort());
    for (const stage of STAGES) {
      const t = template(synthesized.templates[stage]);
      const functionCount = all.reduce((n, p) => n + Object.keys(p.functions).length, 0);
      t.resourceCountIs('AWS::Lambda::Function', functionCount + 1); // + CDK's bucket-notifications handler
    }
  });

  it.each(all.flatMap((p) => Object.keys(p.functions).map((fn) => [p, fn] as const)))(
    '%s.%s: its policy holds exactly its declared grants',
    (pipeline, fn) => {
      const json = devl();
      const spec = pipeline.functions[fn];
      if (!spec) throw new Error('no such function');
      const statements = functionStatements(json, pipeline.name, fn);
      const grantStatements = statements.filter((s) => !INFRA_SIDS.has(s.Sid));
      const actual = new Map<string, string[]>();
      for (const s of grantStatements) {
        if (s.Sid.startsWith('PutMetrics') || String(s.Sid).match(/^Grant.*/) === null) continue;
        if (JSON.stringify(s.Resource).includes(':secret:')) continue;
        const [id] = referencedIds(s);
        if (!id) throw new Error(`statement ${s.Sid} names no resource`);
        actual.set(id, [...(actual.get(id) ?? []), ...asArray<string>(s.Action)].sort());
      }
      expect(actual).toEqual(expectedGrantActions(json, pipeline, spec.grants));

      // Secrets: the exact read actions on `<name>-??????`.
      const secretGrants = spec.grants.filter(
        (g) => g.kind === 'resource' && pipeline.resources[g.resource]?.kind === 'secret',
      );
      const secretStatements = statements.filter((s) => JSON.stringify(s.Resource).includes(':secret:'));
      expect(secretStatements).toHaveLength(secretGrants.length);
      for (const s of secretStatements) {
        expect(asArray(s.Action).sort()).toEqual(actionsFor('secret', ['read']));
        expect(JSON.stringify(s.Resource)).toMatch(/:secret:tributary\/devl\/[^"]+-\?\?\?\?\?\?"/);
      }

      // Metrics: PutMetricData on * only with the namespace condition, and only when granted.
      const metrics = spec.grants.filter((g) => g.kind === 'metrics');
      const metricStatements = statements.filter((s) =>
        asArray(s.Action).includes('cloudwatch:PutMetricData'),
      );
      // A namespace from a config key is the stage's value (devl sets none: the default).
      const defaults = () => readConfig(pipeline, {}) as Record<string, unknown>;
      expect(metricStatements.map((s) => s.Condition.StringEquals['cloudwatch:namespace'])).toEqual(
        metrics.map((g) => metricsNamespaceOf(g, typeof g.namespace === 'string' ? {} : defaults())),
      );

      // Nothing broad: no service wildcards, Resource * only for PutMetricData.
      for (const s of statements) {
        for (const action of asArray<string>(s.Action)) expect(action).not.toMatch(/\*$/);
        if (s.Resource === '*') expect(s.Action).toBe('cloudwatch:PutMetricData');
        expect(s.Effect).toBe('Allow');
      }
      // The stage key only through the services of the granted resources.
      const key = statements.find((s) => s.Sid === 'UseStageKey');
      if (key) expect(key.Condition.StringEquals['kms:ViaService']).toBeDefined();
    },
  );

  it('removing a grant from a declaration removes it from the template', () => {
    const landing = everything.functions.onLanding;
    if (!landing) throw new Error('fixture changed');
    const fewer = definePipeline({
      ...everything,
      functions: {
        ...everything.functions,
        onLanding: {
          ...landing,
          grants: landing.grants.filter((g) => !(g.kind === 'resource' && g.resource === 'archive')),
        },
      },
    });
    const before = functionStatements(devl(), 'everything', 'onLanding');
    const after = functionStatements(
      synth([fewer], [fewer], { stages: ['devl'], nag: false }).templates.devl,
      'everything',
      'onLanding',
    );
    const archiveId = logicalIdAt(devl(), 'everything/Resources/archive/Bucket/Resource');
    expect(before.some((s) => referencedIds(s).includes(archiveId))).toBe(true);
    expect(after.some((s) => referencedIds(s).includes(archiveId))).toBe(false);
    expect(after.map((s) => s.Sid)).toEqual(
      before.map((s) => s.Sid).filter((sid) => sid !== 'GrantArchiveWrite'),
    );
    // …and its env var goes with it.
    const fnAfter = Object.values(
      synth([fewer], [fewer], { stages: ['devl'], nag: false }).templates.devl.Resources as Json,
    ).find((r) => r.Type === 'AWS::Lambda::Function' && r.Properties.Handler === 'index.onLanding');
    expect(fnAfter?.Properties.Environment.Variables.ARCHIVE_BUCKET).toBeUndefined();
  }, 300_000);

  it('every asynchronous function has a KMS-encrypted DLQ, 2 retries, a max event age, and five alarms', () => {
    const json = devl();
    const t = template(json);
    const alerts = logicalIdAt(json, 'tributary-devl/Alerts/Resource');
    for (const p of all) {
      for (const [fn, spec] of Object.entries(p.functions)) {
        const fnId = logicalIdAt(json, `${p.name}/Functions/${fn}/Function/Resource`);
        const isAsync = spec.triggers.some((tr) => tr.kind !== 'http');
        const alarms = Object.values(json.Resources as Json).filter(
          (r) =>
            r.Type === 'AWS::CloudWatch::Alarm' &&
            String(r.Metadata['aws:cdk:path']).includes(`/Functions/${fn}/`) &&
            String(r.Metadata['aws:cdk:path']).includes(`/${p.name}/`),
        );
        for (const a of alarms) expect(a.Properties.AlarmActions).toEqual([{ Ref: alerts }]);
        const names = alarms.map((a) => String(a.Metadata['aws:cdk:path']).split('/').at(-2)).sort();
        if (!isAsync) {
          expect(names).toEqual(['DurationNearTimeout', 'Errors', 'Throttles']);
          t.resourcePropertiesCountIs('AWS::Lambda::EventInvokeConfig', { FunctionName: { Ref: fnId } }, 0);
          continue;
        }
        expect(names).toEqual([
          'DlqNotEmpty',
          'DlqOldestMessageAge',
          'DurationNearTimeout',
          'Errors',
          'Throttles',
        ]);
        const dlq = logicalIdAt(json, `${p.name}/Functions/${fn}/DeadLetterQueue/Resource`);
        t.hasResourceProperties('AWS::Lambda::EventInvokeConfig', {
          FunctionName: { Ref: fnId },
          MaximumRetryAttempts: 2,
          MaximumEventAgeInSeconds: stageConfigs({}).devl.maxEventAgeSeconds,
          DestinationConfig: { OnFailure: { Destination: { 'Fn::GetAtt': [dlq, 'Arn'] } } },
        });
        expect(json.Resources[dlq].Properties.KmsMasterKeyId).toBeDefined();
        const timeoutMs = (spec.timeoutSeconds ?? 60) * 1000;
        const duration = alarms.find((a) =>
          String(a.Metadata['aws:cdk:path']).includes('DurationNearTimeout'),
        );
        expect(duration?.Properties.Threshold).toBe(Math.floor(timeoutMs * 0.8));
      }
    }
  });

  it('functions: nodejs20.x on arm64, handler = function key, memory/timeout as declared, env = config + granted resources only', () => {
    const json = devl();
    const fns = Object.values(json.Resources as Json).filter(
      (r) => r.Type === 'AWS::Lambda::Function' && String(r.Metadata['aws:cdk:path']).includes('/Functions/'),
    );
    for (const r of fns) {
      expect(r.Properties.Runtime).toBe('nodejs20.x');
      expect(r.Properties.Architectures).toEqual(['arm64']);
    }
    const byHandler = (h: string) =>
      fns.find(
        (r) =>
          r.Properties.Handler === `index.${h}` &&
          String(r.Metadata['aws:cdk:path']).includes('/everything/'),
      );
    expect(byHandler('onLanding')?.Properties).toMatchObject({ MemorySize: 1024, Timeout: 300 });
    expect(byHandler('onRemoved')?.Properties).toMatchObject({ MemorySize: 512, Timeout: 60 });
    const sweepEnv = byHandler('sweep')?.Properties.Environment.Variables;
    expect(Object.keys(sweepEnv).sort()).toEqual(
      ['ARCHIVE_BUCKET', 'ITEMS_TABLE', 'LOG_LEVEL', 'POWERTOOLS_SERVICE_NAME', 'TRIBUTARY_STAGE'].sort(),
    );
    expect(byHandler('onLanding')?.Properties.Environment.Variables.STORE_SECRET).toBe(
      'tributary/devl/everything/store',
    );
    const topicId = logicalIdAt(json, 'everything/Resources/notices/Topic/Resource');
    expect(byHandler('onRemoved')?.Properties.Environment.Variables.NOTICES_TOPIC).toEqual({ Ref: topicId });
  });

  it('buckets: all public access blocked, TLS-only, stage-key encryption, versioned only where declared', () => {
    const json = devl();
    const t = template(json);
    const key = logicalIdAt(json, 'tributary-devl/StageKey/Resource');
    for (const p of all) {
      for (const [k, r] of Object.entries(p.resources)) {
        if (r.kind !== 'bucket') continue;
        const id = logicalIdAt(json, `${p.name}/Resources/${k}/Bucket/Resource`);
        const props = json.Resources[id].Properties;
        expect(props.PublicAccessBlockConfiguration).toEqual({
          BlockPublicAcls: true,
          BlockPublicPolicy: true,
          IgnorePublicAcls: true,
          RestrictPublicBuckets: true,
        });
        expect(
          props.BucketEncryption.ServerSideEncryptionConfiguration[0].ServerSideEncryptionByDefault,
        ).toEqual({
          SSEAlgorithm: 'aws:kms',
          KMSMasterKeyID: { 'Fn::GetAtt': [key, 'Arn'] },
        });
        expect(props.VersioningConfiguration?.Status === 'Enabled').toBe(r.versioned === true);
        t.hasResourceProperties('AWS::S3::BucketPolicy', {
          Bucket: { Ref: id },
          PolicyDocument: {
            Statement: Match.arrayWith([
              Match.objectLike({ Effect: 'Deny', Condition: { Bool: { 'aws:SecureTransport': 'false' } } }),
            ]),
          },
        });
      }
    }
  });

  it('tables: on demand, point-in-time recovery, stage-key encryption; queues and topics on the stage key', () => {
    const t = template(devl());
    const tables = t.findResources('AWS::DynamoDB::Table');
    const tableCount = all.reduce(
      (n, p) => n + Object.values(p.resources).filter((r) => r.kind === 'table').length,
      0,
    );
    expect(Object.keys(tables)).toHaveLength(tableCount);
    for (const table of Object.values(tables)) {
      expect(table.Properties).toMatchObject({
        BillingMode: 'PAY_PER_REQUEST',
        PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true },
        SSESpecification: { SSEEnabled: true, SSEType: 'KMS' },
      });
    }
    for (const q of Object.values(t.findResources('AWS::SQS::Queue')))
      expect(q.Properties.KmsMasterKeyId).toBeDefined();
    for (const s of Object.values(t.findResources('AWS::SNS::Topic')))
      expect(s.Properties.KmsMasterKeyId).toBeDefined();
    t.hasResourceProperties('AWS::KMS::Key', { EnableKeyRotation: true });
  });

  it('triggers: S3 notifications with the declared filters, schedules from declaration/config, routes per pipeline', () => {
    const json = devl();
    const t = template(json);
    const landing = logicalIdAt(json, 'everything/Resources/landing/Bucket/Resource');
    const notifications = Object.values(t.findResources('Custom::S3BucketNotifications')).find(
      (r) => r.Properties.BucketName.Ref === landing,
    );
    const configs = notifications?.Properties.NotificationConfiguration
      .LambdaFunctionConfigurations as Json[];
    expect(configs.flatMap((c) => c.Events).sort()).toEqual(['s3:ObjectCreated:*', 's3:ObjectRemoved:*']);
    const created = configs.find((c) => c.Events[0] === 's3:ObjectCreated:*');
    expect(created?.Filter.Key.FilterRules).toEqual([
      { Name: 'suffix', Value: '.csv' },
      { Name: 'prefix', Value: 'in/' },
    ]);

    const schedules = Object.values(t.findResources('AWS::Events::Rule')).map(
      (r) => r.Properties.ScheduleExpression,
    );
    const expected = all.flatMap((p) =>
      Object.values(p.functions).flatMap((f) =>
        f.triggers.flatMap((tr) =>
          tr.kind === 'schedule' ? [scheduleExpressionOf(tr, p.config.parse({}))] : [],
        ),
      ),
    );
    expect(schedules.sort()).toEqual(expected.sort());
    expect(schedules).toContain('rate(6 hours)');
    expect(schedules).toContain('cron(0 3 ? * MON *)');

    const apis = t.findResources('AWS::ApiGatewayV2::Api');
    const httpPipelines = all.filter((p) =>
      Object.values(p.functions).some((f) => f.triggers.some((tr) => tr.kind === 'http')),
    );
    expect(
      Object.values(apis)
        .map((a) => a.Properties.Name)
        .sort(),
    ).toEqual(httpPipelines.map((p) => `tributary-devl-${p.name}`).sort());
    const everythingApi = logicalIdAt(json, 'everything/Http/Api/Resource');
    const routes = Object.values(t.findResources('AWS::ApiGatewayV2::Route'))
      .filter((r) => r.Properties.ApiId.Ref === everythingApi)
      .map((r) => r.Properties.RouteKey);
    expect(routes.sort()).toEqual(['ANY /files/{proxy+}', 'GET /', 'GET /items/{id}', 'POST /items']);
    t.hasResourceProperties('AWS::ApiGatewayV2::Stage', {
      ApiId: { Ref: everythingApi },
      StageName: '$default',
      AccessLogSettings: Match.objectLike({ DestinationArn: Match.anyValue() }),
    });
  });

  it('prod retains data stores; devl and test delete them', () => {
    for (const stage of STAGES) {
      const t = template(synthesized.templates[stage]);
      const policy = stage === 'prod' ? 'Retain' : 'Delete';
      for (const type of ['AWS::S3::Bucket', 'AWS::DynamoDB::Table', 'AWS::KMS::Key']) {
        for (const r of Object.values(t.findResources(type))) expect(r.DeletionPolicy).toBe(policy);
      }
    }
  });

  it('dashboard per stage: every function of every pipeline, and the LyveCloudBucketSizes graphs', () => {
    for (const stage of STAGES) {
      const dashboards = Object.values(
        template(synthesized.templates[stage]).findResources('AWS::CloudWatch::Dashboard'),
      );
      expect(dashboards).toHaveLength(1);
      const [dashboard] = dashboards as Json[];
      expect(dashboard?.Properties.DashboardName).toBe(`tributary-${stage}`);
      // The body is a Fn::Join of JSON text and tokens; its literal parts are enough here.
      const body = JSON.stringify(dashboard?.Properties.DashboardBody);
      for (const p of all) {
        expect(body).toContain(`## ${p.name}`);
        for (const fn of Object.keys(p.functions)) expect(body).toContain(`${p.name}.${fn} invocations`);
      }
      for (const metric of ['BucketSizeBytes', 'NumberOfObjects']) {
        expect(body).toMatch(
          new RegExp(`SEARCH\\('\\{LyveCloudBucketSizes,BucketName\\} MetricName=[\\\\"]+${metric}`),
        );
      }
    }
  });

  // Snapshots of the fixture alone, so changes to registered pipelines do not churn them.
  it('template snapshot per stage (fixture pipeline)', () => {
    const fixtureOnly = synth(fixtures, fixtures, { nag: false });
    for (const stage of STAGES) {
      expect(normaliseAssets(fixtureOnly.templates[stage])).toMatchSnapshot(stage);
    }
  }, 300_000);
});
