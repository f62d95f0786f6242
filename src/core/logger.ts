import { Logger } from '@aws-lambda-powertools/logger';

/** Structured JSON logs, one logger per service (pipeline or runtime component). */
export function createLogger(serviceName: string): Logger {
  return new Logger({ serviceName, logLevel: process.env.LOG_LEVEL ?? (process.env.VITEST ? 'ERROR' : 'INFO') });
}
