import { spawn, spawnSync } from 'node:child_process';
import { once } from 'node:events';
import { copyFileSync, mkdtempSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import { AssetHashType, DockerImage } from 'aws-cdk-lib';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import { ConfigError } from '../core/errors.js';
import { BUNDLE_BANNER, BUNDLE_FILE, NODE_TARGET } from './constants.js';

/**
 * esbuild run in a child process: CDK's local bundling hook is synchronous, and esbuild
 * plugins only run in its asynchronous API. One build for every handler of the app, so the
 * modules they share (the AWS SDK, zod, ...) are parsed once. Arguments: esbuild's path, a
 * JSON map of output name → entry, the output directory, the target and the banner.
 *
 * The plugin keeps zod's English messages only: `export * as locales` in zod's root
 * namespace defeats tree-shaking and would put every language (~260 KB minified) in
 * every function. English is the default zod registers; `z.locales.en` still works.
 */
const BUILD_SCRIPT = `
import { createRequire } from 'node:module';
const [esbuildPath, entries, outdir, target, banner] = process.argv.slice(1);
const esbuild = createRequire(esbuildPath)(esbuildPath);
const englishOnly = {
  name: 'zod-english-only',
  setup(build) {
    build.onLoad({ filter: /[\\\\/]zod[\\\\/]v4[\\\\/]locales[\\\\/]index\\.js$/ }, () => ({
      contents: 'export { default as en } from "./en.js";',
      loader: 'js',
    }));
  },
};
const result = await esbuild.build({
  entryPoints: JSON.parse(entries),
  outdir,
  outExtension: { '.js': '.mjs' },
  bundle: true,
  platform: 'node',
  format: 'esm',
  target,
  minify: true,
  treeShaking: true,
  legalComments: 'none',
  mainFields: ['module', 'main'],
  banner: { js: banner },
  plugins: [englishOnly],
  logLevel: 'warning',
});
if (result.errors.length > 0) process.exit(1);
`;

/** Resolves esbuild's JS API the way the project resolves its dependencies. */
function esbuildPath(): string {
  try {
    return createRequire(import.meta.url).resolve('esbuild');
  } catch {
    throw new ConfigError('esbuild is not installed: run `npm install` (it is a dependency)');
  }
}

interface BuildJob {
  args: string[];
  /** Output name → entry. */
  names: Record<string, string>;
}

function buildJob(entries: readonly string[], outdir: string): BuildJob {
  const names = Object.fromEntries(entries.map((entry, i) => [`handler${i}`, entry]));
  const args = ['--input-type=module', '-e', BUILD_SCRIPT, esbuildPath(), JSON.stringify(names), outdir];
  return { args: [...args, NODE_TARGET, BUNDLE_BANNER], names };
}

const bundlesOf = (job: BuildJob, outdir: string): Map<string, string> =>
  new Map(Object.entries(job.names).map(([name, entry]) => [entry, path.join(outdir, `${name}.mjs`)]));

const failed = (detail: string): ConfigError =>
  new ConfigError(`bundling the function handlers failed: ${detail.trim()}`);

/**
 * Bundles handler.ts files into one minified, tree-shaken ES module each, with their
 * dependencies (the AWS SDK included, so the deployed code runs the SDK version the tests
 * ran, not the runtime's). Returns the bundle of each entry, in `outdir`.
 */
export function bundleHandlers(entries: readonly string[], outdir: string): Map<string, string> {
  const job = buildJob(entries, outdir);
  const result = spawnSync(process.execPath, job.args, {
    encoding: 'utf8',
    stdio: ['ignore', 'inherit', 'pipe'],
  });
  if (result.status !== 0) throw failed(result.stderr || result.error?.message || `exit ${result.status}`);
  return bundlesOf(job, outdir);
}

/** bundleHandlers without blocking the event loop while esbuild runs. */
export async function bundleHandlersAsync(
  entries: readonly string[],
  outdir: string,
): Promise<Map<string, string>> {
  const job = buildJob(entries, outdir);
  const child = spawn(process.execPath, job.args, { stdio: ['ignore', 'inherit', 'pipe'] });
  let stderr = '';
  child.stderr.setEncoding('utf8').on('data', (d: string) => {
    stderr += d;
  });
  const [code] = (await once(child, 'close')) as [number | null];
  if (code !== 0) throw failed(stderr || `exit ${code}`);
  return bundlesOf(job, outdir);
}

/**
 * The code assets of one app. The first asset CDK stages bundles every handler at once;
 * each asset then copies its own bundle. Nothing is bundled when CDK skips bundling.
 */
export class HandlerBundles {
  private bundles?: Map<string, string>;

  constructor(
    private readonly entries: readonly string[],
    private readonly projectRoot: string,
  ) {}

  /**
   * A function's code: the bundle of its pipeline's handler.ts, hashed by its output, so
   * every function of a pipeline shares one asset and unrelated changes do not redeploy
   * it. Bundling always runs locally; the Docker image is only there because CDK requires
   * one, and is never pulled (a local failure throws instead of falling back to Docker).
   */
  code(entry: string): lambda.Code {
    const relative = path.relative(this.projectRoot, entry).split(path.sep).join('/');
    return lambda.Code.fromAsset(this.projectRoot, {
      assetHashType: AssetHashType.OUTPUT,
      bundling: {
        image: DockerImage.fromRegistry('public.ecr.aws/sam/build-nodejs20.x'),
        // Also part of CDK's asset cache key: one staged bundle per entry, not per app.
        command: ['esbuild', relative, `--outfile=/asset-output/${BUNDLE_FILE}`],
        local: {
          tryBundle: (outputDir) => {
            copyFileSync(this.bundleOf(entry), path.join(outputDir, BUNDLE_FILE));
            return true;
          },
        },
      },
    });
  }

  /**
   * Bundles every handler now, asynchronously, so that synthesis (synchronous in CDK) only
   * copies files. Without it, the first asset CDK stages bundles them, blocking.
   */
  async prepare(): Promise<void> {
    this.bundles ??= await bundleHandlersAsync(this.entries, this.outdir());
  }

  private outdir(): string {
    const outdir = mkdtempSync(path.join(os.tmpdir(), 'tributary-bundles-'));
    process.once('exit', () => rmSync(outdir, { recursive: true, force: true }));
    return outdir;
  }

  private bundleOf(entry: string): string {
    this.bundles ??= bundleHandlers(this.entries, this.outdir());
    const bundle = this.bundles.get(entry);
    if (!bundle) throw new ConfigError(`no bundle for ${entry}: it is not a handler of this app`);
    return bundle;
  }
}
