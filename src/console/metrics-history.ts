import { closeSync, fstatSync, openSync, readSync } from 'node:fs';
import type { StoredMetric } from '../core/metrics.js';
import { parseMetricsHistory } from '../pipelines/bucket-metrics/prometheus.js';

/**
 * The local metrics history (TRIBUTARY_METRICS_FILE, JSON lines appended by emitMetrics)
 * read incrementally: each call reads only the bytes appended since the last one, so the
 * charts and `/metrics` do not re-parse a file that grows for months. A file that shrank
 * (replaced or truncated) is read again from the start.
 */
export class MetricsHistory {
  private offset = 0;
  private partial: Buffer = Buffer.alloc(0);
  private metrics: StoredMetric[] = [];

  constructor(readonly file: string) {}

  /** Every data point so far, oldest appended first. */
  read(): readonly StoredMetric[] {
    let fd: number;
    try {
      fd = openSync(this.file, 'r');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') {
        this.reset();
        return this.metrics;
      }
      throw err;
    }
    try {
      const size = fstatSync(fd).size;
      if (size < this.offset) this.reset();
      if (size === this.offset) return this.metrics;
      const chunk = Buffer.alloc(size - this.offset);
      let read = 0;
      while (read < chunk.length) {
        const n = readSync(fd, chunk, read, chunk.length - read, this.offset + read);
        if (n === 0) break;
        read += n;
      }
      this.offset += read;
      const bytes = Buffer.concat([this.partial, chunk.subarray(0, read)]);
      // The last line may still be being appended: keep its bytes (whole characters or not) for the next read.
      const cut = bytes.lastIndexOf(0x0a) + 1;
      this.partial = Buffer.from(bytes.subarray(cut));
      for (const m of parseMetricsHistory(bytes.subarray(0, cut).toString('utf8'))) this.metrics.push(m);
      return this.metrics;
    } finally {
      closeSync(fd);
    }
  }

  private reset(): void {
    this.offset = 0;
    this.partial = Buffer.alloc(0);
    this.metrics = [];
  }
}
