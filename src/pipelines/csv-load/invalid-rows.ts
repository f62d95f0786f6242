import { once } from 'node:events';
import { createWriteStream, type WriteStream } from 'node:fs';
import { PassThrough, type Writable } from 'node:stream';
import type { S3Client } from '@aws-sdk/client-s3';
import { Upload } from '@aws-sdk/lib-storage';
import { REPORT_SAMPLE_INVALID } from './constants.js';
import type { InvalidRow } from './types.js';

/**
 * Invalid rows as JSON lines, streamed out as they are found (never held in memory) and
 * only created when there is a first one. Keeps the first few for the report.
 */
export abstract class InvalidRowSink {
  readonly sample: InvalidRow[] = [];
  count = 0;
  private stream: Writable | undefined;

  protected abstract open(): { stream: Writable; done: Promise<unknown> };
  private done: Promise<unknown> | undefined;
  private failed: { error: unknown } | undefined;

  async add(row: InvalidRow): Promise<void> {
    if (this.failed) throw this.failed.error;
    if (this.sample.length < REPORT_SAMPLE_INVALID) this.sample.push(row);
    this.count++;
    if (!this.stream) {
      const opened = this.open();
      this.stream = opened.stream;
      this.done = opened.done.catch((error: unknown) => {
        this.failed ??= { error };
        throw error;
      });
      this.done.catch(() => {}); // observed in add() and close()
    }
    if (!this.stream.write(`${JSON.stringify(row)}\n`)) {
      await Promise.race([once(this.stream, 'drain'), this.done]);
    }
  }

  /** Finishes the file; resolves to where it is, or undefined when there were no invalid rows. */
  async close(): Promise<string | undefined> {
    if (!this.stream) return undefined;
    this.stream.end();
    await this.done;
    return this.location;
  }

  abstract readonly location: string;
}

/** `invalid-records/<source key>/<request id>.jsonl` in the landing bucket; multipart when large. */
export class S3InvalidRowSink extends InvalidRowSink {
  constructor(
    private readonly s3: S3Client,
    private readonly bucket: string,
    private readonly key: string,
  ) {
    super();
  }

  get location(): string {
    return this.key;
  }

  protected open() {
    const stream = new PassThrough();
    const upload = new Upload({
      client: this.s3,
      params: { Bucket: this.bucket, Key: this.key, Body: stream, ContentType: 'application/x-ndjson' },
    });
    return { stream, done: upload.done() };
  }
}

/** A local file (the CLI). */
export class FileInvalidRowSink extends InvalidRowSink {
  constructor(private readonly path: string) {
    super();
  }

  get location(): string {
    return this.path;
  }

  protected open() {
    const stream: WriteStream = createWriteStream(this.path);
    return { stream, done: once(stream, 'finish') };
  }
}
