/**
 * Runs for the browser tests, sent the way krkn sends them: POST /telemetry, then a
 * presigned PUT per file. The expected answers of each filter are computed from these
 * records by the tests, never written down by hand.
 */

export interface SeedFile {
  name: string;
  body: Buffer;
}

export interface SeedRun {
  group: string;
  run: string;
  index: number;
  tag: string;
  uuid: string;
  time: number;
  version: string;
  failed: boolean;
  scenarios: string[];
  telemetry: Record<string, unknown>;
  files: SeedFile[];
}

/** 2024-03-01 12:00 UTC; nightly run i starts i days later. */
export const T0 = Date.UTC(2024, 2, 1, 12, 0, 0) / 1000;
export const DAY = 86_400;

const hex = (n: number, width: number) => n.toString(16).padStart(width, '0');
const uuidOf = (n: number) => `${hex(n + 0xa0, 8)}-0000-4000-8000-${hex(n * 7919, 12)}`;

function scenario(name: string, type: string, exit: number, start: number, seconds: number) {
  return {
    start_timestamp: start,
    end_timestamp: start + seconds,
    scenario: name,
    scenario_type: type,
    exit_status: exit,
    parameters_base64: '',
    parameters: { namespace: 'openshift-etcd', kill: 1 },
    affected_pods: {
      recovered: [{ pod_name: 'etcd-0', namespace: 'openshift-etcd', total_recovery_time: 12.5 }],
      unrecovered: exit === 0 ? [] : [{ pod_name: 'etcd-1', namespace: 'openshift-etcd' }],
      error: null,
    },
    affected_nodes: exit === 0 ? [] : [{ node_name: 'worker-1', not_ready_time: 30 }],
  };
}

function telemetryDoc(run: Omit<SeedRun, 'telemetry' | 'files'>, extra: Record<string, unknown> = {}) {
  const scenarios = run.scenarios.map((name, i) => {
    const fails = name === 'node_stop_start';
    return scenario(name, `${name}_type`, fails ? 1 : 0, run.time + i * 300, 120 + i * 60);
  });
  return {
    scenarios,
    node_summary_infos: [
      {
        count: 3,
        architecture: 'amd64',
        instance_type: 'm5.xlarge',
        nodes_type: 'master',
        kernel_version: '5.14.0',
        kubelet_version: 'v1.28.6',
        os_version: 'RHCOS 415',
      },
      {
        count: 3,
        architecture: 'amd64',
        instance_type: 'm5.2xlarge',
        nodes_type: 'worker',
        kernel_version: '5.14.0',
        kubelet_version: 'v1.28.6',
        os_version: 'RHCOS 415',
      },
    ],
    node_taints: [],
    kubernetes_objects_count: { Pod: 312, Deployment: 48 },
    network_plugins: ['OVNKubernetes'],
    total_node_count: 6,
    cloud_infrastructure: 'AWS',
    cloud_type: 'self-managed',
    cluster_version: run.version,
    major_version: Number.parseFloat(run.version),
    run_uuid: run.uuid,
    timestamp: new Date(run.time * 1000).toISOString(),
    job_status: !run.failed,
    build_url: 'https://ci.example.com/job/krkn/1',
    tag: run.tag,
    ...extra,
  };
}

/** 30 nightly runs: tags, versions, scenarios, results and dates vary with the index. */
export function nightlyRuns(): SeedRun[] {
  return Array.from({ length: 30 }, (_, i) => {
    const tag = i % 3 === 0 ? 'canary' : 'nightly';
    const uuid = uuidOf(i);
    const time = T0 + i * DAY;
    const scenarios = ['pod_disruption'];
    if (i % 5 === 0) scenarios.push('node_stop_start');
    if (i % 4 === 0) scenarios.push('network_chaos');
    const base = {
      group: 'nightly',
      run: `${time}-${uuid}-${tag}`,
      index: i,
      tag,
      uuid,
      time,
      version: i % 2 === 0 ? '4.15.3' : '4.14.9',
      failed: scenarios.includes('node_stop_start'),
      scenarios,
    };
    // telemetry.json sizes far apart (krkn's error_logs), so that sorting by size follows the index.
    const errorLogs = [{ message: 'x'.repeat((i + 1) * 5_000) }];
    return { ...base, telemetry: telemetryDoc(base, { error_logs: errorLogs }), files: [] };
  });
}

