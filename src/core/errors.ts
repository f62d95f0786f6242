/**
 * Errors a user can cause. Each carries what the CLI exits with and what HTTP answers,
 * so no layer has to guess and no user ever sees a stack trace for their own mistake.
 */
export class TributaryError extends Error {
  constructor(
    message: string,
    readonly code: string,
    readonly exitCode = 1,
    readonly httpStatus = 400,
  ) {
    super(message);
    this.name = new.target.name;
  }
}

/** Invalid configuration or declaration: refuse to start. */
export class ConfigError extends TributaryError {
  constructor(message: string) {
    super(message, 'InvalidConfig', 78 /* EX_CONFIG */, 500);
  }
}

/** Bad arguments or input given by the user (CLI flags, files, events). */
export class UsageError extends TributaryError {
  constructor(message: string) {
    super(message, 'InvalidInput', 64 /* EX_USAGE */, 400);
  }
}

/** A handler used an AWS action its declaration does not grant. */
export class AccessNotGrantedError extends TributaryError {
  constructor(
    readonly functionId: string,
    readonly action: string,
    readonly resource: string,
  ) {
    super(
      `${functionId} is not granted ${action} on ${resource}: add the grant to its pipeline declaration`,
      'AccessDenied',
      77 /* EX_NOPERM */,
      403,
    );
  }
}

export function isTributaryError(err: unknown): err is TributaryError {
  return err instanceof TributaryError;
}

export function errorMessage(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
