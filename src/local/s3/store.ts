import { createHash, randomUUID } from 'node:crypto';
import { mkdirSync, renameSync, rmSync, unlinkSync, writeFileSync } from 'node:fs';
import { mkdir, readdir, readFile, rm, unlink } from 'node:fs/promises';
import path from 'node:path';
import { errors } from './errors.js';
import { KeyIndex } from './key-index.js';
import type { ObjectMeta, PartMeta, UploadMeta } from './types.js';

export interface BucketState {
  name: string;
  created: string;
  index: KeyIndex;
  uploads: Map<string, UploadMeta>;
  dir: string;
}

/**
 * Buckets on disk, with each bucket's key index in memory.
 *
 *   <dataDir>/buckets/<bucket>/bucket.json         creation date
 *   <dataDir>/buckets/<bucket>/meta/<sha256>.json   one per key: metadata + the data files holding its bytes
 *   <dataDir>/buckets/<bucket>/data/<uuid>          object and part bytes (written once, never modified)
 *   <dataDir>/buckets/<bucket>/uploads/<id>.json    in-progress multipart uploads
 *
 * An object becomes visible only when its metadata file is renamed into place, after its
 * data is fully written; data files no metadata refers to are removed at start-up.
 */
export class Store {
  private readonly buckets = new Map<string, BucketState>();

  private constructor(private readonly root: string) {}

  static async open(dataDir: string): Promise<Store> {
    const store = new Store(path.join(path.resolve(dataDir), 'buckets'));
    await mkdir(store.root, { recursive: true });
    for (const entry of await readdir(store.root, { withFileTypes: true })) {
      if (entry.isDirectory()) await store.loadBucket(entry.name);
    }
    return store;
  }

  private async loadBucket(name: string): Promise<void> {
    const dir = path.join(this.root, name);
    let created: string;
    try {
      created = (JSON.parse(await readFile(path.join(dir, 'bucket.json'), 'utf8')) as { created: string })
        .created;
    } catch {
      return; // half-created bucket directory: not a bucket
    }
    const referenced = new Set<string>();
    const metas: ObjectMeta[] = [];
    for (const file of await readdir(path.join(dir, 'meta')).catch(() => [] as string[])) {
      const full = path.join(dir, 'meta', file);
      if (!file.endsWith('.json')) {
        await unlink(full).catch(() => {});
        continue;
      }
      const meta = JSON.parse(await readFile(full, 'utf8')) as ObjectMeta;
      for (const s of meta.segments) referenced.add(s.file);
      metas.push(meta);
    }
    const uploads = new Map<string, UploadMeta>();
    for (const file of await readdir(path.join(dir, 'uploads')).catch(() => [] as string[])) {
      const full = path.join(dir, 'uploads', file);
      if (!file.endsWith('.json')) {
        await unlink(full).catch(() => {});
        continue;
      }
      const upload = JSON.parse(await readFile(full, 'utf8')) as UploadMeta;
      for (const p of Object.values(upload.parts)) referenced.add(p.file);
      uploads.set(upload.uploadId, upload);
    }
    for (const file of await readdir(path.join(dir, 'data')).catch(() => [] as string[])) {
      if (!referenced.has(file)) await unlink(path.join(dir, 'data', file)).catch(() => {});
    }
    const index = new KeyIndex();
    index.load(metas);
    this.buckets.set(name, { name, created, index, uploads, dir });
  }

  listBuckets(): BucketState[] {
    return [...this.buckets.values()].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  }

  findBucket(name: string): BucketState | undefined {
    return this.buckets.get(name);
  }

  bucket(name: string): BucketState {
    const b = this.buckets.get(name);
    if (!b) throw errors.noSuchBucket(name);
    return b;
  }

  /** Returns false when it already existed. */
  createBucket(name: string): boolean {
    if (this.buckets.has(name)) return false;
    const dir = path.join(this.root, name);
    for (const sub of ['meta', 'data', 'uploads']) mkdirSync(path.join(dir, sub), { recursive: true });
    const created = new Date().toISOString();
    writeAtomic(path.join(dir, 'bucket.json'), JSON.stringify({ created }));
    this.buckets.set(name, { name, created, index: new KeyIndex(), uploads: new Map(), dir });
    return true;
  }

