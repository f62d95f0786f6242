/** Env for a runtime of its own: state under `stateDir`, every port chosen by the OS. */
export function isolatedRuntimeEnv(stateDir: string): Record<string, string> {
  return {
    TRIBUTARY_STATE_DIR: stateDir,
    TRIBUTARY_HTTP_PORT: '0',
    TRIBUTARY_S3_PORT: '0',
    TRIBUTARY_DYNAMODB_PORT: '0',
  };
}
