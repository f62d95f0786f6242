import { createHash, createHmac, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import { signingKey } from '../sigv4-key.js';

/**
 * SigV4 verification of DynamoDB requests (Authorization header), which dynalite does not do.
 * DynamoDB's JSON protocol signs the whole body, so the caller verifies once the body is in.
 */

const ALGORITHM = 'AWS4-HMAC-SHA256';
/** DynamoDB, like the rest of AWS, refuses signatures more than 15 minutes from its clock. */
const CLOCK_SKEW_MS = 15 * 60 * 1000;

export interface Credential {
  accessKeyId: string;
  secretAccessKey: string;
}

/** A DynamoDB error as its JSON protocol answers it (always HTTP 400 for these). */
export interface AuthFailure {
  type: string;
  message: string;
}

const failure = (name: string, message: string): AuthFailure => ({
  type: `com.amazon.coral.service#${name}`,
  message,
});

const sha256Hex = (data: string | Buffer) => createHash('sha256').update(data).digest('hex');

/** Percent-encoding as SigV4 wants it: everything but unreserved characters. */
const uriEncode = (s: string) =>
  encodeURIComponent(s).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);

function canonicalQuery(rawQuery: string): string {
  if (rawQuery === '') return '';
  return rawQuery
    .split('&')
    .filter((p) => p !== '')
    .map((p): [string, string] => {
      const eq = p.indexOf('=');
      const decode = (s: string) => decodeURIComponent(s.replace(/\+/g, ' '));
      return [
        uriEncode(decode(eq === -1 ? p : p.slice(0, eq))),
        uriEncode(decode(eq === -1 ? '' : p.slice(eq + 1))),
      ];
    })
    .sort(([an, av], [bn, bv]) => (an < bn ? -1 : an > bn ? 1 : av < bv ? -1 : av > bv ? 1 : 0))
    .map(([n, v]) => `${n}=${v}`)
    .join('&');
}

function canonicalHeaders(req: IncomingMessage, signed: string[]): string {
  const values = new Map<string, string[]>();
  for (let i = 0; i < req.rawHeaders.length; i += 2) {
    const name = (req.rawHeaders[i] as string).toLowerCase();
    const value = (req.rawHeaders[i + 1] as string).trim().replace(/\s+/g, ' ');
    values.set(name, [...(values.get(name) ?? []), value]);
  }
  return signed.map((name) => `${name}:${(values.get(name) ?? []).join(',')}\n`).join('');
}

function amzTime(value: string): number {
  const m = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/.exec(value);
  if (!m) return Number.NaN;
  const [y, mo, d, h, mi, s] = m.slice(1).map(Number) as [number, number, number, number, number, number];
  return Date.UTC(y, mo - 1, d, h, mi, s);
}

/**
 * Checks a request's SigV4 signature over `body`. Returns undefined when it is valid, the
 * DynamoDB error otherwise. Requests without an `AWS4-` Authorization header are left to
 * dynalite, which answers MissingAuthenticationTokenException.
 */
export function verifyRequest(
  req: IncomingMessage,
  body: Buffer,
  credentials: ReadonlyMap<string, string>,
  now = Date.now(),
): AuthFailure | undefined {
  const url = req.url ?? '/';
  const q = url.indexOf('?');
  const rawPath = q === -1 ? url : url.slice(0, q);
  const rawQuery = q === -1 ? '' : url.slice(q + 1);
  if (/(^|&)X-Amz-Algorithm=/.test(rawQuery)) {
    return failure('InvalidSignatureException', 'Presigned DynamoDB requests are not supported locally.');
  }
  const header = req.headers.authorization;
  if (header === undefined || !header.trim().startsWith('AWS4-')) return undefined;
  if (!header.startsWith(`${ALGORITHM} `)) {
    return failure(
      'IncompleteSignatureException',
      `Unsupported signing algorithm in: ${header.split(' ')[0]}`,
    );
  }
  const fields = new Map<string, string>();
  for (const part of header.slice(ALGORITHM.length + 1).split(',')) {
    const eq = part.indexOf('=');
    if (eq > 0) fields.set(part.slice(0, eq).trim(), part.slice(eq + 1).trim());
  }
  const credential = fields.get('Credential') ?? '';
  const signedHeaders = fields.get('SignedHeaders') ?? '';
  const signature = fields.get('Signature') ?? '';
  const scope = credential.split('/');
  if (scope.length < 5 || signedHeaders === '' || signature === '') {
    return failure(
      'IncompleteSignatureException',
      'Authorization header requires Credential, SignedHeaders and Signature.',
    );
  }
  const [terminator, service, region, date] = [scope.pop(), scope.pop(), scope.pop(), scope.pop()];
  const accessKeyId = scope.join('/');
  const secret = credentials.get(accessKeyId);
  if (secret === undefined) {
    return failure('UnrecognizedClientException', 'The security token included in the request is invalid.');
  }
  const amzDate = (req.headers['x-amz-date'] as string | undefined) ?? '';
  const t = amzTime(amzDate);
  if (Number.isNaN(t) || amzDate.slice(0, 8) !== date || terminator !== 'aws4_request') {
    return failure(
      'IncompleteSignatureException',
      'The X-Amz-Date header or the credential scope is invalid.',
    );
  }
  if (Math.abs(now - t) > CLOCK_SKEW_MS) {
    const stamp = (ms: number) => new Date(ms).toISOString().replace(/[-:]|\.\d{3}/g, '');
    return failure(
      'InvalidSignatureException',
      `Signature expired: ${amzDate} is now earlier than ${stamp(now - CLOCK_SKEW_MS)} (${stamp(now)} - 15 min.)`,
    );
  }
  const signed = signedHeaders.split(';');
  // DynamoDB signs the body's hash; a stated x-amz-content-sha256 must be that hash too.
  const payloadHash = sha256Hex(body);
  const stated = req.headers['x-amz-content-sha256'];
  const canonical = [
    req.method ?? 'POST',
    rawPath,
    canonicalQuery(rawQuery),
    canonicalHeaders(req, signed),
    signedHeaders,
    payloadHash,
  ].join('\n');
  const key = signingKey(secret, date ?? '', region ?? '', service ?? '');
  const stringToSign = `${ALGORITHM}\n${amzDate}\n${date}/${region}/${service}/aws4_request\n${sha256Hex(canonical)}`;
  const expected = Buffer.from(createHmac('sha256', key).update(stringToSign).digest('hex'));
  const given = Buffer.from(signature);
  const bodyMatches = stated === undefined || stated === payloadHash;
  if (expected.length !== given.length || !timingSafeEqual(expected, given) || !bodyMatches) {
    return failure(
      'InvalidSignatureException',
      'The request signature we calculated does not match the signature you provided. Check your AWS Secret Access Key and signing method. Consult the service documentation for details.',
    );
  }
  return undefined;
}
