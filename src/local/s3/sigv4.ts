import { createHash, createHmac, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import { signingKey } from '../sigv4-key.js';
import {
  LIMITS,
  STREAMING_SIGNED,
  STREAMING_SIGNED_TRAILER,
  STREAMING_UNSIGNED_TRAILER,
  UNSIGNED_PAYLOAD,
} from './constants.js';
import { safeDecode, uriEncode } from './encoding.js';
import { errors, S3Error } from './errors.js';

const ALGORITHM = 'AWS4-HMAC-SHA256';

/** What a verified request proved, and what the streaming-payload decoder needs to go on verifying. */
export interface Authenticated {
  accessKeyId: string;
  /** The x-amz-content-sha256 value signed: a hex digest, UNSIGNED-PAYLOAD or a STREAMING-* mode. */
  payloadHash: string;
  signingKey: Buffer;
  amzDate: string;
  scope: string;
  signature: string;
}

export type SecretLookup = (accessKeyId: string) => string | undefined;

export interface RawTarget {
  method: string;
  /** The path exactly as it came on the wire (still percent-encoded). */
  rawPath: string;
  /** The query string without '?', still encoded. */
  rawQuery: string;
}

const sha256Hex = (data: string | Buffer): string => createHash('sha256').update(data).digest('hex');

export const hmacHex = (key: Buffer, data: string): string =>
  createHmac('sha256', key).update(data).digest('hex');

function signaturesEqual(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

/** Query pairs decoded once, in wire order. */
export function parseQuery(rawQuery: string): [string, string][] {
  const pairs: [string, string][] = [];
  if (rawQuery === '') return pairs;
  for (const part of rawQuery.split('&')) {
    if (part === '') continue;
    const eq = part.indexOf('=');
    const name = eq === -1 ? part : part.slice(0, eq);
    const value = eq === -1 ? '' : part.slice(eq + 1);
    pairs.push([safeDecode(name), safeDecode(value)]);
  }
  return pairs;
}

function canonicalQuery(pairs: [string, string][], omit?: string): string {
  return pairs
    .filter(([name]) => name !== omit)
    .map(([name, value]) => [uriEncode(name), uriEncode(value)] as const)
    .sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : a[1] < b[1] ? -1 : a[1] > b[1] ? 1 : 0))
    .map(([name, value]) => `${name}=${value}`)
    .join('&');
}

function canonicalHeaders(req: IncomingMessage, signed: string[]): string {
  const values = new Map<string, string[]>();
  const raw = req.rawHeaders;
  for (let i = 0; i < raw.length; i += 2) {
    const name = (raw[i] as string).toLowerCase();
    const list = values.get(name);
    const value = (raw[i + 1] as string).trim().replace(/\s+/g, ' ');
    if (list) list.push(value);
    else values.set(name, [value]);
  }
  let out = '';
  for (const name of signed) out += `${name}:${(values.get(name) ?? []).join(',')}\n`;
  return out;
}

/**
 * The canonical URI candidates. S3 signs the path as the client encoded it (no
 * normalisation, no double encoding); clients differ on which reserved characters they
 * escape, so the strictly re-encoded form is tried too. Both name the same key.
 */
function canonicalUris(rawPath: string): string[] {
  const strict = rawPath
    .split('/')
    .map((segment) => uriEncode(safeDecode(segment)))
    .join('/');
  return strict === rawPath ? [rawPath] : [rawPath, strict];
}

function parseAmzDate(value: string): number {
  const m = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/.exec(value);
  if (!m) return Number.NaN;
  const [y, mo, d, h, mi, s] = m.slice(1).map(Number) as [number, number, number, number, number, number];
  return Date.UTC(y, mo - 1, d, h, mi, s);
}

interface Credential {
  accessKeyId: string;
  date: string;
  region: string;
  service: string;
  scope: string;
}

function parseCredential(value: string, malformed: () => S3Error): Credential {
  const parts = value.split('/');
  if (parts.length < 5) throw malformed();
  const terminator = parts.pop() as string;
  const service = parts.pop() as string;
  const region = parts.pop() as string;
  const date = parts.pop() as string;
  const accessKeyId = parts.join('/');
  if (terminator !== 'aws4_request' || !/^\d{8}$/.test(date) || accessKeyId === '') throw malformed();
  if (service !== 's3') throw malformed();
  return { accessKeyId, date, region, service, scope: `${date}/${region}/${service}/aws4_request` };
}

