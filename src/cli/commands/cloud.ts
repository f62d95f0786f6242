import path from 'node:path';
import { type Command, Option } from 'commander';
import type { STAGE_NAMES } from '../../cloud/stages.js';
import { TributaryError } from '../../core/errors.js';
import { loadPipelines } from '../registry.js';

const STAGE_HELP = 'devl, test or prod';

/**
 * `tributary synth` writes the CloudFormation templates of every stage (or one) offline;
 * `tributary deploy --stage <s>` synthesizes that stage and runs `cdk deploy` on it.
 * The CDK app is imported only when these commands run: it is heavy, and `dev` needs none of it.
 */
export function register(program: Command): void {
  program
    .command('synth')
    .description('write the CloudFormation templates of the cloud app (no AWS access needed)')
    .option('--stage <stage>', `only this stage: ${STAGE_HELP} (default: all)`)
    .option('--out <dir>', 'cloud assembly directory', 'cdk.out')
    .option('--no-bundle', 'skip bundling function code (templates only; not deployable)')
    .action(async (opts: { stage?: string; out: string; bundle: boolean }) => {
      await synthCommand(opts);
    });

  program
    .command('deploy')
    .description('synthesize one stage and deploy it with the aws-cdk CLI (needs AWS credentials)')
    .requiredOption('--stage <stage>', STAGE_HELP)
    .option('--out <dir>', 'cloud assembly directory', 'cdk.out')
    .addOption(
      new Option('--require-approval <level>', 'when cdk asks before deploying security changes')
        .choices(['never', 'any-change', 'broadening'])
        .default('broadening'),
    )
    .action(
      async (opts: {
        stage: string;
        out: string;
        requireApproval: 'never' | 'any-change' | 'broadening';
      }) => {
        await deployCommand(opts);
      },
    );
}

export async function synthCommand(
  opts: { stage?: string; out: string; bundle?: boolean },
  out: NodeJS.WritableStream = process.stdout,
): Promise<void> {
  const { selectStages } = await import('../../cloud/stages.js');
  const stages = selectStages(opts.stage);
  const { prepareBundles, synthesize } = await import('../../cloud/app.js');
  const pipelines = await loadPipelines();
  const bundle = opts.bundle ?? true;
  const result = synthesize({
    pipelines,
    stages,
    outdir: path.resolve(opts.out),
    bundle,
    ...(bundle ? { bundles: await prepareBundles({ pipelines }) } : {}),
  });
  for (const t of result.templates) {
    out.write(
      `${t.stackName}  ${path.relative(process.cwd(), t.file)}  ${t.resources} resources  ${(t.bytes / 1024).toFixed(1)} KiB\n`,
    );
  }
  out.write(
    `synthesized ${result.templates.length} stage(s), ${pipelines.length} pipeline(s) in ${(result.ms / 1000).toFixed(1)} s\n`,
  );
}

export async function deployCommand(
  opts: { stage: string; out: string; requireApproval: 'never' | 'any-change' | 'broadening' },
  out: NodeJS.WritableStream = process.stdout,
): Promise<void> {
  const { selectStages } = await import('../../cloud/stages.js');
  // `deploy` requires --stage, so this is exactly one stage.
  const stage = selectStages(opts.stage)[0] as (typeof STAGE_NAMES)[number];
  const { checkCredentials, cdkDeploy } = await import('../../cloud/deploy.js');
  await checkCredentials();
  const { prepareBundles, synthesize, stackName } = await import('../../cloud/app.js');
  const pipelines = await loadPipelines();
  const result = synthesize({
    pipelines,
    stages: [stage],
    outdir: path.resolve(opts.out),
    bundles: await prepareBundles({ pipelines }),
  });
  out.write(`synthesized ${result.templates.map((t) => t.stackName).join(', ')}; deploying\n`);
  const code = await cdkDeploy({
    assembly: result.outdir,
    stackName: stackName(stage),
    requireApproval: opts.requireApproval,
  });
  if (code !== 0) throw new TributaryError(`cdk deploy exited with code ${code}`, 'DeployFailed', code);
}
