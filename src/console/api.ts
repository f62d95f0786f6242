import { type Context, Hono } from 'hono';
import { streamSSE } from 'hono/streaming';
import type { InvocationEvent } from '../local/runtime/events.js';
import type { DeadLetter } from '../local/runtime/queue.js';
import type { SequencedEvent } from './aggregates.js';
import type { ConsoleContext } from './context.js';
import { buildOverview } from './overview.js';
import { bucketCharts } from './panels/buckets.js';
import { csvLoadReports } from './panels/csv-loads.js';
import { ingestStatus } from './panels/ingest.js';
import { continuingCopies, replicationStatus } from './panels/replication.js';

/** A client error with its HTTP status; the API answers `{"message": …}`. */
export class ConsoleHttpError extends Error {
  constructor(
    readonly status: 400 | 404 | 405,
    message: string,
  ) {
    super(message);
  }
}

const DLQ_ID = /^[A-Za-z0-9-]{1,100}$/;
const SSE_KEEPALIVE_MS = 15_000;

/** Parses an optional integer query parameter within bounds; anything else is a 400. */
export function intParam(c: Context, name: string, min: number, max: number): number | undefined {
  const raw = c.req.query(name);
  if (raw === undefined) return undefined;
  if (!/^\d+$/.test(raw) || Number(raw) < min || Number(raw) > max) {
    throw new ConsoleHttpError(400, `query parameter ${name} must be an integer from ${min} to ${max}`);
  }
  return Number(raw);
}

function dlqId(c: Context): string {
  const id = c.req.param('id') ?? '';
  if (!DLQ_ID.test(id)) throw new ConsoleHttpError(400, `"${id.slice(0, 100)}" is not a DLQ entry id`);
  return id;
}

export function letterView(letter: DeadLetter) {
  return {
    id: letter.id,
    functionId: letter.functionId,
    attempts: letter.attempts,
    firstReceivedAt: letter.firstReceivedAt,
    failedAt: letter.failedAt,
    error: { name: letter.error.name, message: letter.error.message, stack: letter.error.stack },
    errors: letter.errors.map((e) => ({ name: e.name, message: e.message, at: e.at })),
    event: letter.event,
  };
}

/**
 * The console's JSON API under `/console/api`. Every route answers one method; another
 * method on a known path is a 405 with `Allow`.
 */
