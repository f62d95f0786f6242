import { createServer, type IncomingMessage, request, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface FaultProxy {
  url: string;
  /** Requests seen, and how many were answered with a fault. */
  stats: { requests: number; faults: number; resets: number };
  close(): Promise<void>;
}

/** An S3 error answer, or `reset`: the connection is cut with no answer at all. */
export type Fault = { status: number; code: string } | 'reset';

/** Decides per request: undefined forwards it; a fault is answered instead (its body read first). */
export type FaultRule = (req: IncomingMessage, index: number) => Fault | undefined;

/**
 * Every `n`th request fails, taking turns: 503 SlowDown (an overloaded S3), 500 InternalError,
 * and a connection reset.
 */
export const everyNth = (n: number): FaultRule => {
  const faults: Fault[] = [
    { status: 503, code: 'SlowDown' },
    { status: 500, code: 'InternalError' },
    'reset',
  ];
  let turn = 0;
  return (_req, index) => (index % n === n - 1 ? faults[turn++ % faults.length] : undefined);
};

/**
 * A tiny HTTP proxy in front of an S3 endpoint. It forwards requests untouched — the Host
 * header too, so SigV4 signatures stay valid — except those the rule turns into S3 errors.
 */
export async function startFaultProxy(
  upstream: string,
  rule: FaultRule,
  /** Holds back the upstream's answer to a request this many ms (a slow store). */
  delayMs: (req: IncomingMessage) => number = () => 0,
): Promise<FaultProxy> {
  const target = new URL(upstream);
  const stats = { requests: 0, faults: 0, resets: 0 };
  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const fault = rule(req, stats.requests++);
    if (fault === 'reset') {
      stats.faults++;
      stats.resets++;
      req.socket.destroy();
      return;
    }
    if (fault) {
      stats.faults++;
      req.resume();
      req.on('end', () => {
        const body = `<?xml version="1.0" encoding="UTF-8"?><Error><Code>${fault.code}</Code><Message>injected fault</Message></Error>`;
        res.writeHead(fault.status, {
          'content-type': 'application/xml',
          'content-length': Buffer.byteLength(body),
        });
        res.end(body);
      });
      return;
    }
    const forward = request(
      { host: target.hostname, port: target.port, method: req.method, path: req.url, headers: req.headers },
      (upstreamRes) => {
        setTimeout(() => {
          res.writeHead(upstreamRes.statusCode ?? 502, upstreamRes.headers);
          upstreamRes.pipe(res);
        }, delayMs(req));
      },
    );
    forward.on('error', () => res.destroy());
    req.pipe(forward);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    stats,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
