import { LIMITS } from './constants.js';
import { header, type RequestContext } from './context.js';
import { errors } from './errors.js';
import type { ObjectHeaders, ObjectMeta } from './types.js';

const STORED: [keyof Omit<ObjectHeaders, 'userMetadata'>, string][] = [
  ['contentType', 'content-type'],
  ['contentEncoding', 'content-encoding'],
  ['contentDisposition', 'content-disposition'],
  ['contentLanguage', 'content-language'],
  ['cacheControl', 'cache-control'],
  ['expires', 'expires'],
];
const RESPONSE_NAMES: Record<string, string> = {
  'content-type': 'Content-Type',
  'content-encoding': 'Content-Encoding',
  'content-disposition': 'Content-Disposition',
  'content-language': 'Content-Language',
  'cache-control': 'Cache-Control',
  expires: 'Expires',
};

/** Content-* headers and x-amz-meta-* from a request (aws-chunked removed from Content-Encoding). */
export function objectHeadersFrom(ctx: RequestContext): ObjectHeaders {
  const out: ObjectHeaders = { userMetadata: {} };
  for (const [field, name] of STORED) {
    let value = header(ctx, name);
    if (field === 'contentEncoding' && value !== undefined) {
      value = value
        .split(',')
        .map((s) => s.trim())
        .filter((s) => s !== '' && s.toLowerCase() !== 'aws-chunked')
        .join(',');
      if (value === '') value = undefined;
    }
    if (value !== undefined) out[field] = value;
  }
  let metadataBytes = 0;
  for (const [name, value] of Object.entries(ctx.req.headers)) {
    if (!name.startsWith('x-amz-meta-')) continue;
    const v = Array.isArray(value) ? value.join(',') : (value ?? '');
    const short = name.slice('x-amz-meta-'.length);
    out.userMetadata[short] = v;
    metadataBytes += Buffer.byteLength(short, 'latin1') + Buffer.byteLength(v, 'latin1');
  }
  if (metadataBytes > LIMITS.userMetadataBytes) throw errors.metadataTooLarge();
  return out;
}

/** The headers GET/HEAD answer with, overridable by presigned `response-*` query parameters. */
export function objectResponseHeaders(
  ctx: RequestContext,
  meta: ObjectMeta,
): Record<string, string | number> {
  const h: Record<string, string | number> = {
    ETag: `"${meta.etag}"`,
    'Last-Modified': new Date(meta.lastModified).toUTCString(),
    'Accept-Ranges': 'bytes',
    'Content-Type': meta.contentType ?? 'binary/octet-stream',
  };
  for (const [field, name] of STORED) {
    const value = meta[field];
    if (value !== undefined) h[RESPONSE_NAMES[name] as string] = value;
  }
  for (const [name, value] of Object.entries(meta.userMetadata)) h[`x-amz-meta-${name}`] = value;
  if (meta.tags.length > 0) h['x-amz-tagging-count'] = meta.tags.length;
  if (meta.partsCount !== undefined && ctx.query.has('partNumber'))
    h['x-amz-mp-parts-count'] = meta.partsCount;
  for (const [name, target] of [
    ['response-content-type', 'Content-Type'],
    ['response-content-language', 'Content-Language'],
    ['response-expires', 'Expires'],
    ['response-cache-control', 'Cache-Control'],
    ['response-content-disposition', 'Content-Disposition'],
    ['response-content-encoding', 'Content-Encoding'],
  ] as const) {
    const v = ctx.query.get(name);
    if (v !== undefined) h[target] = v;
  }
  return h;
}

/** Parses `k=v&k2=v2` (x-amz-tagging) into validated tags. */
export function parseTaggingHeader(value: string | undefined): [string, string][] {
  if (value === undefined || value === '') return [];
  const tags: [string, string][] = [];
  for (const part of value.split('&')) {
    if (part === '') continue;
    const eq = part.indexOf('=');
    const decode = (s: string) => {
      try {
        return decodeURIComponent(s.replace(/\+/g, ' '));
      } catch {
        throw errors.invalidArgument(
          'The header x-amz-tagging shall be encoded as UTF-8 then URLEncoded URL query parameters without tag name duplicates.',
          'x-amz-tagging',
          value,
        );
      }
    };
    tags.push([decode(eq === -1 ? part : part.slice(0, eq)), decode(eq === -1 ? '' : part.slice(eq + 1))]);
  }
  return validateTags(tags);
}

export function validateTags(tags: [string, string][]): [string, string][] {
  if (tags.length > LIMITS.maxTags) throw errors.invalidTag('Object tags cannot be greater than 10');
  const seen = new Set<string>();
  for (const [k, v] of tags) {
    if (k.length === 0 || k.length > LIMITS.maxTagKeyLength)
      throw errors.invalidTag('The TagKey you have provided is invalid');
    if (v.length > LIMITS.maxTagValueLength)
      throw errors.invalidTag('The TagValue you have provided is invalid');
    if (seen.has(k)) throw errors.invalidTag('Cannot provide multiple Tags with the same key');
    seen.add(k);
  }
  return tags;
}

const stripQuotes = (s: string) => s.trim().replace(/^W\//, '').replace(/^"|"$/g, '');
const etagListMatches = (list: string, etag: string) =>
  list.split(',').some((candidate) => {
    const c = candidate.trim();
    return c === '*' || stripQuotes(c) === etag;
  });
const seconds = (iso: string) => Math.floor(new Date(iso).getTime() / 1000);
const httpDateSeconds = (value: string | undefined): number | undefined => {
  if (value === undefined) return undefined;
  const t = Date.parse(value);
  return Number.isNaN(t) ? undefined : Math.floor(t / 1000);
};

export interface Conditions {
  ifMatch?: string;
  ifNoneMatch?: string;
  ifModifiedSince?: string;
  ifUnmodifiedSince?: string;
}

export const readConditions = (ctx: RequestContext, prefix = ''): Conditions => ({
  ifMatch: header(ctx, `${prefix}if-match`),
  ifNoneMatch: header(ctx, `${prefix}if-none-match`),
  ifModifiedSince: header(ctx, `${prefix}if-modified-since`),
  ifUnmodifiedSince: header(ctx, `${prefix}if-unmodified-since`),
});

/**
 * RFC 7232 as S3 applies it: If-Match beats If-Unmodified-Since, If-None-Match beats
 * If-Modified-Since. Returns 304 or 412 when the request should not proceed.
 */
export function evaluateConditions(c: Conditions, meta: ObjectMeta, forRead: boolean): 200 | 304 | 412 {
  const modified = seconds(meta.lastModified);
  if (c.ifMatch !== undefined) {
    if (!etagListMatches(c.ifMatch, meta.etag)) return 412;
  } else {
    const since = httpDateSeconds(c.ifUnmodifiedSince);
    if (since !== undefined && modified > since) return 412;
  }
  if (c.ifNoneMatch !== undefined) {
    if (etagListMatches(c.ifNoneMatch, meta.etag)) return forRead ? 304 : 412;
  } else {
    const since = httpDateSeconds(c.ifModifiedSince);
    if (since !== undefined && modified <= since) return forRead ? 304 : 412;
  }
  return 200;
}
