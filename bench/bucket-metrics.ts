// `npm run bench -- bucket-metrics [--quick] [--flat] [--latency-ms=N] [--rounds=N] [--concurrency=8,32]
//   [--only=tributary,rclone,aws,sample] [--keep]`
// Listing speed and correctness on the embedded S3 endpoint, side by side in one run:
// Tributary's bucket-metrics scan vs `rclone size`, `aws s3 ls --recursive --summarize`, the
// sample's approach as written (one ListObjectsV2 page per bucket, buckets one after another)
// and the sample's walk fixed to follow every page (still sequential, no fan-out).
//
// The endpoint runs in its own process (this file with --serve), so every contender is a
// client over HTTP and none shares an event loop with the server.
import { type ChildProcess, spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { type AddressInfo, connect, createServer as createNetServer } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { ListBucketsCommand, ListObjectsV2Command, S3Client } from '@aws-sdk/client-s3';
import { LOCAL_ACCESS_KEY_ID, LOCAL_SECRET_ACCESS_KEY, startS3Server } from '../src/local/s3/index.js';
import { collectBuckets } from '../src/pipelines/bucket-metrics/collect-run.js';
import { type Row, report } from './lib/report.js';

const credentials = { accessKeyId: LOCAL_ACCESS_KEY_ID, secretAccessKey: LOCAL_SECRET_ACCESS_KEY };

const quick = process.argv.includes('--quick');
const only = process.argv
  .find((a) => a.startsWith('--only='))
  ?.slice(7)
  .split(',');
const SIZES = quick ? { big: 100_000, small: 10_000 } : { big: 1_000_000, small: 100_000 };
const SMALL_BUCKETS = 10;
const LEAF = 1_000; // objects per deepest "folder"
/**
 * aws-cli lists ~1,600 objects/s here (one Python process, a line printed per key): it lists
 * one small bucket at every size. The paginated sequential walk (one page in flight) lists
 * every bucket in the quick size and one 100,000-object bucket in the full size. Their rates
 * are what compares; each row names its scope.
 */
const AWS_SUBSET = ['small-00'];
const SEQUENTIAL_SUBSET = quick ? undefined : ['small-00'];
/** `--flat`: the big bucket's keys are 32 hex digits with no "/" (hashes), so no delimiter fan-out. */
const FLAT = process.argv.includes('--flat');
/** Tributary's CONCURRENCY settings to run (`--concurrency=8,32`). */
const CONCURRENCIES = (
  process.argv.find((a) => a.startsWith('--concurrency='))?.slice(14) ?? (quick ? '8,32' : '32')
)
  .split(',')
  .map(Number);
/** Rounds, contenders interleaved within each: the machine is shared, so one pass is noisy. */
const ROUNDS = Number(process.argv.find((a) => a.startsWith('--rounds='))?.slice(9) ?? (quick ? 3 : 1));

/** Deterministic object sizes 0..99,999 bytes, so every tool should report the same byte total. */
const sizeOf = (bucket: string, i: number) =>
  createHash('md5').update(`${bucket}/${i}`).digest().readUInt32BE(0) % 100_000;

type Expected = Record<string, { objects: number; bytes: number }>;

/**
 * Seeds buckets straight into the endpoint's on-disk layout (bucket.json + journal.jsonl +
 * data/), which it loads at start: writing 2 million objects through PUT would take hours on
 * this machine (~230 PUT/s). All objects share one data file; only listings are measured.
 * Key layout: big bucket `p<0-9>/s<00-99>/obj-<n>` (or, with --flat, md5 hex), small ones
 * `p<0-9>/obj-<n>` — 1,000 keys per leaf.
 */
function seed(dataDir: string): Expected {
  const buckets: Expected = {};
  const write = (bucket: string, count: number, keyOf: (i: number) => string) => {
    const dir = path.join(dataDir, 'buckets', bucket);
    mkdirSync(path.join(dir, 'data'), { recursive: true });
    writeFileSync(path.join(dir, 'data', 'seed'), Buffer.alloc(100_000));
    writeFileSync(path.join(dir, 'bucket.json'), JSON.stringify({ created: new Date().toISOString() }));
    const lines: string[] = [];
    let bytes = 0;
    const lastModified = new Date().toISOString();
    for (let i = 0; i < count; i++) {
      const size = sizeOf(bucket, i);
      bytes += size;
      const meta = {
        key: keyOf(i),
        size,
        etag: 'd41d8cd98f00b204e9800998ecf8427e',
        lastModified,
        segments: size > 0 ? [{ file: 'seed', size }] : [],
        tags: [],
        userMetadata: {},
      };
      lines.push(JSON.stringify({ op: 'put', meta }));
    }
    writeFileSync(path.join(dir, 'journal.jsonl'), `${lines.join('\n')}\n`);
    buckets[bucket] = { objects: count, bytes };
  };
  const pad = (n: number, w: number) => String(n).padStart(w, '0');
  write(
    'big',
    SIZES.big,
    FLAT
      ? (i) => createHash('md5').update(String(i)).digest('hex')
      : (i) =>
          `p${Math.floor(i / (LEAF * 100)) % 10}/s${pad(Math.floor(i / LEAF) % 100, 2)}/obj-${pad(i, 7)}`,
  );
  for (let b = 0; b < SMALL_BUCKETS; b++) {
    write(`small-${pad(b, 2)}`, SIZES.small, (i) => `p${Math.floor(i / LEAF) % 10}/obj-${pad(i, 7)}`);
  }
  return buckets;
}

/**
 * `--latency-ms=N`: every request reaches the endpoint N ms late, as a store across a network
 * would answer (Lyve Cloud, S3): the endpoint here shares this machine's CPU, so without it a
 * listing is bound by CPU and one page in flight is as fast as many.
 */
const LATENCY_MS = Number(process.argv.find((a) => a.startsWith('--latency-ms='))?.slice(13) ?? 0);

/** A TCP relay that holds each chunk from the client for `ms` before passing it on (order kept). */
async function delayingRelay(target: URL, ms: number): Promise<string> {
  const relay = createNetServer((client) => {
    const upstream = connect(Number(target.port), target.hostname);
    client.on('data', (chunk) => setTimeout(() => upstream.write(chunk), ms));
    upstream.pipe(client);
    const close = () => {
      client.destroy();
      upstream.destroy();
    };
    client.on('close', () => setTimeout(close, ms));
    upstream.on('close', close);
    client.on('error', close);
    upstream.on('error', close);
  });
  await new Promise<void>((resolve) => relay.listen(0, '127.0.0.1', resolve));
  return `http://127.0.0.1:${(relay.address() as AddressInfo).port}`;
}

/** `--serve <dataDir>`: run only the endpoint, print its URL, stop when stdin closes. */
async function serve(dataDir: string): Promise<void> {
  const server = await startS3Server({ port: 0, dataDir, credentials: [credentials] });
  const url = LATENCY_MS > 0 ? await delayingRelay(new URL(server.url), LATENCY_MS) : server.url;
  process.stdout.write(`${url}\n`);
  process.stdin.resume();
  process.stdin.on('end', () => void server.close().then(() => process.exit(0)));
}

async function startEndpoint(dataDir: string): Promise<{ url: string; child: ChildProcess }> {
  const self = fileURLToPath(import.meta.url);
  const child = spawn(
    process.execPath,
    [...process.execArgv, self, '--serve', dataDir, `--latency-ms=${LATENCY_MS}`],
    {
      stdio: ['pipe', 'pipe', 'inherit'],
      env: { ...process.env, LOG_LEVEL: 'ERROR' },
    },
  );
  const url = await new Promise<string>((resolve, reject) => {
    const lines = createInterface({ input: child.stdout as NodeJS.ReadableStream });
    lines.once('line', resolve);
    child.once('exit', (code) => reject(new Error(`endpoint exited ${code} before it listened`)));
  });
  return { url, child };
}

interface Outcome {
  objects: number;
  bytes: number;
  ms: number;
  requests?: number;
}

function run(cmd: string, args: string[], env: NodeJS.ProcessEnv): Promise<{ tail: string; ms: number }> {
  return new Promise((resolve, reject) => {
    const started = performance.now();
    const child = spawn(cmd, args, { env, stdio: ['ignore', 'pipe', 'pipe'] });
    let tail = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => {
      tail = (tail + chunk.toString()).slice(-4_096);
    });
    child.stderr.on('data', (chunk: Buffer) => {
      stderr = (stderr + chunk.toString()).slice(-4_096);
    });
    child.on('error', reject);
    child.on('close', (code) => {
      if (code === 0) resolve({ tail, ms: performance.now() - started });
      else reject(new Error(`${cmd} exited ${code}: ${stderr.trim()}`));
    });
  });
}

