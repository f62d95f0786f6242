import type { RequestContext } from './context.js';
import { errors } from './errors.js';
import {
  createBucket,
  deleteBucket,
  getAcl,
  getBucketLocation,
  getBucketVersioning,
  headBucket,
  listBuckets,
  listObjectsV1,
  listObjectsV2,
} from './operations/buckets.js';
import {
  abortMultipartUpload,
  completeMultipartUpload,
  createMultipartUpload,
  listMultipartUploads,
  listParts,
  uploadPart,
  uploadPartCopy,
} from './operations/multipart.js';
import {
  copyObject,
  deleteObject,
  deleteObjects,
  deleteObjectTagging,
  getObject,
  getObjectTagging,
  putObject,
  putObjectTagging,
} from './operations/objects.js';

type Operation = (ctx: RequestContext) => void | Promise<void>;

/** Bucket subresources this endpoint does not implement (answered 501, never silently ignored). */
const UNSUPPORTED_BUCKET = [
  'accelerate',
  'analytics',
  'cors',
  'encryption',
  'intelligent-tiering',
  'inventory',
  'lifecycle',
  'logging',
  'metrics',
  'notification',
  'object-lock',
  'ownershipControls',
  'policy',
  'policyStatus',
  'publicAccessBlock',
  'replication',
  'requestPayment',
  'tagging',
  'versions',
  'website',
  'acl',
  'versioning',
  'metadataTable',
];
const UNSUPPORTED_OBJECT = [
  'acl',
  'attributes',
  'legal-hold',
  'restore',
  'retention',
  'select',
  'torrent',
  'renameObject',
];

function unsupported(ctx: RequestContext, names: string[]): string | undefined {
  return names.find((n) => ctx.query.has(n));
}

/** Picks the S3 operation from method, bucket/key presence and subresource parameters. */
export function operationFor(ctx: RequestContext): Operation {
  const { method, query } = ctx;
  if (ctx.bucket === undefined) {
    if (method === 'GET') return listBuckets;
    throw errors.methodNotAllowed(method);
  }
  if (ctx.key === undefined) {
    switch (method) {
      case 'GET':
        if (query.has('location')) return getBucketLocation;
        if (query.has('versioning')) return getBucketVersioning;
        if (query.has('acl')) return getAcl;
        if (query.has('uploads')) return listMultipartUploads;
        return notImplementedOr(
          ctx,
          UNSUPPORTED_BUCKET,
          query.get('list-type') === '2' ? listObjectsV2 : listObjectsV1,
        );
      case 'HEAD':
        return headBucket;
      case 'PUT':
        return notImplementedOr(ctx, UNSUPPORTED_BUCKET, createBucket);
      case 'DELETE':
        return notImplementedOr(ctx, UNSUPPORTED_BUCKET, deleteBucket);
      case 'POST':
        if (query.has('delete')) return deleteObjects;
        throw errors.notImplemented('POST object (browser form upload)');
      default:
        throw errors.methodNotAllowed(method);
    }
  }
  switch (method) {
    case 'GET':
      if (query.has('tagging')) return getObjectTagging;
      if (query.has('uploadId')) return listParts;
      if (query.has('acl')) return getAcl;
      return notImplementedOr(ctx, UNSUPPORTED_OBJECT, getObject);
    case 'HEAD':
      return getObject;
    case 'PUT':
      if (query.has('tagging')) return putObjectTagging;
      if (query.has('uploadId') || query.has('partNumber')) {
        return ctx.req.headers['x-amz-copy-source'] !== undefined ? uploadPartCopy : uploadPart;
      }
      return notImplementedOr(
        ctx,
        UNSUPPORTED_OBJECT,
        ctx.req.headers['x-amz-copy-source'] !== undefined ? copyObject : putObject,
      );
    case 'DELETE':
      if (query.has('tagging')) return deleteObjectTagging;
      if (query.has('uploadId')) return abortMultipartUpload;
      return deleteObject;
    case 'POST':
      if (query.has('uploads')) return createMultipartUpload;
      if (query.has('uploadId')) return completeMultipartUpload;
      return notImplementedOr(ctx, UNSUPPORTED_OBJECT, () => {
        throw errors.methodNotAllowed(method);
      });
    default:
      throw errors.methodNotAllowed(method);
  }
}

function notImplementedOr(ctx: RequestContext, names: string[], op: Operation): Operation {
  const name = unsupported(ctx, names);
  if (name !== undefined) throw errors.notImplemented(`${ctx.method} ?${name}`);
  return op;
}
