import type { S3Client } from '@aws-sdk/client-s3';
import { REPORTS_PREFIX } from '../../pipelines/csv-load/constants.js';
import type { LoadReport } from '../../pipelines/csv-load/types.js';
import { getJson, listAll } from './s3-json.js';

export interface CsvLoadReports {
  bucket: string;
  /** Reports in the bucket; `reports` holds the newest `limit` of them. */
  total: number;
  reports: (LoadReport & { reportKey: string })[];
}

/** The reports csv-load writes to `reports/<source key>.json` in its landing bucket, newest first. */
export async function csvLoadReports(s3: S3Client, bucket: string, limit: number): Promise<CsvLoadReports> {
  const objects = (await listAll(s3, bucket, REPORTS_PREFIX)).filter((o) => o.Key?.endsWith('.json'));
  objects.sort((a, b) => (b.LastModified?.getTime() ?? 0) - (a.LastModified?.getTime() ?? 0));
  const newest = objects.slice(0, limit);
  const bodies = await Promise.all(newest.map((o) => getJson(s3, bucket, o.Key as string)));
  const reports = bodies.flatMap((body, i) =>
    isReport(body) ? [{ ...body, reportKey: newest[i]?.Key as string }] : [],
  );
  return { bucket, total: objects.length, reports };
}

function isReport(value: unknown): value is LoadReport {
  const r = value as Partial<LoadReport> | undefined;
  return (
    typeof r === 'object' && r !== null && typeof r.status === 'string' && typeof r.rowsRead === 'number'
  );
}