interface Contender {
  tool: string;
  /** Buckets it lists (all, unless it is too slow for the full size). */
  buckets: string[];
  measure: () => Promise<Outcome>;
}

async function main(): Promise<void> {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'bench-bucket-metrics-'));
  const keep = process.argv.includes('--keep');
  const loadBefore = os.loadavg();
  let endpoint: { url: string; child: ChildProcess } | undefined;
  try {
    let t = performance.now();
    const expected = seed(path.join(dir, 's3'));
    const all = Object.keys(expected);
    const sequential = SEQUENTIAL_SUBSET ?? all;
    const sum = (names: readonly string[]) =>
      names.reduce(
        (a, b) => ({
          objects: a.objects + (expected[b]?.objects ?? 0),
          bytes: a.bytes + (expected[b]?.bytes ?? 0),
        }),
        { objects: 0, bytes: 0 },
      );
    console.log(
      `seeded ${sum(all).objects.toLocaleString()} objects in ${((performance.now() - t) / 1000).toFixed(1)} s`,
    );
    t = performance.now();
    endpoint = await startEndpoint(path.join(dir, 's3'));
    const url = endpoint.url;
    console.log(
      `endpoint (own process) loaded them in ${((performance.now() - t) / 1000).toFixed(1)} s: ${url}`,
    );
    const client = new S3Client({ endpoint: url, region: 'us-east-1', forcePathStyle: true, credentials });
    const toolEnv = {
      ...process.env,
      AWS_ACCESS_KEY_ID: credentials.accessKeyId,
      AWS_SECRET_ACCESS_KEY: credentials.secretAccessKey,
      AWS_DEFAULT_REGION: 'us-east-1',
    };
    const rcloneEnv: NodeJS.ProcessEnv = {
      ...toolEnv,
      RCLONE_CONFIG_BM_TYPE: 's3',
      RCLONE_CONFIG_BM_PROVIDER: 'Other',
      RCLONE_CONFIG_BM_ENDPOINT: url,
      RCLONE_CONFIG_BM_ACCESS_KEY_ID: credentials.accessKeyId,
      RCLONE_CONFIG_BM_SECRET_ACCESS_KEY: credentials.secretAccessKey,
      RCLONE_CONFIG_BM_FORCE_PATH_STYLE: 'true',
    };
    delete rcloneEnv.AWS_CA_BUNDLE; // rclone 1.60 fails with LoadCustomCABundleError when it is set

    const contenders: Contender[] = [
      ...CONCURRENCIES.map(
        (concurrency): Contender => ({
          tool: `tributary (CONCURRENCY=${concurrency})`,
          buckets: all,
          measure: async () => {
            const started = performance.now();
            const result = await collectBuckets({
              client,
              runId: 'bench',
              prefixDepth: 0,
              concurrency,
              countMultipart: true,
              filter: { include: [], exclude: [] },
            });
            const failed = result.finished.filter((s) => s.status === 'failed');
            if (failed.length > 0)
              throw new Error(`failed: ${failed.map((s) => s.error?.message).join('; ')}`);
            const totals = result.finished.reduce(
              (a, s) => ({ objects: a.objects + s.totals.objects, bytes: a.bytes + s.totals.bytes }),
              { objects: 0, bytes: 0 },
            );
            return { ...totals, ms: performance.now() - started, requests: result.requests };
          },
        }),
      ),
      ...[false, true].map(
        (fastList): Contender => ({
          // One process for the whole store (`bm:` lists every bucket), as a user would size it.
          tool: `rclone size${fastList ? ' --fast-list' : ''}`,
          buckets: all,
          measure: async () => {
            const r = await run(
              '/usr/bin/rclone',
              ['size', 'bm:', '--json', ...(fastList ? ['--fast-list'] : [])],
              rcloneEnv,
            );
            const json = JSON.parse(r.tail) as { count: number; bytes: number };
            return { objects: json.count, bytes: json.bytes, ms: r.ms };
          },
        }),
      ),
      {
        tool: 'aws s3 ls --recursive --summarize (AWS CLI v2)',
        buckets: AWS_SUBSET,
        measure: async () => {
          let objects = 0;
          let bytes = 0;
          let ms = 0;
          for (const bucket of AWS_SUBSET) {
            const r = await run(
              '/usr/bin/aws',
              ['s3', 'ls', `s3://${bucket}`, '--recursive', '--summarize', '--endpoint-url', url],
              toolEnv,
            );
            objects += Number(/Total Objects: (\d+)/.exec(r.tail)?.[1] ?? Number.NaN);
            bytes += Number(/Total Size: (\d+)/.exec(r.tail)?.[1] ?? Number.NaN);
            ms += r.ms;
          }
          return { objects, bytes, ms };
        },
      },
      {
        tool: 'sample as written (1 ListObjectsV2 page per bucket, sequential)',
        buckets: all,
        measure: async () => {
          const started = performance.now();
          const { Buckets = [] } = await client.send(new ListBucketsCommand({}));
          let objects = 0;
          let bytes = 0;
          for (const b of Buckets) {
            const out = await client.send(new ListObjectsV2Command({ Bucket: b.Name }));
            objects += out.KeyCount ?? 0;
            bytes += (out.Contents ?? []).reduce((n, o) => n + (o.Size ?? 0), 0);
          }
          return { objects, bytes, ms: performance.now() - started, requests: Buckets.length + 1 };
        },
      },
      {
        tool: "sample's walk, every page (sequential, no fan-out)",
        buckets: sequential,
        measure: async () => {
          const started = performance.now();
          let objects = 0;
          let bytes = 0;
          let requests = 0;
          for (const bucket of sequential) {
            let token: string | undefined;
            do {
              const out = await client.send(
                new ListObjectsV2Command({ Bucket: bucket, ContinuationToken: token }),
              );
              requests++;
              objects += out.KeyCount ?? 0;
              bytes += (out.Contents ?? []).reduce((n, o) => n + (o.Size ?? 0), 0);
              token = out.IsTruncated ? out.NextContinuationToken : undefined;
            } while (token);
          }
          return { objects, bytes, ms: performance.now() - started, requests };
        },
      },
    ];

    const selected = contenders.filter(({ tool }) => !only || only.some((o) => tool.startsWith(o)));
    const runs = new Map<string, (Outcome | Error)[]>(selected.map((c) => [c.tool, []]));
    for (let round = 1; round <= ROUNDS; round++) {
      for (const { tool, buckets, measure } of selected) {
        const scope = buckets.length === all.length ? `all ${all.length} buckets` : buckets.join(', ');
        process.stdout.write(`round ${round}/${ROUNDS} · ${tool} [${scope}] … `);
        const outcome = await measure().catch((err: unknown) => err as Error);
        console.log(
          outcome instanceof Error ? `failed: ${outcome.message}` : `${(outcome.ms / 1000).toFixed(1)} s`,
        );
        runs.get(tool)?.push(outcome);
      }
    }

    const rows: Row[] = [];
    const rates: Record<string, number> = {};
    for (const { tool, buckets } of selected) {
      const scope = buckets.length === all.length ? `all ${all.length} buckets` : buckets.join(', ');
      const want = sum(buckets);
      const outcomes = runs.get(tool) ?? [];
      const failure = outcomes.find((o) => o instanceof Error);
      const done = outcomes.filter((o): o is Outcome => !(o instanceof Error)).sort((a, b) => a.ms - b.ms);
      // The median round (for an even count, the mean of the middle two).
      const middle = done.slice(Math.floor((done.length - 1) / 2), Math.floor(done.length / 2) + 1);
      const median = middle[0] && { ...middle[0], ms: middle.reduce((n, r) => n + r.ms, 0) / middle.length };
      if (failure || !median) {
        rows.push({ tool, scope, correct: `ERROR: ${failure?.message.slice(0, 200) ?? 'no run'}` });
        continue;
      }
      const correct = done.every((r) => r.objects === want.objects && r.bytes === want.bytes);
      const rate = Math.round(median.objects / (median.ms / 1000));
      if (correct) rates[tool] = rate;
      const seconds = (ms: number) => Math.round(ms / 100) / 10;
      rows.push({
        tool,
        scope,
        objects: median.objects,
        bytes: median.bytes,
        correct: correct ? 'yes' : `NO (${((median.bytes / want.bytes) * 100).toFixed(2)}% of bytes)`,
        'wall s (median)': seconds(median.ms),
        'wall s (min-max)': `${seconds(done[0]?.ms ?? 0)}-${seconds(done.at(-1)?.ms ?? 0)}`,
        'objects/s': rate,
        requests: median.requests ?? '',
      });
    }
    client.destroy();

    // Tributary's rate over each correct peer's rate (>1: Tributary lists faster).
    const tributary = Object.entries(rates).find(([tool]) =>
      tool.startsWith('tributary (CONCURRENCY=32)'),
    )?.[1];
    const ratios = tributary
      ? Object.fromEntries(
          Object.entries(rates)
            .filter(([tool]) => !tool.startsWith('tributary'))
            .map(([tool, rate]) => [tool, Math.round((tributary / rate) * 100) / 100]),
        )
      : {};
    console.log('tributary objects/s ÷ peer objects/s:', ratios);
    const name = `bucket-metrics${quick ? '-quick' : ''}${FLAT ? '-flat' : ''}${LATENCY_MS > 0 ? `-latency-${LATENCY_MS}ms` : ''}`;
    report(name, rows, {
      size: quick ? 'quick' : 'full',
      latencyMs: LATENCY_MS,
      rounds: ROUNDS,
      layout: `1 bucket of ${SIZES.big.toLocaleString()} objects (${FLAT ? 'flat md5-hex keys' : 'p<0-9>/s<00-99>/…'}) + ${SMALL_BUCKETS} of ${SIZES.small.toLocaleString()} (p<0-9>/…), ${LEAF} keys per leaf prefix, sizes 0-99,999 B`,
      expected: sum(all),
      ratiosTributaryOverPeer: ratios,
      loadAverage: { before: loadBefore, after: os.loadavg() },
      notes: [
        'the embedded endpoint runs in its own process; every contender is an HTTP client of it',
        'rclone sizes the whole remote (all buckets) in one process; aws-cli is run once per bucket',
        `aws-cli lists only ${AWS_SUBSET.join(', ')}${SEQUENTIAL_SUBSET ? `, the paginated sequential walk only ${SEQUENTIAL_SUBSET.join(', ')}` : ''} (rates compare; see scope)`,
        `${ROUNDS} round(s), contenders interleaved; wall and objects/s are the median round`,
      ],
    });
  } finally {
    endpoint?.child.stdin?.end();
    if (endpoint) await new Promise((resolve) => endpoint?.child.once('exit', resolve));
    if (!keep) rmSync(dir, { recursive: true, force: true });
    else console.log(`kept ${dir}`);
  }
}

const serveAt = process.argv.indexOf('--serve');
if (serveAt >= 0) await serve(process.argv[serveAt + 1] ?? '.');
else await main();