/** Verifies a SigV4 request (Authorization header or presigned query); throws the S3 error otherwise. */
export function authenticate(
  req: IncomingMessage,
  target: RawTarget,
  query: [string, string][],
  secretOf: SecretLookup,
  now = Date.now(),
): Authenticated {
  const header = req.headers.authorization;
  const presigned = query.some(([name]) => name === 'X-Amz-Algorithm' || name === 'X-Amz-Signature');
  if (header !== undefined && presigned) {
    throw errors.invalidArgument(
      'Only one auth mechanism allowed; only the X-Amz-Algorithm query parameter or the Authorization header should be specified',
      'Authorization',
      header,
    );
  }
  if (header !== undefined) return fromHeader(req, header, target, query, secretOf, now);
  if (presigned) return fromQuery(req, target, query, secretOf, now);
  if (query.some(([name]) => name === 'AWSAccessKeyId')) throw sigV2NotSupported();
  throw errors.accessDenied();
}

function fromHeader(
  req: IncomingMessage,
  header: string,
  target: RawTarget,
  query: [string, string][],
  secretOf: SecretLookup,
  now: number,
): Authenticated {
  const malformed = () =>
    new S3Error('AuthorizationHeaderMalformed', 'The authorization header is malformed.', 400);
  if (!header.startsWith(`${ALGORITHM} `)) {
    if (header.startsWith('AWS '))
      throw errors.invalidRequest('Signature Version 2 is not supported; use AWS4-HMAC-SHA256.');
    throw malformed();
  }
  const fields = new Map<string, string>();
  for (const part of header.slice(ALGORITHM.length + 1).split(',')) {
    const eq = part.indexOf('=');
    if (eq > 0) fields.set(part.slice(0, eq).trim(), part.slice(eq + 1).trim());
  }
  const credential = fields.get('Credential');
  const signedHeaders = fields.get('SignedHeaders');
  const signature = fields.get('Signature');
  if (!credential || !signedHeaders || !signature) throw malformed();
  const cred = parseCredential(credential, malformed);
  const secret = secretOf(cred.accessKeyId);
  if (secret === undefined) throw invalidAccessKey();

  const amzDate = headerValue(req, 'x-amz-date') ?? httpDateAsAmz(headerValue(req, 'date'));
  if (!amzDate) throw errors.accessDenied('AWS authentication requires a valid Date or x-amz-date header');
  const t = parseAmzDate(amzDate);
  if (Number.isNaN(t))
    throw errors.accessDenied('AWS authentication requires a valid Date or x-amz-date header');
  if (amzDate.slice(0, 8) !== cred.date) throw malformed();
  if (Math.abs(now - t) > LIMITS.clockSkewMs) {
    throw new S3Error(
      'RequestTimeTooSkewed',
      'The difference between the request time and the current time is too large.',
      403,
    );
  }
  const payloadHash = headerValue(req, 'x-amz-content-sha256');
  if (payloadHash === undefined) {
    throw errors.invalidRequest('Missing required header for this request: x-amz-content-sha256');
  }
  if (!isPayloadHash(payloadHash)) {
    throw errors.invalidArgument(
      'x-amz-content-sha256 must be UNSIGNED-PAYLOAD, STREAMING-… or a valid sha256 value.',
      'x-amz-content-sha256',
      payloadHash,
    );
  }
  const signed = signedHeaders.split(';');
  if (!signed.includes('host')) throw malformed();
  const key = signingKey(secret, cred.date, cred.region, cred.service);
  const headersBlock = canonicalHeaders(req, signed);
  const queryString = canonicalQuery(query);
  const canonicalTail = `${queryString}\n${headersBlock}\n${signedHeaders}\n${payloadHash}`;
  return matchSignature(target, canonicalTail, { key, amzDate, cred, signature, payloadHash });
}

