import { mkdtempSync, readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Template } from 'aws-cdk-lib/assertions';
import { type BuildAppOptions, defaultEntry, PROJECT_ROOT, synthesize } from '../../src/cloud/app.js';
import { type StageName, stageConfigs } from '../../src/cloud/stages.js';
import type { Pipeline } from '../../src/core/pipeline.js';

export const FIXTURES = path.join(import.meta.dirname, 'fixtures');

/** Fixtures live under test/cloud/fixtures/<name>/, registered pipelines under src/pipelines/<name>/. */
export const entryFor = (fixtures: readonly Pipeline[]) => (p: Pipeline) =>
  fixtures.includes(p) ? path.join(FIXTURES, p.name, 'handler.ts') : defaultEntry(p);

// biome-ignore lint/suspicious/noExplicitAny: CloudFormation templates are walked untyped in assertions
export type Json = Record<string, any>;

export interface Synthesized {
  outdir: string;
  templates: Record<StageName, Json>;
}

/** Synthesizes into a fresh temp dir (no AWS access: stage configs from an empty env). */
export function synth(
  pipelines: readonly Pipeline[],
  fixtures: readonly Pipeline[],
  options: Partial<BuildAppOptions> = {},
): Synthesized {
  const outdir = mkdtempSync(path.join(os.tmpdir(), 'tributary-synth-'));
  const result = synthesize({
    pipelines,
    configs: stageConfigs({}),
    entryFor: entryFor(fixtures),
    bundle: false,
    ...options,
    outdir,
  });
  const templates = {} as Record<StageName, Json>;
  for (const t of result.templates) templates[t.stage] = JSON.parse(readFileSync(t.file, 'utf8'));
  return { outdir, templates };
}

export const template = (json: Json): Template => Template.fromJSON(json);

/** Logical id of the resource whose construct path ends with `suffix` (e.g. `everything/Resources/landing/Bucket/Resource`). */
export function logicalIdAt(json: Json, suffix: string): string {
  const found = Object.entries(json.Resources as Json).filter(([, r]) =>
    String(r.Metadata?.['aws:cdk:path'] ?? '').endsWith(suffix),
  );
  if (found.length !== 1) throw new Error(`expected one resource at …${suffix}, found ${found.length}`);
  return (found[0] as [string, Json])[0];
}

/** The statements of the inline policy attached to a function's role. */
export function functionStatements(json: Json, pipeline: string, fn: string): Json[] {
  const roleId = logicalIdAt(json, `${pipeline}/Functions/${fn}/Role/Resource`);
  const policies = Object.values(json.Resources as Json).filter(
    (r) => r.Type === 'AWS::IAM::Policy' && r.Properties.Roles.some((role: Json) => role.Ref === roleId),
  );
  return policies.flatMap((p) => p.Properties.PolicyDocument.Statement as Json[]);
}

export const asArray = <T>(v: T | T[]): T[] => (Array.isArray(v) ? v : [v]);

/**
 * Replaces asset hashes (64 hex chars) and the checkout path (unbundled assets point at the
 * project root) so snapshots change neither with unrelated code nor between machines.
 */
export function normaliseAssets(json: Json): Json {
  const text = JSON.stringify(json)
    .replace(/[0-9a-f]{64}/g, '<asset-hash>')
    .replaceAll(JSON.stringify(PROJECT_ROOT).slice(1, -1), '<project-root>');
  return JSON.parse(text);
}
