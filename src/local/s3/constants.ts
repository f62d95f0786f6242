/** Documented local credentials; the local runtime's config defaults repeat them. */
export const LOCAL_ACCESS_KEY_ID = 'tributary';
export const LOCAL_SECRET_ACCESS_KEY = 'tributary-local-secret';

export const DEFAULT_HOST = '127.0.0.1';
export const DEFAULT_REGION = 'us-east-1';

export const S3_XMLNS = 'http://s3.amazonaws.com/doc/2006-03-01/';

/** The one owner every bucket and object has locally. */
export const OWNER = { id: '7472696275746172796c6f63616c6f776e6572', displayName: 'tributary' } as const;

export const LIMITS = {
  keyBytes: 1024,
  userMetadataBytes: 2048,
  /** Node's own limit; S3 allows 8 KB of headers, but presigned URLs and metadata need room. */
  headerBytes: 16 * 1024,
  minPartSize: 5 * 1024 * 1024,
  maxPartNumber: 10_000,
  maxKeys: 1000,
  maxDeleteObjects: 1000,
  maxTags: 10,
  maxTagKeyLength: 128,
  maxTagValueLength: 256,
  /** XML request bodies (DeleteObjects of 1,000 long keys fits). */
  maxXmlBodyBytes: 2 * 1024 * 1024,
  clockSkewMs: 15 * 60 * 1000,
  maxPresignExpiresSeconds: 7 * 24 * 3600,
} as const;

export const EMPTY_SHA256 = 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855';
export const UNSIGNED_PAYLOAD = 'UNSIGNED-PAYLOAD';
export const STREAMING_SIGNED = 'STREAMING-AWS4-HMAC-SHA256-PAYLOAD';
export const STREAMING_SIGNED_TRAILER = 'STREAMING-AWS4-HMAC-SHA256-PAYLOAD-TRAILER';
export const STREAMING_UNSIGNED_TRAILER = 'STREAMING-UNSIGNED-PAYLOAD-TRAILER';

/** Read/write buffer for object data: big buffers mean fewer syscalls per GiB. */
export const IO_CHUNK = 1024 * 1024;
