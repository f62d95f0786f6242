import type { IncomingMessage, ServerResponse } from 'node:http';
import type { S3EventRecord } from 'aws-lambda';
import type { BodySinks } from './body-file.js';
import type { BufferPool } from './buffer-pool.js';
import { S3_XMLNS } from './constants.js';
import { errors } from './errors.js';
import { type EventInput, eventRecord } from './events.js';
import type { Authenticated } from './sigv4.js';
import type { Store } from './store.js';
import { escapeXml, type XmlNode, xmlDocument } from './xml.js';

/** What every operation needs: the server's state and the request being answered. */
export interface ServerState {
  store: Store;
  /** Shared slots and hash threads that request bodies go through (body-file.ts). */
  bodies: BodySinks;
  /** Reused read buffers for GET bodies. */
  readBuffers: BufferPool;
  region: string;
  onEvent?: (record: S3EventRecord) => Promise<void> | void;
}

export interface RequestContext {
  server: ServerState;
  req: IncomingMessage;
  res: ServerResponse;
  requestId: string;
  hostId: string;
  method: string;
  bucket: string | undefined;
  key: string | undefined;
  /** Decoded query parameters (first value wins). */
  query: Map<string, string>;
  auth: Authenticated;
}

export function header(ctx: RequestContext, name: string): string | undefined {
  const v = ctx.req.headers[name];
  return Array.isArray(v) ? v.join(',') : v;
}

export function sendXml(
  ctx: RequestContext,
  root: string,
  body: XmlNode,
  status = 200,
  headers: Record<string, string> = {},
): void {
  sendXmlString(ctx, xmlDocument(root, body, S3_XMLNS), status, headers);
}

/** A document whose root holds only text (LocationConstraint). */
export function sendXmlText(ctx: RequestContext, root: string, text: string): void {
  sendXmlString(
    ctx,
    `<?xml version="1.0" encoding="UTF-8"?>\n<${root} xmlns="${S3_XMLNS}">${escapeXml(text)}</${root}>`,
  );
}

function sendXmlString(
  ctx: RequestContext,
  xml: string,
  status = 200,
  headers: Record<string, string> = {},
): void {
  ctx.res.writeHead(status, {
    ...headers,
    'Content-Type': 'application/xml',
    'Content-Length': Buffer.byteLength(xml),
  });
  ctx.res.end(ctx.method === 'HEAD' ? undefined : xml);
}

export function sendEmpty(
  ctx: RequestContext,
  status = 200,
  headers: Record<string, string | number> = {},
): void {
  ctx.res.writeHead(status, { ...headers, 'Content-Length': headers['Content-Length'] ?? 0 });
  ctx.res.end();
}

/** Delivers an event before the request is answered; a failing consumer turns the answer into a 500. */
export async function emit(
  ctx: RequestContext,
  input: Omit<EventInput, 'region' | 'requestId' | 'hostId' | 'sourceIp' | 'principalId'>,
): Promise<void> {
  const onEvent = ctx.server.onEvent;
  if (!onEvent) return;
  const record = eventRecord({
    ...input,
    region: ctx.server.region,
    requestId: ctx.requestId,
    hostId: ctx.hostId,
    sourceIp: (ctx.req.socket.remoteAddress ?? '127.0.0.1').replace(/^::ffff:/, ''),
    principalId: `AWS:${ctx.auth.accessKeyId}`,
  });
  try {
    await onEvent(record);
  } catch (err) {
    throw errors.internal(
      `The object was stored but its event could not be delivered: ${err instanceof Error ? err.message : String(err)}`,
    );
  }
}

export function requireBucket(ctx: RequestContext): string {
  if (ctx.bucket === undefined) throw errors.methodNotAllowed(ctx.method);
  return ctx.bucket;
}

export function requireKey(ctx: RequestContext): string {
  if (ctx.key === undefined) throw errors.methodNotAllowed(ctx.method);
  return ctx.key;
}
