/** The Lambda runtime every function uses: the project targets Node 20. */
export const NODE_TARGET = 'node20';

/** The one file of every function's code asset; the handler is `index.<function name>`. */
export const BUNDLE_FILE = 'index.mjs';

/** Gives CommonJS dependencies a `require` inside the ES module bundle. */
export const BUNDLE_BANNER =
  "import{createRequire as __cr}from'node:module';const require=__cr(import.meta.url);";

/** Context key that skips esbuild for the listed stacks (`[]` = bundle nothing); CDK's own flag. */
export const BUNDLING_STACKS_CONTEXT = 'aws:cdk:bundling-stacks';

/** Environment variables Lambda reserves; a pipeline config key may not use them. */
export const RESERVED_ENV = new Set([
  '_HANDLER',
  '_X_AMZN_TRACE_ID',
  'AWS_DEFAULT_REGION',
  'AWS_REGION',
  'AWS_EXECUTION_ENV',
  'AWS_LAMBDA_FUNCTION_NAME',
  'AWS_LAMBDA_FUNCTION_MEMORY_SIZE',
  'AWS_LAMBDA_FUNCTION_VERSION',
  'AWS_LAMBDA_INITIALIZATION_TYPE',
  'AWS_LAMBDA_LOG_GROUP_NAME',
  'AWS_LAMBDA_LOG_STREAM_NAME',
  'AWS_ACCESS_KEY',
  'AWS_ACCESS_KEY_ID',
  'AWS_SECRET_ACCESS_KEY',
  'AWS_SESSION_TOKEN',
  'AWS_LAMBDA_RUNTIME_API',
  'LAMBDA_TASK_ROOT',
  'LAMBDA_RUNTIME_DIR',
]);

export const DASHBOARD_NAMESPACE_BUCKET_SIZES = 'LyveCloudBucketSizes';
