import { execFile } from 'node:child_process';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import ingest from '../../../src/pipelines/ingest/pipeline.js';
import { type IngestRuntime, startIngestRuntime } from './helpers.js';

/** Debian's python3 with python3-requests: what clients of the sample's API are written with. */
const PYTHON = '/usr/bin/python3';
const CLIENT = path.join(import.meta.dirname, 'ingest_client.py');
const KEY = 'py-key-0123456789abcdef';
const USER = 'writer';
const PASSWORD = 'py-password-0123';

interface Answer {
  status: number;
  body: unknown;
  headers: Record<string, string>;
}

type Seen = Record<string, Answer> & {
  get_one: { status: number; text: string };
  listing: { ids: string[]; pages: number };
};

function runClient(base: string): Promise<Seen> {
  return new Promise((resolve, reject) => {
    execFile(PYTHON, [CLIENT, base, KEY, USER, PASSWORD], { timeout: 60_000 }, (err, stdout, stderr) => {
      if (err) reject(new Error(`ingest_client.py failed: ${err.message}\n${stderr}`));
      else resolve(JSON.parse(stdout) as Seen);
    });
  });
}

describe('a Python requests client against the ingest API in the local runtime', () => {
  let t: IngestRuntime;
  let seen: Seen;

  beforeAll(async () => {
    // As `tributary dev` runs it: the API in an execution environment (worker thread).
    t = await startIngestRuntime(
      {
        pipelines: { ingest: { config: { MAX_BODY_BYTES: '65536' } } },
        secrets: { [ingest.resources.auth.name]: { 'apikey:py': KEY, [`user:${USER}`]: PASSWORD } },
      },
      1,
    );
    seen = await runClient(t.base);
  }, 90_000);

  afterAll(async () => {
    await t?.close();
  });

  it("gets the sample's answer to POST /post, and its number back exactly as written", () => {
    expect(seen.post_text).toMatchObject({
      status: 200,
      body: { message: 'Execution successfully!', id: 'py-1' },
    });
    expect(seen.post_json).toMatchObject({
      status: 200,
      body: { message: 'Execution successfully!', id: 'py-2' },
    });
    expect(seen.get_one.status).toBe(200);
    expect(seen.get_one.text).toContain('"reading":12345678901234567890.123456789');
  });

  it('replays an Idempotency-Key with the first answer and refuses it for another body', () => {
    const first = seen.ndjson_first as Answer & { body: { count: number; ids: string[] } };
    expect(first.status).toBe(200);
    expect(first.body.count).toBe(3);
    expect(seen.ndjson_repeat).toMatchObject({ status: 200, body: first.body });
    expect(seen.ndjson_other_body?.status).toBe(422);
  });

  it('takes Basic credentials from the same secret', () => {
    expect(seen.basic).toMatchObject({ status: 200, body: { count: 1, ids: ['py-basic'] } });
  });

  it('pages through every record once, by cursor', () => {
    const first = seen.ndjson_first as Answer & { body: { ids: string[] } };
    const expected = ['py-1', 'py-2', 'py-basic', ...first.body.ids];
    expect([...seen.listing.ids].sort()).toEqual([...expected].sort());
    expect(seen.listing.pages).toBeGreaterThanOrEqual(3);
  });

  it('answers bad credentials 401 and bad input 4xx, each naming the problem', () => {
    for (const name of ['no_key', 'wrong_key', 'wrong_password']) {
      expect(seen[name]?.status, name).toBe(401);
      expect(seen[name]?.headers['www-authenticate'], name).toMatch(/^Basic/);
    }
    const bad: [string, number, RegExp][] = [
      ['not_json', 400, /JSON/i],
      ['no_id', 400, /Id/],
      ['array_on_post', 400, /object/i],
      ['bad_limit', 400, /limit/],
      ['bad_cursor', 400, /cursor/],
      ['too_large', 413, /MAX_BODY_BYTES|larger/],
      ['missing', 404, /no-such-id/],
    ];
    for (const [name, status, message] of bad) {
      expect(seen[name]?.status, name).toBe(status);
      expect(JSON.stringify(seen[name]?.body), name).toMatch(message);
    }
  });
});
