/**
 * The gateway's request body, limited like API Gateway's payload.
 *
 * Read straight from Node's request when the app is served by @hono/node-server (the runtime
 * always is): asking Hono for the body makes @hono/node-server build a full fetch Request and
 * a web stream around the Node request first — measured: 28 % of the runtime's CPU per
 * `POST /ingest/post`. Without a Node request (`app.request()` in tests) Hono's body is read.
 */
import type { IncomingMessage } from 'node:http';
import type { HttpBindings } from '@hono/node-server';
import type { Context } from 'hono';

export const TOO_LARGE = Symbol('too large');

export async function readBody(c: Context, maxBytes: number): Promise<Uint8Array | typeof TOO_LARGE> {
  const declared = c.req.header('content-length');
  if (declared !== undefined && Number(declared) > maxBytes) return TOO_LARGE;
  const incoming = (c.env as Partial<HttpBindings> | undefined)?.incoming;
  if (incoming) return readIncoming(incoming, maxBytes);
  const body = new Uint8Array(await c.req.arrayBuffer());
  return body.byteLength > maxBytes ? TOO_LARGE : body;
}

/**
 * Past the limit (a body without Content-Length, or one longer than it said) the rest is
 * discarded as it arrives rather than the request destroyed, so the 413 still reaches the client.
 */
function readIncoming(incoming: IncomingMessage, maxBytes: number): Promise<Uint8Array | typeof TOO_LARGE> {
  // Would wait forever for an 'end' that has passed: fail instead (nothing reads it before us).
  if (incoming.readableEnded) return Promise.reject(new Error('the request body was already read'));
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const onData = (chunk: Buffer) => {
      size += chunk.length;
      if (size <= maxBytes) {
        chunks.push(chunk);
        return;
      }
      incoming.off('data', onData);
      incoming.off('end', onEnd);
      incoming.resume();
      resolve(TOO_LARGE);
    };
    const onEnd = () => resolve(Buffer.concat(chunks, size));
    incoming.on('data', onData);
    incoming.once('end', onEnd);
    incoming.once('error', reject);
  });
}
