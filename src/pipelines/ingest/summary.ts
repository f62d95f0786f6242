/**
 * The weekly summary: a parallel-segment Scan of the table, keeping the records received in
 * one ISO week, streamed as gzipped JSON Lines into a multipart upload (never the table in
 * memory), then `summary.json` with the week's statistics.
 *
 * Replacing a week's files is atomic per file: the export is a multipart upload to its final
 * key, which S3 makes visible only when it completes (an aborted run leaves the old export),
 * and summary.json is a single PUT written after the export. A reader that wants the pair
 * from one run compares summary.json's `export.runId` with the export's `run-id` metadata.
 */

import { randomUUID } from 'node:crypto';
import { once } from 'node:events';
import { Transform } from 'node:stream';
import { createGzip } from 'node:zlib';
import { type AttributeValue, type DynamoDBClient, ScanCommand } from '@aws-sdk/client-dynamodb';
import { PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { Upload } from '@aws-sdk/lib-storage';
import { fromItem } from './attribute-values.js';
import { RECEIVED_AT_ATTRIBUTE, SUMMARY_PREFIX } from './constants.js';
import { stringifyJson } from './json.js';
import { type WeekStats, WeekStatsBuilder } from './summary-stats.js';
import type { IsoWeek } from './week.js';

export interface SummaryOptions {
  dynamo: DynamoDBClient;
  s3: S3Client;
  table: string;
  bucket: string;
  week: IsoWeek;
  /** Parallel Scan segments. */
  segments: number;
  /** Upload part size in bytes (default 8 MiB; S3's minimum is 5 MiB). */
  partSize?: number;
  now?: () => Date;
  onProgress?: (progress: { scanned: number; exported: number }) => void;
}

export interface WeekSummary extends WeekStats {
  week: string;
  /** [from, to): Monday 00:00 UTC to the next Monday. */
  from: string;
  to: string;
  generatedAt: string;
  table: string;
  export: { key: string; bytes: number; runId: string; format: 'application/x-ndjson+gzip' };
  scan: { segments: number; scannedItems: number; durationMs: number };
}

export const summaryKeys = (week: IsoWeek) => ({
  export: `${SUMMARY_PREFIX}${week.label}/export.jsonl.gz`,
  summary: `${SUMMARY_PREFIX}${week.label}/summary.json`,
});

/**
 * Items per Scan page. DynamoDB's own page is up to 1 MB — thousands of small records, each
 * parsed into AttributeValue objects, then plain records, then JSON, with every segment's page
 * alive at once. Smaller pages keep that garbage young, so memory stays flat however fast
 * the table answers and however large it is.
 */
const SCAN_PAGE_ITEMS = 1_000;

export async function runWeeklySummary(options: SummaryOptions): Promise<WeekSummary> {
  const { dynamo, s3, table, bucket, week, segments } = options;
  const now = options.now ?? (() => new Date());
  const started = Date.now();
  const keys = summaryKeys(week);
  const runId = randomUUID();
  const stats = new WeekStatsBuilder(week);
  let scanned = 0;

  const gzip = createGzip({ level: 6 });
  let bytes = 0;
  const counted = new Transform({
    transform(chunk: Buffer, _encoding, done) {
      bytes += chunk.length;
      done(null, chunk);
    },
  });
  gzip.pipe(counted);
  const upload = new Upload({
    client: s3,
    params: {
      Bucket: bucket,
      Key: keys.export,
      Body: counted,
      ContentType: 'application/gzip',
      Metadata: { 'run-id': runId, week: week.label },
    },
    partSize: options.partSize ?? 8 * 1024 * 1024,
    queueSize: 2,
  });
  const uploading = upload.done();
  uploading.catch(() => undefined); // awaited below; a scan failure aborts it first

  const scanSegment = async (segment: number): Promise<void> => {
    let startKey: Record<string, AttributeValue> | undefined;
    do {
      const page = await dynamo.send(
        new ScanCommand({
          TableName: table,
          Segment: segment,
          TotalSegments: segments,
          Limit: SCAN_PAGE_ITEMS,
          ExclusiveStartKey: startKey,
          FilterExpression: '#at >= :from AND #at < :to',
          ExpressionAttributeNames: { '#at': RECEIVED_AT_ATTRIBUTE },
          ExpressionAttributeValues: {
            ':from': { S: week.start.toISOString() },
            ':to': { S: week.end.toISOString() },
          },
        }),
      );
      scanned += page.ScannedCount ?? 0;
      let lines = '';
      for (const item of page.Items ?? []) {
        const record = fromItem(item);
        stats.add(record);
        lines += `${stringifyJson(record)}\n`;
      }
      // Backpressure: a page waits while gzip and the upload are behind.
      if (lines && !gzip.write(lines)) await once(gzip, 'drain');
      options.onProgress?.({ scanned, exported: stats.count });
      startKey = page.LastEvaluatedKey;
    } while (startKey);
  };

  try {
    await Promise.all(Array.from({ length: segments }, (_, i) => scanSegment(i)));
    gzip.end();
  } catch (err) {
    await upload.abort().catch(() => undefined);
    gzip.destroy();
    throw err;
  }
  await uploading;

  const summary: WeekSummary = {
    week: week.label,
    from: week.start.toISOString(),
    to: week.end.toISOString(),
    generatedAt: now().toISOString(),
    table,
    ...stats.result(),
    export: { key: keys.export, bytes, runId, format: 'application/x-ndjson+gzip' },
    scan: { segments, scannedItems: scanned, durationMs: Date.now() - started },
  };
  await s3.send(
    new PutObjectCommand({
      Bucket: bucket,
      Key: keys.summary,
      Body: `${JSON.stringify(summary, null, 2)}\n`,
      ContentType: 'application/json',
      Metadata: { 'run-id': runId, week: week.label },
    }),
  );
  return summary;
}