  async deleteBucket(name: string): Promise<void> {
    const b = this.bucket(name);
    if (b.index.size > 0) throw errors.bucketNotEmpty(name);
    this.buckets.delete(name);
    // bucket.json goes first so a crash mid-way never leaves a bucket that looks alive.
    rmSync(path.join(b.dir, 'bucket.json'), { force: true });
    await rm(b.dir, { recursive: true, force: true });
  }

  /** A fresh, unique data file for a bucket; invisible until some metadata refers to it. */
  newDataFile(b: BucketState): { file: string; path: string } {
    const file = randomUUID();
    return { file, path: this.dataPath(b, file) };
  }

  dataPath(b: BucketState, file: string): string {
    return path.join(b.dir, 'data', file);
  }

  /** Makes `meta` the object's current version (atomic rename), and drops the data of the one it replaces. */
  commitObject(b: BucketState, meta: ObjectMeta): void {
    if (!this.buckets.has(b.name)) throw errors.noSuchBucket(b.name);
    writeAtomic(this.metaPath(b, meta.key), JSON.stringify(meta));
    const previous = b.index.set(meta);
    if (previous)
      this.dropData(
        b,
        previous.segments.map((s) => s.file),
        meta.segments.map((s) => s.file),
      );
  }

  deleteObject(b: BucketState, key: string): ObjectMeta | undefined {
    const previous = b.index.get(key);
    if (!previous) return undefined;
    try {
      unlinkSync(this.metaPath(b, key));
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
    }
    b.index.delete(key);
    this.dropData(
      b,
      previous.segments.map((s) => s.file),
    );
    return previous;
  }

  /** Rewrites an object's metadata only (tagging changes). */
  updateObjectMeta(b: BucketState, meta: ObjectMeta): void {
    writeAtomic(this.metaPath(b, meta.key), JSON.stringify(meta));
    b.index.set(meta);
  }

  saveUpload(b: BucketState, upload: UploadMeta): void {
    writeAtomic(path.join(b.dir, 'uploads', `${upload.uploadId}.json`), JSON.stringify(upload));
    b.uploads.set(upload.uploadId, upload);
  }

  upload(b: BucketState, uploadId: string, key: string): UploadMeta {
    const upload = b.uploads.get(uploadId);
    if (!upload || upload.key !== key) throw errors.noSuchUpload(uploadId);
    return upload;
  }

  commitPart(b: BucketState, upload: UploadMeta, part: PartMeta): void {
    if (b.uploads.get(upload.uploadId) !== upload) {
      this.dropData(b, [part.file]);
      throw errors.noSuchUpload(upload.uploadId);
    }
    const previous = upload.parts[part.partNumber];
    upload.parts[part.partNumber] = part;
    this.saveUpload(b, upload);
    if (previous) this.dropData(b, [previous.file]);
  }

  /** Forgets an upload; data files not in `keep` are removed. */
  removeUpload(b: BucketState, upload: UploadMeta, keep: Set<string> = new Set()): void {
    b.uploads.delete(upload.uploadId);
    rmSync(path.join(b.dir, 'uploads', `${upload.uploadId}.json`), { force: true });
    this.dropData(
      b,
      Object.values(upload.parts)
        .map((p) => p.file)
        .filter((f) => !keep.has(f)),
    );
  }

  /** Removes data files (asynchronously: readers that already opened them keep reading). */
  dropData(b: BucketState, files: string[], except: string[] = []): void {
    for (const file of files) {
      if (!except.includes(file)) void unlink(this.dataPath(b, file)).catch(() => {});
    }
  }

  private metaPath(b: BucketState, key: string): string {
    return path.join(b.dir, 'meta', `${createHash('sha256').update(key).digest('hex')}.json`);
  }
}

/** Write to a temporary name, then rename: readers and crashes see the old or the new file, never half. */
function writeAtomic(file: string, content: string): void {
  const tmp = `${file}.${process.pid}.${randomUUID().slice(0, 8)}.tmp`;
  writeFileSync(tmp, content);
  renameSync(tmp, file);
}
