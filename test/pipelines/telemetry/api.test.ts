import { GetObjectCommand, HeadObjectCommand, PutObjectCommand } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  auth,
  basic,
  RUN_UUID,
  rawGet,
  runFolder,
  startTelemetry,
  type TelemetryRuntime,
  telemetryDoc,
} from './helpers.js';

/** Every contract endpoint through the local runtime's gateway (API Gateway v2 events → the Lambda handler). */
describe('telemetry API through the local runtime', () => {
  let t: TelemetryRuntime;
  const GROUP = 'perf-team';
  const RUN = runFolder(1_700_000_000, RUN_UUID, 'nightly');

  beforeAll(async () => {
    t = await startTelemetry({ MAX_BODY_BYTES: '65536', AUTH_FAILURE_BURST: '1000' });
  });
  afterAll(async () => {
    await t?.close();
  });

  const call = (route: string, init: RequestInit & { user?: 'krkn' | 'viewer' | 'admin' | null } = {}) => {
    const { user = 'admin', ...rest } = init;
    const headers = new Headers(rest.headers);
    if (user) headers.set('authorization', auth(user));
    return fetch(`${t.apiUrl}${route}`, { redirect: 'manual', ...rest, headers });
  };
  const postTelemetry = (
    query: string,
    body: string,
    init: { user?: 'krkn' | 'viewer' | 'admin'; type?: string } = {},
  ) =>
    call(`/telemetry?${query}`, {
      method: 'POST',
      body,
      user: init.user ?? 'krkn',
      headers: { 'content-type': init.type ?? 'application/json', accept: 'text/plain' },
    });
  const text = async (key: string) =>
    (await t.s3.send(new GetObjectCommand({ Bucket: t.bucket, Key: key }))).Body?.transformToString();

  describe('POST /telemetry', () => {
    it('stores the JSON pretty-printed at <group>/<run>/telemetry.json and answers "record … created"', async () => {
      // Arrange
      const doc = telemetryDoc();
      // Act
      const res = await postTelemetry(`request_id=${RUN}&telemetry_group=${GROUP}`, JSON.stringify(doc));
      // Assert
      expect(res.status).toBe(200);
      expect(await res.text()).toBe(`record ${GROUP}/${RUN}/telemetry.json created`);
      const stored = await text(`${GROUP}/${RUN}/telemetry.json`);
      expect(stored).toBe(`${JSON.stringify(doc, null, 4)}\n`);
    });

    it('writes an index record per run that the search API returns', async () => {
      const res = await call(`/api/runs?group=${GROUP}&q=nightly`, { user: 'viewer' });
      expect(res.status).toBe(200);
      const page = (await res.json()) as { total: number; runs: Record<string, unknown>[] };
      expect(page.total).toBe(1);
      expect(page.runs[0]).toMatchObject({
        group: GROUP,
        run: RUN,
        run_uuid: RUN_UUID,
        run_tag: 'nightly',
        time: new Date(1_700_000_000_000).toISOString(),
        cloud_type: 'self-managed',
        cluster_version: '4.15.3',
        passed: false,
        scenarios: [
          { scenario: 'scenarios/openshift/etcd.yml', exit_status: 0 },
          { scenario: 'scenarios/kube/node-cpu-hog.yml', exit_status: 1 },
        ],
      });
    });

    it('accepts application/json with a charset (the reference answers 415)', async () => {
      const run = runFolder(1_700_000_500);
      const res = await postTelemetry(
        `request_id=${run}&telemetry_group=${GROUP}`,
        JSON.stringify(telemetryDoc()),
        {
          type: 'application/json; charset=utf-8',
        },
      );
      expect(res.status).toBe(200);
    });

    it.each([
      ['no content type', undefined, 415],
      ['text/plain', 'text/plain', 415],
      ['form data', 'application/x-www-form-urlencoded', 415],
    ])('refuses %s with %i', async (_name, type, status) => {
      const res = await call(`/telemetry?request_id=${runFolder(1)}&telemetry_group=${GROUP}`, {
        method: 'POST',
        user: 'krkn',
        body: JSON.stringify(telemetryDoc()),
        headers: type ? { 'content-type': type } : {},
      });
      // fetch sends text/plain for a string body without a type
      expect(res.status).toBe(status);
      expect(await res.text()).toMatch(/content type not supported/);
    });

    it.each([
      ['missing request_id', `telemetry_group=${GROUP}`, telemetryDoc(), /missing request_id param/],
      [
        'missing telemetry_group',
        `request_id=${runFolder(2)}`,
        telemetryDoc(),
        /missing telemetry_group param/,
      ],
      [
        'empty request_id',
        `request_id=&telemetry_group=${GROUP}`,
        telemetryDoc(),
        /request_id param is empty/,
      ],
      [
        'scenarios not a list',
        `request_id=${runFolder(3)}&telemetry_group=${GROUP}`,
        { scenarios: {} },
        /scenarios param must be a list/,
      ],
      [
        'scenarios missing',
        `request_id=${runFolder(3)}&telemetry_group=${GROUP}`,
        { run_uuid: 'x' },
        /scenarios param must be a list/,
      ],
      [
        'a body that is a list',
        `request_id=${runFolder(3)}&telemetry_group=${GROUP}`,
        [1, 2],
        /must be a JSON object/,
      ],
      [
        'an empty scenario field',
        `request_id=${runFolder(4)}&telemetry_group=${GROUP}`,
        telemetryDoc({ scenarios: [{ ...(telemetryDoc().scenarios as object[])[0], scenario_type: '' }] }),
        /scenarios\[0\]\.scenario_type is null or empty/,
      ],
      [
        'a null scenario field',
        `request_id=${runFolder(4)}&telemetry_group=${GROUP}`,
        telemetryDoc({ scenarios: [{ ...(telemetryDoc().scenarios as object[])[1], exit_status: null }] }),
        /scenarios\[0\]\.exit_status is null or empty/,
      ],
      [
        'a request_id with ..',
        `request_id=..&telemetry_group=${GROUP}`,
        telemetryDoc(),
        /request_id must not contain "\." or "\.\."/,
      ],
      [
        'a request_id with a slash',
        `request_id=a/b&telemetry_group=${GROUP}`,
        telemetryDoc(),
        /request_id may only contain/,
      ],
      [
        'an absolute group',
        `request_id=${runFolder(5)}&telemetry_group=/etc`,
        telemetryDoc(),
        /telemetry_group may only contain/,
      ],
      [
        'a group of ..',
        `request_id=${runFolder(5)}&telemetry_group=..`,
        telemetryDoc(),
        /telemetry_group must not contain/,
      ],
      [
        'an over-long request_id',
        `request_id=${'a'.repeat(201)}&telemetry_group=${GROUP}`,
        telemetryDoc(),
        /longer than 200/,
      ],
    ])('answers 400 for %s, naming the problem', async (_name, query, body, message) => {
      const res = await postTelemetry(query, JSON.stringify(body));
      expect(res.status).toBe(400);
      expect(await res.text()).toMatch(message);
    });

    it('answers 400 for a body that is not JSON', async () => {
      const res = await postTelemetry(
        `request_id=${runFolder(6)}&telemetry_group=${GROUP}`,
        '{"scenarios": [',
      );
      expect(res.status).toBe(400);
      expect(await res.text()).toBe('[bad request]: the body is not valid JSON');
    });

    it('answers 413 for a body over MAX_BODY_BYTES and stores nothing', async () => {
      const run = runFolder(7);
      const big = JSON.stringify(telemetryDoc({ padding: 'x'.repeat(70_000) }));
      const res = await postTelemetry(`request_id=${run}&telemetry_group=${GROUP}`, big);
      expect(res.status).toBe(413);
      await expect(
        t.s3.send(new HeadObjectCommand({ Bucket: t.bucket, Key: `${GROUP}/${run}/telemetry.json` })),
      ).rejects.toThrow();
    });

    it('loses nothing accepted before the bad requests', async () => {
      expect(JSON.parse((await text(`${GROUP}/${RUN}/telemetry.json`)) as string)).toEqual(telemetryDoc());
    });
  });

  describe('auth', () => {
    it.each([
      ['no credentials', undefined],
      ['a wrong password', basic('krkn', 'not-it')],
      ['an unknown user', basic('mallory', 'krkn-writer-pass')],
      ['a Bearer token', 'Bearer abc'],
      ['Basic without a colon', `Basic ${Buffer.from('krkn').toString('base64')}`],
    ])('answers 401 with WWW-Authenticate for %s, on every endpoint', async (_name, header) => {
      for (const route of [
        '/',
        '/presigned-url?request_id=g/r&remote_filename=f',
        '/navigate',
        '/files/',
        '/api/runs',
      ]) {
        const res = await fetch(`${t.apiUrl}${route}`, {
          headers: header ? { authorization: header } : {},
          redirect: 'manual',
        });
        expect(res.status, route).toBe(401);
        expect(res.headers.get('www-authenticate')).toBe('Basic realm="krkn-telemetry", charset="UTF-8"');
      }
    });

    it('answers 403 to a reader that writes, and to a writer that browses', async () => {
      const write = await postTelemetry(
        `request_id=${runFolder(8)}&telemetry_group=${GROUP}`,
        JSON.stringify(telemetryDoc()),
        {
          user: 'viewer',
        },
      );
      const presign = await call('/presigned-url?request_id=g/r&remote_filename=f', { user: 'viewer' });
      const browse = await call('/navigate', { user: 'krkn' });
      expect([write.status, presign.status, browse.status]).toEqual([403, 403, 403]);
      expect(await write.text()).toMatch(/user "viewer" lacks the writer role/);
    });
  });

  describe('GET /presigned-url and the upload', () => {
    it('answers the bare URL; a raw PUT to it stores the file at <request_id>/<remote_filename>', async () => {
      // Arrange
      const body = Buffer.from('prometheus part 00\n'.repeat(1000));
      // Act
      const res = await call(`/presigned-url?request_id=${GROUP}/${RUN}&remote_filename=prometheus-00.tar`, {
        user: 'krkn',
      });
      const url = await res.text();
      const put = await fetch(url, { method: 'PUT', body });
      // Assert
      expect(res.status).toBe(200);
      expect(res.headers.get('content-type')).toMatch(/^text\/plain/);
      expect(url).toMatch(
        /^http:\/\/127\.0\.0\.1:\d+\/tributary-telemetry\/perf-team\/.+\/prometheus-00\.tar\?X-Amz-Algorithm=AWS4-HMAC-SHA256&/,
      );
      expect(url).toContain('X-Amz-Expires=1200');
      expect(url).not.toContain('x-amz-checksum');
      expect(put.status).toBe(200);
      const stored = await t.s3.send(
        new GetObjectCommand({ Bucket: t.bucket, Key: `${GROUP}/${RUN}/prometheus-00.tar` }),
      );
      expect(
        Buffer.from(
          await (stored.Body as { transformToByteArray(): Promise<Uint8Array> }).transformToByteArray(),
        ),
      ).toEqual(body);
    });

    it('refuses a tampered URL with 403 (another key, another expiry, another signature)', async () => {
      const url = await (
        await call(`/presigned-url?request_id=${GROUP}/${RUN}&remote_filename=logs-00.tar.gz`, {
          user: 'krkn',
        })
      ).text();
      const tampered = [
        url.replace('logs-00.tar.gz', 'logs-01.tar.gz'),
        url.replace('X-Amz-Expires=1200', 'X-Amz-Expires=604800'),
        url.replace(
          /X-Amz-Signature=([0-9a-f])/,
          (_m, c: string) => `X-Amz-Signature=${c === '0' ? '1' : '0'}`,
        ),
      ];
      for (const u of tampered) {
        const put = await fetch(u, { method: 'PUT', body: 'evil' });
        expect(put.status, u).toBe(403);
      }
      await expect(
        t.s3.send(new HeadObjectCommand({ Bucket: t.bucket, Key: `${GROUP}/${RUN}/logs-01.tar.gz` })),
      ).rejects.toThrow();
    });

    it.each([
      ['missing request_id', 'remote_filename=f', /missing request_id param/],
      ['missing remote_filename', `request_id=${GROUP}/${RUN}`, /missing remote_filename param/],
      [
        'a request_id without the group',
        `request_id=${RUN}&remote_filename=f`,
        /request_id must have 2 path segments/,
      ],
      ['a request_id with ..', `request_id=${GROUP}/..&remote_filename=f`, /must not contain "\." or "\.\."/],
      [
        'an absolute request_id',
        `request_id=/${GROUP}/${RUN}&remote_filename=f`,
        /request_id must be relative/,
      ],
      ['an empty segment', `request_id=${GROUP}//${RUN}&remote_filename=f`, /empty path segment/],
      [
        'a remote_filename with ..',
        `request_id=${GROUP}/${RUN}&remote_filename=../../x`,
        /remote_filename must not contain/,
      ],
      [
        'an absolute remote_filename',
        `request_id=${GROUP}/${RUN}&remote_filename=/etc/passwd`,
        /remote_filename must be relative/,
      ],
      ['a backslash', `request_id=${GROUP}/${RUN}&remote_filename=a%5Cb`, /must not contain "\\"/],
      ['telemetry.json', `request_id=${GROUP}/${RUN}&remote_filename=telemetry.json`, /is reserved/],
      ['a space', `request_id=${GROUP}/${RUN}&remote_filename=a%20b`, /may only contain/],
    ])('answers 400 for %s', async (_name, query, message) => {
      const res = await call(`/presigned-url?${query}`, { user: 'krkn' });
      expect(res.status).toBe(400);
      expect(await res.text()).toMatch(message);
    });
  });

  describe('browsing and downloads', () => {
    it('GET / redirects to /files/ under the mount', async () => {
      const res = await call('/', { user: 'viewer' });
      expect(res.status).toBe(302);
      expect(res.headers.get('location')).toBe('/telemetry/files/');
    });

    it('GET /download-url/<group>/<run>/<file> answers {download_link} that downloads the file', async () => {
      const res = await call(`/download-url/${GROUP}/${RUN}/telemetry.json`, { user: 'viewer' });
      expect(res.status).toBe(200);
      const { download_link } = (await res.json()) as { download_link: string };
      const file = await fetch(download_link);
      expect(file.status).toBe(200);
      expect(file.headers.get('content-disposition')).toBe('attachment; filename="telemetry.json"');
      expect(JSON.parse(await file.text())).toEqual(telemetryDoc());
    });

    it.each([
      [`/download-url/${GROUP}/${RUN}/missing.tar`, 404],
      [`/download-url/${GROUP}/${RUN}/%2Fetc`, 400],
      ['/navigate/a/b/c/d', 400],
      ['/api/runs?sort=nope', 400],
      ['/api/runs?from=yesterday', 400],
      ['/navigate?limit=0', 400],
      ['/no/such/route', 404],
    ])('GET %s → %i', async (route, status) => {
      const res = await call(route, { user: 'viewer' });
      expect(res.status).toBe(status);
    });

    it.each([
      ['/navigate/..%2F..', /must not contain/],
      ['/download-url/perf-team/run/%2E%2E%2Fx', /must not contain/],
    ])('GET %s (sent as is) → 400', async (route, message) => {
      const res = await rawGet(t.apiUrl, route, auth('viewer'));
      expect(res.status).toBe(400);
      expect(res.body).toMatch(message);
    });

    it('the gateway resolves dot segments before routing, as URL parsing does (the app sees no traversal)', async () => {
      const res = await rawGet(t.apiUrl, '/navigate/%2E%2E', auth('viewer'));
      expect(res.status).toBe(302);
    });
    it('GET /navigate lists groups, runs and files (one level, folders then files)', async () => {
      const root = (await (await call('/navigate', { user: 'viewer' })).json()) as {
        type: string;
        path: string;
      }[];
      const group = (await (await call(`/navigate/${GROUP}`, { user: 'viewer' })).json()) as {
        type: string;
        path: string;
      }[];
      const run = (await (await call(`/navigate/${GROUP}/${RUN}/`, { user: 'viewer' })).json()) as Record<
        string,
        unknown
      >[];
      expect(root).toContainEqual({ type: 'folder', path: GROUP, size: 0, modified: '' });
      expect(group.map((e) => e.path)).toContain(RUN);
      expect(run.map((e) => e.path).sort()).toEqual(['prometheus-00.tar', 'telemetry.json']);
      expect(run.find((e) => e.path === 'prometheus-00.tar')).toMatchObject({ type: 'file', size: 19_000 });
      expect(String(run[0]?.modified)).toMatch(/GMT$/);
    });

    it('GET /navigate lists every entry (no 13-entry cap) and paginates with limit/cursor', async () => {
      // Arrange: 30 runs in one group
      const g = 'many-runs';
      await Promise.all(
        Array.from({ length: 30 }, (_, i) =>
          t.s3.send(
            new PutObjectCommand({
              Bucket: t.bucket,
              Key: `${g}/${runFolder(1_600_000_000 + i)}/telemetry.json`,
              Body: '{}',
            }),
          ),
        ),
      );
      // Act
      const all = (await (await call(`/navigate/${g}`, { user: 'viewer' })).json()) as unknown[];
      const pages: string[][] = [];
      let next: string | null = `/navigate/${g}?limit=12`;
      while (next) {
        const res: Response = await call(next, { user: 'viewer' });
        pages.push(((await res.json()) as { path: string }[]).map((e) => e.path));
        const cursor = res.headers.get('x-next-cursor');
        next = cursor ? `/navigate/${g}?limit=12&cursor=${encodeURIComponent(cursor)}` : null;
        if (cursor)
          expect(res.headers.get('link')).toMatch(
            /^<\/telemetry\/navigate\/many-runs\?limit=12&cursor=.+>; rel="next"$/,
          );
      }
      // Assert
      expect(all).toHaveLength(30);
      expect(pages.map((p) => p.length)).toEqual([12, 12, 6]);
      expect(new Set(pages.flat()).size).toBe(30);
    });

    it('POST /download-urls answers the links of a whole page in one request', async () => {
      const keys = [`${GROUP}/${RUN}/telemetry.json`, `${GROUP}/${RUN}/prometheus-00.tar`];
      const res = await call('/download-urls', {
        method: 'POST',
        user: 'viewer',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ keys }),
      });
      expect(res.status).toBe(200);
      const { links, expiresIn } = (await res.json()) as { links: Record<string, string>; expiresIn: number };
      expect(expiresIn).toBe(1200);
      expect(Object.keys(links).sort()).toEqual([...keys].sort());
      expect((await fetch(links[keys[1] as string] as string)).status).toBe(200);
      const bad = await call('/download-urls', {
        method: 'POST',
        user: 'viewer',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ keys: ['../x'] }),
      });
      expect(bad.status).toBe(400);
    });

    it('GET /api/runs/<group>/<run> answers the index record, the files and the telemetry', async () => {
      const res = await call(`/api/runs/${GROUP}/${RUN}`, { user: 'viewer' });
      expect(res.status).toBe(200);
      const body = (await res.json()) as {
        record: { run_tag: string };
        files: { name: string }[];
        telemetry: unknown;
      };
      expect(body.record.run_tag).toBe('nightly');
      expect(body.files.map((f) => f.name).sort()).toEqual(['prometheus-00.tar', 'telemetry.json']);
      expect(body.telemetry).toEqual(telemetryDoc());
      expect((await call(`/api/runs/${GROUP}/no-such-run`, { user: 'viewer' })).status).toBe(404);
    });

    it('records uploaded files and sizes in the index (the indexUpload function, on the S3 event)', async () => {
      const deadline = Date.now() + 15_000;
      let files: Record<string, { size: number }> | undefined;
      while (Date.now() < deadline) {
        const res = await call(`/api/runs/${GROUP}/${RUN}`, { user: 'viewer' });
        files = ((await res.json()) as { record: { files?: Record<string, { size: number }> } }).record.files;
        if (files?.['prometheus-00.tar']) break;
        await new Promise((r) => setTimeout(r, 50));
      }
      expect(files?.['prometheus-00.tar']?.size).toBe(19_000);
      const search = (await (
        await call(`/api/runs?group=${GROUP}&q=nightly`, { user: 'viewer' })
      ).json()) as {
        runs: { file_count: number; total_size: number }[];
      };
      expect(search.runs[0]?.file_count).toBeGreaterThanOrEqual(2);
    });
  });
});
