import { createHash, randomBytes } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import { unlink } from 'node:fs/promises';
import { pipeline } from 'node:stream/promises';
import { compareKeys } from '../../../core/key-order.js';
import { readSmallBody, receiveBody } from '../body.js';
import {
  type Checksum,
  checksumHeader,
  compositeChecksum,
  createChecksum,
  parseAlgorithm,
} from '../checksums.js';
import { IO_CHUNK, LIMITS } from '../constants.js';
import {
  emit,
  header,
  type RequestContext,
  requireBucket,
  requireKey,
  sendEmpty,
  sendXml,
} from '../context.js';
import { resolveCopySource } from '../copy-source.js';
import { errors } from '../errors.js';
import { objectHeadersFrom, parseTaggingHeader } from '../object-headers.js';
import type { BucketState } from '../store.js';
import type { ObjectMeta, PartMeta, UploadMeta } from '../types.js';
import { childrenNamed, childText, parseXml } from '../xml.js';
import { ownerXml } from './buckets.js';

function uploadOf(ctx: RequestContext): { b: BucketState; upload: UploadMeta } {
  const b = ctx.server.store.bucket(requireBucket(ctx));
  const key = requireKey(ctx);
  const uploadId = ctx.query.get('uploadId') ?? '';
  return { b, upload: ctx.server.store.upload(b, uploadId, key) };
}

function partNumberOf(ctx: RequestContext): number {
  const raw = ctx.query.get('partNumber') ?? '';
  const n = Number(raw);
  if (!/^\d+$/.test(raw) || n < 1 || n > LIMITS.maxPartNumber) {
    throw errors.invalidArgument(
      'Part number must be an integer between 1 and 10000, inclusive',
      'partNumber',
      raw,
    );
  }
  return n;
}

export function createMultipartUpload(ctx: RequestContext): void {
  const b = ctx.server.store.bucket(requireBucket(ctx));
  const key = requireKey(ctx);
  const checksumAlgorithm = parseAlgorithm(header(ctx, 'x-amz-checksum-algorithm'));
  if (header(ctx, 'x-amz-checksum-type')?.toUpperCase() === 'FULL_OBJECT') {
    throw errors.notImplemented('x-amz-checksum-type FULL_OBJECT for multipart uploads');
  }
  const upload: UploadMeta = {
    uploadId: randomBytes(24).toString('base64url'),
    key,
    initiated: new Date().toISOString(),
    tags: parseTaggingHeader(header(ctx, 'x-amz-tagging')),
    checksumAlgorithm,
    parts: {},
    ...objectHeadersFrom(ctx),
  };
  ctx.server.store.saveUpload(b, upload);
  const extra: Record<string, string> = checksumAlgorithm
    ? { 'x-amz-checksum-algorithm': checksumAlgorithm, 'x-amz-checksum-type': 'COMPOSITE' }
    : {};
  sendXml(
    ctx,
    'InitiateMultipartUploadResult',
    { Bucket: b.name, Key: key, UploadId: upload.uploadId },
    200,
    extra,
  );
}

export async function uploadPart(ctx: RequestContext): Promise<void> {
  const { store } = ctx.server;
  const { b, upload } = uploadOf(ctx);
  const partNumber = partNumberOf(ctx);
  const target = store.newDataFile(b);
  const body = await receiveBody(ctx, target.path, upload.checksumAlgorithm);
  const part: PartMeta = {
    partNumber,
    size: body.size,
    etag: body.md5,
    lastModified: new Date().toISOString(),
    file: body.size > 0 ? target.file : '',
    checksum: body.checksum?.value,
  };
  store.commitPart(b, upload, part);
  const extra = body.checksum ? { [checksumHeader(body.checksum.algorithm)]: body.checksum.value } : {};
  sendEmpty(ctx, 200, { ETag: `"${part.etag}"`, ...extra });
}

