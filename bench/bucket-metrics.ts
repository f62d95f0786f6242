// `npm run bench -- bucket-metrics [--quick] [--only=tributary,rclone,...]`
// Listing speed and correctness on the embedded S3 endpoint: Tributary's bucket-metrics scan
// vs `rclone size`, `aws s3 ls --recursive --summarize` and the sample's approach (one
// ListObjectsV2 call per bucket, buckets one after another).
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { ListBucketsCommand, ListObjectsV2Command, S3Client } from '@aws-sdk/client-s3';
import { LOCAL_ACCESS_KEY_ID, LOCAL_SECRET_ACCESS_KEY, startS3Server } from '../src/local/s3/index.js';
import { collectBuckets } from '../src/pipelines/bucket-metrics/collect-run.js';
import { type Row, report } from './lib/report.js';

const quick = process.argv.includes('--quick');
const only = process.argv
  .find((a) => a.startsWith('--only='))
  ?.slice(7)
  .split(',');
const SIZES = quick ? { big: 100_000, small: 10_000 } : { big: 1_000_000, small: 100_000 };
const SMALL_BUCKETS = 10;
const LEAF = 1_000; // objects per deepest "folder"

/** Deterministic object sizes 0..99,999 bytes, so every tool should report the same byte total. */
const sizeOf = (bucket: string, i: number) =>
  createHash('md5').update(`${bucket}/${i}`).digest().readUInt32BE(0) % 100_000;

/**
 * Seeds buckets straight into the endpoint's on-disk layout (bucket.json + journal.jsonl +
 * data/), which it loads at start: writing 2 million objects through PUT would take hours on
 * this machine (~230 PUT/s). All objects share one data file; only listings are measured.
 * Key layout: big bucket `p<0-9>/s<00-99>/obj-<n>`, small ones `p<0-9>/obj-<n>` — 1,000 keys per leaf.
 */
function seed(dataDir: string): { buckets: Record<string, { objects: number; bytes: number }> } {
  const buckets: Record<string, { objects: number; bytes: number }> = {};
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
    (i) => `p${Math.floor(i / (LEAF * 100)) % 10}/s${pad(Math.floor(i / LEAF) % 100, 2)}/obj-${pad(i, 7)}`,
  );
  for (let b = 0; b < SMALL_BUCKETS; b++) {
    write(`small-${pad(b, 2)}`, SIZES.small, (i) => `p${Math.floor(i / LEAF) % 10}/obj-${pad(i, 7)}`);
  }
  return { buckets };
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

