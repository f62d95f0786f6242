/**
 * `/navigate` answers, serialized, for a few seconds. A group of 10,000 runs is ten S3 list
 * pages and a 600 KB body; the browser and scripts ask for the same folder again and again.
 * POST /telemetry drops the root and its group's entries in this instance; files uploaded
 * straight to S3 (presigned PUT) show up when the entry expires.
 */
const MAX_ENTRIES = 200;

interface Entry {
  expires: number;
  body: string;
  nextCursor?: string;
}

export class ListingCache {
  private readonly entries = new Map<string, Entry>();

  get(key: string, now = Date.now()): Entry | undefined {
    const entry = this.entries.get(key);
    if (entry && entry.expires > now) return entry;
    if (entry) this.entries.delete(key);
    return undefined;
  }

  set(key: string, ttlSeconds: number, body: string, nextCursor?: string, now = Date.now()): void {
    if (ttlSeconds <= 0) return;
    if (this.entries.size >= MAX_ENTRIES) this.entries.delete(this.entries.keys().next().value as string);
    this.entries.set(key, { expires: now + ttlSeconds * 1000, body, ...(nextCursor ? { nextCursor } : {}) });
  }

  /** Forgets every cached page of the listings of these prefixes. */
  invalidate(bucket: string, prefixes: string[]): void {
    for (const key of this.entries.keys()) {
      if (prefixes.some((p) => key.startsWith(`${bucket}\n${p}\n`))) this.entries.delete(key);
    }
  }
}

export const listingKey = (bucket: string, prefix: string, rest: string): string =>
  `${bucket}\n${prefix}\n${rest}`;
