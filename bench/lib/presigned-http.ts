// The leanest S3 client a copier could have, for measuring an endpoint's own ceiling: URLs are
// presigned before the clock starts (SigV4 query auth, UNSIGNED-PAYLOAD), then requests go over
// plain node:http with keep-alive — no SDK middleware, no per-request signing on the client.
import http from 'node:http';
import type { S3Client } from '@aws-sdk/client-s3';
import { S3RequestPresigner } from '@aws-sdk/s3-request-presigner';

export interface PresignedHttp {
  /** Presigned URL (path + query) for `method` on `bucket/key`. */
  presign(method: 'GET' | 'PUT', bucket: string, key: string): Promise<string>;
  get(pathAndQuery: string): Promise<Buffer>;
  put(pathAndQuery: string, body: Buffer): Promise<void>;
  close(): void;
}

/** A presigned-URL client for the path-style endpoint `client` talks to, with its credentials. */
export function presignedHttp(client: S3Client, endpoint: string, sockets: number): PresignedHttp {
  const url = new URL(endpoint);
  const presigner = new S3RequestPresigner({ ...client.config, signingName: 's3' });
  const agent = new http.Agent({ keepAlive: true, maxSockets: sockets });
  const port = Number(url.port);

  const send = (method: string, pathAndQuery: string, body?: Buffer): Promise<Buffer> =>
    new Promise((resolve, reject) => {
      const req = http.request(
        {
          agent,
          host: url.hostname,
          port,
          method,
          path: pathAndQuery,
          headers: body ? { 'content-length': body.length } : {},
        },
        (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (c: Buffer) => chunks.push(c));
          res.on('end', () => {
            const out = Buffer.concat(chunks);
            if ((res.statusCode ?? 0) >= 300) {
              reject(
                new Error(`${method} ${pathAndQuery}: ${res.statusCode} ${out.toString().slice(0, 200)}`),
              );
            } else resolve(out);
          });
          res.on('error', reject);
        },
      );
      req.on('error', reject);
      req.end(body);
    });

  return {
    async presign(method, bucket, key) {
      const signed = await presigner.presign(
        {
          method,
          protocol: url.protocol,
          hostname: url.hostname,
          port,
          path: `/${bucket}/${key.split('/').map(encodeURIComponent).join('/')}`,
          query: {},
          headers: { host: url.host },
        },
        { expiresIn: 3600 },
      );
      const query = Object.entries(signed.query ?? {})
        .map(([k, v]) => `${encodeURIComponent(k)}=${encodeURIComponent(String(v))}`)
        .join('&');
      return `${signed.path}?${query}`;
    },
    get: (pathAndQuery) => send('GET', pathAndQuery),
    put: async (pathAndQuery, body) => {
      await send('PUT', pathAndQuery, body);
    },
    close: () => agent.destroy(),
  };
}
