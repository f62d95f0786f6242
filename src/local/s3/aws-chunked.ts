import { createHash, type Hash } from 'node:crypto';
import { Transform, type TransformCallback } from 'node:stream';
import { EMPTY_SHA256 } from './constants.js';
import { errors, S3Error } from './errors.js';
import { type Authenticated, chunkStringToSign, hmacHex, sha256Hex, trailerStringToSign } from './sigv4.js';

const MAX_LINE = 8 * 1024;

type State = 'size' | 'data' | 'data-crlf' | 'trailer' | 'done';

/**
 * Decodes an `aws-chunked` body into the bare payload: each chunk is
 * `<hex size>[;chunk-signature=<sig>]\r\n<data>\r\n`, then a zero-size chunk, then
 * optional trailing headers (`x-amz-checksum-*`, `x-amz-trailer-signature`), then `\r\n`.
 * With `signed`, every chunk signature (and the trailer signature) is verified, chained
 * from the request's seed signature.
 */
export class AwsChunkedDecoder extends Transform {
  readonly trailers = new Map<string, string>();
  decodedLength = 0;
  private state: State = 'size';
  private line = '';
  private remaining = 0;
  private chunkSignature = '';
  private previousSignature: string;
  private chunkHash: Hash | undefined;

  constructor(
    private readonly auth: Authenticated | undefined,
    private readonly expectTrailer: boolean,
  ) {
    super({ readableHighWaterMark: 1024 * 1024 });
    this.previousSignature = auth?.signature ?? '';
  }

  override _transform(chunk: Buffer, _enc: BufferEncoding, done: TransformCallback): void {
    try {
      this.consume(chunk);
      done();
    } catch (err) {
      done(err as Error);
    }
  }

  override _flush(done: TransformCallback): void {
    if (this.state === 'trailer' && this.line === '' && !this.expectTrailer) this.state = 'done';
    done(this.state === 'done' ? null : errors.incompleteBody());
  }

  private consume(buf: Buffer): void {
    let i = 0;
    while (i < buf.length) {
      if (this.state === 'data') {
        const n = Math.min(this.remaining, buf.length - i);
        const slice = buf.subarray(i, i + n);
        this.chunkHash?.update(slice);
        this.push(slice);
        this.decodedLength += n;
        this.remaining -= n;
        i += n;
        if (this.remaining === 0) this.state = 'data-crlf';
        continue;
      }
      if (this.state === 'done') {
        // Tolerate trailing CRLFs; anything else is a framing error.
        if (buf[i] === 0x0d || buf[i] === 0x0a) {
          i++;
          continue;
        }
        throw malformed('Unexpected data after the final chunk');
      }
      const nl = buf.indexOf(0x0a, i);
      const end = nl === -1 ? buf.length : nl + 1;
      this.line += buf.toString('latin1', i, end);
      i = end;
      if (this.line.length > MAX_LINE) throw malformed('Chunk header too long');
      if (nl === -1) continue;
      const line = this.line.replace(/\r?\n$/, '');
      this.line = '';
      this.onLine(line);
    }
  }

  private onLine(line: string): void {
    switch (this.state) {
      case 'data-crlf':
        if (line !== '') throw malformed('Chunk data not followed by CRLF');
        this.endChunk();
        this.state = 'size';
        return;
      case 'size': {
        const m = /^([0-9a-fA-F]+)(?:;chunk-signature=([0-9a-f]{64}))?$/.exec(line);
        if (!m) throw malformed(`Bad chunk header: ${line.slice(0, 80)}`);
        if (this.auth && !m[2]) throw malformed('Missing chunk-signature');
        this.remaining = Number.parseInt(m[1] as string, 16);
        this.chunkSignature = m[2] ?? '';
        if (this.auth) this.chunkHash = createHash('sha256');
        if (this.remaining === 0) {
          this.endChunk();
          this.state = 'trailer';
        } else {
          this.state = 'data';
        }
        return;
      }
      case 'trailer': {
        if (line === '') {
          this.endTrailer();
          this.state = 'done';
          return;
        }
        const colon = line.indexOf(':');
        if (colon <= 0) throw malformed('Bad trailing header');
        this.trailers.set(line.slice(0, colon).trim().toLowerCase(), line.slice(colon + 1).trim());
        return;
      }
      default:
        throw malformed('Unexpected chunk framing');
    }
  }

  private endChunk(): void {
    if (!this.auth || !this.chunkHash) return;
    const expected = hmacHex(
      this.auth.signingKey,
      chunkStringToSign(this.auth, this.previousSignature, this.chunkHash.digest('hex'), EMPTY_SHA256),
    );
    if (expected !== this.chunkSignature) throw errors.signatureDoesNotMatch();
    this.previousSignature = expected;
    this.chunkHash = undefined;
  }

  private endTrailer(): void {
    if (!this.auth || !this.expectTrailer) return;
    const signature = this.trailers.get('x-amz-trailer-signature');
    if (!signature) throw malformed('Missing x-amz-trailer-signature');
    let canonical = '';
    for (const [name, value] of this.trailers)
      if (name !== 'x-amz-trailer-signature') canonical += `${name}:${value}\n`;
    const expected = hmacHex(
      this.auth.signingKey,
      trailerStringToSign(this.auth, this.previousSignature, sha256Hex(canonical)),
    );
    if (expected !== signature) throw errors.signatureDoesNotMatch();
  }
}

const malformed = (message: string) =>
  new S3Error('InvalidRequest', `Malformed aws-chunked body: ${message}`, 400);
