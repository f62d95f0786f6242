// The embedded S3 endpoint vs the disk under it: 1 GiB PUT/GET (single PutObject and lib-storage
// multipart) and 4 KiB PUTs/s. The server runs in a child process, as a real client would see it.
import { fork } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { Readable, Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { fileURLToPath } from 'node:url';
import { CreateBucketCommand, GetObjectCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { Upload } from '@aws-sdk/lib-storage';
import { LOCAL_ACCESS_KEY_ID, LOCAL_SECRET_ACCESS_KEY, startS3Server } from '../src/local/s3/index.js';
import { mbPerSec, type Row, report } from './lib/report.js';

const GiB = 1024 ** 3;
const BLOCK = randomBytes(8 * 1024 * 1024);
const SMALL_COUNT = 2000;
const SMALL_SIZE = 4096;
const CONCURRENCY = 16;

/** `total` bytes of incompressible data, streamed in 8 MiB blocks (never all in memory). */
function source(total: number): Readable {
  let sent = 0;
  return new Readable({
    highWaterMark: BLOCK.length,
    read() {
      if (sent >= total) return void this.push(null);
      const n = Math.min(BLOCK.length, total - sent);
      sent += n;
      this.push(n === BLOCK.length ? BLOCK : BLOCK.subarray(0, n));
    },
  });
}

const sink = () =>
  new Writable({
    highWaterMark: 1024 * 1024,
    write(_chunk, _enc, done) {
      done();
    },
  });

async function timed(fn: () => Promise<unknown>): Promise<number> {
  const t = performance.now();
  await fn();
  return performance.now() - t;
}

async function pool(count: number, fn: (i: number) => Promise<unknown>): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: CONCURRENCY }, async () => {
      for (let i = next++; i < count; i = next++) await fn(i);
    }),
  );
}

async function main(): Promise<void> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'tributary-bench-s3-'));
  const dataDir = path.join(dir, 'endpoint');
  const child = fork(fileURLToPath(import.meta.url), ['--serve', dataDir], { execArgv: ['--import', 'tsx'] });
  try {
    const { url } = await new Promise<{ url: string }>((resolve, reject) => {
      child.once('message', (m) => resolve(m as { url: string }));
      child.once('exit', (code) => reject(new Error(`server exited with ${code}`)));
    });
    const s3 = new S3Client({
      endpoint: url,
      region: 'us-east-1',
      forcePathStyle: true,
      credentials: { accessKeyId: LOCAL_ACCESS_KEY_ID, secretAccessKey: LOCAL_SECRET_ACCESS_KEY },
      requestChecksumCalculation: 'WHEN_REQUIRED',
      responseChecksumValidation: 'WHEN_REQUIRED',
    });
    await s3.send(new CreateBucketCommand({ Bucket: 'bench' }));
    const rows: Row[] = [];
    const add = (operation: string, ms: number, bytes: number, diskMs?: number) => {
      const row: Row = { operation, seconds: Math.round(ms) / 1000, 'MB/s': mbPerSec(bytes, ms) };
      if (diskMs !== undefined) row['endpoint/disk'] = Math.round((diskMs / ms) * 100) / 100;
      rows.push(row);
      console.log(row);
    };

    // Disk baseline: the same bytes through fs streams on the same file system.
    const diskFile = path.join(dir, 'disk.bin');
    const diskWrite = await timed(() =>
      pipeline(source(GiB), createWriteStream(diskFile, { highWaterMark: 1024 * 1024 })),
    );
    add('disk write 1 GiB (fs stream)', diskWrite, GiB);
    const diskRead = await timed(() =>
      pipeline(createReadStream(diskFile, { highWaterMark: 1024 * 1024 }), sink()),
    );
    add('disk read 1 GiB (fs stream)', diskRead, GiB);
    await rm(diskFile);

    const put = await timed(() =>
      s3.send(
        new PutObjectCommand({ Bucket: 'bench', Key: 'single', Body: source(GiB), ContentLength: GiB }),
      ),
    );
    add('endpoint PutObject 1 GiB stream', put, GiB, diskWrite);
    const get = await timed(async () => {
      const res = await s3.send(new GetObjectCommand({ Bucket: 'bench', Key: 'single' }));
      await pipeline(res.Body as Readable, sink());
    });
    add('endpoint GetObject 1 GiB', get, GiB, diskRead);

    const multipart = await timed(() =>
      new Upload({
        client: s3,
        params: { Bucket: 'bench', Key: 'multi', Body: source(GiB) },
        partSize: 16 * 1024 * 1024,
        queueSize: 4,
      }).done(),
    );
    add('endpoint lib-storage Upload 1 GiB (16 MiB parts x4)', multipart, GiB, diskWrite);
    const getMulti = await timed(async () => {
      const res = await s3.send(new GetObjectCommand({ Bucket: 'bench', Key: 'multi' }));
      await pipeline(res.Body as Readable, sink());
    });
    add('endpoint GetObject 1 GiB (multipart object)', getMulti, GiB, diskRead);

    const small = randomBytes(SMALL_SIZE);
    const diskSmallDir = path.join(dir, 'small');
    await (await import('node:fs/promises')).mkdir(diskSmallDir);
    const diskSmall = await timed(() =>
      pool(SMALL_COUNT, (i) => writeFile(path.join(diskSmallDir, `f${i}`), small)),
    );
    const endpointSmall = await timed(() =>
      pool(SMALL_COUNT, (i) =>
        s3.send(new PutObjectCommand({ Bucket: 'bench', Key: `small/${i}`, Body: small })),
      ),
    );
    const perSec = (ms: number) => Math.round(SMALL_COUNT / (ms / 1000));
    rows.push({
      operation: `disk create ${SMALL_COUNT} x 4 KiB files (x${CONCURRENCY})`,
      seconds: Math.round(diskSmall) / 1000,
      'ops/s': perSec(diskSmall),
    });
    rows.push({
      operation: `endpoint PutObject ${SMALL_COUNT} x 4 KiB (x${CONCURRENCY})`,
      seconds: Math.round(endpointSmall) / 1000,
      'ops/s': perSec(endpointSmall),
      'endpoint/disk': Math.round((diskSmall / endpointSmall) * 100) / 100,
    });
    s3.destroy();
    report('s3-endpoint', rows, {
      notes:
        'Server in a child process; client checksums WHEN_REQUIRED; disk rows use fs streams on the same file system. Ratios: endpoint throughput / disk throughput.',
      loadAverage: os.loadavg(),
    });
  } finally {
    child.kill();
    await rm(dir, { recursive: true, force: true });
  }
}

if (process.argv[2] === '--serve') {
  const server = await startS3Server({
    dataDir: process.argv[3] as string,
    credentials: [{ accessKeyId: LOCAL_ACCESS_KEY_ID, secretAccessKey: LOCAL_SECRET_ACCESS_KEY }],
  });
  process.send?.({ url: server.url });
} else {
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true';
  await main();
}
