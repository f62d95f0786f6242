import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { DeadLetterQueue, describeError, FileQueue, newEntry } from '../../../src/local/runtime/queue.js';
import { prepareStateDir, statePaths } from '../../../src/local/state.js';

let root: string;
beforeEach(() => {
  root = mkdtempSync(path.join(os.tmpdir(), 'tributary-queue-'));
});
afterEach(() => rmSync(root, { recursive: true, force: true }));

describe('prepareStateDir', () => {
  it('creates the layout and writes secrets readable by the owner only', () => {
    const paths = prepareStateDir(path.join(root, 'state'), { token: { value: 's3cret' } });

    for (const dir of [paths.s3, paths.dynamodb, paths.queue, paths.dlq])
      expect(statSync(dir).isDirectory()).toBe(true);
    expect(JSON.parse(readFileSync(paths.secrets, 'utf8'))).toEqual({ token: { value: 's3cret' } });
    expect(statSync(paths.secrets).mode & 0o777).toBe(0o600);
  });
});

describe('FileQueue', () => {
  it('keeps entries as files, oldest first, and leaves no temp files', () => {
    const queue = new FileQueue(path.join(root, 'q'));
    const second = newEntry('p.f', { n: 2 }, new Date('2026-01-01T00:00:02Z'));
    const first = newEntry('p.f', { n: 1 }, new Date('2026-01-01T00:00:01Z'));

    queue.put(second);
    queue.put(first);

    expect(queue.list().map((e) => e.event)).toEqual([{ n: 1 }, { n: 2 }]);
    expect(queue.depth()).toBe(2);
    expect(readdirSync(queue.dir).sort()).toEqual([`${first.id}.json`, `${second.id}.json`].sort());
  });

  it('survives a new instance on the same directory (a restart)', () => {
    const entry = newEntry('p.f', { hello: 'world' });
    new FileQueue(path.join(root, 'q')).put(entry);

    const reopened = new FileQueue(path.join(root, 'q'));

    expect(reopened.get(entry.id)).toEqual(entry);
  });

  it('reports removal of missing entries and an empty missing directory', () => {
    const queue = new FileQueue(path.join(root, 'missing'));

    expect(queue.list()).toEqual([]);
    expect(queue.remove('00000000-0000-0000-0000-000000000000')).toBe(false);
  });

  it('refuses ids that could escape the directory', () => {
    const queue = new FileQueue(path.join(root, 'q'));

    expect(() => queue.get('../../etc/passwd')).toThrow(/bad entry id/);
  });
});

describe('DeadLetterQueue', () => {
  async function bury(dlq: DeadLetterQueue, functionId: string) {
    const entry = { ...newEntry(functionId, { key: functionId }), attempts: 3 };
    dlq.queue.put(entry);
    return dlq.bury(entry, describeError(new TypeError('bad thing')));
  }

  it('buries an entry: out of the queue, into the DLQ with its last error', async () => {
    const paths = statePaths(root);
    const dlq = new DeadLetterQueue(paths.dlq, paths.queue);

    const letter = await bury(dlq, 'p.a');

    expect(dlq.queue.depth()).toBe(0);
    expect(dlq.list()).toEqual([letter]);
    expect(letter.error).toMatchObject({ name: 'TypeError', message: 'bad thing' });
    expect(letter.error.stack).toContain('TypeError: bad thing');
  });

  it('redrives one entry by id with fresh attempts, or all', async () => {
    const paths = statePaths(root);
    const dlq = new DeadLetterQueue(paths.dlq, paths.queue);
    const a = await bury(dlq, 'p.a');
    const b = await bury(dlq, 'p.b');

    expect(dlq.redrive(a.id)).toEqual([a.id]);
    expect(dlq.queue.get(a.id)).toMatchObject({ functionId: 'p.a', attempts: 0, event: { key: 'p.a' } });
    expect(dlq.queue.get(a.id)).not.toHaveProperty('failedAt');
    expect(dlq.list().map((l) => l.id)).toEqual([b.id]);

    expect(dlq.redrive()).toEqual([b.id]);
    expect(dlq.depth()).toBe(0);
    expect(dlq.queue.depth()).toBe(2);
  });

  it('moves a burial into the DLQ in one step, so a redrive right after it is kept', async () => {
    const paths = statePaths(root);
    const dlq = new DeadLetterQueue(paths.dlq, paths.queue);
    const entry = newEntry('p.a', { key: 'p.a' });
    dlq.queue.put(entry);

    await dlq.bury({ ...entry, attempts: 3 }, describeError(new Error('x')));
    expect(dlq.queue.depth()).toBe(0);
    dlq.redrive(entry.id);

    expect(dlq.queue.list()).toMatchObject([{ id: entry.id, attempts: 0 }]);
    expect(dlq.depth()).toBe(0);
  });

  it('redrives nothing for an unknown id and discards by id', async () => {
    const paths = statePaths(root);
    const dlq = new DeadLetterQueue(paths.dlq, paths.queue);
    const a = await bury(dlq, 'p.a');

    expect(dlq.redrive('00000000-0000-0000-0000-000000000000')).toEqual([]);
    expect(dlq.discard(a.id)).toBe(true);
    expect(dlq.discard(a.id)).toBe(false);
    expect(dlq.depth()).toBe(0);
  });

  it('truncates long stacks', () => {
    const err = new Error('deep');
    err.stack = `Error: deep\n${'    at frame (file.js:1:1)\n'.repeat(500)}`;

    expect(describeError(err).stack?.length).toBe(2_000);
  });
});
