import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { App, Validations } from 'aws-cdk-lib';
import { AwsSolutionsChecks } from 'cdk-nag';
import { ConfigError, errorMessage } from '../core/errors.js';
import type { Pipeline } from '../core/pipeline.js';
import { HandlerBundles } from './bundle.js';
import { BUNDLING_STACKS_CONTEXT } from './constants.js';
import { TributaryStack } from './stack.js';
import { STAGE_NAMES, type StageConfig, type StageName, stageConfigs } from './stages.js';

/** The project root: src/cloud/ (or dist/cloud/) is two levels below it. */
export const PROJECT_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

export const stackName = (stage: StageName): string => `tributary-${stage}`;

export interface BuildAppOptions {
  pipelines: readonly Pipeline[];
  /** Which stages to build (default: all three). */
  stages?: readonly StageName[];
  /** Stage settings (default: stageConfigs(process.env)). */
  configs?: Readonly<Record<StageName, StageConfig>>;
  /** Cloud assembly directory (default: a temp dir CDK picks, or `cdk.out` under the CLI). */
  outdir?: string;
  /** Run esbuild for every function (default true); false writes no code assets, for fast tests. */
  bundle?: boolean;
  /** A pipeline's handler.ts (default: src/pipelines/<name>/handler.ts). */
  entryFor?: (pipeline: Pipeline) => string;
  /** Check the app with cdk-nag's AwsSolutions pack at synth (default true). */
  nag?: boolean;
  /** The function bundles, possibly prepared already (default: bundled during synth). */
  bundles?: HandlerBundles;
}

/** The app's function bundles, built asynchronously ahead of synth (which then only copies them). */
export async function prepareBundles(options: Pick<BuildAppOptions, 'pipelines' | 'entryFor'>) {
  const bundles = new HandlerBundles(options.pipelines.map(options.entryFor ?? defaultEntry), PROJECT_ROOT);
  await bundles.prepare();
  return bundles;
}

export const defaultEntry = (pipeline: Pipeline): string =>
  path.join(PROJECT_ROOT, 'src', 'pipelines', pipeline.name, 'handler.ts');

/** The CDK app: one stack per stage, every pipeline in each. */
export function buildApp(options: BuildAppOptions): { app: App; stacks: TributaryStack[] } {
  const configs = options.configs ?? stageConfigs();
  const entryFor = options.entryFor ?? defaultEntry;
  for (const pipeline of options.pipelines) {
    const entry = entryFor(pipeline);
    if (!existsSync(entry)) {
      throw new ConfigError(`pipeline "${pipeline.name}": its handler file ${entry} does not exist`);
    }
  }
  const app = new App({
    ...(options.outdir ? { outdir: options.outdir } : {}),
    context: {
      // Access-log delivery through a bucket policy, not ACLs (ACLs stay disabled everywhere).
      '@aws-cdk/aws-s3:serverAccessLogsUseBucketPolicy': true,
      // Construct paths in template metadata, as the cdk CLI writes them (the console shows them).
      'aws:cdk:enable-path-metadata': true,
      'aws:cdk:enable-asset-metadata': true,
      ...(options.bundle === false ? { [BUNDLING_STACKS_CONTEXT]: [] } : {}),
    },
  });
  const bundles = options.bundles ?? new HandlerBundles(options.pipelines.map(entryFor), PROJECT_ROOT);
  const stacks = (options.stages ?? STAGE_NAMES).map(
    (stage) =>
      new TributaryStack(app, stackName(stage), {
        stage: configs[stage],
        pipelines: options.pipelines,
        entryFor,
        bundles,
        ...(configs[stage].account || configs[stage].region
          ? { env: { account: configs[stage].account, region: configs[stage].region } }
          : {}),
      }),
  );
  if (options.nag !== false) Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
  return { app, stacks };
}

export interface SynthResult {
  outdir: string;
  templates: { stage: StageName; stackName: string; file: string; resources: number; bytes: number }[];
  ms: number;
}

/**
 * Writes the CloudFormation templates (and bundled function code) without touching AWS.
 * A cdk-nag finding, or any other validation failure, becomes a ConfigError naming it.
 */
export function synthesize(options: BuildAppOptions & { outdir: string }): SynthResult {
  const started = performance.now();
  const { app, stacks } = buildApp(options);
  let assembly: ReturnType<App['synth']>;
  try {
    assembly = app.synth();
  } catch (err) {
    throw new ConfigError(`synth failed: ${validationSummary(options.outdir) ?? errorMessage(err)}`);
  }
  const templates = stacks.map((stack) => {
    const artifact = assembly.getStackByName(stack.stackName);
    const file = path.join(assembly.directory, artifact.templateFile);
    const text = readFileSync(file, 'utf8');
    return {
      stage: stack.stage.name,
      stackName: stack.stackName,
      file,
      resources: Object.keys((JSON.parse(text) as { Resources?: object }).Resources ?? {}).length,
      bytes: Buffer.byteLength(text),
    };
  });
  return { outdir: assembly.directory, templates, ms: Math.round(performance.now() - started) };
}

interface ValidationReport {
  pluginReports?: {
    summary?: { pluginName?: string };
    violations?: {
      ruleName: string;
      description: string;
      violatingResources?: { resourceLogicalId: string; templatePath: string }[];
    }[];
  }[];
}

/** The violations CDK's policy validation wrote, one line each. */
export function validationSummary(outdir: string): string | undefined {
  const file = path.join(outdir, 'policy-validation-report.json');
  if (!existsSync(file)) return undefined;
  const report = JSON.parse(readFileSync(file, 'utf8')) as ValidationReport;
  const lines = (report.pluginReports ?? []).flatMap((r) =>
    (r.violations ?? []).flatMap((v) =>
      (v.violatingResources ?? [{ resourceLogicalId: '?', templatePath: '?' }]).map(
        (res) =>
          `${v.ruleName} at ${res.resourceLogicalId} (${path.basename(res.templatePath)}): ${v.description}`,
      ),
    ),
  );
  return lines.length > 0 ? `${lines.length} policy violations:\n${lines.join('\n')}` : undefined;
}
