import { mkdtemp, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { GetObjectCommand, S3Client } from '@aws-sdk/client-s3';
import type { Context, S3Event, S3EventRecord } from 'aws-lambda';
import { clearSecretCache } from '../../../src/clients/index.js';
import { runInScope } from '../../../src/core/invocation.js';
import { loadConfig } from '../../../src/local/config.js';
import { resolveFunctions } from '../../../src/local/runtime/functions.js';
import {
  LOCAL_ACCESS_KEY_ID,
  LOCAL_SECRET_ACCESS_KEY,
  type S3Server,
  startS3Server,
} from '../../../src/local/s3/index.js';
import { prepareStateDir } from '../../../src/local/state.js';
import replication from '../../../src/pipelines/replication/pipeline.js';

export const credentials = { accessKeyId: LOCAL_ACCESS_KEY_ID, secretAccessKey: LOCAL_SECRET_ACCESS_KEY };
export const SOURCE = 'tributary-replication-source';
export const TARGET = 'replica';
export const STATE = 'tributary-replication-state';
export const TARGET_SECRET = 'tributary/replication/target';

export interface Fixture {
  server: S3Server;
  dir: string;
  /** Events the endpoint emitted, in order. */
  events: S3EventRecord[];
  client: S3Client;
  /** Runs a replication handler as the local runtime would: its env, its grants. */
  run<T>(fn: 'replicate' | 'replicateDelete', event: S3Event, options?: RunOptions): Promise<T>;
  /** Data points written to the local metrics history. */
  metrics(): Promise<{ name: string; value: number }[]>;
  stop(): Promise<void>;
}

/** The target secret for a store at `url` holding the fixture's buckets (the embedded one, or a proxy in front of it). */
export const targetVia = (url: string) => ({
  lc_access_key: credentials.accessKeyId,
  lc_secret_key: credentials.secretAccessKey,
  lc_endpoint_url: url,
});

export interface RunOptions {
  config?: Record<string, string>;
  /** The target secret; null = none configured. */
  target?: Record<string, string> | null;
  /** The Lambda context (its deadline). */
  context?: Partial<Context>;
}

/** One embedded S3 endpoint holding both the source bucket and the target bucket. */
export async function startFixture(): Promise<Fixture> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'tributary-replication-'));
  const events: S3EventRecord[] = [];
  const server = await startS3Server({
    dataDir: path.join(dir, 's3'),
    port: 0,
    credentials: [credentials],
    onEvent: (record) => {
      events.push(record);
    },
  });
  await server.createBucket(SOURCE);
  await server.createBucket(TARGET);
  await server.createBucket(STATE);
  const client = new S3Client({
    endpoint: server.url,
    region: 'us-east-1',
    forcePathStyle: true,
    credentials,
  });

  const run = async <T>(
    fnName: 'replicate' | 'replicateDelete',
    event: S3Event,
    options: RunOptions = {},
  ): Promise<T> => {
    const stateDir = path.join(dir, 'state');
    const config = loadConfig({ pipelines: [replication], env: { TRIBUTARY_STATE_DIR: stateDir }, cwd: dir });
    config.pipelines.replication = {
      enabled: true,
      resources: {},
      config: { TARGET_BUCKET: TARGET, ...options.config },
    };
    const target = options.target === undefined ? targetVia(server.url) : options.target;
    config.secrets = target === null ? {} : { [TARGET_SECRET]: target };
    const paths = prepareStateDir(stateDir, config.secrets);
    clearSecretCache();
    const functions = resolveFunctions({
      pipelines: [replication],
      config,
      paths,
      endpoints: { s3Url: server.url, dynamodbUrl: 'http://127.0.0.1:9' },
    });
    const fn = functions.get(`replication.${fnName}`);
    if (!fn) throw new Error(`no function ${fnName}`);
    const handler = (await fn.handler()) as (event: S3Event, context?: Partial<Context>) => Promise<T>;
    return runInScope({ env: fn.env, guard: fn.guard }, () => handler(event, options.context));
  };

  return {
    server,
    dir,
    events,
    client,
    run,
    async metrics() {
      const text = await readFile(path.join(dir, 'state', 'metrics.jsonl'), 'utf8').catch(() => '');
      return text
        .split('\n')
        .filter(Boolean)
        .map((line) => JSON.parse(line) as { name: string; value: number });
    },
    async stop() {
      client.destroy();
      await server.close();
      await rm(dir, { recursive: true, force: true });
    },
  };
}

export const eventOf = (...records: S3EventRecord[]): S3Event => ({ Records: records });

/** The last event the endpoint emitted for a key (decoded key match). */
export function lastEventFor(events: S3EventRecord[], key: string, kind = 'ObjectCreated'): S3EventRecord {
  const found = events
    .filter((e) => e.eventName.startsWith(kind))
    .filter((e) => decodeURIComponent(e.s3.object.key.replace(/\+/g, ' ')) === key)
    .at(-1);
  if (!found) throw new Error(`no ${kind} event for ${key}`);
  return found;
}

export async function bodyOf(client: S3Client, bucket: string, key: string): Promise<Buffer> {
  const out = await client.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
  return Buffer.from(
    await (out.Body as { transformToByteArray(): Promise<Uint8Array> }).transformToByteArray(),
  );
}
