import { type _Object, GetObjectCommand, paginateListObjectsV2, type S3Client } from '@aws-sdk/client-s3';

/** Every object under a prefix (all pages). */
export async function listAll(s3: S3Client, bucket: string, prefix: string): Promise<_Object[]> {
  const objects: _Object[] = [];
  for await (const page of paginateListObjectsV2({ client: s3 }, { Bucket: bucket, Prefix: prefix })) {
    objects.push(...(page.Contents ?? []));
  }
  return objects;
}

/** The common prefixes one level below `prefix`. */
export async function listFolders(s3: S3Client, bucket: string, prefix: string): Promise<string[]> {
  const folders: string[] = [];
  const pages = paginateListObjectsV2({ client: s3 }, { Bucket: bucket, Prefix: prefix, Delimiter: '/' });
  for await (const page of pages) {
    for (const p of page.CommonPrefixes ?? []) if (p.Prefix) folders.push(p.Prefix);
  }
  return folders;
}

/** An object's body as JSON; undefined when the object does not exist. */
export async function getJson(s3: S3Client, bucket: string, key: string): Promise<unknown | undefined> {
  try {
    const object = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
    return JSON.parse((await object.Body?.transformToString()) ?? 'null');
  } catch (err) {
    if ((err as { name?: string }).name === 'NoSuchKey') return undefined;
    throw err;
  }
}