export async function uploadPartCopy(ctx: RequestContext): Promise<void> {
  const { store } = ctx.server;
  const { b, upload } = uploadOf(ctx);
  const partNumber = partNumberOf(ctx);
  const source = resolveCopySource(ctx);
  const size = source.meta.size;
  let start = 0;
  let end = size - 1;
  const rangeHeader = header(ctx, 'x-amz-copy-source-range');
  if (rangeHeader !== undefined) {
    const m = /^bytes=(\d+)-(\d+)$/.exec(rangeHeader.trim());
    if (!m)
      throw errors.invalidArgument(
        'The x-amz-copy-source-range value must be of the form bytes=first-last where first and last are the zero-based offsets of the first and last bytes to copy',
        'x-amz-copy-source-range',
        rangeHeader,
      );
    start = Number(m[1]);
    end = Number(m[2]);
    if (end < start || end >= size) {
      throw errors.invalidArgument(
        `Range specified is not valid for source object of size: ${size}`,
        'x-amz-copy-source-range',
        rangeHeader,
      );
    }
  }
  const target = store.newDataFile(b);
  const md5 = createHash('md5');
  const checksum: Checksum | undefined = upload.checksumAlgorithm
    ? createChecksum(upload.checksumAlgorithm)
    : undefined;
  const segments = source.meta.segments;
  async function* bytes(): AsyncGenerator<Buffer> {
    let offset = 0;
    for (const s of segments) {
      const segStart = offset;
      offset += s.size;
      const from = Math.max(start, segStart);
      const to = Math.min(end, offset - 1);
      if (s.size === 0 || from > to) continue;
      const base = (s.offset ?? 0) - segStart;
      const stream = createReadStream(store.dataPath(source.bucket, s.file), {
        start: from + base,
        end: to + base,
        highWaterMark: IO_CHUNK,
      });
      for await (const chunk of stream as AsyncIterable<Buffer>) {
        md5.update(chunk);
        checksum?.update(chunk);
        yield chunk;
      }
    }
  }
  try {
    if (size > 0) await pipeline(bytes(), createWriteStream(target.path, { highWaterMark: IO_CHUNK }));
  } catch (err) {
    await unlink(target.path).catch(() => {});
    if ((err as NodeJS.ErrnoException).code === 'ENOENT')
      throw errors.internal('The source object changed during the copy; retry.');
    throw err;
  }
  const part: PartMeta = {
    partNumber,
    size: size === 0 ? 0 : end - start + 1,
    etag: md5.digest('hex'),
    lastModified: new Date().toISOString(),
    file: size > 0 ? target.file : '',
    checksum: checksum?.digest().toString('base64'),
  };
  store.commitPart(b, upload, part);
  const extra =
    part.checksum && upload.checksumAlgorithm
      ? { [`Checksum${upload.checksumAlgorithm}`]: part.checksum }
      : {};
  sendXml(ctx, 'CopyPartResult', { ETag: `"${part.etag}"`, LastModified: part.lastModified, ...extra });
}

export async function completeMultipartUpload(ctx: RequestContext): Promise<void> {
  const { store } = ctx.server;
  const { b, upload } = uploadOf(ctx);
  const doc = parseXml((await readSmallBody(ctx)).toString('utf8'));
  if (doc.name !== 'CompleteMultipartUpload') throw errors.malformedXml();
  const requested = childrenNamed(doc, 'Part').map((p) => {
    const n = Number(childText(p, 'PartNumber'));
    const etag = childText(p, 'ETag');
    if (!Number.isInteger(n) || etag === undefined) throw errors.malformedXml();
    const checksum = upload.checksumAlgorithm
      ? childText(p, `Checksum${upload.checksumAlgorithm}`)
      : undefined;
    return { n, etag: etag.trim().replace(/^"|"$/g, ''), checksum };
  });
  if (requested.length === 0) {
    throw errors.malformedXml();
  }
  const parts: PartMeta[] = [];
  for (const [i, r] of requested.entries()) {
    if (i > 0 && r.n <= (requested[i - 1]?.n ?? 0)) throw errors.invalidPartOrder();
    const part = upload.parts[r.n];
    if (!part || part.etag !== r.etag) throw errors.invalidPart();
    if (r.checksum !== undefined && part.checksum !== undefined && r.checksum !== part.checksum)
      throw errors.invalidPart();
    parts.push(part);
  }
  for (const part of parts.slice(0, -1)) if (part.size < LIMITS.minPartSize) throw errors.entityTooSmall();
  const etag = `${createHash('md5')
    .update(Buffer.concat(parts.map((p) => Buffer.from(p.etag, 'hex'))))
    .digest('hex')}-${parts.length}`;
  const algorithm = upload.checksumAlgorithm;
  const checksum =
    algorithm && parts.every((p) => p.checksum !== undefined)
      ? {
          algorithm,
          value: compositeChecksum(
            algorithm,
            parts.map((p) => p.checksum as string),
          ),
          type: 'COMPOSITE' as const,
        }
      : undefined;
  const meta: ObjectMeta = {
    key: upload.key,
    size: parts.reduce((sum, p) => sum + p.size, 0),
    etag,
    lastModified: new Date().toISOString(),
    segments: parts.filter((p) => p.size > 0).map((p) => ({ file: p.file, size: p.size })),
    tags: upload.tags,
    contentType: upload.contentType,
    contentEncoding: upload.contentEncoding,
    contentDisposition: upload.contentDisposition,
    contentLanguage: upload.contentLanguage,
    cacheControl: upload.cacheControl,
    expires: upload.expires,
    userMetadata: upload.userMetadata,
    checksum,
    partsCount: parts.length,
  };
  store.commitObject(b, meta);
  store.removeUpload(b, upload, new Set(parts.map((p) => p.file)));
  await emit(ctx, {
    eventName: 'ObjectCreated:CompleteMultipartUpload',
    bucket: b.name,
    key: meta.key,
    size: meta.size,
    etag: meta.etag,
  });
  const host = header(ctx, 'host') ?? '';
  sendXml(ctx, 'CompleteMultipartUploadResult', {
    Location: `http://${host}/${b.name}/${encodeURIComponent(meta.key)}`,
    Bucket: b.name,
    Key: meta.key,
    ETag: `"${etag}"`,
    ...(checksum ? { [`Checksum${checksum.algorithm}`]: checksum.value, ChecksumType: 'COMPOSITE' } : {}),
  });
}