function fromQuery(
  req: IncomingMessage,
  target: RawTarget,
  query: [string, string][],
  secretOf: SecretLookup,
  now: number,
): Authenticated {
  const q = new Map(query);
  const malformed = (
    message = 'Query-string authentication version 4 requires the X-Amz-Algorithm, X-Amz-Credential, X-Amz-Signature, X-Amz-Date, X-Amz-SignedHeaders, and X-Amz-Expires parameters.',
  ) => new S3Error('AuthorizationQueryParametersError', message, 400);
  if (q.get('X-Amz-Algorithm') !== ALGORITHM)
    throw malformed('X-Amz-Algorithm only supports "AWS4-HMAC-SHA256"');
  const credential = q.get('X-Amz-Credential');
  const amzDate = q.get('X-Amz-Date');
  const expires = q.get('X-Amz-Expires');
  const signedHeaders = q.get('X-Amz-SignedHeaders');
  const signature = q.get('X-Amz-Signature');
  if (!credential || !amzDate || !expires || !signedHeaders || !signature) throw malformed();
  const cred = parseCredential(credential, () => malformed('Error parsing the X-Amz-Credential parameter'));
  const secret = secretOf(cred.accessKeyId);
  if (secret === undefined) throw invalidAccessKey();
  const t = parseAmzDate(amzDate);
  if (Number.isNaN(t) || amzDate.slice(0, 8) !== cred.date)
    throw malformed("X-Amz-Date must be in the ISO8601 Long Format \"yyyyMMdd'T'HHmmss'Z'\"");
  if (!/^\d+$/.test(expires)) throw malformed('X-Amz-Expires should be a number');
  const expiresSeconds = Number(expires);
  if (expiresSeconds > LIMITS.maxPresignExpiresSeconds)
    throw malformed('X-Amz-Expires must be less than a week (in seconds) that is 604800');
  if (t - now > LIMITS.clockSkewMs) throw errors.accessDenied('Request is not valid yet');
  if (now > t + expiresSeconds * 1000) throw errors.accessDenied('Request has expired');
  const payloadHash =
    q.get('X-Amz-Content-Sha256') ?? headerValue(req, 'x-amz-content-sha256') ?? UNSIGNED_PAYLOAD;
  const signed = signedHeaders.split(';');
  if (!signed.includes('host')) throw malformed();
  const key = signingKey(secret, cred.date, cred.region, cred.service);
  const headersBlock = canonicalHeaders(req, signed);
  const queryString = canonicalQuery(query, 'X-Amz-Signature');
  const canonicalPayload = q.has('X-Amz-Content-Sha256') ? payloadHash : UNSIGNED_PAYLOAD;
  const canonicalTail = `${queryString}\n${headersBlock}\n${signedHeaders}\n${canonicalPayload}`;
  return matchSignature(target, canonicalTail, { key, amzDate, cred, signature, payloadHash });
}

/**
 * Checks the signature against the canonical request for each spelling of the path clients
 * sign (see canonicalUris); `canonicalTail` is everything after the path. Header and
 * presigned requests differ only in that tail.
 */
function matchSignature(
  target: RawTarget,
  canonicalTail: string,
  signed: { key: Buffer; amzDate: string; cred: Credential; signature: string; payloadHash: string },
): Authenticated {
  const { key, amzDate, cred, signature } = signed;
  for (const uri of canonicalUris(target.rawPath)) {
    const canonical = `${target.method}\n${uri}\n${canonicalTail}`;
    const expected = hmacHex(key, `${ALGORITHM}\n${amzDate}\n${cred.scope}\n${sha256Hex(canonical)}`);
    if (signaturesEqual(expected, signature)) {
      return {
        accessKeyId: cred.accessKeyId,
        payloadHash: signed.payloadHash,
        signingKey: key,
        amzDate,
        scope: cred.scope,
        signature,
      };
    }
  }
  throw errors.signatureDoesNotMatch();
}

const sigV2NotSupported = () =>
  errors.invalidRequest(
    'The authorization mechanism you have provided is not supported. Please use AWS4-HMAC-SHA256.',
  );

const invalidAccessKey = () =>
  new S3Error('InvalidAccessKeyId', 'The AWS Access Key Id you provided does not exist in our records.', 403);

function headerValue(req: IncomingMessage, name: string): string | undefined {
  const v = req.headers[name];
  return Array.isArray(v) ? v.join(',') : v;
}

function httpDateAsAmz(value: string | undefined): string | undefined {
  if (!value) return undefined;
  const t = Date.parse(value);
  if (Number.isNaN(t)) return undefined;
  return new Date(t)
    .toISOString()
    .replace(/[-:]/g, '')
    .replace(/\.\d{3}/, '');
}

function isPayloadHash(v: string): boolean {
  return (
    v === UNSIGNED_PAYLOAD ||
    v === STREAMING_SIGNED ||
    v === STREAMING_SIGNED_TRAILER ||
    v === STREAMING_UNSIGNED_TRAILER ||
    /^[0-9a-f]{64}$/.test(v)
  );
}

export const chunkStringToSign = (
  auth: Authenticated,
  previous: string,
  chunkHash: string,
  emptyHash: string,
) => `${ALGORITHM}-PAYLOAD\n${auth.amzDate}\n${auth.scope}\n${previous}\n${emptyHash}\n${chunkHash}`;

export const trailerStringToSign = (auth: Authenticated, previous: string, trailerHash: string) =>
  `${ALGORITHM}-TRAILER\n${auth.amzDate}\n${auth.scope}\n${previous}\n${trailerHash}`;

export { sha256Hex };
