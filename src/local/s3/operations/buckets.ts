import { LIMITS, OWNER } from '../constants.js';
import { type RequestContext, requireBucket, sendEmpty, sendXml, sendXmlText } from '../context.js';
import { uriEncode } from '../encoding.js';
import { errors } from '../errors.js';
import { listPage } from '../listing.js';
import type { ObjectMeta } from '../types.js';
import type { XmlNode } from '../xml.js';

/** S3's bucket naming rules (general purpose buckets). */
export function isValidBucketName(name: string): boolean {
  return (
    /^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/.test(name) &&
    !name.includes('..') &&
    !/^\d{1,3}\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(name) &&
    !name.startsWith('xn--') &&
    !name.startsWith('sthree-') &&
    !name.endsWith('-s3alias') &&
    !name.endsWith('--ol-s3')
  );
}

export const ownerXml = (): XmlNode => ({ ID: OWNER.id, DisplayName: OWNER.displayName });

export function listBuckets(ctx: RequestContext): void {
  sendXml(ctx, 'ListAllMyBucketsResult', {
    Owner: ownerXml(),
    Buckets: {
      Bucket: ctx.server.store.listBuckets().map((b) => ({ Name: b.name, CreationDate: b.created })),
    },
  });
}

export function createBucket(ctx: RequestContext): void {
  const name = requireBucket(ctx);
  if (!isValidBucketName(name)) throw errors.invalidBucketName(name);
  if (!ctx.server.store.createBucket(name)) throw errors.bucketAlreadyOwnedByYou(name);
  sendEmpty(ctx, 200, { Location: `/${name}` });
}

export function headBucket(ctx: RequestContext): void {
  ctx.server.store.bucket(requireBucket(ctx));
  sendEmpty(ctx, 200, { 'x-amz-bucket-region': ctx.server.region });
}

export async function deleteBucket(ctx: RequestContext): Promise<void> {
  await ctx.server.store.deleteBucket(requireBucket(ctx));
  sendEmpty(ctx, 204);
}

export function getBucketLocation(ctx: RequestContext): void {
  ctx.server.store.bucket(requireBucket(ctx));
  // us-east-1 answers an empty LocationConstraint, as S3 does.
  sendXmlText(ctx, 'LocationConstraint', ctx.server.region === 'us-east-1' ? '' : ctx.server.region);
}

export function getBucketVersioning(ctx: RequestContext): void {
  ctx.server.store.bucket(requireBucket(ctx));
  sendXml(ctx, 'VersioningConfiguration', {});
}

export function getAcl(ctx: RequestContext): void {
  const b = ctx.server.store.bucket(requireBucket(ctx));
  if (ctx.key !== undefined && !b.index.get(ctx.key)) throw errors.noSuchKey(ctx.key);
  sendXml(ctx, 'AccessControlPolicy', {
    Owner: ownerXml(),
    AccessControlList: {
      Grant: { Grantee: ownerXml(), Permission: 'FULL_CONTROL' },
    },
  });
}

function parseMaxKeys(ctx: RequestContext, name = 'max-keys'): number {
  const raw = ctx.query.get(name);
  if (raw === undefined) return LIMITS.maxKeys;
  if (!/^\d+$/.test(raw))
    throw errors.invalidArgument(`Provided ${name} not an integer or within integer range`, name, raw);
  return Math.min(Number(raw), LIMITS.maxKeys);
}

function encodingOf(ctx: RequestContext): ((s: string) => string) | undefined {
  const type = ctx.query.get('encoding-type');
  if (type === undefined) return undefined;
  if (type !== 'url')
    throw errors.invalidArgument('Invalid Encoding Method specified in Request', 'encoding-type', type);
  return (s) => uriEncode(s, true);
}

const contentsXml = (meta: ObjectMeta, enc: (s: string) => string, withOwner: boolean): XmlNode => ({
  Key: enc(meta.key),
  LastModified: meta.lastModified,
  ETag: `"${meta.etag}"`,
  ChecksumAlgorithm: meta.checksum?.algorithm,
  ChecksumType: meta.checksum?.type,
  Size: meta.size,
  Owner: withOwner ? ownerXml() : undefined,
  StorageClass: 'STANDARD',
});

const encodeToken = (s: string) => Buffer.from(s, 'utf8').toString('base64url');
function decodeToken(token: string): string {
  const decoded = Buffer.from(token, 'base64url').toString('utf8');
  if (token === '' || encodeToken(decoded) !== token) {
    throw errors.invalidArgument('The continuation token provided is incorrect', 'continuation-token', token);
  }
  return decoded;
}

export function listObjectsV2(ctx: RequestContext): void {
  const b = ctx.server.store.bucket(requireBucket(ctx));
  const enc = encodingOf(ctx);
  const e = enc ?? ((s: string) => s);
  const prefix = ctx.query.get('prefix') ?? '';
  const delimiter = ctx.query.get('delimiter') ?? '';
  const maxKeys = parseMaxKeys(ctx);
  const token = ctx.query.get('continuation-token');
  const startAfter = ctx.query.get('start-after');
  const after = token !== undefined ? decodeToken(token) : (startAfter ?? '');
  const page = listPage(b.index, { prefix, delimiter, maxKeys, after });
  const withOwner = ctx.query.get('fetch-owner') === 'true';
  sendXml(ctx, 'ListBucketResult', {
    Name: b.name,
    Prefix: e(prefix),
    Delimiter: delimiter === '' ? undefined : e(delimiter),
    MaxKeys: maxKeys,
    EncodingType: enc ? 'url' : undefined,
    KeyCount: page.contents.length + page.commonPrefixes.length,
    IsTruncated: page.isTruncated,
    ContinuationToken: token,
    NextContinuationToken: page.isTruncated && page.last !== undefined ? encodeToken(page.last) : undefined,
    StartAfter: startAfter === undefined ? undefined : e(startAfter),
    Contents: page.contents.map((m) => contentsXml(m, e, withOwner)),
    CommonPrefixes: page.commonPrefixes.map((p) => ({ Prefix: e(p) })),
  });
}

export function listObjectsV1(ctx: RequestContext): void {
  const b = ctx.server.store.bucket(requireBucket(ctx));
  const enc = encodingOf(ctx);
  const e = enc ?? ((s: string) => s);
  const prefix = ctx.query.get('prefix') ?? '';
  const delimiter = ctx.query.get('delimiter') ?? '';
  const maxKeys = parseMaxKeys(ctx);
  const marker = ctx.query.get('marker') ?? '';
  const page = listPage(b.index, { prefix, delimiter, maxKeys, after: marker });
  sendXml(ctx, 'ListBucketResult', {
    Name: b.name,
    Prefix: e(prefix),
    Marker: e(marker),
    NextMarker: page.isTruncated && page.last !== undefined ? e(page.last) : undefined,
    MaxKeys: maxKeys,
    Delimiter: delimiter === '' ? undefined : e(delimiter),
    EncodingType: enc ? 'url' : undefined,
    IsTruncated: page.isTruncated,
    Contents: page.contents.map((m) => contentsXml(m, e, true)),
    CommonPrefixes: page.commonPrefixes.map((p) => ({ Prefix: e(p) })),
  });
}
