import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { S3Client } from '@aws-sdk/client-s3';
import { loadConfig } from '../../../src/local/config.js';
import { type Runtime, startRuntime } from '../../../src/local/runtime.js';
import { hashPassword } from '../../../src/pipelines/telemetry/passwords.js';
import telemetry from '../../../src/pipelines/telemetry/pipeline.js';
import { isolatedRuntimeEnv } from '../../helpers/runtime-env.js';

export const REPO = path.resolve(import.meta.dirname, '../../..');

/** Test users: scrypt with a small N so that hashing in tests stays quick (parsing accepts any power of two). */
export const USERS = {
  krkn: { password: 'krkn-writer-pass', roles: 'writer' },
  viewer: { password: 'viewer-reader-pass', roles: 'reader' },
  admin: { password: 'admin-both-pass', roles: 'writer,reader' },
} as const;
export type UserName = keyof typeof USERS;

export async function usersSecret(): Promise<Record<string, string>> {
  const entries = await Promise.all(
    Object.entries(USERS).map(async ([name, u]) => [
      name,
      `${u.roles}:${await hashPassword(u.password, { N: 1024, r: 8, p: 1 })}`,
    ]),
  );
  return Object.fromEntries(entries);
}

export const basic = (user: string, password: string): string =>
  `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}`;
export const auth = (user: UserName): string => basic(user, USERS[user].password);

export interface TelemetryRuntime {
  runtime: Runtime;
  /** The api_url a krkn client is given: the gateway's `/telemetry` mount. */
  apiUrl: string;
  bucket: string;
  s3: S3Client;
  dir: string;
  env: Record<string, string>;
  close(): Promise<void>;
}

/** The local runtime with only the telemetry pipeline, on free ports, in a temp dir. */
export async function startTelemetry(
  config: Record<string, string> = {},
  options: { secret?: boolean; environments?: number } = {},
): Promise<TelemetryRuntime> {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'tributary-telemetry-'));
  writeFileSync(
    path.join(dir, 'tributary.config.json'),
    JSON.stringify({
      pipelines: { telemetry: { config } },
      secrets: options.secret === false ? {} : { [telemetry.resources.users.name]: await usersSecret() },
    }),
  );
  const env = {
    TRIBUTARY_CONFIG: path.join(dir, 'tributary.config.json'),
    ...isolatedRuntimeEnv(path.join(dir, 'state')),
    TRIBUTARY_PIPELINES: '',
  };
  const runtime = await startRuntime({
    pipelines: [telemetry],
    config: loadConfig({ pipelines: [telemetry], env, cwd: REPO }),
    scheduler: false,
    pollMs: 50,
    // By default the api on the main thread, beside its indexer: tests read the index right
    // after the indexer wrote it, which the api's per-instance cache (5 s) would show later
    // from a separate execution environment (as from a separate Lambda instance).
    environments: options.environments ?? 0,
  });
  const s3 = new S3Client({
    endpoint: runtime.endpoints.s3Url,
    region: runtime.config.region,
    forcePathStyle: true,
    credentials: { accessKeyId: runtime.config.accessKeyId, secretAccessKey: runtime.config.secretAccessKey },
  });
  return {
    runtime,
    apiUrl: `${runtime.endpoints.httpUrl}/telemetry`,
    bucket: telemetry.resources.runs.name,
    s3,
    dir,
    env,
    async close() {
      s3.destroy();
      await runtime.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

export const RUN_UUID = '3f1e4b9c-5a2d-4c8e-9b7a-1d2e3f4a5b6c';

/** krkn's run folder: `<unix_ts>-<run_uuid>[-<run_tag>]`. */
export const runFolder = (ts: number, uuid = RUN_UUID, tag?: string): string =>
  `${ts}-${uuid}${tag ? `-${tag}` : ''}`;

/** A run's telemetry as krkn-lib's ChaosRunTelemetry serialises it (trimmed to the fields that matter). */
export function telemetryDoc(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    scenarios: [
      {
        start_timestamp: 1_700_000_000,
        end_timestamp: 1_700_000_090,
        scenario: 'scenarios/openshift/etcd.yml',
        scenario_type: 'pod_disruption_scenarios',
        exit_status: 0,
        parameters_base64: '',
        parameters: { namespace: 'openshift-etcd', kill: 1 },
        affected_pods: {
          recovered: [{ pod_name: 'etcd-0', namespace: 'openshift-etcd', pod_rescheduling_time: 3.2 }],
        },
      },
      {
        start_timestamp: 1_700_000_100,
        end_timestamp: 1_700_000_160,
        scenario: 'scenarios/kube/node-cpu-hog.yml',
        scenario_type: 'hog_scenarios',
        exit_status: 1,
        parameters_base64: 'a2luZDogY3B1',
        parameters: { duration: 60 },
      },
    ],
    node_summary_infos: [
      {
        count: 3,
        architecture: 'amd64',
        instance_type: 'm5.xlarge',
        nodes_type: 'master',
        kernel_version: '5.14',
      },
    ],
    node_taints: [],
    kubernetes_objects_count: { Pod: 250, Deployment: 40 },
    network_plugins: ['OVNKubernetes'],
    timestamp: '2023-11-14T22:13:20Z',
    total_node_count: 6,
    cloud_infrastructure: 'AWS',
    cloud_type: 'self-managed',
    cluster_version: '4.15.3',
    major_version: '4.15',
    run_uuid: RUN_UUID,
    job_status: false,
    build_url: 'https://ci.example.test/job/1',
    ...overrides,
  };
}

/**
 * GET with the path sent exactly as given: fetch (WHATWG URL) resolves `..` and `%2E%2E`
 * before sending, so traversal attempts would never reach the server through it.
 */
export function rawGet(
  baseUrl: string,
  rawPath: string,
  authorization: string,
): Promise<{ status: number; body: string }> {
  const url = new URL(baseUrl);
  return new Promise((resolve, reject) => {
    const req = http.request(
      {
        host: url.hostname,
        port: url.port,
        method: 'GET',
        path: `${url.pathname}${rawPath}`,
        headers: { authorization },
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () =>
          resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8') }),
        );
      },
    );
    req.on('error', reject);
    req.end();
  });
}
