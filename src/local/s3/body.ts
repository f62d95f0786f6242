import { createHash } from 'node:crypto';
import type { Readable } from 'node:stream';
import { AwsChunkedDecoder } from './aws-chunked.js';
import { BodyFile, type PackTarget } from './body-file.js';
import { checksumHeader, parseAlgorithm, validChecksumValue } from './checksums.js';
import {
  LIMITS,
  STREAMING_SIGNED,
  STREAMING_SIGNED_TRAILER,
  STREAMING_UNSIGNED_TRAILER,
} from './constants.js';
import { header, type RequestContext } from './context.js';
import { errors, S3Error } from './errors.js';
import type { ChecksumAlgorithm, Segment } from './types.js';

export interface ReceivedBody {
  /** Where the bytes went: `file`, or a piece of the pack when one was given. */
  segment: Segment;
  size: number;
  md5: string;
  checksum?: { algorithm: ChecksumAlgorithm; value: string };
}

const isChunked = (ctx: RequestContext) => {
  const mode = ctx.auth.payloadHash;
  return (
    mode === STREAMING_SIGNED || mode === STREAMING_SIGNED_TRAILER || mode === STREAMING_UNSIGNED_TRAILER
  );
};

/** The request payload: aws-chunked framing removed (and its signatures checked) when present. */
function payload(ctx: RequestContext): { stream: Readable; decoder?: AwsChunkedDecoder } {
  if (!isChunked(ctx)) return { stream: ctx.req };
  const mode = ctx.auth.payloadHash;
  const decoder = new AwsChunkedDecoder(
    mode === STREAMING_UNSIGNED_TRAILER ? undefined : ctx.auth,
    mode !== STREAMING_SIGNED,
  );
  ctx.req.on('error', (err) => decoder.destroy(err));
  // Errors surface through the consumer's iteration; this keeps one raised before it starts from going unhandled.
  decoder.on('error', () => {});
  ctx.req.pipe(decoder);
  return { stream: decoder, decoder };
}

/** The checksum the client asked for, and the value to check when it sent one up front. */
function requestedChecksum(
  ctx: RequestContext,
  fallback?: ChecksumAlgorithm,
): { algorithm?: ChecksumAlgorithm; expected?: string; trailer?: string } {
  for (const algorithm of ['CRC32', 'CRC32C', 'SHA1', 'SHA256'] as const) {
    const value = header(ctx, checksumHeader(algorithm));
    if (value !== undefined) {
      if (!validChecksumValue(algorithm, value))
        throw errors.invalidRequest(`Value for ${checksumHeader(algorithm)} header is invalid.`);
      return { algorithm, expected: value };
    }
  }
  if (header(ctx, 'x-amz-checksum-crc64nvme') !== undefined)
    throw errors.notImplemented('The CRC64NVME checksum algorithm');
  const trailer = header(ctx, 'x-amz-trailer')?.trim().toLowerCase();
  if (trailer) {
    const algorithm = parseAlgorithm(trailer.replace(/^x-amz-checksum-/, ''));
    if (!algorithm) throw errors.invalidRequest(`Unsupported trailer ${trailer}`);
    return { algorithm, trailer };
  }
  return { algorithm: parseAlgorithm(header(ctx, 'x-amz-sdk-checksum-algorithm')) ?? fallback };
}

/**
 * Streams the request payload into `file`, hashing in the same pass (MD5 always; SHA-256
 * when the payload hash was signed; the flexible checksum when asked), then checks every
 * digest the client sent. On any failure the file (or pack space) is given back and the S3
 * error thrown.
 */
export async function receiveBody(
  ctx: RequestContext,
  file: string,
  fallbackAlgorithm?: ChecksumAlgorithm,
  pack?: PackTarget,
): Promise<ReceivedBody> {
  const wanted = requestedChecksum(ctx, fallbackAlgorithm);
  const contentMd5 = header(ctx, 'content-md5');
  if (contentMd5 !== undefined && Buffer.from(contentMd5, 'base64').length !== 16)
    throw errors.invalidDigest();
  const signedSha256 = /^[0-9a-f]{64}$/.test(ctx.auth.payloadHash);
  const { stream, decoder } = payload(ctx);
  const body = new BodyFile(
    file,
    { sha256: signedSha256, checksum: wanted.algorithm },
    ctx.server.bodies,
    pack,
  );
  try {
    for await (const chunk of stream as AsyncIterable<Buffer>) await body.append(chunk);
    if (!ctx.req.complete) throw errors.incompleteBody();
    const hashes = await body.finish();
    const size = body.size;
    const decodedLength = header(ctx, 'x-amz-decoded-content-length');
    if (decoder && decodedLength !== undefined && Number(decodedLength) !== size)
      throw errors.incompleteBody();
    if (signedSha256 && hashes.sha256 !== ctx.auth.payloadHash) throw errors.contentSha256Mismatch();
    if (contentMd5 !== undefined && hashes.md5 !== Buffer.from(contentMd5, 'base64').toString('hex'))
      throw errors.badDigest();
    const checksumValue = hashes.checksum;
    if (checksumValue !== undefined && wanted.algorithm) {
      const expected =
        wanted.expected ?? (wanted.trailer ? decoder?.trailers.get(wanted.trailer) : undefined);
      if (wanted.trailer && expected === undefined)
        throw errors.invalidRequest(`The trailing header ${wanted.trailer} was declared but not sent.`);
      if (expected !== undefined && expected !== checksumValue) {
        throw new S3Error(
          'BadDigest',
          `The ${wanted.algorithm} you specified did not match the calculated checksum.`,
          400,
        );
      }
    }
    return {
      segment: body.segment,
      size,
      md5: hashes.md5,
      checksum:
        checksumValue !== undefined && wanted.algorithm
          ? { algorithm: wanted.algorithm, value: checksumValue }
          : undefined,
    };
  } catch (err) {
    await body.discard();
    throw err;
  }
}

/** Reads a small request body (XML documents) whole, framing removed, capped. */
export async function readSmallBody(ctx: RequestContext): Promise<Buffer> {
  const { stream } = payload(ctx);
  const chunks: Buffer[] = [];
  let size = 0;
  const sha256 = /^[0-9a-f]{64}$/.test(ctx.auth.payloadHash) ? createHash('sha256') : undefined;
  for await (const chunk of stream as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > LIMITS.maxXmlBodyBytes) throw errors.malformedXml();
    sha256?.update(chunk);
    chunks.push(chunk);
  }
  if (sha256 && sha256.digest('hex') !== ctx.auth.payloadHash) throw errors.contentSha256Mismatch();
  const body = Buffer.concat(chunks);
  const contentMd5 = header(ctx, 'content-md5');
  if (
    contentMd5 !== undefined &&
    !createHash('md5').update(body).digest().equals(Buffer.from(contentMd5, 'base64'))
  ) {
    throw errors.badDigest();
  }
  return body;
}
