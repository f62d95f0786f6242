import { type AttributeValue, type DynamoDBClient, ScanCommand } from '@aws-sdk/client-dynamodb';
import type { S3Client } from '@aws-sdk/client-s3';
import { SUMMARY_PREFIX } from '../../pipelines/ingest/constants.js';
import type { FunctionSummary } from '../aggregates.js';
import { getJson, listFolders } from './s3-json.js';

export interface IngestStatus {
  table: string;
  /** Items in the records table; `complete: false` when counting stopped at the time budget. */
  records: { count: number; complete: boolean };
  /** HTTP invocations of `ingest.api` (every request that reached the function). */
  api?: FunctionSummary;
  summaryBucket: string;
  latestSummary?: { key: string; summary: unknown };
}

const COUNT_BUDGET_MS = 1_500;

/** Counts a table's items with Scan (Select COUNT), stopping at a time budget. */
export async function countItems(
  dynamo: DynamoDBClient,
  table: string,
  budgetMs = COUNT_BUDGET_MS,
): Promise<{ count: number; complete: boolean }> {
  const deadline = Date.now() + budgetMs;
  let count = 0;
  let start: Record<string, AttributeValue> | undefined;
  do {
    const page = await dynamo.send(
      new ScanCommand({ TableName: table, Select: 'COUNT', ...(start ? { ExclusiveStartKey: start } : {}) }),
    );
    count += page.Count ?? 0;
    start = page.LastEvaluatedKey;
    if (start && Date.now() > deadline) return { count, complete: false };
  } while (start);
  return { count, complete: true };
}

/** The newest week's `summaries/<week>/summary.json` (ISO week labels sort as text). */
export async function latestSummary(
  s3: S3Client,
  bucket: string,
): Promise<{ key: string; summary: unknown } | undefined> {
  const weeks = (await listFolders(s3, bucket, SUMMARY_PREFIX)).sort().reverse();
  for (const week of weeks) {
    const key = `${week}summary.json`;
    const summary = await getJson(s3, bucket, key);
    if (summary !== undefined) return { key, summary };
  }
  return undefined;
}

export async function ingestStatus(
  stores: { s3: S3Client; dynamo: DynamoDBClient },
  names: { table: string; summaryBucket: string },
  api: FunctionSummary | undefined,
): Promise<IngestStatus> {
  const [records, summary] = await Promise.all([
    countItems(stores.dynamo, names.table),
    latestSummary(stores.s3, names.summaryBucket),
  ]);
  return {
    table: names.table,
    records,
    ...(api ? { api } : {}),
    summaryBucket: names.summaryBucket,
    ...(summary ? { latestSummary: summary } : {}),
  };
}
