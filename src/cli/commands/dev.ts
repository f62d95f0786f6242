import { loadConfig } from '../../local/config.js';
import { type Runtime, startRuntime } from '../../local/runtime.js';
import { loadPipelines } from '../registry.js';

/** `tributary dev`: the whole local stack until SIGINT/SIGTERM, then a graceful shutdown. */
export async function devCommand(out: NodeJS.WritableStream = process.stdout): Promise<void> {
  const pipelines = await loadPipelines();
  const config = loadConfig({ pipelines });
  const runtime = await startRuntime({ pipelines, config });
  out.write(banner(runtime));

  await new Promise<void>((resolve) => {
    let closing = false;
    const shutdown = (signal: NodeJS.Signals) => {
      if (closing) {
        out.write(`\n${signal} again: exiting without waiting\n`);
        process.exit(130);
      }
      closing = true;
      out.write(`\n${signal}: shutting down (in-flight invocations get up to 10 s; the rest stay queued)\n`);
      runtime.close().then(resolve, (err) => {
        process.stderr.write(`tributary: shutdown failed: ${(err as Error).message}\n`);
        resolve();
      });
    };
    process.on('SIGINT', shutdown);
    process.on('SIGTERM', shutdown);
  });
  out.write('stopped\n');
}

export function banner(runtime: Runtime): string {
  const { config, endpoints, functions } = runtime;
  const lines = [
    'tributary dev — local runtime ready',
    '',
    `  HTTP API      ${endpoints.httpUrl}  (GET /healthz, pipelines under /<pipeline>/…)`,
    `  S3            ${endpoints.s3Url}`,
    `  DynamoDB      ${endpoints.dynamodbUrl}`,
    `  state         ${config.stateDir}`,
    `  functions     ${functions.size > 0 ? [...functions.keys()].join(', ') : '(no pipelines registered)'}`,
    '',
    'Local credentials:',
    `  export AWS_ACCESS_KEY_ID=${config.accessKeyId} AWS_SECRET_ACCESS_KEY=${config.secretAccessKey} AWS_DEFAULT_REGION=${config.region}`,
    '',
    'Try:',
    `  aws --endpoint-url ${endpoints.s3Url} s3 ls`,
    `  aws --endpoint-url ${endpoints.dynamodbUrl} dynamodb list-tables`,
    '',
    'Ctrl-C stops (queued events are kept for the next start).',
    '',
  ];
  return `${lines.join('\n')}\n`;
}
