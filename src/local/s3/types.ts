import type { S3EventRecord } from 'aws-lambda';

export interface S3ServerOptions {
  host?: string;
  /** 0 = ephemeral. */
  port?: number;
  /** Where buckets, objects and metadata live; survives restart. */
  dataDir: string;
  region?: string;
  /** Accepted keys. */
  credentials: { accessKeyId: string; secretAccessKey: string }[];
  /** Awaited BEFORE the request is answered (so an accepted event is durable); if it throws, answer 500 InternalError. */
  onEvent?: (record: S3EventRecord) => Promise<void> | void;
}

export interface S3Server {
  url: string;
  port: number;
  host: string;
  close(): Promise<void>;
  /** Idempotent. */
  createBucket(name: string): Promise<void>;
}

export type ChecksumAlgorithm = 'CRC32' | 'CRC32C' | 'SHA1' | 'SHA256';

export interface StoredChecksum {
  algorithm: ChecksumAlgorithm;
  /** Base64; composite multipart checksums end in `-<parts>`. */
  value: string;
  type: 'FULL_OBJECT' | 'COMPOSITE';
}

/** A run of the object's bytes in a data file; multipart objects keep their parts as segments. */
export interface Segment {
  file: string;
  size: number;
  /** Set when the file is a pack shared by small objects: the bytes are [offset, offset + size). */
  offset?: number;
}

/** Headers S3 stores with an object and answers on GET/HEAD. */
export interface ObjectHeaders {
  contentType?: string;
  contentEncoding?: string;
  contentDisposition?: string;
  contentLanguage?: string;
  cacheControl?: string;
  expires?: string;
  /** x-amz-meta-* without the prefix, names lower-cased. */
  userMetadata: Record<string, string>;
}

export interface ObjectMeta extends ObjectHeaders {
  key: string;
  size: number;
  /** Without quotes. */
  etag: string;
  lastModified: string;
  segments: Segment[];
  tags: [string, string][];
  checksum?: StoredChecksum;
  partsCount?: number;
}

export interface PartMeta {
  partNumber: number;
  size: number;
  etag: string;
  lastModified: string;
  file: string;
  checksum?: string;
}

export interface UploadMeta extends ObjectHeaders {
  uploadId: string;
  key: string;
  initiated: string;
  tags: [string, string][];
  checksumAlgorithm?: ChecksumAlgorithm;
  parts: Record<string, PartMeta>;
}
