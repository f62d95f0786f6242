/**
 * Presigned URLs at API speed. `getSignedUrl` runs a command's whole middleware stack (endpoint
 * rules, schemas, retry, user agent) for every URL — milliseconds each, most of a request's
 * cost when every krkn upload worker asks for one per file. The URL shape (scheme, host,
 * path style, signing region) depends only on the client and the bucket, so it is learned
 * once per bucket from a real `getSignedUrl`; each URL after that is only the SigV4 query
 * signature (AWS's "authenticating requests: query parameters"): one SHA-256 of the canonical
 * request and one HMAC with the day's signing key, from the client's own credentials provider.
 * Tests check that it gives URLs byte-identical to `getSignedUrl`'s.
 */
import { createHash, createHmac } from 'node:crypto';
import { GetObjectCommand, PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { getSignedUrl } from '@aws-sdk/s3-request-presigner';

export interface PresignOptions {
  expiresIn: number;
  /** For tests: the signing time (default now). */
  signingDate?: Date;
}

interface BucketShape {
  protocol: string;
  /** `hostname[:port]`, as in the URL and the signed `host` header. */
  host: string;
  /** Path before the encoded key: `/<bucket>/` (path style) or `/` (virtual-hosted). */
  prefix: string;
  region: string;
}

type Credentials = Awaited<ReturnType<S3Client['config']['credentials']>>;

const PROBE_KEY = 'probe';
const UNSIGNED_PAYLOAD = 'UNSIGNED-PAYLOAD';
/** SigV4's limit (the SDK refuses longer ones too). */
const MAX_EXPIRES_IN = 7 * 24 * 3600;

// RFC 3986 unreserved characters stay; everything else is %XX, as the SDK's escapeUri.
const escapeUri = (text: string): string =>
  encodeURIComponent(text).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
const escapePath = (key: string): string => key.split('/').map(escapeUri).join('/');

/** `20261123T100000Z` and `20261123`, as SigV4 wants them. */
function amzDate(date: Date): { longDate: string; shortDate: string } {
  const iso = date.toISOString(); // 2026-11-23T10:00:00.000Z
  const shortDate = `${iso.slice(0, 4)}${iso.slice(5, 7)}${iso.slice(8, 10)}`;
  return {
    longDate: `${shortDate}T${iso.slice(11, 13)}${iso.slice(14, 16)}${iso.slice(17, 19)}Z`,
    shortDate,
  };
}

export class UrlSigner {
  private readonly shapes = new Map<string, Promise<BucketShape>>();
  private lastKey: { shortDate: string; region: string; secretAccessKey: string; key: Buffer } | undefined;

  constructor(private readonly client: S3Client) {}

  /** A presigned PUT: only `host` is signed, so any Content-Type or Content-Length is accepted. */
  putUrl(bucket: string, key: string, options: PresignOptions): Promise<string> {
    return this.sign('PUT', bucket, key, { 'x-id': 'PutObject' }, options);
  }

  /** A presigned GET that downloads as an attachment named after the file. */
  getUrl(bucket: string, key: string, options: PresignOptions): Promise<string> {
    const name = key.slice(key.lastIndexOf('/') + 1);
    const query = { 'response-content-disposition': `attachment; filename="${name}"`, 'x-id': 'GetObject' };
    return this.sign('GET', bucket, key, query, options);
  }

  private async sign(
    method: 'GET' | 'PUT',
    bucket: string,
    key: string,
    query: Record<string, string>,
    options: PresignOptions,
  ): Promise<string> {
    if (options.expiresIn > MAX_EXPIRES_IN)
      throw new Error('SigV4 presigned URLs must expire less than one week in the future');
    const [shape, credentials] = await Promise.all([this.shape(bucket), this.client.config.credentials()]);
    const { longDate, shortDate } = amzDate(options.signingDate ?? new Date());
    const scope = `${shortDate}/${shape.region}/s3/aws4_request`;
    const params: [string, string][] = Object.entries(query);
    params.push(
      ['X-Amz-Algorithm', 'AWS4-HMAC-SHA256'],
      ['X-Amz-Content-Sha256', UNSIGNED_PAYLOAD],
      ['X-Amz-Credential', `${credentials.accessKeyId}/${scope}`],
      ['X-Amz-Date', longDate],
      ['X-Amz-Expires', String(options.expiresIn)],
      ['X-Amz-SignedHeaders', 'host'],
    );
    if (credentials.sessionToken) params.push(['X-Amz-Security-Token', credentials.sessionToken]);
    // Canonical query: names and values escaped, sorted by name (all names here are unique).
    const encoded = params.map(([name, value]) => [escapeUri(name), escapeUri(value)] as const);
    encoded.sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    const canonicalQuery = encoded.map(([name, value]) => `${name}=${value}`).join('&');
    const path = `${shape.prefix}${escapePath(key)}`;
    // S3 signs the path as sent (no second escaping, no dot-segment normalisation).
    const canonicalRequest = `${method}\n${path}\n${canonicalQuery}\nhost:${shape.host}\n\nhost\n${UNSIGNED_PAYLOAD}`;
    const stringToSign = `AWS4-HMAC-SHA256\n${longDate}\n${scope}\n${createHash('sha256').update(canonicalRequest).digest('hex')}`;
    const signature = createHmac('sha256', this.signingKey(credentials, shortDate, shape.region))
      .update(stringToSign)
      .digest('hex');
    // The SDK's URL lists the same parameters in the same (sorted) order, the signature among them.
    const search = [...encoded, ['X-Amz-Signature', signature] as const]
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
      .map(([name, value]) => `${name}=${value}`)
      .join('&');
    return `${shape.protocol}//${shape.host}${path}?${search}`;
  }

  /** HMAC chain of the secret over date, region, service: the same all day, so kept. */
  private signingKey(credentials: Credentials, shortDate: string, region: string): Buffer {
    const last = this.lastKey;
    if (
      last?.shortDate === shortDate &&
      last.region === region &&
      last.secretAccessKey === credentials.secretAccessKey
    )
      return last.key;
    let key: Buffer = Buffer.from(`AWS4${credentials.secretAccessKey}`, 'utf8');
    for (const part of [shortDate, region, 's3', 'aws4_request'])
      key = createHmac('sha256', key).update(part).digest();
    this.lastKey = { shortDate, region, secretAccessKey: credentials.secretAccessKey, key };
    return key;
  }

  private shape(bucket: string): Promise<BucketShape> {
    let shape = this.shapes.get(bucket);
    if (!shape) {
      shape = this.learn(bucket);
      this.shapes.set(bucket, shape);
      shape.catch(() => this.shapes.delete(bucket));
    }
    return shape;
  }

  private async learn(bucket: string): Promise<BucketShape> {
    const url = new URL(
      await getSignedUrl(this.client, new PutObjectCommand({ Bucket: bucket, Key: PROBE_KEY }), {
        expiresIn: 60,
      }),
    );
    if (!url.pathname.endsWith(`/${PROBE_KEY}`))
      throw new Error(`unexpected presigned URL shape for bucket ${bucket}`);
    const credential = url.searchParams.get('X-Amz-Credential')?.split('/') ?? [];
    const region = credential[2];
    if (!region || credential[3] !== 's3')
      throw new Error(`unexpected presigned URL credential scope for bucket ${bucket}`);
    return {
      protocol: url.protocol,
      host: url.host,
      prefix: url.pathname.slice(0, -PROBE_KEY.length),
      region,
    };
  }
}

/** The SDK's own way, one command per URL: the reference the fast path is tested against. */
export function sdkPutUrl(
  client: S3Client,
  bucket: string,
  key: string,
  options: PresignOptions,
): Promise<string> {
  return getSignedUrl(client, new PutObjectCommand({ Bucket: bucket, Key: key }), options);
}

export function sdkGetUrl(
  client: S3Client,
  bucket: string,
  key: string,
  options: PresignOptions,
): Promise<string> {
  const name = key.slice(key.lastIndexOf('/') + 1);
  return getSignedUrl(
    client,
    new GetObjectCommand({
      Bucket: bucket,
      Key: key,
      ResponseContentDisposition: `attachment; filename="${name}"`,
    }),
    options,
  );
}
