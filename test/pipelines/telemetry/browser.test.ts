/**
 * The run browser in real headless Chromium (Debian's, driven by playwright-core) against
 * the local runtime: runs seeded through the real API (POST /telemetry, presigned PUTs),
 * then groups → runs → files, search, sort, pagination, batched download links, the run
 * page, copy, XSS safety, same-origin assets, and an API Gateway stage prefix.
 */
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { inflateSync } from 'node:zlib';
import { DeleteItemCommand, DynamoDBClient, GetItemCommand } from '@aws-sdk/client-dynamodb';
import {
  type Browser,
  type BrowserContext,
  chromium,
  type Locator,
  type Page,
  type Request,
} from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig, physicalName } from '../../../src/local/config.js';
import {
  fromResultV2,
  matchRoute,
  parseRoute,
  sortRoutes,
  toEventV2,
} from '../../../src/local/runtime/apigw.js';
import { type Runtime, startRuntime } from '../../../src/local/runtime.js';
import { PROMETHEUS_HINT } from '../../../src/pipelines/telemetry/constants.js';
import { hashPassword } from '../../../src/pipelines/telemetry/passwords.js';
import telemetry from '../../../src/pipelines/telemetry/pipeline.js';
import { isolatedRuntimeEnv } from '../../helpers/runtime-env.js';
import { REPO } from '../../local/runtime/helpers.js';
import {
  type Client,
  DAY,
  nightlyRuns,
  pool,
  richRun,
  type SeedRun,
  sendRun,
  T0,
  waitForIndex,
  XSS,
  xssRun,
} from './browser-seed.js';

const ARTIFACTS = path.join(REPO, 'test-artifacts', 'telemetry-browser');
const READER = { username: 'viewer', password: 'viewer-password-1' };
const WRITER = { username: 'krkn', password: 'krkn-password-1' };
const day = (seconds: number) => new Date(seconds * 1000).toISOString().slice(0, 10);

// Waiting assertions (playwright-core has no expect of its own): poll until the page settles.
const poll = <T>(read: () => Promise<T>) => expect.poll(read, { timeout: 10_000, interval: 25 });
const count = (l: Locator, n: number) => poll(() => l.count()).toBe(n);
const text = (l: Locator, value: string) => poll(() => l.textContent()).toBe(value);
const contains = (l: Locator, value: string) =>
  poll(async () => (await l.textContent()) ?? '').toContain(value);
const attr = (l: Locator, name: string, value: string | RegExp | null) =>
  value instanceof RegExp
    ? poll(async () => (await l.getAttribute(name)) ?? '').toMatch(value)
    : poll(() => l.getAttribute(name)).toBe(value);

