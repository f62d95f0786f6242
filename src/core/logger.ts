import { Logger } from '@aws-lambda-powertools/logger';

type LogLevel = NonNullable<ConstructorParameters<typeof Logger>[0]>['logLevel'];

/** Structured JSON logs, one logger per service (pipeline or runtime component). */
export function createLogger(serviceName: string): Logger {
  const level = (process.env.LOG_LEVEL ?? (process.env.VITEST ? 'ERROR' : 'INFO')) as LogLevel;
  return new Logger({ serviceName, logLevel: level });
}