export function abortMultipartUpload(ctx: RequestContext): void {
  const { b, upload } = uploadOf(ctx);
  ctx.server.store.removeUpload(b, upload);
  sendEmpty(ctx, 204);
}

export function listParts(ctx: RequestContext): void {
  const { b, upload } = uploadOf(ctx);
  const markerRaw = ctx.query.get('part-number-marker') ?? '0';
  const maxRaw = ctx.query.get('max-parts') ?? '1000';
  if (!/^\d+$/.test(markerRaw))
    throw errors.invalidArgument(
      'Provided part-number-marker not an integer or within integer range',
      'part-number-marker',
      markerRaw,
    );
  if (!/^\d+$/.test(maxRaw))
    throw errors.invalidArgument(
      'Provided max-parts not an integer or within integer range',
      'max-parts',
      maxRaw,
    );
  const marker = Number(markerRaw);
  const max = Math.min(Number(maxRaw), 1000);
  const all = Object.values(upload.parts)
    .filter((p) => p.partNumber > marker)
    .sort((x, y) => x.partNumber - y.partNumber);
  const page = all.slice(0, max);
  const truncated = all.length > page.length;
  const algorithm = upload.checksumAlgorithm;
  sendXml(ctx, 'ListPartsResult', {
    Bucket: b.name,
    Key: upload.key,
    UploadId: upload.uploadId,
    Initiator: ownerXml(),
    Owner: ownerXml(),
    StorageClass: 'STANDARD',
    PartNumberMarker: marker,
    NextPartNumberMarker: page.length > 0 ? page[page.length - 1]?.partNumber : undefined,
    MaxParts: max,
    IsTruncated: truncated,
    ChecksumAlgorithm: algorithm,
    Part: page.map((p) => ({
      PartNumber: p.partNumber,
      LastModified: p.lastModified,
      ETag: `"${p.etag}"`,
      Size: p.size,
      ...(algorithm && p.checksum ? { [`Checksum${algorithm}`]: p.checksum } : {}),
    })),
  });
}

export function listMultipartUploads(ctx: RequestContext): void {
  const b = ctx.server.store.bucket(requireBucket(ctx));
  const prefix = ctx.query.get('prefix') ?? '';
  const keyMarker = ctx.query.get('key-marker') ?? '';
  const uploadIdMarker = ctx.query.get('upload-id-marker') ?? '';
  const maxRaw = ctx.query.get('max-uploads') ?? '1000';
  if (!/^\d+$/.test(maxRaw))
    throw errors.invalidArgument(
      'Provided max-uploads not an integer or within integer range',
      'max-uploads',
      maxRaw,
    );
  const max = Math.min(Number(maxRaw), 1000);
  const all = [...b.uploads.values()]
    .filter((u) => u.key.startsWith(prefix))
    .sort(
      (x, y) => compareKeys(x.key, y.key) || (x.uploadId < y.uploadId ? -1 : x.uploadId > y.uploadId ? 1 : 0),
    )
    .filter((u) => {
      if (keyMarker === '') return true;
      const c = compareKeys(u.key, keyMarker);
      return c > 0 || (c === 0 && uploadIdMarker !== '' && u.uploadId > uploadIdMarker);
    });
  const page = all.slice(0, max);
  const last = page[page.length - 1];
  const truncated = all.length > page.length;
  sendXml(ctx, 'ListMultipartUploadsResult', {
    Bucket: b.name,
    KeyMarker: keyMarker,
    UploadIdMarker: uploadIdMarker,
    NextKeyMarker: truncated ? last?.key : undefined,
    NextUploadIdMarker: truncated ? last?.uploadId : undefined,
    Prefix: prefix,
    MaxUploads: max,
    IsTruncated: truncated,
    Upload: page.map((u) => ({
      Key: u.key,
      UploadId: u.uploadId,
      Initiator: ownerXml(),
      Owner: ownerXml(),
      StorageClass: 'STANDARD',
      Initiated: u.initiated,
      ChecksumAlgorithm: u.checksumAlgorithm,
    })),
  });
}