describe('telemetry run browser in Chromium', () => {
  let dir: string;
  let runtime: Runtime;
  let browser: Browser;
  let context: BrowserContext;
  let page: Page;
  let stage: Server;
  let origin: string;
  let base: string;
  let s3Origin: string;
  let stageOrigin: string;
  const requests: Request[] = [];
  const pageErrors: Error[] = [];
  const responses = new Map<string, Record<string, string>>();
  const nightly = nightlyRuns();
  const rich = richRun();
  const xss = xssRun();
  const legacy = {
    ...xssRun(),
    group: 'legacy',
    run: `${T0}-${'0'.repeat(8)}-0000-4000-8000-${'0'.repeat(12)}-old`,
  };

  beforeAll(async () => {
    dir = mkdtempSync(path.join(os.tmpdir(), 'tributary-telemetry-browser-'));
    // Cheap scrypt parameters: the test is about the browser, not about password hashing.
    const fast = { N: 1024, r: 8, p: 1 };
    writeFileSync(
      path.join(dir, 'tributary.config.json'),
      JSON.stringify({
        pipelines: { telemetry: { config: { RATE_LIMIT_BURST: '100000', IP_RATE_LIMIT_BURST: '100000' } } },
        secrets: {
          [telemetry.resources.users.name]: {
            [WRITER.username]: `writer:${await hashPassword(WRITER.password, fast)}`,
            [READER.username]: `reader:${await hashPassword(READER.password, fast)}`,
          },
        },
      }),
    );
    const env = {
      TRIBUTARY_CONFIG: path.join(dir, 'tributary.config.json'),
      ...isolatedRuntimeEnv(path.join(dir, 'state')),
      TRIBUTARY_PIPELINES: '',
    };
    runtime = await startRuntime({
      pipelines: [telemetry],
      config: loadConfig({ pipelines: [telemetry], env, cwd: REPO }),
      scheduler: false,
      pollMs: 20,
      // The api on the main thread, beside the indexer: the legacy run deleted from the index
      // below must vanish at once, not after the api's per-instance cache (5 s) expires.
      environments: 0,
    });
    origin = runtime.endpoints.httpUrl as string;
    base = `${origin}/telemetry`;
    s3Origin = new URL(runtime.endpoints.s3Url).origin;
    const client: Client = {
      base,
      writer: `${WRITER.username}:${WRITER.password}`,
      reader: `${READER.username}:${READER.password}`,
    };
    const runs = [...nightly, rich, xss];
    await pool(runs, 6, (run) => sendRun(client, run));
    await waitForIndex(
      client,
      runs.reduce((sum, r) => sum + r.files.length + 1, 0),
    );
    // A run copied into the bucket before Tributary indexed it: in S3, not in the run index.
    await sendRun(client, legacy);
    const db = new DynamoDBClient({
      endpoint: runtime.endpoints.dynamodbUrl,
      region: runtime.config.region,
      credentials: {
        accessKeyId: runtime.config.accessKeyId,
        secretAccessKey: runtime.config.secretAccessKey,
      },
    });
    const table = physicalName(runtime.config, telemetry, 'index');
    const key = { group: { S: legacy.group }, run: { S: legacy.run } };
    for (let i = 0; i < 200; i++) {
      // The indexer runs on the S3 event, asynchronously: delete its item once it exists.
      const { Item } = await db.send(new GetItemCommand({ TableName: table, Key: key }));
      if (Item) break;
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    await db.send(new DeleteItemCommand({ TableName: table, Key: key }));
    db.destroy();

    stage = await startStageProxy(runtime);
    stageOrigin = `http://127.0.0.1:${(stage.address() as AddressInfo).port}`;
    mkdirSync(ARTIFACTS, { recursive: true });
    browser = await chromium.launch({
      // Debian's chromium; CHROMIUM_PATH points elsewhere where it lives elsewhere.
      executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
      args: ['--headless', '--no-sandbox', '--disable-gpu'],
    });
    context = await browser.newContext({
      httpCredentials: READER,
      viewport: { width: 1280, height: 800 },
      acceptDownloads: true,
    });
    await context.grantPermissions(['clipboard-read', 'clipboard-write'], { origin });
    context.on('request', (r) => requests.push(r));
    context.on('response', (r) => responses.set(r.url(), r.headers()));
    page = await context.newPage();
    page.setDefaultTimeout(10_000);
    page.on('pageerror', (err) => pageErrors.push(err));
  }, 60_000);

  afterEach(() => {
    expect(pageErrors).toEqual([]);
  });

  afterAll(async () => {
    await browser?.close();
    await new Promise((resolve) => (stage ? stage.close(resolve) : resolve(undefined)));
    await runtime?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  const open = async (url: string) => {
    await page.goto(url);
    await page.locator('main[data-ready="true"]').waitFor();
  };
  const resultsTitle = () => page.locator('.results-title').first();
  const runLinks = () => page.locator('table.runs tbody td.run-cell a');
  const folderOf = async (i: number) => runLinks().nth(i).getAttribute('title');

  it('lists groups and every run, then walks groups → runs → run page', async () => {
    // Act
    await open(`${origin}/telemetry/`);
    // Assert: GET / redirected to /files/ under the gateway's /telemetry mount.
    expect(new URL(page.url()).pathname).toBe('/telemetry/files/');
    await count(page.locator('table.groups tbody tr'), 3);
    expect(await page.locator('table.groups tbody a').allTextContents()).toEqual([
      'legacy',
      'nightly',
      'weekly',
    ]);
    expect(await resultsTitle().textContent()).toBe('32 runs');
    expect(await page.locator('main').textContent()).not.toMatch(/\b(null|undefined)\b/);
    await screenshot(page, 'groups');

    await page.locator('table.groups a', { hasText: 'nightly' }).click();
    await page.locator('main[data-ready="true"]').waitFor();
    expect(new URL(page.url()).pathname).toBe('/telemetry/files/nightly/');
    await text(resultsTitle(), '30 runs');
    // Newest first by default.
    expect(await folderOf(0)).toBe(nightly[29]?.run);
    await screenshot(page, 'group');

    await runLinks().first().click();
    await page.locator('main[data-ready="true"]').waitFor();
    expect(decodeURIComponent(new URL(page.url()).pathname)).toBe(
      `/telemetry/files/nightly/${nightly[29]?.run}/`,
    );
    await contains(page.locator('h1'), nightly[29]?.run as string);
  });

  it('lists run folders the run index does not know, and opens them', async () => {
    await open(`${base}/files/legacy/`);
    await text(resultsTitle(), '1 run folder');
    await contains(page.locator('.results .notice'), 'not in the run index');
    await page.locator('table.folders a', { hasText: legacy.run }).click();
    await page.locator('main[data-ready="true"]').waitFor();
    await count(page.locator('table.scenarios tbody tr'), 1);
    await contains(page.locator('#summary'), legacy.uuid);
  });

  it('paginates, keeps the page in the URL, and goes back with the browser', async () => {
    await open(`${base}/files/nightly/`);
    await text(page.locator('.pager .info'), 'Page 1 of 2 · 30 runs');
    await count(runLinks(), 25);

    // Act: by keyboard.
    await page.locator('button[data-page="next"]').focus();
    await page.keyboard.press('Enter');
    // Assert
    await text(page.locator('.pager .info'), 'Page 2 of 2 · 30 runs');
    await count(runLinks(), 5);
    expect(new URL(page.url()).searchParams.get('page')).toBe('2');
    expect(await folderOf(4)).toBe(nightly[0]?.run);

    await page.goBack();
    await text(page.locator('.pager .info'), 'Page 1 of 2 · 30 runs');
  });

  it('sorts by a column both ways with aria-sort, from the keyboard too', async () => {
    await open(`${base}/files/nightly/?pageSize=50`);
    const sizeHeader = page.locator('th:has(button[data-sort="size"])');

    await page.locator('button[data-sort="size"]').click();
    await attr(sizeHeader, 'aria-sort', 'descending');
    expect(await folderOf(0)).toBe(nightly[29]?.run);
    expect(await folderOf(29)).toBe(nightly[0]?.run);
    // Focus stays on the header button, so Enter sorts again.
    await page.keyboard.press('Enter');
    await attr(sizeHeader, 'aria-sort', 'ascending');
    expect(await folderOf(0)).toBe(nightly[0]?.run);

    await page.locator('button[data-sort="tag"]').click();
    const tags = await page.locator('table.runs tbody tr td:nth-child(3)').allTextContents();
    expect(tags).toEqual([...tags].sort());
    expect(tags[0]).toBe('canary');
  });

  it('searches by run tag, run id, scenario, cluster version, date range and result', async () => {
    const matching = (pick: (r: SeedRun) => boolean) => nightly.filter(pick).length;
    const search = async (fields: Record<string, string>) => {
      await page.locator('form.search button', { hasText: 'Clear' }).click();
      for (const [name, value] of Object.entries(fields)) {
        const field = page.locator(`form.search [name="${name}"]`);
        if (name === 'status') await field.selectOption(value);
        else await field.fill(value);
      }
      await page.locator('form.search button[type="submit"]').click();
      await attr(page.locator('.results'), 'aria-busy', null);
      return resultsTitle().textContent();
    };
    const plural = (n: number) => (n === 1 ? '1 run' : `${n} runs`);

    // "/" jumps to the search box; Enter submits.
    await open(`${base}/files/nightly/`);
    await page.keyboard.press('/');
    expect(await page.evaluate('document.activeElement && document.activeElement.name')).toBe('q');
    await page.keyboard.type('canary');
    await page.keyboard.press('Enter');
    await text(resultsTitle(), plural(matching((r) => r.tag === 'canary')));
    expect(new URL(page.url()).searchParams.get('q')).toBe('canary');

    const target = nightly[7] as SeedRun;
    expect(await search({ q: target.uuid.slice(0, 13) })).toBe('1 run');
    expect(await search({ scenario: 'network_chaos' })).toBe(
      plural(matching((r) => r.scenarios.includes('network_chaos'))),
    );
    expect(await search({ version: '4.15' })).toBe(plural(matching((r) => r.version.startsWith('4.15'))));
    const [from, to] = [day(T0 + 10 * DAY), day(T0 + 19 * DAY)];
    expect(await search({ from, to })).toBe(
      plural(matching((r) => day(r.time) >= from && day(r.time) <= to)),
    );
    expect(await search({ status: 'fail' })).toBe(plural(matching((r) => r.failed)));
    expect(await search({ version: '4.15', status: 'fail' })).toBe(
      plural(matching((r) => r.failed && r.version.startsWith('4.15'))),
    );
    expect(await search({ q: 'no-such-run' })).toBe('0 runs');
    await text(page.locator('.results .empty'), 'No runs match these filters.');

    // A bad value is a readable error, not a broken page.
    await open(`${base}/files/nightly/?from=yesterday`);
    await contains(page.locator('.results .error'), 'from must be a date');
  });

  it('renders a run: pass/fail scenarios, timings, node summary, files with one link request per page', async () => {
    const batches = () => requests.filter((r) => new URL(r.url()).pathname.endsWith('/download-urls'));
    const singles = () => requests.filter((r) => new URL(r.url()).pathname.includes('/download-url/'));
    const before = batches().length;

    await open(`${base}/files/weekly/${rich.run}/`);

    // Scenarios: one pass, one fail; the run failed.
    const rows = page.locator('table.scenarios tbody tr');
    await count(rows, 2);
    await text(rows.nth(0).locator('.badge'), 'Pass');
    await text(rows.nth(1).locator('.badge'), 'Fail exit 1');
    await contains(rows.nth(1), '3 min 0 s');
    await contains(rows.nth(1), '1 recovered, 1 not');
    await contains(page.locator('.run-head .badge'), 'Fail');
    await count(page.locator('.timeline .bar'), 2);
    await count(page.locator('table.nodes tbody tr'), 2);
    await contains(page.locator('table.nodes'), 'm5.2xlarge');
    await contains(page.locator('#summary'), '4.16.0');

    // Files: 29 (28 uploads + telemetry.json) on two pages; every link on the page is
    // presigned for the S3 endpoint and came from one batch request.
    const links = page.locator('table.files a.download');
    await count(links, 25);
    await attr(links.last(), 'href', /^http/);
    expect(batches().length - before).toBe(1);
    for (const href of await links.evaluateAll((as) => as.map((a) => a.getAttribute('href')))) {
      expect(new URL(href as string).origin).toBe(s3Origin);
    }
    await page.locator('#files button[data-page="next"]').click();
    await count(links, 4);
    await attr(links.last(), 'href', /^http/);
    expect(batches().length - before).toBe(2);
    expect(singles()).toHaveLength(0);
    await screenshot(page, 'run');

    // One click downloads the file, byte for byte.
    await page.locator('#files button[data-page="first"]').click();
    const link = page.getByRole('link', { name: 'Download critical-alerts-00.log' });
    await attr(link, 'href', /^http/);
    const [download] = await Promise.all([page.waitForEvent('download'), link.click()]);
    expect(download.suggestedFilename()).toBe('critical-alerts-00.log');
    const expected = rich.files.find((f) => f.name === 'critical-alerts-00.log')?.body;
    expect(readFileSync(await download.path())).toEqual(expected);

    // Sorting files by size puts the largest first.
    await page.locator('#files button[data-sort="size"]').click();
    await contains(page.locator('table.files tbody tr').first(), 'logs-00.tar.gz');
  });

  it('renews expired download links with one request for the page, then downloads', async () => {
    const batches = () => requests.filter((r) => new URL(r.url()).pathname.endsWith('/download-urls')).length;
    const clocked = await context.newPage();
    try {
      await clocked.clock.install();
      await clocked.goto(`${base}/files/weekly/${rich.run}/`);
      const link = clocked.getByRole('link', { name: 'Download events-00.json' });
      await attr(link, 'href', /^http/);
      const before = batches();

      // Act: 21 minutes later the page's links (S3_LINK_EXPIRATION 1200 s) are stale.
      await clocked.clock.fastForward('21:00');
      const [download] = await Promise.all([clocked.waitForEvent('download'), link.click()]);

      // Assert
      expect(batches() - before).toBe(1);
      expect(readFileSync(await download.path()).toString()).toBe('[]');
    } finally {
      await clocked.close();
    }
  });

  it('says so when a run does not exist', async () => {
    await open(`${base}/files/nightly/1700000000-missing/`);
    await contains(page.locator('main .error'), 'no run nightly/1700000000-missing');
    expect(await page.locator('main a', { hasText: 'Back to nightly' }).getAttribute('href')).toBe(
      '/telemetry/files/nightly/',
    );
  });

  it('shows the Prometheus hint with a working copy button and the raw JSON', async () => {
    await open(`${base}/files/weekly/${rich.run}/`);
    const hint = page.locator('.hint');
    await contains(hint, '24 parts');
    await text(hint.locator('code'), PROMETHEUS_HINT);

    const copy = hint.getByRole('button', { name: 'Copy: the command that joins the Prometheus parts' });
    await copy.click();

    await text(copy, 'Copied ✓');
    expect(await page.evaluate('navigator.clipboard.readText()')).toBe(PROMETHEUS_HINT);
    await contains(page.locator('#status'), 'Copied');

    // The download script: curl for each of the 24 parts (links from one request), then the join.
    const batches = () => requests.filter((r) => new URL(r.url()).pathname.endsWith('/download-urls')).length;
    const before = batches();
    const script = hint.getByRole('button', { name: /^Copy a download script/ });
    await script.click();
    await text(script, 'Copied ✓');
    const lines = String(await page.evaluate('navigator.clipboard.readText()'))
      .trimEnd()
      .split('\n');
    expect(batches() - before).toBe(1);
    expect(lines).toHaveLength(25);
    expect(lines[24]).toBe(PROMETHEUS_HINT);
    const [, name, url] = /^curl -fSL -o '([^']+)' '([^']+)'$/.exec(lines[0] as string) ?? [];
    expect(name).toBe('prometheus-00.tar');
    const part = await fetch(url as string);
    expect(Buffer.from(await part.arrayBuffer())).toEqual(rich.files[0]?.body);

    // Nothing renders as the text "null" or "undefined" (the raw JSON is still closed).
    // biome-ignore lint/performance/useDomNodeTextContent: the rendered text, without closed <details>
    expect(await page.locator('main').innerText()).not.toMatch(/\b(null|undefined)\b/);

    await page.locator('#raw-json summary').click();
    await contains(page.locator('#raw-json pre.json'), `"run_uuid": "${rich.uuid}"`);
    expect(await page.locator('#raw-json pre.json span.k').first().isVisible()).toBe(true);
  });

  it('keeps client-controlled text as text (no script runs, no javascript: links)', async () => {
    const injected = () => page.evaluate('window.__xss');
    await open(`${base}/files/weekly/`);
    await contains(page.locator('table.runs'), XSS.scenario);
    expect(await injected()).toBeUndefined();

    await open(`${base}/files/weekly/${xss.run}/`);
    await page.locator('#raw-json summary').click();
    await contains(page.locator('#raw-json pre.json'), XSS.instance.replace(/"/g, '\\"'));

    expect(await injected()).toBeUndefined();
    await contains(page.locator('table.scenarios'), XSS.scenario);
    await contains(page.locator('#summary'), XSS.version);
    await contains(page.locator('#summary'), XSS.build);
    await contains(page.locator('table.nodes'), XSS.instance);
    await contains(page.locator('#nodes .chips'), XSS.kind);
    expect(await page.locator('main img, main svg, main script, main b').count()).toBe(0);
    expect(await page.locator('a[href^="javascript"]').count()).toBe(0);
  });

  it('loads everything from its own origin (no CDN); only downloads go to the S3 endpoint', async () => {
    const outside = requests.filter((r) => new URL(r.url()).origin !== origin);
    for (const r of outside) {
      expect(new URL(r.url()).origin).toBe(s3Origin);
      expect(r.method()).toBe('GET');
      expect(new URL(r.url()).searchParams.get('X-Amz-Signature')).toMatch(/^[0-9a-f]{64}$/);
    }
    expect(outside.length).toBeGreaterThan(0);
    const assets = requests.filter((r) => new URL(r.url()).pathname.startsWith('/telemetry/assets/'));
    expect(new Set(assets.map((r) => new URL(r.url()).pathname))).toEqual(
      new Set(['/telemetry/assets/app.js', '/telemetry/assets/app.css']),
    );
    // The page runs under a strict CSP (no inline script or style, no other origins).
    const html = requests.find(
      (r) => r.resourceType() === 'document' && r.url().includes('/telemetry/files/'),
    );
    const headers = responses.get(html?.url() ?? '') ?? {};
    expect(headers['content-type']).toBe('text/html; charset=UTF-8');
    expect(headers['content-security-policy']).toContain(
      "default-src 'none'; script-src 'self'; style-src 'self'",
    );
    const types = assets.map((r) => responses.get(r.url())?.['content-type']);
    expect(new Set(types)).toEqual(new Set(['text/javascript; charset=utf-8', 'text/css; charset=utf-8']));
  });

  it('works behind an API Gateway stage prefix (/production)', async () => {
    const stageContext = await browser.newContext({ httpCredentials: READER });
    const seen: string[] = [];
    stageContext.on('request', (r) => seen.push(r.url()));
    try {
      const stagePage = await stageContext.newPage();
      await stagePage.goto(`${stageOrigin}/production/`);
      await stagePage.locator('main[data-ready="true"]').waitFor();
      expect(new URL(stagePage.url()).pathname).toBe('/production/files/');
      await stagePage.locator('table.runs a', { hasText: rich.uuid.slice(0, 8) }).click();
      await stagePage.locator('main[data-ready="true"]').waitFor();
      await count(stagePage.locator('table.scenarios tbody tr'), 2);
      await attr(stagePage.locator('table.files a.download').first(), 'href', /^http/);

      const own = seen.map((u) => new URL(u)).filter((u) => u.origin === stageOrigin);
      expect(own.length).toBeGreaterThan(6);
      for (const u of own) expect(u.pathname).toMatch(/^\/production\//);
      expect(own.some((u) => u.pathname === '/production/download-urls')).toBe(true);
      expect(own.some((u) => u.pathname === '/production/assets/app.js')).toBe(true);
    } finally {
      await stageContext.close();
    }
  });
});

/** Saves a full-page screenshot under test-artifacts/ and checks it is a real, non-blank PNG. */
async function screenshot(page: Page, name: string): Promise<void> {
  const png = await page.screenshot({ fullPage: true });
  writeFileSync(path.join(ARTIFACTS, `${name}.png`), png);
  expect(png.subarray(0, 8).toString('hex')).toBe('89504e470d0a1a0a');
  const width = png.readUInt32BE(16);
  const height = png.readUInt32BE(20);
  expect(width).toBe(1280);
  expect(height).toBeGreaterThanOrEqual(800);
  expect(height).toBeLessThan(20_000);
  // Not a blank page: the decoded pixels take many distinct values.
  const pixels = inflateSync(idat(png));
  expect(new Set(pixels.subarray(0, 2_000_000)).size).toBeGreaterThan(64);
}

function idat(png: Buffer): Buffer {
  const parts: Buffer[] = [];
  for (let at = 8; at < png.length; ) {
    const length = png.readUInt32BE(at);
    if (png.toString('latin1', at + 4, at + 8) === 'IDAT') parts.push(png.subarray(at + 8, at + 8 + length));
    at += length + 12;
  }
  return Buffer.concat(parts);
}

/**
 * API Gateway with a named stage: the URL carries `/production`, rawPath keeps it, the route
 * matches without it. Requests become v2 events for the telemetry API function.
 */
function startStageProxy(runtime: Runtime): Promise<Server> {
  const http = telemetry.functions.api?.triggers.find((t) => t.kind === 'http');
  const routes = sortRoutes((http && 'routes' in http ? http.routes : []).map(parseRoute));
  const server = createServer((req, res) => {
    handle(req)
      .then(async (response) => {
        res.writeHead(response.status, Object.fromEntries(response.headers));
        res.end(Buffer.from(await response.arrayBuffer()));
      })
      .catch((err: Error) => {
        res.writeHead(500).end(err.message);
      });
  });
  async function handle(req: IncomingMessage): Promise<Response> {
    const url = new URL(req.url ?? '/', 'http://stage');
    if (!url.pathname.startsWith('/production/') && url.pathname !== '/production') {
      return new Response('{"message":"Not Found"}', { status: 404 });
    }
    const routePath = url.pathname.slice('/production'.length) || '/';
    const method = (req.method ?? 'GET').toUpperCase();
    const match = matchRoute(routes, method, routePath);
    if (!match) return new Response('{"message":"Not Found"}', { status: 404 });
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const headers = new Headers();
    for (const [name, value] of Object.entries(req.headers)) {
      if (value !== undefined) headers.set(name, Array.isArray(value) ? value.join(', ') : value);
    }
    const event = toEventV2({
      method,
      path: url.pathname,
      rawQueryString: url.search.slice(1),
      headers,
      body: chunks.length ? Buffer.concat(chunks) : undefined,
      sourceIp: '127.0.0.1',
      domainName: req.headers.host ?? 'localhost',
      match,
      apiId: 'a1b2c3d4e5',
      accountId: '000000000000',
      requestId: crypto.randomUUID(),
      now: new Date(),
    });
    event.requestContext.stage = 'production';
    return fromResultV2(await runtime.invoke('telemetry.api', event));
  }
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve(server)));
}
