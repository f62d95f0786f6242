/**
 * Resources a pipeline owns. A function granted a resource receives its physical name in
 * the environment variable `env` — the local runtime fills it from config (default: the
 * declared name), the cloud app from the resource it creates.
 */
export interface BucketResource {
  kind: 'bucket';
  /** Default (local) bucket name. */
  name: string;
  /** Env var carrying the physical name to granted functions. */
  env: string;
  /** Keep object versions (needed by replication sources on AWS). */
  versioned?: boolean;
}

export type KeyType = 'S' | 'N' | 'B';

export interface TableResource {
  kind: 'table';
  name: string;
  env: string;
  partitionKey: { name: string; type: KeyType };
  sortKey?: { name: string; type: KeyType };
}

export interface QueueResource {
  kind: 'queue';
  name: string;
  env: string;
}

export interface SecretResource {
  kind: 'secret';
  name: string;
  env: string;
}

export interface TopicResource {
  kind: 'topic';
  name: string;
  env: string;
}

export type Resource = BucketResource | TableResource | QueueResource | SecretResource | TopicResource;
export type ResourceKind = Resource['kind'];

type Declared<R extends Resource> = Omit<R, 'kind'>;

export const bucket = (spec: Declared<BucketResource>): BucketResource => ({ kind: 'bucket', ...spec });
export const table = (spec: Declared<TableResource>): TableResource => ({ kind: 'table', ...spec });
export const queue = (spec: Declared<QueueResource>): QueueResource => ({ kind: 'queue', ...spec });
export const secret = (spec: Declared<SecretResource>): SecretResource => ({ kind: 'secret', ...spec });
export const topic = (spec: Declared<TopicResource>): TopicResource => ({ kind: 'topic', ...spec });
