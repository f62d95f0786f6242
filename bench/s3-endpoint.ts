/**
 * `npm run bench -- s3-endpoint`: the embedded S3 endpoint vs the disk under it, and vs a
 * bare Node HTTP server (the ceiling any Node endpoint can reach on this machine).
 *
 * 1 GiB of incompressible bytes, written and read on one file system (the endpoint's data
 * dir, the bare server's file and the disk baseline's file sit in one temp dir):
 *
 * - write, page cache: nobody fsyncs (the endpoint does not fsync object data), so every row
 *   measures getting the bytes into the page cache.
 * - write + sync: each row's timing includes a `sync` after the last byte (bytes on disk).
 * - read, warm: the bytes were just written and are in the page cache; a `sync` first (not
 *   timed) so no row's read meets the writeback of an earlier row's dirty pages.
 * - read, cold: `sync; echo 1 > /proc/sys/vm/drop_caches` first (root only; otherwise the rows
 *   are skipped and the notes say so). The disk's and the endpoint's cold reads run back to
 *   back (order alternating by round), after the same writes.
 *
 * Three servers, two kinds of client:
 *
 * - disk: in this process, no HTTP: writes through an fs write stream (8 MiB chunks of one
 *   block, no fresh memory), reads with positioned reads into one reused 1 MiB buffer (the
 *   fastest read found: an fs read stream allocates a fresh buffer per MiB, and the page
 *   faults on those cost from 0.4 to 1.5 CPU s/GiB depending on the allocator's mood).
 * - bare Node: a minimal `node:http` server in the child process: PUT pipes the request into a
 *   file (no hashing, no auth), GET pipes a read stream of the file into the response (the
 *   naive way) or sends it from two reused 1 MiB buffers (the fastest way found, the ceiling).
 * - endpoint: the embedded S3 endpoint in the same child process.
 * - clients, the lean ones: "raw HTTP" is node:http in this process streaming 8 MiB writes
 *   (PUT), "curl" is curl (GET; a C client: Node's HTTP client reading 1 GiB costs more CPU than
 *   the endpoint serving it). Endpoint requests go to presigned URLs (UNSIGNED-PAYLOAD).
 * - clients, the real one: the AWS SDK v3 (checksums WHEN_REQUIRED, as the client factory sets
 *   them for non-AWS endpoints). Its GetObject rows measure the SDK as much as the endpoint.
 *
 * Each operation runs ROUNDS times interleaved and the best is kept: the machine is shared,
 * and the best run is the one least disturbed. CPU seconds per GiB (user + system) are the
 * load-independent cost: "server" is the child process (endpoint or bare server) or this
 * process for disk rows; "client" is curl's (from /usr/bin/time) or this process's.
 *
 * Before the rounds, an untimed scratch write of 6× the size (then deleted) puts the VM's memory
 * in the state every row then meets: see touchGuestMemory.
 *
 * Env: S3_BENCH_ROUNDS (default 2), S3_BENCH_MIB (default 1024), S3_BENCH_PRETOUCH_MIB (default
 * 6× S3_BENCH_MIB, at most half the free memory; 0 skips it), S3_BENCH_ONLY=<regexp> runs
 * only the operations whose name matches, BENCH_CPU_PROF=<dir> writes a CPU profile of the
 * child, S3_BENCH_ENDPOINT=<module path> loads startS3Server from another tree (A/B runs).
 */