export function consoleApi(ctx: ConsoleContext): Hono {
  const api = new Hono();
  const routes = new Map<string, string[]>();
  const route = (
    method: 'GET' | 'POST',
    path: string,
    handler: (c: Context) => Response | Promise<Response>,
  ) => {
    routes.set(path, [...(routes.get(path) ?? []), method]);
    api.on(method, path, handler);
  };

  route('GET', '/overview', (c) => c.json(buildOverview(ctx.overviewSources())));

  route('GET', '/functions/:id/runs', (c) => {
    const id = c.req.param('id') ?? '';
    if (!ctx.functions.has(id) && ctx.history.aggregates.summary(id) === undefined) {
      throw new ConsoleHttpError(
        404,
        `unknown function "${id}"; known: ${[...ctx.functions.keys()].join(', ')}`,
      );
    }
    return c.json({ functionId: id, runs: ctx.history.aggregates.recentRuns(id) });
  });

  route('GET', '/events/recent', (c) => {
    const after = intParam(c, 'after', 0, Number.MAX_SAFE_INTEGER) ?? 0;
    const limit = intParam(c, 'limit', 1, 500) ?? 100;
    return c.json({
      lastSeq: ctx.history.aggregates.lastSeq,
      events: ctx.history.aggregates.recentEvents(after, limit),
    });
  });

  route('GET', '/events', (c) => {
    const lastEventId = c.req.header('last-event-id');
    const after =
      intParam(c, 'after', 0, Number.MAX_SAFE_INTEGER) ??
      (lastEventId !== undefined && /^\d+$/.test(lastEventId) ? Number(lastEventId) : undefined);
    return streamSSE(c, async (stream) => {
      const queue: SequencedEvent[] = [];
      let wake: (() => void) | undefined;
      let closed = false;
      const stop = () => {
        closed = true;
        wake?.();
      };
      const unsubscribe = ctx.subscribe((seq: number, event: InvocationEvent) => {
        queue.push({ seq, event });
        wake?.();
      });
      const unregister = ctx.onClose(stop);
      stream.onAbort(stop);
      try {
        // The backlog first (after a reconnect: only what was missed), then live events.
        const backlog = ctx.history.aggregates.recentEvents(after ?? 0, after === undefined ? 100 : 500);
        for (const e of backlog)
          await stream.writeSSE({ id: String(e.seq), event: 'invocation', data: JSON.stringify(e.event) });
        let sent = backlog.at(-1)?.seq ?? after ?? 0;
        while (!closed) {
          const batch = queue.splice(0);
          for (const e of batch) {
            if (e.seq <= sent) continue;
            await stream.writeSSE({ id: String(e.seq), event: 'invocation', data: JSON.stringify(e.event) });
            sent = e.seq;
          }
          if (closed) break;
          if (queue.length === 0) {
            await new Promise<void>((resolve) => {
              wake = resolve;
              setTimeout(resolve, SSE_KEEPALIVE_MS).unref();
            });
            wake = undefined;
            if (queue.length === 0 && !closed) await stream.write(': keep-alive\n\n');
          }
        }
      } finally {
        unsubscribe();
        unregister();
      }
    });
  });

  route('GET', '/dlq', (c) => c.json({ depth: ctx.dlq.depth(), entries: ctx.dlq.list().map(letterView) }));

  route('GET', '/dlq/:id', (c) => {
    const id = dlqId(c);
    const letter = ctx.dlq.letters.get(id);
    if (!letter) throw new ConsoleHttpError(404, `no DLQ entry "${id}"`);
    return c.json(letterView(letter));
  });

  route('POST', '/dlq/:id/redrive', (c) => {
    const id = dlqId(c);
    const letter = ctx.dlq.letters.get(id);
    if (!letter) throw new ConsoleHttpError(404, `no DLQ entry "${id}"`);
    const moved = ctx.dlq.redrive(id);
    if (moved.length === 0) throw new ConsoleHttpError(404, `no DLQ entry "${id}"`);
    ctx.record({
      type: 'redriven',
      at: new Date().toISOString(),
      functionId: letter.functionId,
      entryId: id,
      source: 'async',
    });
    ctx.kickQueue();
    return c.json({ redriven: moved });
  });

  route('POST', '/dlq/:id/discard', (c) => {
    const id = dlqId(c);
    const letter = ctx.dlq.letters.get(id);
    if (!letter || !ctx.dlq.discard(id)) throw new ConsoleHttpError(404, `no DLQ entry "${id}"`);
    ctx.record({
      type: 'discarded',
      at: new Date().toISOString(),
      functionId: letter.functionId,
      entryId: id,
      source: 'async',
    });
    return c.json({ discarded: id });
  });

  route('POST', '/dlq/redrive-all', (c) => {
    const letters = ctx.dlq.list();
    const moved = new Set(ctx.dlq.redrive());
    for (const letter of letters) {
      if (!moved.has(letter.id)) continue;
      ctx.record({
        type: 'redriven',
        at: new Date().toISOString(),
        functionId: letter.functionId,
        entryId: letter.id,
        source: 'async',
      });
    }
    ctx.kickQueue();
    return c.json({ redriven: [...moved] });
  });

  route('GET', '/buckets', (c) => {
    const hours = intParam(c, 'hours', 1, 24 * 366);
    const since = hours === undefined ? undefined : new Date(Date.now() - hours * 3_600_000);
    return c.json(bucketCharts(ctx.metrics.read(), ctx.bucketNamespace(), since));
  });

  route('GET', '/replication', async (c) => {
    const id = 'replication.replicate';
    const status = replicationStatus(
      ctx.metrics.read(),
      ctx.pending().get(id),
      ctx.history.aggregates.summary(id),
      ctx.functions.has(id),
    );
    const state = ctx.resourceName('replication', 'state');
    if (state === undefined) return c.json(status);
    return c.json({ ...status, continuing: await continuingCopies(ctx.stores().s3, state) });
  });

  route('GET', '/csv-loads', async (c) => {
    const limit = intParam(c, 'limit', 1, 100) ?? 20;
    const bucket = ctx.resourceName('csv-load', 'landing');
    if (bucket === undefined) throw new ConsoleHttpError(404, 'the csv-load pipeline is not running');
    return c.json(await csvLoadReports(ctx.stores().s3, bucket, limit));
  });

  route('GET', '/ingest', async (c) => {
    const table = ctx.resourceName('ingest', 'records');
    const summaryBucket = ctx.resourceName('ingest', 'summaries');
    if (table === undefined || summaryBucket === undefined) {
      throw new ConsoleHttpError(404, 'the ingest pipeline is not running');
    }
    return c.json(
      await ingestStatus(
        ctx.stores(),
        { table, summaryBucket },
        ctx.history.aggregates.summary('ingest.api'),
      ),
    );
  });

  // A known path with another method: 405, not the 404 of an unknown path.
  for (const [path, methods] of routes) {
    api.all(path, (c) => {
      const allow = [...methods, ...(methods.includes('GET') ? ['HEAD'] : [])].join(', ');
      return c.json({ message: `${c.req.method} is not allowed here; use ${methods.join(' or ')}` }, 405, {
        Allow: allow,
      });
    });
  }
  api.notFound((c) => c.json({ message: `no console API at ${new URL(c.req.url).pathname}` }, 404));
  return api;
}
