import { existsSync, readdirSync, statSync } from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';
import type { Pipeline } from '../../src/core/pipeline.js';
import { pipelines as registered } from '../../src/pipelines/index.js';
import everything from './fixtures/everything/pipeline.js';
import { type Json, synth } from './helpers.js';

/**
 * The one test that runs esbuild: every registered pipeline's real handlers (and the
 * fixture's) bundled as NodejsFunction bundles them, for one stage.
 */
describe('function bundles (esbuild, real handlers)', () => {
  const all: Pipeline[] = [everything, ...registered];
  let outdir: string;
  let functions: Json[];
  beforeAll(() => {
    const synthesized = synth(all, [everything], { stages: ['devl'], bundle: true, nag: false });
    outdir = synthesized.outdir;
    functions = Object.values(synthesized.templates.devl.Resources as Json).filter(
      (r) => r.Type === 'AWS::Lambda::Function' && String(r.Metadata['aws:cdk:path']).includes('/Functions/'),
    );
  }, 300_000);

  // The size budget (< 1 MB) is measured and reported by `npm run bench -- cloud-synth`, not asserted here.
  it('bundles one minified ESM file per function', () => {
    expect(functions.length).toBe(all.reduce((n, p) => n + Object.keys(p.functions).length, 0));
    for (const fn of functions) {
      const asset = path.join(outdir, fn.Metadata['aws:asset:path']);
      expect(readdirSync(asset)).toEqual(['index.mjs']);
      const size = statSync(path.join(asset, 'index.mjs')).size;
      expect(size).toBeGreaterThan(0);
    }
  });

  it('each bundle exports its function key as a handler, and the fixture handlers answer real events', async () => {
    for (const fn of functions) {
      const asset = path.join(outdir, fn.Metadata['aws:asset:path'], 'index.mjs');
      expect(existsSync(asset)).toBe(true);
      const exported = String(fn.Properties.Handler).replace(/^index\./, '');
      const module = (await import(pathToFileURL(asset).href)) as Record<string, unknown>;
      expect(typeof module[exported]).toBe('function');
    }
    const apiFn = functions.find((f) =>
      String(f.Metadata['aws:cdk:path']).includes('/everything/Functions/api/'),
    );
    const api = (await import(
      pathToFileURL(path.join(outdir, apiFn?.Metadata['aws:asset:path'], 'index.mjs')).href
    )) as {
      api: (e: unknown) => Promise<{ statusCode: number; body: string }>;
    };
    const result = await api.api({ routeKey: 'GET /items/{id}', rawPath: '/items/7' });
    expect(result.statusCode).toBe(200);
    expect(JSON.parse(result.body)).toEqual({ route: 'GET /items/{id}', path: '/items/7' });
  }, 120_000);
});