import { execFileSync, fork, spawn } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { createReadStream, createWriteStream, readFileSync, statSync } from 'node:fs';
import { mkdir, mkdtemp, open, rm, writeFile } from 'node:fs/promises';
import { Agent, createServer, request, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { Readable, Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { CreateBucketCommand, GetObjectCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { Upload } from '@aws-sdk/lib-storage';
import { getSignedUrl } from '@aws-sdk/s3-request-presigner';
import { LOCAL_ACCESS_KEY_ID, LOCAL_SECRET_ACCESS_KEY } from '../src/local/s3/index.js';
import { mbPerSec, type Row, report } from './lib/report.js';

const SIZE = Number(process.env.S3_BENCH_MIB ?? 1024) * 1024 * 1024;
const ROUNDS = Number(process.env.S3_BENCH_ROUNDS ?? 2);
const ONLY = process.env.S3_BENCH_ONLY ? new RegExp(process.env.S3_BENCH_ONLY) : undefined;
const BLOCK = randomBytes(8 * 1024 * 1024);
const IO = 1024 * 1024;
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

/** The SHA-256 of `source(total)`, for the signed-payload row (computed once, outside the timing). */
function sourceSha256(total: number): string {
  const hash = createHash('sha256');
  for (let sent = 0; sent < total; sent += BLOCK.length) hash.update(BLOCK.subarray(0, total - sent));
  return hash.digest('hex');
}

const sink = () =>
  new Writable({
    highWaterMark: IO,
    write(_chunk, _enc, done) {
      done();
    },
  });

/** Writes dirty pages of every file system to disk. */
const syncAll = () => execFileSync('sync');

function dropPageCache(): boolean {
  try {
    syncAll();
    execFileSync('sh', ['-c', 'echo 1 > /proc/sys/vm/drop_caches'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

/**
 * On this VM the first write into guest memory the host has not backed yet costs ~3 CPU s/GiB
 * (measured: a fresh 1 GiB file at 341 MB/s, the same write into freed pages at 5 GB/s), so
 * whichever row first needed new pages looked slow — the disk baseline, in earlier runs, which
 * flattered every "vs disk" ratio. Writing and deleting a scratch file first (untimed) leaves
 * enough touched pages free for every row. S3_BENCH_PRETOUCH_MIB sets its size (0: skip).
 */
async function touchGuestMemory(dir: string): Promise<{ mib: number; mbPerSec?: number }> {
  const mib = Number(
    process.env.S3_BENCH_PRETOUCH_MIB ?? Math.min((6 * SIZE) / 1024 ** 2, os.freemem() / 2 / 1024 ** 2),
  );
  if (mib <= 0) return { mib: 0 };
  const file = path.join(dir, 'pretouch.bin');
  const bytes = Math.floor(mib) * 1024 * 1024;
  const started = performance.now();
  await pipeline(source(bytes), createWriteStream(file, { highWaterMark: IO }));
  const rate = mbPerSec(bytes, performance.now() - started);
  await rm(file);
  console.error(`pre-touched ${Math.floor(mib)} MiB of page cache at ${rate} MB/s (then deleted)`);
  return { mib: Math.floor(mib), mbPerSec: rate };
}

/** A raw HTTP PUT of `source(size)` (8 MiB writes) to a presigned or bare URL. */
function httpPut(url: string, size: number): Promise<void> {
  return new Promise((resolve, reject) => {
    const req = request(url, { method: 'PUT', headers: { 'Content-Length': size } }, (res) => {
      res.resume();
      res.on('end', () =>
        res.statusCode === 200 ? resolve() : reject(new Error(`PUT answered ${res.statusCode}`)),
      );
    });
    req.on('error', reject);
    pipeline(source(size), req).catch(reject);
  });
}

/** One small request on a kept-alive socket: a PUT of `body`, or a GET (body read and dropped). */
function smallRequest(url: string, agent: Agent, body?: Buffer): Promise<void> {
  return new Promise((resolve, reject) => {
    const headers = body ? { 'Content-Length': body.length } : {};
    const req = request(url, { method: body ? 'PUT' : 'GET', agent, headers }, (res) => {
      res.resume();
      res.on('end', () =>
        res.statusCode === 200 ? resolve() : reject(new Error(`answered ${res.statusCode}`)),
      );
    });
    req.on('error', reject);
    req.end(body);
  });
}

/** Runs curl; resolves with its CPU seconds (user + system), rejects on an HTTP error. */
function curl(args: string[]): Promise<number> {
  return new Promise((resolve, reject) => {
    const child = spawn(
      '/usr/bin/time',
      ['-f', '%U %S', 'curl', '-sS', '--fail', '-o', '/dev/null', ...args],
      {
        stdio: ['ignore', 'ignore', 'pipe'],
      },
    );
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => {
      stderr += d.toString();
    });
    child.on('error', reject);
    child.on('exit', (code) => {
      if (code !== 0) return reject(new Error(`curl exited with ${code}: ${stderr.trim()}`));
      const [user, system] = (stderr.trim().split('\n').pop() ?? '').split(' ').map(Number);
      resolve((user ?? 0) + (system ?? 0));
    });
  });
}

interface Cpu {
  user: number;
  system: number;
  /** CPU seconds of the child's main thread (Linux /proc), to show what left it for other threads. */
  main?: number;
}
type Measure = { ms: number; serverCpu: number; serverMainCpu?: number; clientCpu?: number };

/** CPU seconds this process's main thread has used (Linux only). */
function mainThreadCpu(): number | undefined {
  try {
    const stat = readFileSync(`/proc/self/task/${process.pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) / 100; // utime + stime, in clock ticks (USER_HZ 100)
  } catch {
    return undefined;
  }
}

async function main(): Promise<void> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'tributary-bench-s3-'));
  const profDir = process.env.BENCH_CPU_PROF;
  const execArgv = ['--import', 'tsx', ...(profDir ? ['--cpu-prof', `--cpu-prof-dir=${profDir}`] : [])];
  const child = fork(fileURLToPath(import.meta.url), ['--serve', dir], { execArgv });
  const childCpu = () =>
    new Promise<Cpu>((resolve) => {
      child.once('message', (m) => resolve(m as Cpu));
      child.send('cpu');
    });
  const loads: number[][] = [os.loadavg()];
  try {
    const { url, bare } = await new Promise<{ url: string; bare: string }>((resolve, reject) => {
      child.once('message', (m) => resolve(m as { url: string; bare: string }));
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
    const presigned = (method: 'GET' | 'PUT', key: string) =>
      getSignedUrl(
        s3,
        method === 'GET'
          ? new GetObjectCommand({ Bucket: 'bench', Key: key })
          : new PutObjectCommand({ Bucket: 'bench', Key: key }),
        { expiresIn: 3600 },
      );
    const payloadSha256 = sourceSha256(SIZE);

    /** Times fn; server CPU is the child's, or this process's for disk rows; fn may return the client's CPU. */
    const measure = async (side: 'disk' | 'server', fn: () => Promise<unknown>): Promise<Measure> => {
      const before: Cpu = side === 'server' ? await childCpu() : process.cpuUsage();
      const self = process.cpuUsage();
      const t = performance.now();
      const result = await fn();
      const ms = performance.now() - t;
      const selfUsed = process.cpuUsage(self);
      const after: Cpu = side === 'server' ? await childCpu() : process.cpuUsage();
      const serverCpu = (after.user - before.user + after.system - before.system) / 1e6;
      const serverMainCpu =
        side === 'server' && after.main !== undefined && before.main !== undefined
          ? after.main - before.main
          : undefined;
      const clientCpu =
        side === 'disk'
          ? undefined
          : typeof result === 'number'
            ? result
            : (selfUsed.user + selfUsed.system) / 1e6;
      return { ms, serverCpu, serverMainCpu, clientCpu };
    };

    const diskFile = path.join(dir, 'disk.bin');
    const diskWrite = (sync: boolean) => async () => {
      await pipeline(source(SIZE), createWriteStream(diskFile, { highWaterMark: IO }));
      if (sync) syncAll();
    };
    const diskRead = async () => {
      const fh = await open(diskFile, 'r');
      const buffer = Buffer.allocUnsafeSlow(IO);
      for (let position = 0; position < SIZE; )
        position += (await fh.read(buffer, 0, IO, position)).bytesRead;
      await fh.close();
    };
    const rawPut =
      (target: () => Promise<string>, sync = false) =>
      async () => {
        await httpPut(await target(), SIZE);
        if (sync) syncAll();
      };
    const curlGet = (target: () => Promise<string>) => async () => curl([await target()]);
    const sdkPut = (key: string, signedSha256?: string) => async () => {
      const command = new PutObjectCommand({
        Bucket: 'bench',
        Key: key,
        Body: source(SIZE),
        ContentLength: SIZE,
      });
      // A signed payload hash (the SDK only computes one for in-memory bodies); precomputed above.
      if (signedSha256)
        command.middlewareStack.add(
          (next) => (args) => {
            (args.request as { headers: Record<string, string> }).headers['x-amz-content-sha256'] =
              signedSha256;
            return next(args);
          },
          { step: 'build', name: 'signedPayloadHash' },
        );
      await s3.send(command);
    };
    const sdkMultipart = (key: string) => () =>
      new Upload({
        client: s3,
        params: { Bucket: 'bench', Key: key, Body: source(SIZE) },
        partSize: 16 * 1024 * 1024,
        queueSize: 4,
      }).done();
    const sdkGet = (key: string) => async () => {
      const res = await s3.send(new GetObjectCommand({ Bucket: 'bench', Key: key }));
      await pipeline(res.Body as Readable, sink());
    };

    const best = new Map<string, Measure>();
    const started = performance.now();
    const run = async (name: string, side: 'disk' | 'server', fn: () => Promise<unknown>) => {
      if (ONLY && !ONLY.test(name)) return;
      // Warm reads start from clean pages: otherwise the writeback of earlier rows' GiBs (30 s
      // after they were written) lands in whichever read happens to run then.
      if (/warm|bare GET|SDK GetObject|GET multipart/.test(name)) syncAll();
      const m = await measure(side, fn);
      const prev = best.get(name);
      if (!prev || m.ms < prev.ms) best.set(name, m);
      const main = m.serverMainCpu === undefined ? '' : ` (main thread ${m.serverMainCpu.toFixed(2)})`;
      const client = m.clientCpu === undefined ? '' : `, client ${m.clientCpu.toFixed(2)}`;
      console.error(
        `[${((performance.now() - started) / 1000).toFixed(0)} s] ${name}: ${mbPerSec(SIZE, m.ms)} MB/s, CPU s: server ${m.serverCpu.toFixed(2)}${main}${client}`,
      );
    };
    let cold = true;
    /** A read after sync + drop_caches; skipped (and noted) when the page cache cannot be dropped. */
    const runCold = async (name: string, side: 'disk' | 'server', fn: () => Promise<unknown>) => {
      if (ONLY && !ONLY.test(name)) return;
      if (cold && dropPageCache()) await run(name, side, fn);
      else cold = false;
    };
    const pretouch = await touchGuestMemory(dir);
    for (let round = 0; round < ROUNDS; round++) {
      await run('disk write', 'disk', diskWrite(false));
      await run('disk read warm', 'disk', diskRead);
      await run('disk write + sync', 'disk', diskWrite(true));

      const bareUrl = (p: string) => async () => `${bare}${p}`;
      await run('bare PUT', 'server', rawPut(bareUrl('/put')));
      await run('bare GET stream', 'server', curlGet(bareUrl('/stream')));
      await run('bare GET reused', 'server', curlGet(bareUrl('/reused')));

      const single = (method: 'GET' | 'PUT') => () => presigned(method, 'single');
      await run('raw PUT', 'server', rawPut(single('PUT')));
      await run('curl GET warm', 'server', curlGet(single('GET')));
      // The two cold reads back to back, in alternating order, so both meet the same state of
      // the disk (a sync of the previous GiBs can keep the device busy for a while after).
      const coldPair = [
        () => runCold('disk read cold', 'disk', diskRead),
        () => runCold('curl GET cold', 'server', curlGet(single('GET'))),
      ];
      for (const read of round % 2 === 0 ? coldPair : coldPair.reverse()) await read();
      await rm(diskFile, { force: true });
      await run('raw PUT + sync', 'server', rawPut(single('PUT'), true));
      await run('SDK PutObject', 'server', sdkPut('single'));
      await run('SDK GetObject', 'server', sdkGet('single'));
      await run('SDK PutObject signed', 'server', sdkPut('signed', payloadSha256));
      await run('SDK Upload', 'server', sdkMultipart('multi'));
      await run(
        'curl GET multipart',
        'server',
        curlGet(() => presigned('GET', 'multi')),
      );
      loads.push(os.loadavg());
    }

    const rows: Row[] = [];
    const ratio = (base: Measure | undefined, m: Measure) =>
      base ? Math.round((base.ms / m.ms) * 100) / 100 : undefined;
    const perGib = (s: number | undefined) =>
      s === undefined ? undefined : Math.round((s / (SIZE / 1024 ** 3)) * 100) / 100;
    const add = (label: string, name: string, disk?: string, ceiling?: string) => {
      const m = best.get(name);
      if (!m) return;
      const row: Row = { operation: label, 'MB/s': mbPerSec(SIZE, m.ms) };
      row['server CPU s/GiB'] = perGib(m.serverCpu) as number;
      const main = perGib(m.serverMainCpu);
      if (main !== undefined) row['of which main thread'] = main;
      const client = perGib(m.clientCpu);
      if (client !== undefined) row['client CPU s/GiB'] = client;
      const vsDisk = disk ? ratio(best.get(disk), m) : undefined;
      const vsBare = ceiling ? ratio(best.get(ceiling), m) : undefined;
      if (vsDisk !== undefined) row['vs disk'] = vsDisk;
      if (vsBare !== undefined) row['vs bare Node'] = vsBare;
      rows.push(row);
    };
    const gib = SIZE / 1024 ** 3;
    add(`disk write ${gib} GiB, page cache (fs stream)`, 'disk write');
    add('bare Node PUT, page cache (raw HTTP; no hashing, no auth)', 'bare PUT', 'disk write');
    add('endpoint PutObject, page cache (raw HTTP, presigned)', 'raw PUT', 'disk write', 'bare PUT');
    add('endpoint PutObject, page cache (SDK stream)', 'SDK PutObject', 'disk write', 'bare PUT');
    add('endpoint PutObject, signed SHA-256 payload (SDK)', 'SDK PutObject signed', 'disk write', 'bare PUT');
    add('endpoint lib-storage Upload, 16 MiB parts x4 (SDK)', 'SDK Upload', 'disk write', 'bare PUT');
    add(`disk write ${gib} GiB + sync`, 'disk write + sync');
    add('endpoint PutObject + sync (raw HTTP, presigned)', 'raw PUT + sync', 'disk write + sync');
    add(`disk read ${gib} GiB, warm (reused 1 MiB buffer)`, 'disk read warm');
    add('bare Node GET, warm (curl; fs stream piped)', 'bare GET stream', 'disk read warm');
    add('bare Node GET, warm (curl; 2 reused 1 MiB buffers)', 'bare GET reused', 'disk read warm');
    add('endpoint GetObject, warm (curl, presigned)', 'curl GET warm', 'disk read warm', 'bare GET reused');
    add('endpoint GetObject, warm (SDK)', 'SDK GetObject', 'disk read warm', 'bare GET reused');
    add(
      'endpoint GetObject, warm, multipart object (curl)',
      'curl GET multipart',
      'disk read warm',
      'bare GET reused',
    );
    add(`disk read ${gib} GiB, cold (reused 1 MiB buffer)`, 'disk read cold');
    add('endpoint GetObject, cold (curl)', 'curl GET cold', 'disk read cold');

    if (!ONLY || ONLY.test('small')) {
      const small = randomBytes(SMALL_SIZE);
      const diskSmallDir = path.join(dir, 'small');
      await mkdir(diskSmallDir);
      const pool = async (fn: (i: number) => Promise<unknown>) => {
        let next = 0;
        await Promise.all(
          Array.from({ length: CONCURRENCY }, async () => {
            for (let i = next++; i < SMALL_COUNT; i = next++) await fn(i);
          }),
        );
      };
      const diskSmall = await measure('disk', () =>
        pool((i) => writeFile(path.join(diskSmallDir, `f${i}`), small)),
      );
      const endpointSmall = await measure('server', () =>
        pool((i) => s3.send(new PutObjectCommand({ Bucket: 'bench', Key: `small/${i}`, Body: small }))),
      );
      // The lean client: presigned URLs (signed before the timing) over kept-alive node:http sockets.
      const putUrls = await Promise.all(
        Array.from({ length: SMALL_COUNT }, (_, i) => presigned('PUT', `small-raw/${i}`)),
      );
      const getUrls = await Promise.all(
        Array.from({ length: SMALL_COUNT }, (_, i) => presigned('GET', `small-raw/${i}`)),
      );
      const agent = new Agent({ keepAlive: true, maxSockets: CONCURRENCY });
      const rawSmallPut = await measure('server', () =>
        pool((i) => smallRequest(putUrls[i] as string, agent, small)),
      );
      const rawSmallGet = await measure('server', () =>
        pool((i) => smallRequest(getUrls[i] as string, agent)),
      );
      agent.destroy();
      const perSec = (ms: number) => Math.round(SMALL_COUNT / (ms / 1000));
      const perOp = (s: number | undefined) => Math.round(((s ?? 0) / SMALL_COUNT) * 1e5) / 100;
      const smallRow = (operation: string, m: Measure, vsDisk = true): Row => ({
        operation,
        'ops/s': perSec(m.ms),
        'server CPU ms/op': perOp(m.serverCpu),
        'client CPU ms/op': perOp(m.clientCpu),
        ...(vsDisk ? { 'vs disk': Math.round((diskSmall.ms / m.ms) * 100) / 100 } : {}),
      });
      rows.push({
        operation: `disk create ${SMALL_COUNT} x 4 KiB files (x${CONCURRENCY})`,
        'ops/s': perSec(diskSmall.ms),
      });
      rows.push(smallRow(`endpoint PutObject ${SMALL_COUNT} x 4 KiB (SDK, x${CONCURRENCY})`, endpointSmall));
      rows.push(
        smallRow(
          `endpoint PutObject ${SMALL_COUNT} x 4 KiB (raw HTTP, presigned, x${CONCURRENCY})`,
          rawSmallPut,
        ),
      );
      rows.push(
        smallRow(
          `endpoint GetObject ${SMALL_COUNT} x 4 KiB (raw HTTP, presigned, x${CONCURRENCY})`,
          rawSmallGet,
          false,
        ),
      );
    }
    s3.destroy();
    loads.push(os.loadavg());
    report('s3-endpoint', rows, {
      notes: [
        `Endpoint and bare Node server in one child process; disk rows run in the bench process on the same file system: an fs write stream, reads into one reused 1 MiB buffer. Best of ${ROUNDS} interleaved rounds. MB/s are MiB/s.`,
        'Clients: "raw HTTP" = node:http request in the bench process writing 8 MiB blocks (lean PUT client); "curl" = curl 7.88 (lean GET client: Node\'s HTTP client costs more CPU reading than the endpoint sending). Both use presigned URLs (UNSIGNED-PAYLOAD). "SDK" = AWS SDK v3 in the bench process (checksums WHEN_REQUIRED; PutObject streams with UNSIGNED-PAYLOAD unless "signed", whose SHA-256 is precomputed and verified by the endpoint; lib-storage parts are in-memory buffers whose SHA-256 the SDK computes and the endpoint verifies).',
        'bare Node: node:http server, PUT = pipeline(req, fs write stream), GET = fs read stream piped into the response, or 2 reused 1 MiB buffers (the faster, the ceiling). "vs bare Node" = bare time / endpoint time.',
        '"page cache" rows: nobody fsyncs. "+ sync" rows include a sync(1) after the last byte. "warm" reads come from the page cache, after an untimed sync (clean pages, no writeback of earlier rows meanwhile); "cold" reads follow sync + drop_caches, the disk\'s and the endpoint\'s back to back in alternating order.',
        "4 KiB rows: the SDK row is bound by the SDK client's CPU on the same 2 cores; the raw HTTP rows use presigned URLs (signed before the timing) on 16 kept-alive sockets. PUT bodies of at most 64 KiB go into pack files (one file per 16 MiB, not one per object).",
        cold
          ? 'Cold rows measured.'
          : 'Cold rows skipped: /proc/sys/vm/drop_caches is not writable (not root).',
        '"vs disk" = disk time / endpoint time (1 = as fast as the disk). server CPU: user+system of the child (endpoint or bare server) or of the bench process (disk rows; includes generating the bytes). client CPU: curl (from /usr/bin/time) or the bench process (raw HTTP and SDK rows). "of which main thread": the child\'s main thread alone (the rest is libuv\'s file I/O pool and the endpoint\'s hash worker).',
      ],
      pretouch: {
        ...pretouch,
        why: 'an untimed scratch write (then deleted) before the rounds, so no row pays the VM host backing never-touched guest pages (~3 CPU s/GiB); a rate well under 1,000 MB/s here means that memory was still untouched',
      },
      endpointModule: process.env.S3_BENCH_ENDPOINT ?? 'src/local/s3/index.ts',
      loadAverage: { before: loads[0], perRound: loads.slice(1, -1), after: loads.at(-1) },
    });
  } finally {
    child.send('exit');
    await new Promise((resolve) => child.once('exit', resolve));
    await rm(dir, { recursive: true, force: true });
  }
}

/** GET from two reused buffers: read the next while the previous is on its way to the socket. */
async function sendReused(file: string, res: ServerResponse): Promise<void> {
  const fh = await open(file, 'r');
  try {
    const size = (await fh.stat()).size;
    res.writeHead(200, { 'Content-Length': size });
    const buffers = [Buffer.allocUnsafeSlow(IO), Buffer.allocUnsafeSlow(IO)];
    const sent: (Promise<void> | undefined)[] = [undefined, undefined];
    for (let position = 0, i = 0; position < size; i ^= 1) {
      await sent[i];
      const buffer = buffers[i] as Buffer;
      const { bytesRead } = await fh.read(buffer, 0, Math.min(IO, size - position), position);
      position += bytesRead;
      sent[i] = new Promise((resolve, reject) =>
        res.write(buffer.subarray(0, bytesRead), (err) => (err ? reject(err) : resolve())),
      );
    }
    await Promise.all(sent);
    res.end();
  } finally {
    await fh.close();
  }
}

/** The child: the endpoint and the bare Node server. */
async function serve(dir: string): Promise<void> {
  const module = process.env.S3_BENCH_ENDPOINT
    ? pathToFileURL(path.resolve(process.env.S3_BENCH_ENDPOINT)).href
    : '../src/local/s3/index.js';
  const { startS3Server } = (await import(module)) as typeof import('../src/local/s3/index.js');
  const server = await startS3Server({
    dataDir: path.join(dir, 'endpoint'),
    credentials: [{ accessKeyId: LOCAL_ACCESS_KEY_ID, secretAccessKey: LOCAL_SECRET_ACCESS_KEY }],
  });
  const file = path.join(dir, 'bare.bin');
  const bare = createServer((req, res) => {
    const done = (err?: unknown) => {
      if (err) res.destroy();
      else if (!res.writableEnded) res.end();
    };
    if (req.method === 'PUT') pipeline(req, createWriteStream(file, { highWaterMark: IO })).then(done, done);
    else if (req.url === '/reused') sendReused(file, res).then(done, done);
    else {
      res.writeHead(200, { 'Content-Length': statSync(file).size });
      pipeline(createReadStream(file, { highWaterMark: IO }), res).then(done, done);
    }
  });
  await new Promise<void>((resolve) => bare.listen(0, '127.0.0.1', resolve));
  process.on('message', (m) => {
    if (m === 'cpu') process.send?.({ ...process.cpuUsage(), main: mainThreadCpu() } satisfies Cpu);
    // A clean exit, so --cpu-prof writes its profile.
    if (m === 'exit') void server.close().then(() => process.exit(0));
  });
  process.send?.({ url: server.url, bare: `http://127.0.0.1:${(bare.address() as AddressInfo).port}` });
}

if (process.argv[2] === '--serve') {
  await serve(process.argv[3] as string);
} else {
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true';
  await main();
}
