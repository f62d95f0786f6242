import type { GetObjectCommandOutput, Tag } from '@aws-sdk/client-s3';
import { META } from './constants.js';

/** What we know of a source object once its GET answered. */
export interface SourceObject {
  key: string;
  size: number;
  /** Without quotes. */
  etag: string;
  versionId?: string;
  lastModified?: Date;
  tagCount: number;
  headers: ContentHeaders;
  metadata: Record<string, string>;
}

/** The content headers S3 stores with an object and returns on GET. */
export interface ContentHeaders {
  ContentType?: string;
  ContentEncoding?: string;
  ContentDisposition?: string;
  ContentLanguage?: string;
  CacheControl?: string;
  Expires?: Date;
}

export const unquote = (etag: string | undefined): string => (etag ?? '').replace(/^(W\/)?"|"$/g, '');

export function sourceObjectFrom(key: string, out: GetObjectCommandOutput): SourceObject {
  const headers: ContentHeaders = {};
  if (out.ContentType) headers.ContentType = out.ContentType;
  if (out.ContentEncoding) headers.ContentEncoding = out.ContentEncoding;
  if (out.ContentDisposition) headers.ContentDisposition = out.ContentDisposition;
  if (out.ContentLanguage) headers.ContentLanguage = out.ContentLanguage;
  if (out.CacheControl) headers.CacheControl = out.CacheControl;
  const expires = expiresOf(out);
  if (expires) headers.Expires = expires;
  return {
    key,
    size: out.ContentLength ?? 0,
    etag: unquote(out.ETag),
    ...(out.VersionId && out.VersionId !== 'null' ? { versionId: out.VersionId } : {}),
    ...(out.LastModified ? { lastModified: out.LastModified } : {}),
    tagCount: out.TagCount ?? 0,
    headers,
    metadata: { ...(out.Metadata ?? {}) },
  };
}

/** Expires as S3 returned it; an unparsable value (S3 keeps any string) is dropped rather than sent wrong. */
function expiresOf(out: GetObjectCommandOutput): Date | undefined {
  const raw = (out as { ExpiresString?: string }).ExpiresString;
  if (raw) {
    const parsed = new Date(raw);
    return Number.isNaN(parsed.getTime()) ? undefined : parsed;
  }
  return out.Expires && !Number.isNaN(out.Expires.getTime()) ? out.Expires : undefined;
}

/** The source's user metadata plus what the target records about its source. */
export function targetMetadata(
  source: SourceObject,
  extra: { sequencer?: string; sha256?: string },
): Record<string, string> {
  const metadata: Record<string, string> = { ...source.metadata, [META.sourceEtag]: source.etag };
  if (source.versionId) metadata[META.sourceVersion] = source.versionId;
  if (extra.sequencer) metadata[META.sequencer] = extra.sequencer;
  if (extra.sha256) metadata[META.sha256] = extra.sha256;
  return metadata;
}

/** Tags as the `x-amz-tagging` header wants them: a URL query string. */
export function taggingHeader(tags: readonly Tag[]): string | undefined {
  if (tags.length === 0) return undefined;
  return tags.map((t) => `${encodeURIComponent(t.Key ?? '')}=${encodeURIComponent(t.Value ?? '')}`).join('&');
}
