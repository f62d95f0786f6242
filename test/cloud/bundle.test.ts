import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';
import { prepareBundles } from '../../src/cloud/app.js';
import type { Pipeline } from '../../src/core/pipeline.js';
import { pipelines as registered } from '../../src/pipelines/index.js';
import everything from './fixtures/everything/pipeline.js';
import { entryFor, type Json, synth } from './helpers.js';

/**
 * The one test that runs esbuild: every registered pipeline's real handlers (and the
 * fixture's) bundled as the cloud app bundles them (src/cloud/bundle.ts), for one stage.
 */
describe('function bundles (esbuild, real handlers)', () => {
  const all: Pipeline[] = [everything, ...registered];
  let outdir: string;
  let functions: Json[];
  beforeAll(async () => {
    // Bundled ahead, asynchronously: synth itself is synchronous and would block the worker.
    const bundles = await prepareBundles({ pipelines: all, entryFor: entryFor([everything]) });
    const synthesized = synth(all, [everything], { stages: ['devl'], bundle: true, nag: false, bundles });
    outdir = synthesized.outdir;
    functions = Object.values(synthesized.templates.devl.Resources as Json).filter(
      (r) => r.Type === 'AWS::Lambda::Function' && String(r.Metadata['aws:cdk:path']).includes('/Functions/'),
    );
  }, 300_000);

  // Cold-start times are measured by `npm run bench -- cloud-synth`; the size budget is a fact of the bundle.
  it('bundles one minified ESM file per function, under the 1 MB budget', () => {
    expect(functions.length).toBe(all.reduce((n, p) => n + Object.keys(p.functions).length, 0));
    for (const fn of functions) {
      const asset = path.join(outdir, fn.Metadata['aws:asset:path']);
      expect(readdirSync(asset)).toEqual(['index.mjs']);
      const size = statSync(path.join(asset, 'index.mjs')).size;
      expect(size).toBeGreaterThan(0);
      expect(size, `${fn.Metadata['aws:cdk:path']}: ${size} bytes`).toBeLessThan(1024 * 1024);
    }
  });

  it('shares one asset among the functions of a pipeline, and keeps only English zod messages', () => {
    const assetOf = (pipeline: string) =>
      new Set(
        functions
          .filter((f) => String(f.Metadata['aws:cdk:path']).includes(`/${pipeline}/Functions/`))
          .map((f) => f.Metadata['aws:asset:path']),
      );
    // ingest declares two functions (api, summary) in one handler.ts.
    expect(assetOf('ingest').size).toBe(1);
    const code = readFileSync(path.join(outdir, [...assetOf('ingest')][0], 'index.mjs'), 'utf8');
    expect(code).toContain('Too big: expected');
    expect(code).not.toContain('Ungültige Eingabe');
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
