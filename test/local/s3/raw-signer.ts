import { createHash, createHmac } from 'node:crypto';
import { crc32 } from 'node:zlib';

/**
 * A small, independent SigV4 signer for requests the SDK never sends (signed aws-chunked
 * bodies, deliberately wrong payload hashes, malformed XML), written from the AWS docs.
 */
const sha256 = (d: string | Buffer) => createHash('sha256').update(d).digest('hex');
const hmac = (k: Buffer | string, d: string) => createHmac('sha256', k).update(d).digest();
const enc = (s: string) =>
  encodeURIComponent(s).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);

export interface SignedRequest {
  url: string;
  method: string;
  headers: Record<string, string>;
  seedSignature: string;
  signingKey: Buffer;
  amzDate: string;
  scope: string;
}

export function signRequest(opts: {
  endpoint: string;
  method: string;
  /** Already-encoded path, e.g. /bucket/key. */
  path: string;
  query?: Record<string, string>;
  headers?: Record<string, string>;
  payloadHash: string;
  accessKeyId: string;
  secretAccessKey: string;
  date?: Date;
  /** Host header to sign instead of the endpoint's (virtual-host style). */
  host?: string;
}): SignedRequest {
  const url = new URL(opts.endpoint);
  const amzDate = (opts.date ?? new Date())
    .toISOString()
    .replace(/[-:]/g, '')
    .replace(/\.\d{3}/, '');
  const day = amzDate.slice(0, 8);
  const scope = `${day}/us-east-1/s3/aws4_request`;
  const headers: Record<string, string> = {
    ...opts.headers,
    host: opts.host ?? url.host,
    'x-amz-date': amzDate,
    'x-amz-content-sha256': opts.payloadHash,
  };
  const names = Object.keys(headers)
    .map((h) => h.toLowerCase())
    .sort();
  const lower = Object.fromEntries(Object.entries(headers).map(([k, v]) => [k.toLowerCase(), v]));
  const canonicalHeaders = names.map((n) => `${n}:${String(lower[n]).trim()}\n`).join('');
  const query = Object.entries(opts.query ?? {})
    .map(([k, v]) => [enc(k), enc(v)])
    .sort((a, b) => (a[0] as string).localeCompare(b[0] as string))
    .map(([k, v]) => `${k}=${v}`)
    .join('&');
  const canonical = [opts.method, opts.path, query, canonicalHeaders, names.join(';'), opts.payloadHash].join(
    '\n',
  );
  const key = hmac(hmac(hmac(hmac(`AWS4${opts.secretAccessKey}`, day), 'us-east-1'), 's3'), 'aws4_request');
  const signature = hmac(key, `AWS4-HMAC-SHA256\n${amzDate}\n${scope}\n${sha256(canonical)}`).toString('hex');
  headers.authorization = `AWS4-HMAC-SHA256 Credential=${opts.accessKeyId}/${scope}, SignedHeaders=${names.join(';')}, Signature=${signature}`;
  if (!opts.host) delete headers.host;
  return {
    url: `${opts.endpoint}${opts.path}${query ? `?${query}` : ''}`,
    method: opts.method,
    headers,
    seedSignature: signature,
    signingKey: key,
    amzDate,
    scope,
  };
}

/** A signed aws-chunked body (STREAMING-AWS4-HMAC-SHA256-PAYLOAD[-TRAILER]). */
export function signedChunkedBody(req: SignedRequest, chunks: Buffer[], trailer: boolean): Buffer {
  const empty = sha256('');
  let previous = req.seedSignature;
  const parts: Buffer[] = [];
  for (const data of [...chunks, Buffer.alloc(0)]) {
    const sig = hmac(
      req.signingKey,
      `AWS4-HMAC-SHA256-PAYLOAD\n${req.amzDate}\n${req.scope}\n${previous}\n${empty}\n${sha256(data)}`,
    ).toString('hex');
    previous = sig;
    parts.push(Buffer.from(`${data.length.toString(16)};chunk-signature=${sig}\r\n`), data);
    if (data.length > 0) parts.push(Buffer.from('\r\n'));
  }
  if (trailer) {
    const value = Buffer.alloc(4);
    value.writeUInt32BE(crc32(Buffer.concat(chunks)));
    const line = `x-amz-checksum-crc32:${value.toString('base64')}\n`;
    const sig = hmac(
      req.signingKey,
      `AWS4-HMAC-SHA256-TRAILER\n${req.amzDate}\n${req.scope}\n${previous}\n${sha256(line)}`,
    ).toString('hex');
    parts.push(Buffer.from(`${line.replace('\n', '\r\n')}x-amz-trailer-signature:${sig}\r\n\r\n`));
  } else {
    parts.push(Buffer.from('\r\n'));
  }
  return Buffer.concat(parts);
}

export { sha256 };
