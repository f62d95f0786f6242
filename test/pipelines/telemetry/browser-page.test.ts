import { Script } from 'node:vm';
import { describe, expect, it } from 'vitest';
import { APP_CSS } from '../../../src/pipelines/telemetry/assets/app-css.js';
import { APP_JS } from '../../../src/pipelines/telemetry/assets/app-js.js';
import { escapeHtml, renderPage } from '../../../src/pipelines/telemetry/page.js';

describe('the browser page shell', () => {
  it('prefixes every link and asset with the base path (an API Gateway stage)', () => {
    const html = renderPage('/production', { kind: 'run', group: 'nightly', run: '1700000000-abc' });
    const urls = [...html.matchAll(/(?:href|src)="([^"]*)"/g)].map((m) => m[1] as string);
    expect(urls).toEqual([
      'data:,',
      '/production/assets/app.css',
      '#main',
      '/production/files/',
      '/production/files/nightly/',
      '/production/navigate',
      '/production/assets/app.js',
    ]);
    expect(html).toContain(
      'data-base="/production" data-view="run" data-group="nightly" data-run="1700000000-abc"',
    );
    expect(html).toContain('<title>1700000000-abc — nightly</title>');
  });

  it('works at the root too (no prefix)', () => {
    const html = renderPage('', { kind: 'groups' });
    expect(html).toContain('<script src="/assets/app.js" defer></script>');
    expect(html).toContain('data-view="groups"');
    expect(html).not.toContain('data-group');
  });

  it('escapes names and the base path in text and attributes', () => {
    const evil = `"><script>alert(1)</script>'&`;
    const html = renderPage(evil, { kind: 'run', group: evil, run: evil });
    expect(html).not.toContain('<script>alert');
    expect(html).not.toContain(evil);
    expect(html).toContain('&quot;&gt;&lt;script&gt;alert(1)&lt;/script&gt;&#39;&amp;');
    expect(escapeHtml(`<a href="x">'&'</a>`)).toBe('&lt;a href=&quot;x&quot;&gt;&#39;&amp;&#39;&lt;/a&gt;');
  });
});

describe('the browser assets', () => {
  it('the script is valid JavaScript', () => {
    expect(() => new Script(APP_JS, { filename: 'app.js' })).not.toThrow();
  });

  it('the script never parses HTML from strings (all content is client-controlled)', () => {
    for (const sink of [
      'innerHTML',
      'outerHTML',
      'insertAdjacentHTML',
      'document.write',
      'eval(',
      'new Function',
    ]) {
      expect(APP_JS).not.toContain(sink);
    }
  });

  it('the script and stylesheet load nothing from other origins', () => {
    for (const text of [APP_JS, APP_CSS]) {
      expect(text).not.toMatch(/https?:\/\//);
      expect(text).not.toMatch(/@import|url\(/);
    }
  });
});
