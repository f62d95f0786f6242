// `npm run bench -- cloud-synth`: what each deployed function costs at cold start, and how
// long `tributary synth` takes for every stage.
// 1. `tributary synth` (all stages, bundling on, cdk-nag on) in a fresh process: wall time.
// 2. The size of each real function's bundle (index.mjs in cdk.out) — target < 1 MB.
// 3. Cold start, locally: a fresh `node` loads the bundle (init) and handles one realistic
//    event (first call), measured separately. The functions talk to the embedded S3 and
//    DynamoDB endpoints, so a first call that needs storage can succeed; one that needs a
//    network service it cannot reach here (Lyve Cloud, Secrets Manager) fails, and the row says so.
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { PROJECT_ROOT } from '../src/cloud/app.js';
import type { Pipeline } from '../src/core/pipeline.js';
import { startDynamoServer } from '../src/local/dynamodb/server.js';
import { LOCAL_ACCESS_KEY_ID, LOCAL_SECRET_ACCESS_KEY } from '../src/local/s3/constants.js';
import { startS3Server } from '../src/local/s3/server.js';
import { pipelines } from '../src/pipelines/index.js';
import { type Row, report } from './lib/report.js';

const loadAtStart = os.loadavg();
const work = mkdtempSync(path.join(os.tmpdir(), 'tributary-bench-cloud-'));
const outdir = path.join(work, 'cdk.out');

function run(
  args: string[],
  env: NodeJS.ProcessEnv = process.env,
): Promise<{ code: number; stdout: string; stderr: string; ms: number }> {
  const started = performance.now();
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, args, {
      cwd: PROJECT_ROOT,
      env,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    child.once('error', reject);
    child.once('exit', (code) =>
      resolve({ code: code ?? 1, stdout, stderr, ms: Math.round(performance.now() - started) }),
    );
  });
}

// 1. synth wall time, as a user runs it.
const synthScript = `const { synthCommand } = await import(${JSON.stringify(path.join(PROJECT_ROOT, 'src/cli/commands/cloud.ts'))}); await synthCommand({ out: ${JSON.stringify(outdir)} });`;
const synth = await run(['--import', 'tsx', '--input-type=module', '-e', synthScript]);
if (synth.code !== 0) {
  console.error(synth.stderr || synth.stdout);
  process.exit(1);
}
console.log(synth.stdout.trim());

// 2. bundle sizes, from the devl template's asset metadata.
interface Fn {
  pipeline: Pipeline;
  name: string;
  bundle: string;
}
const devl = JSON.parse(readFileSync(path.join(outdir, 'tributary-devl.template.json'), 'utf8')) as {
  Resources: Record<
    string,
    { Type: string; Metadata?: Record<string, string>; Properties: { Handler?: string } }
  >;
};
const functions: Fn[] = [];
for (const r of Object.values(devl.Resources)) {
  const cdkPath = r.Metadata?.['aws:cdk:path'] ?? '';
  const match = /^tributary-devl\/([^/]+)\/Functions\/([^/]+)\/Function\/Resource$/.exec(cdkPath);
  if (r.Type !== 'AWS::Lambda::Function' || !match) continue;
  const pipeline = pipelines.find((p) => p.name === match[1]);
  if (!pipeline) continue;
  functions.push({
    pipeline,
    name: match[2] as string,
    bundle: path.join(outdir, r.Metadata?.['aws:asset:path'] ?? '', 'index.mjs'),
  });
}

// 3. cold start against the embedded endpoints.
const s3 = await startS3Server({
  dataDir: path.join(work, 's3'),
  credentials: [{ accessKeyId: LOCAL_ACCESS_KEY_ID, secretAccessKey: LOCAL_SECRET_ACCESS_KEY }],
});
const dynamo = await startDynamoServer();
// The ingest API's auth secret, so its first call is an authenticated request (GET of a
// record that does not exist: a DynamoDB GetItem and a 404), not a refusal for want of it.
const INGEST_API_KEY = 'bench-api-key';
const secretsFile = path.join(work, 'secrets.json');
writeFileSync(secretsFile, JSON.stringify({ 'tributary/ingest/auth': { 'apikey:bench': INGEST_API_KEY } }));
const client = new S3Client({
  endpoint: s3.url,
  region: 'us-east-1',
  forcePathStyle: true,
  credentials: { accessKeyId: LOCAL_ACCESS_KEY_ID, secretAccessKey: LOCAL_SECRET_ACCESS_KEY },
});
for (const p of pipelines) {
  for (const r of Object.values(p.resources)) {
    if (r.kind === 'bucket') await s3.createBucket(r.name);
    if (r.kind === 'table') await dynamo.ensureTable(r);
  }
}

const CSV = 'ID,name,size\n1,alpha,10\n2,beta,20\n';