/** A run with many files (two pages of them) and a split Prometheus backup. */
export function richRun(): SeedRun {
  const uuid = uuidOf(100);
  const time = T0 + 40 * DAY;
  const base = {
    group: 'weekly',
    run: `${time}-${uuid}-soak`,
    index: 100,
    tag: 'soak',
    uuid,
    time,
    version: '4.16.0',
    failed: true,
    scenarios: ['pod_disruption', 'node_stop_start'],
  };
  const files: SeedFile[] = [];
  for (let part = 0; part < 24; part++) {
    files.push({
      name: `prometheus-${String(part).padStart(2, '0')}.tar`,
      body: Buffer.alloc(2048 + part, part),
    });
  }
  files.push(
    { name: 'critical-alerts-00.log', body: Buffer.from('KubeAPIDown firing at 12:03\n') },
    { name: 'logs-00.tar.gz', body: Buffer.alloc(65_536, 1) },
    { name: 'logs-openshift-etcd-00.tar.gz', body: Buffer.alloc(3000, 2) },
    { name: 'events-00.json', body: Buffer.from('[]') },
  );
  return { ...base, telemetry: telemetryDoc(base), files };
}

/** Every client-controlled string that reaches the page carries markup that must stay text. */
export const XSS = {
  scenario: '<img src=x onerror="window.__xss=1">',
  version: '<script>window.__xss=2</script>4.16',
  build: 'javascript:window.__xss=3',
  instance: '"><svg onload="window.__xss=4">',
  kind: '<b onmouseover="window.__xss=5">Pod</b>',
};

export function xssRun(): SeedRun {
  const uuid = uuidOf(200);
  const time = T0 + 41 * DAY;
  const base = {
    group: 'weekly',
    run: `${time}-${uuid}-xss`,
    index: 200,
    tag: 'xss',
    uuid,
    time,
    version: XSS.version,
    failed: false,
    scenarios: [XSS.scenario],
  };
  const doc = telemetryDoc(base, { build_url: XSS.build, kubernetes_objects_count: { [XSS.kind]: 1 } });
  (doc.node_summary_infos[0] as Record<string, unknown>).instance_type = XSS.instance;
  return { ...base, telemetry: doc, files: [] };
}

export interface Client {
  base: string;
  writer: string;
  reader: string;
}

const basic = (credentials: string) => `Basic ${Buffer.from(credentials).toString('base64')}`;

async function expectOk(res: Response, what: string): Promise<string> {
  const text = await res.text();
  if (res.status !== 200) throw new Error(`${what}: ${res.status} ${text}`);
  return text;
}

/** krkn's calls for one run: the telemetry, then a fresh presigned URL and a PUT per file. */
export async function sendRun(client: Client, run: SeedRun): Promise<void> {
  const auth = { authorization: basic(client.writer) };
  const query = new URLSearchParams({ request_id: run.run, telemetry_group: run.group });
  await expectOk(
    await fetch(`${client.base}/telemetry?${query}`, {
      method: 'POST',
      headers: { ...auth, 'content-type': 'application/json', accept: 'text/plain' },
      body: JSON.stringify(run.telemetry),
    }),
    `POST /telemetry ${run.run}`,
  );
  for (const file of run.files) {
    const params = new URLSearchParams({ request_id: `${run.group}/${run.run}`, remote_filename: file.name });
    const url = await expectOk(
      await fetch(`${client.base}/presigned-url?${params}`, { headers: auth }),
      `presign ${file.name}`,
    );
    await expectOk(await fetch(url, { method: 'PUT', body: file.body }), `PUT ${file.name}`);
  }
}

/** Runs `work` over `items`, `width` at a time. */
export async function pool<T>(
  items: readonly T[],
  width: number,
  work: (item: T) => Promise<void>,
): Promise<void> {
  let next = 0;
  const lanes = Array.from({ length: Math.min(width, items.length) }, async () => {
    while (next < items.length) await work(items[next++] as T);
  });
  await Promise.all(lanes);
}

/** Waits until the upload indexer has recorded every object (it runs asynchronously on S3 events). */
export async function waitForIndex(client: Client, expectedFiles: number, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let seen = -1;
  while (Date.now() < deadline) {
    const res = await fetch(`${client.base}/api/runs?pageSize=1000`, {
      headers: { authorization: basic(client.reader) },
    });
    const page = JSON.parse(await expectOk(res, 'GET /api/runs')) as { runs: { file_count: number }[] };
    seen = page.runs.reduce((sum, r) => sum + r.file_count, 0);
    if (seen >= expectedFiles) return;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`the run index holds ${seen} of ${expectedFiles} files after ${timeoutMs} ms`);
}
