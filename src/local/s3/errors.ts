/** An S3 error answer: the code and status S3 itself uses, so every client maps it right. */
export class S3Error extends Error {
  constructor(
    readonly code: string,
    message: string,
    readonly status: number,
    /** Extra response headers (e.g. Content-Range on 416). */
    readonly headers: Record<string, string> = {},
    /** Extra elements inside <Error> (e.g. BucketName). */
    readonly details: Record<string, string> = {},
  ) {
    super(message);
    this.name = 'S3Error';
  }
}

export const isS3Error = (err: unknown): err is S3Error => err instanceof S3Error;

export const errors = {
  accessDenied: (message = 'Access Denied') => new S3Error('AccessDenied', message, 403),
  badDigest: () =>
    new S3Error('BadDigest', 'The Content-MD5 you specified did not match what we received.', 400),
  bucketAlreadyOwnedByYou: (bucket: string) =>
    new S3Error(
      'BucketAlreadyOwnedByYou',
      'Your previous request to create the named bucket succeeded and you already own it.',
      409,
      {},
      { BucketName: bucket },
    ),
  bucketNotEmpty: (bucket: string) =>
    new S3Error(
      'BucketNotEmpty',
      'The bucket you tried to delete is not empty',
      409,
      {},
      { BucketName: bucket },
    ),
  entityTooSmall: () =>
    new S3Error(
      'EntityTooSmall',
      'Your proposed upload is smaller than the minimum allowed object size.',
      400,
    ),
  incompleteBody: () =>
    new S3Error('IncompleteBody', 'You did not provide the number of bytes specified by the headers', 400),
  internal: (message = 'We encountered an internal error. Please try again.') =>
    new S3Error('InternalError', message, 500),
  invalidArgument: (message: string, name?: string, value?: string) =>
    new S3Error(
      'InvalidArgument',
      message,
      400,
      {},
      name === undefined ? {} : { ArgumentName: name, ArgumentValue: value ?? '' },
    ),
  invalidBucketName: (bucket: string) =>
    new S3Error('InvalidBucketName', 'The specified bucket is not valid.', 400, {}, { BucketName: bucket }),
  invalidDigest: () => new S3Error('InvalidDigest', 'The Content-MD5 you specified is not valid.', 400),
  invalidPart: (message = 'One or more of the specified parts could not be found.') =>
    new S3Error('InvalidPart', message, 400),
  invalidPartOrder: () =>
    new S3Error('InvalidPartOrder', 'The list of parts was not in ascending order.', 400),
  invalidRange: (size: number) =>
    new S3Error('InvalidRange', 'The requested range is not satisfiable', 416, {
      'Content-Range': `bytes */${size}`,
    }),
  invalidRequest: (message: string) => new S3Error('InvalidRequest', message, 400),
  invalidTag: (message: string) => new S3Error('InvalidTag', message, 400),
  keyTooLong: () => new S3Error('KeyTooLongError', 'Your key is too long', 400),
  malformedXml: () =>
    new S3Error(
      'MalformedXML',
      'The XML you provided was not well-formed or did not validate against our published schema',
      400,
    ),
  metadataTooLarge: () =>
    new S3Error('MetadataTooLarge', 'Your metadata headers exceed the maximum allowed metadata size', 400),
  methodNotAllowed: (method: string) =>
    new S3Error(
      'MethodNotAllowed',
      'The specified method is not allowed against this resource.',
      405,
      {},
      {
        Method: method,
        ResourceType: 'OBJECT',
      },
    ),
  noSuchBucket: (bucket: string) =>
    new S3Error('NoSuchBucket', 'The specified bucket does not exist', 404, {}, { BucketName: bucket }),
  noSuchKey: (key: string) =>
    new S3Error('NoSuchKey', 'The specified key does not exist.', 404, {}, { Key: key }),
  noSuchUpload: (uploadId: string) =>
    new S3Error(
      'NoSuchUpload',
      'The specified upload does not exist. The upload ID may be invalid, or the upload may have been aborted or completed.',
      404,
      {},
      { UploadId: uploadId },
    ),
  notImplemented: (what: string) =>
    new S3Error('NotImplemented', `${what} is not implemented by the Tributary local S3 endpoint`, 501),
  preconditionFailed: (condition: string) =>
    new S3Error(
      'PreconditionFailed',
      'At least one of the pre-conditions you specified did not hold',
      412,
      {},
      { Condition: condition },
    ),
  contentSha256Mismatch: () =>
    new S3Error(
      'XAmzContentSHA256Mismatch',
      "The provided 'x-amz-content-sha256' header does not match what was computed.",
      400,
    ),
  signatureDoesNotMatch: () =>
    new S3Error(
      'SignatureDoesNotMatch',
      'The request signature we calculated does not match the signature you provided. Check your key and signing method.',
      403,
    ),
} as const;
