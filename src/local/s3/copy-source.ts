import { copyFile, link } from 'node:fs/promises';
import { header, type RequestContext } from './context.js';
import { safeDecode } from './encoding.js';
import { errors } from './errors.js';
import { evaluateConditions, readConditions } from './object-headers.js';
import type { BucketState, Store } from './store.js';
import type { ObjectMeta, Segment } from './types.js';

export interface CopySource {
  bucket: BucketState;
  meta: ObjectMeta;
}

/** Resolves x-amz-copy-source (`[/]bucket/key[?versionId=…]`, URL-encoded) and its x-amz-copy-source-if-* conditions. */
export function resolveCopySource(ctx: RequestContext): CopySource {
  const raw = header(ctx, 'x-amz-copy-source') ?? '';
  const q = raw.indexOf('?');
  const pathPart = safeDecode((q === -1 ? raw : raw.slice(0, q)).replace(/^\//, ''));
  const slash = pathPart.indexOf('/');
  if (slash <= 0 || slash === pathPart.length - 1) {
    throw errors.invalidArgument(
      'Copy Source must mention the source bucket and key: sourcebucket/sourcekey',
      'x-amz-copy-source',
      raw,
    );
  }
  if (q !== -1) {
    const versionId = new URLSearchParams(raw.slice(q + 1)).get('versionId');
    if (versionId !== null && versionId !== 'null')
      throw errors.invalidArgument('Invalid version id specified', 'versionId', versionId);
  }
  const bucket = ctx.server.store.bucket(pathPart.slice(0, slash));
  const key = pathPart.slice(slash + 1);
  const meta = bucket.index.get(key);
  if (!meta) throw errors.noSuchKey(key);
  if (evaluateConditions(readConditions(ctx, 'x-amz-copy-source-'), meta, false) !== 200) {
    throw errors.preconditionFailed('x-amz-copy-source-If-*');
  }
  return { bucket, meta };
}

/** New data files with the same bytes: hard links (instant, no extra disk), copies where links fail.
 * A pack is linked whole; the copy keeps its offset and counts as a reference to the new name. */
export async function duplicateSegments(
  store: Store,
  from: BucketState,
  to: BucketState,
  segments: Segment[],
): Promise<Segment[]> {
  const out: Segment[] = [];
  try {
    for (const s of segments) {
      const target = store.newDataFile(to);
      const source = store.dataPath(from, s.file);
      try {
        await link(source, target.path);
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code === 'ENOENT')
          throw errors.internal('The source object changed during the copy; retry.');
        await copyFile(source, target.path);
      }
      const copy: Segment =
        s.offset === undefined ? { file: target.file, size: s.size } : { ...s, file: target.file };
      store.addPackRef(to, copy);
      out.push(copy);
    }
    return out;
  } catch (err) {
    store.dropSegments(to, out);
    throw err;
  }
}
