import { z } from 'zod';
import type { Checkpoint } from './types.js';

const invalidRow = z.object({
  line: z.number(),
  reason: z.string(),
  raw: z.string(),
  rawTruncated: z.boolean().optional(),
});

const counters = z.object({
  rowsRead: z.number().int().min(0),
  rowsWritten: z.number().int().min(0),
  rowsInvalid: z.number().int().min(0),
  rowsCollapsed: z.number().int().min(0),
  bytesRead: z.number().int().min(0),
});

const schema = z.object({
  version: z.literal(1),
  bucket: z.string().min(1),
  key: z.string().min(1),
  etag: z.string().optional(),
  gzip: z.boolean(),
  position: z.object({
    offset: z.number().int().min(0),
    line: z.number().int().min(0),
    header: z.array(z.string()).min(1),
  }),
  counters,
  startedAt: z.string(),
  durationMs: z.number().min(0),
  invocations: z.number().int().min(1),
  invalidRecords: z.array(z.string()),
  invalidSample: z.array(invalidRow),
});

/** A checkpoint object's content; anything else (hand-written, truncated) is refused. */
export function parseCheckpoint(text: string): Checkpoint | undefined {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    return undefined;
  }
  const parsed = schema.safeParse(json);
  return parsed.success ? (parsed.data as Checkpoint) : undefined;
}