/** A realistic first event for the function's first trigger. */
async function eventFor(fn: Fn): Promise<unknown> {
  const spec = fn.pipeline.functions[fn.name];
  const trigger = spec?.triggers[0];
  const time = new Date().toISOString();
  if (trigger?.kind === 's3') {
    const bucket = fn.pipeline.resources[trigger.bucket]?.name ?? '';
    const key = `${trigger.prefix ?? ''}bench${trigger.suffix ?? '.csv'}`;
    await client.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: CSV }));
    return {
      Records: [
        {
          eventVersion: '2.1',
          eventSource: 'aws:s3',
          awsRegion: 'us-east-1',
          eventTime: time,
          eventName: 'ObjectCreated:Put',
          userIdentity: { principalId: 'bench' },
          requestParameters: { sourceIPAddress: '127.0.0.1' },
          responseElements: { 'x-amz-request-id': 'bench', 'x-amz-id-2': 'bench' },
          s3: {
            s3SchemaVersion: '1.0',
            configurationId: 'bench',
            bucket: { name: bucket, ownerIdentity: { principalId: 'bench' }, arn: `arn:aws:s3:::${bucket}` },
            object: { key, size: CSV.length, eTag: 'bench', sequencer: '0' },
          },
        },
      ],
    };
  }
  if (trigger?.kind === 'schedule') {
    return {
      version: '0',
      id: 'bench',
      'detail-type': 'Scheduled Event',
      source: 'aws.events',
      account: '000000000000',
      time,
      region: 'us-east-1',
      resources: [],
      detail: {},
    };
  }
  const route =
    trigger?.kind === 'http'
      ? (trigger.routes.find((r) => r.startsWith('GET ')) ?? trigger.routes[0] ?? 'GET /')
      : 'GET /';
  const [method, routePath] = route.split(' ') as [string, string];
  const rawPath = routePath.replace(/\{[^}]+\}/g, 'bench');
  return {
    version: '2.0',
    routeKey: route,
    rawPath,
    rawQueryString: '',
    headers: { host: 'localhost', accept: 'application/json', 'x-api-key': INGEST_API_KEY },
    requestContext: {
      accountId: '000000000000',
      apiId: fn.pipeline.name,
      domainName: 'localhost',
      domainPrefix: 'localhost',
      http: { method, path: rawPath, protocol: 'HTTP/1.1', sourceIp: '127.0.0.1', userAgent: 'bench' },
      requestId: 'bench',
      routeKey: route,
      stage: '$default',
      time,
      timeEpoch: Date.now(),
    },
    isBase64Encoded: false,
  };
}

const probe = `
const [bundle, name, eventJson] = process.argv.slice(1);
const t0 = performance.now();
const mod = await import(bundle);
const t1 = performance.now();
let ok = true, error = '';
if (eventJson === 'null') error = 'not called: no trigger, invoked by the CLI with its own event';
else try {
  const result = await mod[name](JSON.parse(eventJson), { functionName: name, awsRequestId: 'bench', getRemainingTimeInMillis: () => 60000 });
  if (result && typeof result === 'object' && 'statusCode' in result) error = 'HTTP ' + result.statusCode;
} catch (e) { ok = false; error = (e && e.name ? e.name + ': ' : '') + (e && e.message ? e.message : String(e)); }
const t2 = performance.now();
process.stdout.write(JSON.stringify({ initMs: t1 - t0, firstCallMs: t2 - t1, ok, error: error.slice(0, 120) }));
`;

const rows: Row[] = [];
for (const fn of functions) {
  const env: NodeJS.ProcessEnv = {
    PATH: process.env.PATH,
    AWS_REGION: 'us-east-1',
    AWS_ACCESS_KEY_ID: LOCAL_ACCESS_KEY_ID,
    AWS_SECRET_ACCESS_KEY: LOCAL_SECRET_ACCESS_KEY,
    AWS_ENDPOINT_URL_S3: s3.url,
    AWS_ENDPOINT_URL_DYNAMODB: dynamo.url,
    S3_FORCE_PATH_STYLE: 'true',
    TRIBUTARY_SECRETS_FILE: secretsFile,
    TRIBUTARY_METRICS_FILE: path.join(work, 'metrics.jsonl'),
    AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
    LOG_LEVEL: 'ERROR',
  };
  for (const r of Object.values(fn.pipeline.resources)) env[r.env] = r.name;
  // A function without triggers is invoked by a CLI command with an event of its own.
  const event = fn.pipeline.functions[fn.name]?.triggers.length ? await eventFor(fn) : null;
  const result = await run(
    ['--input-type=module', '-e', probe, fn.bundle, fn.name, JSON.stringify(event)],
    env,
  );
  const measured =
    result.code === 0
      ? (JSON.parse(result.stdout) as { initMs: number; firstCallMs: number; ok: boolean; error: string })
      : undefined;
  rows.push({
    function: `${fn.pipeline.name}.${fn.name}`,
    bundleKB: Math.round(statSync(fn.bundle).size / 1024),
    underBudget: statSync(fn.bundle).size < 1024 * 1024 ? 'yes' : 'NO',
    processMs: result.ms,
    initMs: measured ? Math.round(measured.initMs) : -1,
    firstCallMs: measured ? Math.round(measured.firstCallMs) : -1,
    firstCall: measured
      ? measured.ok
        ? measured.error.startsWith('not called')
          ? measured.error
          : `ok${measured.error ? ` (${measured.error})` : ''}`
        : `failed: ${measured.error}`
      : `crashed: ${result.stderr.slice(0, 120)}`,
  });
}
await s3.close();
await dynamo.close();
client.destroy();

report('cloud-synth', rows, {
  synthAllStagesMs: synth.ms,
  synthOutput: synth.stdout.trim().split('\n'),
  loadAverage: {
    atStart: loadAtStart.map((l) => Math.round(l * 10) / 10),
    atEnd: os.loadavg().map((l) => Math.round(l * 10) / 10),
    cores: os.cpus().length,
  },
  notes:
    'synth = fresh process running `tributary synth` for devl, test and prod (esbuild bundling + cdk-nag). initMs = import of the bundle in a fresh node; firstCallMs = one realistic event against the embedded S3/DynamoDB endpoints. processMs includes node start.',
});
