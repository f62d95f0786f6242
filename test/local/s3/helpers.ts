import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { S3Client, type S3ClientConfig } from '@aws-sdk/client-s3';
import type { S3EventRecord } from 'aws-lambda';
import {
  LOCAL_ACCESS_KEY_ID,
  LOCAL_SECRET_ACCESS_KEY,
  type S3Server,
  startS3Server,
} from '../../../src/local/s3/index.js';

export const credentials = { accessKeyId: LOCAL_ACCESS_KEY_ID, secretAccessKey: LOCAL_SECRET_ACCESS_KEY };

export interface TestEndpoint {
  server: S3Server;
  dataDir: string;
  events: S3EventRecord[];
  client(config?: Partial<S3ClientConfig>): S3Client;
  /** Stops the server (keeping its data dir when `keepData`). */
  stop(keepData?: boolean): Promise<void>;
}

/** An endpoint on an ephemeral port over a fresh temp dir, recording the events it emits. */
export async function startTestEndpoint(dataDir?: string): Promise<TestEndpoint> {
  const dir = dataDir ?? (await mkdtemp(path.join(os.tmpdir(), 'tributary-s3-')));
  const events: S3EventRecord[] = [];
  const server = await startS3Server({
    dataDir: dir,
    port: 0,
    credentials: [credentials],
    onEvent: (record) => {
      events.push(record);
    },
  });
  const clients: S3Client[] = [];
  return {
    server,
    dataDir: dir,
    events,
    client(config = {}) {
      const c = new S3Client({
        endpoint: server.url,
        region: 'us-east-1',
        forcePathStyle: true,
        credentials,
        ...config,
      });
      clients.push(c);
      return c;
    },
    async stop(keepData = false) {
      for (const c of clients) c.destroy();
      await server.close();
      if (!keepData) await rm(dir, { recursive: true, force: true });
    },
  };
}