async function main(): Promise<void> {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'bench-bucket-metrics-'));
  const keep = process.argv.includes('--keep');
  try {
    let t = performance.now();
    const { buckets } = seed(path.join(dir, 's3'));
    const expected = Object.values(buckets).reduce(
      (a, b) => ({ objects: a.objects + b.objects, bytes: a.bytes + b.bytes }),
      {
        objects: 0,
        bytes: 0,
      },
    );
    console.log(
      `seeded ${expected.objects.toLocaleString()} objects in ${((performance.now() - t) / 1000).toFixed(1)} s`,
    );
    t = performance.now();
    const credentials = { accessKeyId: LOCAL_ACCESS_KEY_ID, secretAccessKey: LOCAL_SECRET_ACCESS_KEY };
    const server = await startS3Server({
      port: 0,
      dataDir: path.join(dir, 's3'),
      credentials: [credentials],
    });
    console.log(`endpoint loaded them in ${((performance.now() - t) / 1000).toFixed(1)} s: ${server.url}`);
    const client = new S3Client({
      endpoint: server.url,
      region: 'us-east-1',
      forcePathStyle: true,
      credentials,
    });
    const toolEnv = {
      ...process.env,
      AWS_ACCESS_KEY_ID: credentials.accessKeyId,
      AWS_SECRET_ACCESS_KEY: credentials.secretAccessKey,
      AWS_DEFAULT_REGION: 'us-east-1',
    };

    const contenders: [string, () => Promise<Outcome>][] = [
      ...[32, 64].map(
        (concurrency) =>
          [
            `tributary (CONCURRENCY=${concurrency})`,
            async () => {
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
              const sum = result.finished.reduce(
                (a, s) => ({ objects: a.objects + s.totals.objects, bytes: a.bytes + s.totals.bytes }),
                { objects: 0, bytes: 0 },
              );
              return { ...sum, ms: performance.now() - started, requests: result.requests };
            },
          ] as [string, () => Promise<Outcome>],
      ),
      ...[false, true].map(
        (fastList) =>
          [
            `rclone size${fastList ? ' --fast-list' : ''}`,
            async () => {
              const env: NodeJS.ProcessEnv = {
                ...toolEnv,
                RCLONE_CONFIG_BM_TYPE: 's3',
                RCLONE_CONFIG_BM_PROVIDER: 'Other',
                RCLONE_CONFIG_BM_ENDPOINT: server.url,
                RCLONE_CONFIG_BM_ACCESS_KEY_ID: credentials.accessKeyId,
                RCLONE_CONFIG_BM_SECRET_ACCESS_KEY: credentials.secretAccessKey,
                RCLONE_CONFIG_BM_FORCE_PATH_STYLE: 'true',
              };
              delete env.AWS_CA_BUNDLE; // rclone 1.60 fails with LoadCustomCABundleError when it is set
              let objects = 0;
              let bytes = 0;
              let ms = 0;
              for (const bucket of Object.keys(buckets)) {
                const r = await run(
                  '/usr/bin/rclone',
                  ['size', `bm:${bucket}`, '--json', ...(fastList ? ['--fast-list'] : [])],
                  env,
                );
                const json = JSON.parse(r.tail) as { count: number; bytes: number };
                objects += json.count;
                bytes += json.bytes;
                ms += r.ms;
              }
              return { objects, bytes, ms };
            },
          ] as [string, () => Promise<Outcome>],
      ),
      [
        'aws s3 ls --recursive --summarize',
        async () => {
          let objects = 0;
          let bytes = 0;
          let ms = 0;
          for (const bucket of Object.keys(buckets)) {
            const r = await run(
              '/usr/bin/aws',
              ['s3', 'ls', `s3://${bucket}`, '--recursive', '--summarize', '--endpoint-url', server.url],
              toolEnv,
            );
            objects += Number(/Total Objects: (\d+)/.exec(r.tail)?.[1] ?? Number.NaN);
            bytes += Number(/Total Size: (\d+)/.exec(r.tail)?.[1] ?? Number.NaN);
            ms += r.ms;
          }
          return { objects, bytes, ms };
        },
      ],
      [
        "sample's approach (1 ListObjectsV2 per bucket, sequential)",
        async () => {
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
      ],
    ];

    const rows: Row[] = [];
    for (const [tool, measure] of contenders) {
      if (only && !only.some((o) => tool.startsWith(o))) continue;
      process.stdout.write(`${tool} … `);
      try {
        const r = await measure();
        const correct = r.objects === expected.objects && r.bytes === expected.bytes;
        console.log(`${(r.ms / 1000).toFixed(1)} s`);
        rows.push({
          tool,
          objects: r.objects,
          bytes: r.bytes,
          correct: correct ? 'yes' : `NO (${((r.bytes / expected.bytes) * 100).toFixed(2)}% of bytes)`,
          'wall s': Math.round(r.ms / 100) / 10,
          'objects/s': Math.round(r.objects / (r.ms / 1000)),
          ...(r.requests !== undefined ? { requests: r.requests } : {}),
        });
      } catch (err) {
        console.log('failed');
        rows.push({
          tool,
          objects: 0,
          bytes: 0,
          correct: `ERROR: ${(err as Error).message.slice(0, 200)}`,
          'wall s': 0,
          'objects/s': 0,
        });
      }
    }
    client.destroy();
    await server.close();
    report(quick ? 'bucket-metrics-quick' : 'bucket-metrics', rows, {
      size: quick ? 'quick' : 'full',
      layout: `1 bucket of ${SIZES.big.toLocaleString()} objects (p<0-9>/s<00-99>/…) + ${SMALL_BUCKETS} of ${SIZES.small.toLocaleString()} (p<0-9>/…), ${LEAF} keys per leaf prefix, sizes 0-99,999 B`,
      expected,
      note: 'rclone and aws-cli run bucket by bucket (their wall time is the sum); Tributary lists all buckets at once in one process',
    });
  } finally {
    if (!keep) rmSync(dir, { recursive: true, force: true });
    else console.log(`kept ${dir}`);
  }
}

await main();
