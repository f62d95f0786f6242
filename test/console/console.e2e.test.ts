import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { type Browser, chromium, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/local/config.js';
import { type Runtime, startRuntime } from '../../src/local/runtime.js';
import bucketMetrics from '../../src/pipelines/bucket-metrics/pipeline.js';
import csvLoad from '../../src/pipelines/csv-load/pipeline.js';
import { events } from '../fixtures/pipelines.js';
import { isolatedRuntimeEnv } from '../helpers/runtime-env.js';
import { REPO, s3For, until } from '../local/runtime/helpers.js';

/** The part of HTMLCanvasElement the check uses (tsconfig has no DOM lib). */
interface CanvasLike {
  width: number;
  height: number;
  getContext(
    kind: '2d',
  ): { getImageData(x: number, y: number, w: number, h: number): { data: ArrayLike<number> } } | null;
}

const ARTIFACTS = path.join(REPO, 'test-artifacts', 'console');

/**
 * The console in real headless Chromium against a running runtime: objects and a CSV
 * uploaded with the AWS SDK, a function that fails into the DLQ, bucket metrics collected
 * twice, then what the page shows — and redrive from the page.
 */
describe('console in a browser', () => {
  let runtime: Runtime;
  let s3: S3Client;
  let browser: Browser;
  let page: Page;
  let dir: string;
  const savedNotifications = process.env.TRIBUTARY_NOTIFICATIONS_FILE;
  const shot = (name: string) =>
    page.screenshot({ path: path.join(ARTIFACTS, `${name}.png`), fullPage: true });
  const put = (Bucket: string, Key: string, Body: string) =>
    s3.send(new PutObjectCommand({ Bucket, Key, Body }));
  const collectMetrics = async () => {
    const before = runtime.console?.history.aggregates.summary('bucket-metrics.collect')?.succeeded ?? 0;
    runtime.fireSchedule('bucket-metrics.collect');
    await until(
      () => (runtime.console?.history.aggregates.summary('bucket-metrics.collect')?.succeeded ?? 0) > before,
      20_000,
    );
  };

  beforeAll(async () => {
    mkdirSync(ARTIFACTS, { recursive: true });
    dir = mkdtempSync(path.join(os.tmpdir(), 'tributary-console-e2e-'));
    process.env.TRIBUTARY_NOTIFICATIONS_FILE = path.join(dir, 'notifications.jsonl');
    writeFileSync(
      path.join(dir, 'tributary.config.json'),
      JSON.stringify({
        retryBaseDelayMs: 20,
        pipelines: { 'fixture-events': { config: { RECORD_DIR: dir } } },
      }),
    );
    const env = {
      TRIBUTARY_CONFIG: path.join(dir, 'tributary.config.json'),
      ...isolatedRuntimeEnv(path.join(dir, 'state')),
    };
    const pipelines = [events, csvLoad, bucketMetrics];
    const [started, launched] = await Promise.all([
      startRuntime({
        pipelines,
        config: loadConfig({ pipelines, env, cwd: REPO }),
        scheduler: false,
        pollMs: 50,
      }),
      chromium.launch({
        executablePath: '/usr/bin/chromium',
        args: ['--headless', '--no-sandbox', '--disable-gpu'],
      }),
    ]);
    runtime = started;
    browser = launched;
    s3 = s3For(runtime);
    page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
  });
  afterAll(async () => {
    await browser?.close();
    s3?.destroy();
    await runtime?.close();
    if (savedNotifications === undefined) delete process.env.TRIBUTARY_NOTIFICATIONS_FILE;
    else process.env.TRIBUTARY_NOTIFICATIONS_FILE = savedNotifications;
    rmSync(dir, { recursive: true, force: true });
  });

  it('shows invocations, the DLQ entry, redrive, the charts and the CSV report', async () => {
    // Arrange: the page is open (and following the event stream) before anything happens
    await page.goto(`${runtime.endpoints.httpUrl}/#events`);
    await page.waitForSelector('#sse-state:text("live")');
    await collectMetrics();

    // Act: objects and a CSV with the AWS SDK, one object whose function fails every attempt
    await put('fixture-inbox', 'data/a.csv', 'id,name\n1,a\n');
    await put('fixture-inbox', 'data/b.csv', 'id,name\n2,b\n');
    await put(
      'tributary-landing',
      'data/products.csv',
      'ID,Name,Price\n1,Widget,9.5\n2,Gadget,12\n,NoKey,1\n',
    );
    await put('fixture-inbox', 'fail/broken.txt', 'nope');
    await collectMetrics();

    // Assert: the live event log
    const log = page.locator('#event-log');
    await log.locator('li[data-function="fixture-events.onCsv"][data-type="succeeded"]').first().waitFor();
    await log.locator('li[data-function="csv-load.load"][data-type="succeeded"]').waitFor();
    await log.locator('li[data-function="fixture-events.failing"][data-type="dead-lettered"]').waitFor();
    expect(await log.locator('li.retry[data-function="fixture-events.failing"]').count()).toBe(2);
    await expect
      .poll(() => log.locator('li[data-function="fixture-events.onCsv"][data-type="succeeded"]').count())
      .toBe(2);
    await shot('events');

    // Assert: the overview counts, reached with the keyboard
    await page.keyboard.press('1');
    const failing = page.locator('tr[data-function="fixture-events.failing"]');
    await expect.poll(() => failing.locator('[data-stat="deadLettered"]').textContent()).toBe('1');
    expect(await failing.locator('[data-stat="failed"]').textContent()).toBe('3');
    expect(
      await page.locator('tr[data-function="fixture-events.onCsv"] [data-stat="succeeded"]').textContent(),
    ).toBe('2');
    expect(await page.locator('tr[data-function="csv-load.load"] .triggers').textContent()).toContain(
      's3://tributary-landing/data/*.csv',
    );
    await shot('overview');

    // Assert + Act: the DLQ entry, then redrive from the page
    await page.keyboard.press('3');
    const letter = page.locator('article.letter');
    await letter.waitFor();
    expect(await letter.count()).toBe(1);
    expect(await letter.locator('h3').textContent()).toContain('fixture-events.failing');
    expect(await letter.locator('.err').first().textContent()).toBe(
      'RangeError: cannot process fail/broken.txt',
    );
    await shot('dlq');
    writeFileSync(path.join(dir, 'heal'), '');
    await letter.locator('button.redrive').focus();
    await page.keyboard.press('Enter');
    await page.locator('#dlq-empty').waitFor();
    expect(runtime.dlq.depth()).toBe(0);
    await log
      .locator('li[data-function="fixture-events.failing"][data-type="redriven"]')
      .waitFor({ state: 'attached' });
    await log
      .locator('li[data-function="fixture-events.failing"][data-type="succeeded"]')
      .waitFor({ state: 'attached' });
    await shot('dlq-after-redrive');

    // Assert: bucket charts with two collections of every bucket
    await page.keyboard.press('4');
    const bytesChart = page.locator('#chart-bytes');
    await bytesChart.locator('canvas').waitFor();
    // Each bucket is stamped with its own listing time: the x axis is the union of them.
    expect(Number(await bytesChart.getAttribute('data-points'))).toBeGreaterThanOrEqual(2);
    expect(Number(await bytesChart.getAttribute('data-series'))).toBeGreaterThanOrEqual(3);
    expect(await bytesChart.locator('.u-legend').textContent()).toContain('fixture-inbox');
    expect(await page.locator('#chart-objects canvas').count()).toBe(1);
    const drawn = await bytesChart.locator('canvas').evaluate((canvas: CanvasLike) => {
      const pixels = canvas.getContext('2d')?.getImageData(0, 0, canvas.width, canvas.height).data ?? [];
      let painted = 0;
      for (let i = 3; i < pixels.length; i += 4) if ((pixels[i] ?? 0) > 0) painted++;
      return painted;
    });
    expect(drawn).toBeGreaterThan(1000);
    const inbox = page.locator('tr[data-bucket="fixture-inbox"] td');
    expect(await inbox.nth(0).textContent()).toMatch(/^\d+(\.\d+)? (B|KiB)$/);
    expect(await inbox.nth(1).textContent()).toBe('3'); // data/a.csv, data/b.csv, fail/broken.txt
    expect(await inbox.nth(2).textContent()).toBe('2'); // two collections
    await shot('buckets');

    // Assert: the CSV load report
    await page.keyboard.press('6');
    const report = page.locator('tr[data-report="reports/data/products.csv.json"]');
    await report.waitFor();
    expect(await report.locator('.tag').textContent()).toBe('PARTIAL');
    await shot('csv-loads');
  });
});
