import { HeadObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { META } from './constants.js';
import { unquote } from './object-headers.js';
import { statusOf } from './s3-errors.js';
import { sendOptions } from './send-options.js';

/** What the target's copy of a key says about the source it came from. */
export interface TargetState {
  size: number;
  etag: string;
  sourceEtag?: string;
  sequencer?: string;
}

/** HEAD on the target; undefined when it has no such key. Other errors are thrown. */
export async function headTarget(
  client: S3Client,
  bucket: string,
  key: string,
  signal?: AbortSignal,
): Promise<TargetState | undefined> {
  try {
    const out = await client.send(new HeadObjectCommand({ Bucket: bucket, Key: key }), sendOptions(signal));
    const meta = out.Metadata ?? {};
    return {
      size: out.ContentLength ?? 0,
      etag: unquote(out.ETag),
      ...(meta[META.sourceEtag] ? { sourceEtag: meta[META.sourceEtag] } : {}),
      ...(meta[META.sequencer] ? { sequencer: meta[META.sequencer] } : {}),
    };
  } catch (err) {
    // HEAD answers carry no body, so a missing key and a missing bucket are both a bare 404;
    // the write that follows names a missing bucket properly.
    if (statusOf(err) === 404) return undefined;
    throw err;
  }
}

/** The target holds this very source version: same size and the source ETag it recorded (or its own, for single-part copies). */
export function holdsVersion(
  state: TargetState | undefined,
  source: { etag: string; size: number },
): boolean {
  if (!state || state.size !== source.size) return false;
  const etag = unquote(source.etag);
  return state.sourceEtag === etag || (state.sourceEtag === undefined && state.etag === etag);
}
