import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { S3Client } from '@aws-sdk/client-s3';
import type { Pipeline } from '../../../src/core/pipeline.js';
import { loadConfig } from '../../../src/local/config.js';
import { type Runtime, startRuntime } from '../../../src/local/runtime.js';
import { type S3Server, startS3Server } from '../../../src/local/s3/index.js';
import replication from '../../../src/pipelines/replication/pipeline.js';
import { isolatedRuntimeEnv } from '../../helpers/runtime-env.js';
import { REPO } from '../../local/runtime/helpers.js';
import { TARGET_SECRET } from './helpers.js';

// A second embedded endpoint with its own keys stands in for Lyve Cloud.
export const LYVE = { accessKeyId: 'lyve-key', secretAccessKey: 'lyve-secret-key' };
export const REPLICA = 'lyve-replica';

export interface ReplicationRuntime {
  runtime: Runtime;
  lyve: S3Server;
  /** Client of the runtime's own S3 endpoint (the source side). */
  source: S3Client;
  /** Client of the Lyve stand-in. */
  target: S3Client;
  /** The environment the runtime was started with (for CLI runs against it). */
  env: Record<string, string>;
  close(): Promise<void>;
}

/**
 * The local runtime running `pipeline` (replication by default) with `config`, and a target
 * secret pointing at a Lyve stand-in — or at whatever `targetUrl` puts in front of it.
 */
export async function startReplicationRuntime(options: {
  config: Record<string, string>;
  pipeline?: Pipeline;
  retryBaseDelayMs?: number;
  targetUrl?: (lyveUrl: string) => Promise<string>;
  /** Serve the HTTP API and console too. */
  gateway?: boolean;
}): Promise<ReplicationRuntime> {
  const pipeline = options.pipeline ?? replication;
  const dir = mkdtempSync(path.join(os.tmpdir(), 'tributary-replication-e2e-'));
  const lyve = await startS3Server({ dataDir: path.join(dir, 'lyve'), port: 0, credentials: [LYVE] });
  await lyve.createBucket(REPLICA);
  const targetUrl = options.targetUrl ? await options.targetUrl(lyve.url) : lyve.url;
  writeFileSync(
    path.join(dir, 'tributary.config.json'),
    JSON.stringify({
      ...(options.retryBaseDelayMs !== undefined ? { retryBaseDelayMs: options.retryBaseDelayMs } : {}),
      pipelines: { replication: { config: { TARGET_BUCKET: REPLICA, ...options.config } } },
      secrets: {
        [TARGET_SECRET]: {
          lc_access_key: LYVE.accessKeyId,
          lc_secret_key: LYVE.secretAccessKey,
          lc_endpoint_url: targetUrl,
        },
      },
    }),
  );
  const env = {
    TRIBUTARY_CONFIG: path.join(dir, 'tributary.config.json'),
    ...isolatedRuntimeEnv(path.join(dir, 'state')),
  };
  const config = loadConfig({ pipelines: [pipeline], env, cwd: REPO });
  const runtime = await startRuntime({
    pipelines: [pipeline],
    config,
    gateway: options.gateway ?? false,
    scheduler: false,
    pollMs: 50,
  });
  const client = (endpoint: string, credentials: typeof LYVE) =>
    new S3Client({ endpoint, region: 'us-east-1', forcePathStyle: true, credentials });
  const source = client(runtime.endpoints.s3Url, {
    accessKeyId: config.accessKeyId,
    secretAccessKey: config.secretAccessKey,
  });
  const target = client(lyve.url, LYVE);
  return {
    runtime,
    lyve,
    source,
    target,
    env,
    async close() {
      await runtime.close();
      source.destroy();
      target.destroy();
      await lyve.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
