import type { KeyType, TableResource } from '../../core/resources.js';

export interface DynamoServerOptions {
  /** Interface to bind; default 127.0.0.1. */
  host?: string;
  /** 0 (default) picks an ephemeral port. */
  port?: number;
  /** On-disk LevelDB directory that survives restarts; in memory when omitted. */
  dataDir?: string;
  /**
   * Keys whose SigV4 signatures are verified on every request (wrong key → 400
   * UnrecognizedClientException, bad signature or clock skew → 400 InvalidSignatureException).
   * Without it any signature is accepted, as dynalite does.
   */
  credentials?: { accessKeyId: string; secretAccessKey: string }[];
}

/** A table's key schema; a `TableResource` from a pipeline declaration is one. */
export interface TableSpec {
  name: string;
  partitionKey: { name: string; type: KeyType };
  sortKey?: { name: string; type: KeyType };
}

export interface DynamoServer {
  /** Endpoint for SDK clients, e.g. http://127.0.0.1:8000. */
  url: string;
  port: number;
  host: string;
  close(): Promise<void>;
  /** Creates the table (on-demand) if missing and waits until it is ACTIVE. Idempotent. */
  ensureTable(spec: TableSpec): Promise<void>;
}

// A declared table must be usable as a TableSpec as it is.
type Assignable<T extends U, U> = T;
export type TableResourceIsTableSpec = Assignable<TableResource, TableSpec>;
