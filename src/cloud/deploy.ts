import { spawn } from 'node:child_process';
import { createRequire } from 'node:module';
import path from 'node:path';
import { S3Client } from '@aws-sdk/client-s3';
import { ConfigError, errorMessage, TributaryError } from '../core/errors.js';

/** No AWS credentials could be found: nothing can be deployed. */
export class NoCredentialsError extends TributaryError {
  constructor(detail: string) {
    super(
      `no AWS credentials found (${detail}). Deploying needs credentials for the target account: set AWS_PROFILE or AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY, or run in GitHub Actions with the OIDC role (docs/deploy.md). \`tributary synth\` works without them.`,
      'NoCredentials',
      77 /* EX_NOPERM */,
      403,
    );
  }
}

/**
 * Resolves credentials the way the AWS SDK and the CDK CLI do (env, shared files, SSO,
 * web identity, container/instance metadata), so a missing login fails here in a second
 * with a clear message instead of after synth inside `cdk deploy`.
 */
export async function checkCredentials(): Promise<{ accessKeyId: string }> {
  const client = new S3Client({ region: process.env.AWS_REGION ?? 'us-east-1' });
  try {
    const credentials = await client.config.credentials();
    return { accessKeyId: credentials.accessKeyId };
  } catch (err) {
    throw new NoCredentialsError(errorMessage(err));
  } finally {
    client.destroy();
  }
}

/** The aws-cdk CLI installed with the project. */
export function cdkBin(): string {
  try {
    const pkg = createRequire(import.meta.url).resolve('aws-cdk/package.json');
    return path.join(path.dirname(pkg), 'bin', 'cdk');
  } catch {
    throw new ConfigError('the aws-cdk CLI is not installed: run `npm install` (it is a devDependency)');
  }
}

export interface CdkDeployOptions {
  /** The synthesized cloud assembly. */
  assembly: string;
  stackName: string;
  requireApproval: 'never' | 'any-change' | 'broadening';
}

/** Runs `cdk deploy` on an already synthesized assembly; resolves with its exit code. */
export function cdkDeploy(options: CdkDeployOptions): Promise<number> {
  const args = [
    cdkBin(),
    'deploy',
    '--app',
    options.assembly,
    options.stackName,
    '--require-approval',
    options.requireApproval,
    '--progress',
    'events',
  ];
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, args, { stdio: 'inherit' });
    child.once('error', reject);
    child.once('exit', (code, signal) => resolve(code ?? (signal ? 128 : 1)));
  });
}
