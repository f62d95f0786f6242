import { mkdtemp, rm } from 'node:fs/promises';
import { createServer, type IncomingMessage, request, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import {
  LOCAL_ACCESS_KEY_ID,
  LOCAL_SECRET_ACCESS_KEY,
  type S3Server,
  startS3Server,
} from '../../../src/local/s3/index.js';

export const CREDENTIALS = { accessKeyId: LOCAL_ACCESS_KEY_ID, secretAccessKey: LOCAL_SECRET_ACCESS_KEY };

export interface Store {
  server: S3Server;
  dir: string;
  /** An SDK client for `url` (default: the server itself), with the SDK's own retries off so faults show. */
  client(url?: string, maxAttempts?: number): S3Client;
  close(): Promise<void>;
}

/** The real embedded S3 endpoint on an ephemeral port, in a temp dir. */
export async function startStore(): Promise<Store> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'bucket-metrics-'));
  const server = await startS3Server({ port: 0, dataDir: path.join(dir, 's3'), credentials: [CREDENTIALS] });
  const clients: S3Client[] = [];
  return {
    server,
    dir,
    client(url = server.url, maxAttempts = 3) {
      const client = new S3Client({
        endpoint: url,
        region: 'us-east-1',
        forcePathStyle: true,
        credentials: CREDENTIALS,
        maxAttempts,
      });
      clients.push(client);
      return client;
    },
    async close() {
      for (const c of clients) c.destroy();
      await server.close();
      await rm(dir, { recursive: true, force: true });
    },
  };
}

/** Writes objects of the given sizes (bytes) concurrently; returns their total. */
export async function putObjects(
  client: S3Client,
  bucket: string,
  objects: readonly { key: string; size: number }[],
  concurrency = 32,
): Promise<number> {
  let next = 0;
  const worker = async () => {
    while (next < objects.length) {
      const o = objects[next++] as { key: string; size: number };
      await client.send(new PutObjectCommand({ Bucket: bucket, Key: o.key, Body: Buffer.alloc(o.size, 1) }));
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
  return objects.reduce((n, o) => n + o.size, 0);
}

export interface ProxiedRequest {
  method: string;
  bucket?: string;
  key?: string;
  query: URLSearchParams;
}

/** What the proxy does with a request: forward it, or answer in the store's place. */
export type Fault =
  | { kind: 'forward' }
  | { kind: 'error'; status: number; code: string; message: string }
  | { kind: 'emptyPage'; token: string }
  /** Send an earlier request (saved under `id` by `save`) instead of this one. */
  | { kind: 'replay'; id: string }
  /** Answer with this XML document (an operation the endpoint does not implement). */
  | { kind: 'xml'; body: string };

export interface FaultProxy {
  url: string;
  /** Requests seen, by kind of answer. */
  counts: Record<Fault['kind'] | 'total', number>;
  close(): Promise<void>;
}

/**
 * A fault-injecting HTTP proxy in front of the real endpoint: what a throttling, policy-
 * restricted or odd S3-compatible store answers (503 SlowDown, 403 AccessDenied, empty
 * pages that carry a continuation token). Forwarded requests pass byte for byte, so their
 * SigV4 signatures (which cover the Host header) still verify at the endpoint. `save`
 * keeps a request so a later `replay` can send it in another request's place without
 * re-signing (the endpoint accepts a signed request again within its clock-skew window).
 */
export async function startFaultProxy(
  target: string,
  decide: (req: ProxiedRequest, save: (id: string) => void) => Fault,
): Promise<FaultProxy> {
  const saved = new Map<string, { method: string; url: string; headers: IncomingMessage['headers'] }>();
  const counts = { forward: 0, error: 0, emptyPage: 0, replay: 0, xml: 0, total: 0 };
  const targetUrl = new URL(target);
  const forward = (
    method: string,
    url: string,
    headers: IncomingMessage['headers'],
    body: IncomingMessage | undefined,
    res: ServerResponse,
  ) => {
    const upstream = request(
      { host: targetUrl.hostname, port: targetUrl.port, method, path: url, headers },
      (answer) => {
        res.writeHead(answer.statusCode ?? 502, answer.headers);
        answer.pipe(res);
      },
    );
    upstream.on('error', () => res.destroy());
    if (body) body.pipe(upstream);
    else upstream.end();
  };
  const server = createServer((req, res) => {
    counts.total++;
    const url = new URL(req.url ?? '/', 'http://proxy');
    const [, bucket, ...rest] = url.pathname.split('/');
    const parsed: ProxiedRequest = {
      method: req.method ?? 'GET',
      query: url.searchParams,
      ...(bucket ? { bucket: decodeURIComponent(bucket) } : {}),
      ...(rest.length > 0 && rest.join('/') !== '' ? { key: decodeURIComponent(rest.join('/')) } : {}),
    };
    const fault = decide(parsed, (id) =>
      saved.set(id, { method: parsed.method, url: req.url ?? '/', headers: req.headers }),
    );
    counts[fault.kind]++;
    switch (fault.kind) {
      case 'forward':
        forward(parsed.method, req.url ?? '/', req.headers, req, res);
        return;
      case 'replay': {
        const original = saved.get(fault.id);
        if (!original) throw new Error(`nothing saved as ${fault.id}`);
        req.resume();
        forward(original.method, original.url, original.headers, undefined, res);
        return;
      }
      case 'error':
        req.resume();
        res.writeHead(fault.status, { 'content-type': 'application/xml' });
        res.end(
          `<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>${fault.code}</Code><Message>${fault.message}</Message><RequestId>proxy</RequestId></Error>`,
        );
        return;
      case 'xml':
        req.resume();
        res.writeHead(200, { 'content-type': 'application/xml' });
        res.end(`<?xml version="1.0" encoding="UTF-8"?>\n${fault.body}`);
        return;
      case 'emptyPage':
        req.resume();
        res.writeHead(200, { 'content-type': 'application/xml' });
        res.end(
          `<?xml version="1.0" encoding="UTF-8"?>\n<ListBucketResult xmlns="http://s3.amazonaws.com/doc/2006-03-01/"><Name>${parsed.bucket}</Name><Prefix>${parsed.query.get('prefix') ?? ''}</Prefix><Delimiter>/</Delimiter><MaxKeys>1000</MaxKeys><KeyCount>0</KeyCount><IsTruncated>true</IsTruncated><NextContinuationToken>${fault.token}</NextContinuationToken></ListBucketResult>`,
        );
        return;
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    counts,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

/** A deterministic random number generator (mulberry32), so fault patterns repeat run to run. */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
}
