/**
 * Presigned URLs at API speed. `getSignedUrl` runs a command's whole middleware stack (endpoint
 * rules, schemas, retry, user agent) for every URL — milliseconds each, most of a request's
 * cost when every krkn upload worker asks for one per file. The URL shape (scheme, host,
 * path style, signing region) depends only on the client and the bucket, so it is learned
 * once per bucket from a real `getSignedUrl`, and each URL after that is only the SigV4 query
 * signature, by the SDK's own S3RequestPresigner. Tests check that both give identical URLs.
 */
import { GetObjectCommand, PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { getSignedUrl, S3RequestPresigner } from '@aws-sdk/s3-request-presigner';

export interface PresignOptions {
  expiresIn: number;
  /** For tests: the signing time (default now). */
  signingDate?: Date;
}

interface BucketShape {
  protocol: string;
  hostname: string;
  port: number | undefined;
  /** Path before the encoded key: `/<bucket>/` (path style) or `/` (virtual-hosted). */
  prefix: string;
  region: string;
}

const PROBE_KEY = 'probe';

// RFC 3986 unreserved characters stay; everything else is %XX, as the SDK's escapeUri.
const escapeUri = (text: string): string =>
  encodeURIComponent(text).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
const escapePath = (key: string): string => key.split('/').map(escapeUri).join('/');

export class UrlSigner {
  private readonly shapes = new Map<string, Promise<BucketShape>>();
  private readonly presigner: S3RequestPresigner;

  constructor(private readonly client: S3Client) {
    this.presigner = new S3RequestPresigner({ ...client.config, service: 's3' });
  }

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
    const shape = await this.shape(bucket);
    const host = `${shape.hostname}${shape.port !== undefined ? `:${shape.port}` : ''}`;
    const signed = await this.presigner.presign(
      {
        method,
        protocol: shape.protocol,
        hostname: shape.hostname,
        ...(shape.port !== undefined ? { port: shape.port } : {}),
        path: `${shape.prefix}${escapePath(key)}`,
        query: { ...query },
        headers: { host },
      },
      {
        expiresIn: options.expiresIn,
        signingRegion: shape.region,
        signingService: 's3',
        ...(options.signingDate ? { signingDate: options.signingDate } : {}),
      },
    );
    const search = Object.entries(signed.query ?? {})
      .flatMap(([name, value]) => (Array.isArray(value) ? value.map((v) => [name, v]) : [[name, value]]))
      .filter((pair): pair is [string, string] => typeof pair[1] === 'string')
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
      .map(([name, value]) => `${escapeUri(name)}=${escapeUri(value)}`)
      .join('&');
    return `${shape.protocol}//${host}${signed.path}?${search}`;
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
      hostname: url.hostname,
      port: url.port === '' ? undefined : Number(url.port),
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
