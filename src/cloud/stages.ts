import { UsageError } from '../core/errors.js';

/**
 * Everything that differs between deployments of the same pipelines. One object per stage,
 * so a reviewer sees devl/test/prod side by side and nothing stage-specific hides in constructs.
 */
export const STAGE_NAMES = ['devl', 'test', 'prod'] as const;
export type StageName = (typeof STAGE_NAMES)[number];

export interface AlarmThresholds {
  /** Function errors in one period that raise the errors alarm. */
  errors: number;
  /** Throttled invocations in one period that raise the throttles alarm. */
  throttles: number;
  /** Share of the function's timeout that the maximum duration may reach (0.8 = 80 %). */
  durationShareOfTimeout: number;
  /** Age in seconds of the oldest message in a dead-letter queue that raises an alarm. */
  dlqOldestMessageAgeSeconds: number;
  /** Evaluation period of every alarm, in minutes. */
  periodMinutes: number;
}

export interface StageConfig {
  name: StageName;
  /** AWS account and region; undefined deploys to whatever the credentials point at. */
  account?: string;
  region?: string;
  /** Keep data stores (buckets, tables, the key) when the stack is deleted. */
  retainData: boolean;
  /** CloudWatch Logs retention of function and API logs, in days. */
  logRetentionDays: 7 | 14 | 30 | 90 | 365;
  /** How long a failed asynchronous event is retried by Lambda before it goes to the DLQ. */
  maxEventAgeSeconds: number;
  /** Messages kept in dead-letter queues, in days (SQS allows at most 14). */
  dlqRetentionDays: number;
  alarms: AlarmThresholds;
  /** Powertools log level for every function. */
  logLevel: 'DEBUG' | 'INFO' | 'WARN' | 'ERROR';
  /** Config values per pipeline (env strings, parsed by each pipeline's zod schema). */
  pipelineConfig: Record<string, Record<string, string>>;
  /**
   * Physical Secrets Manager name per declared secret name. Secrets hold third-party
   * credentials and are created outside the app; default: `tributary/<stage>/<declared name>`.
   */
  secretNames: Record<string, string>;
  /**
   * HTTP API throttling, and optionally a custom domain (with an ACM certificate in the
   * stage's region) on which each pipeline's API is mapped at `/<pipeline-name>`.
   */
  http: { rateLimit: number; burstLimit: number; domain?: { name: string; certificateArn: string } };
}

const baseAlarms: AlarmThresholds = {
  errors: 1,
  throttles: 1,
  durationShareOfTimeout: 0.8,
  dlqOldestMessageAgeSeconds: 3600,
  periodMinutes: 5,
};

/** Reads `TRIBUTARY_<STAGE>_DOMAIN` and `_CERTIFICATE_ARN` (both or neither). */
function envDomain(
  stage: StageName,
  env: NodeJS.ProcessEnv,
): { domain?: { name: string; certificateArn: string } } {
  const prefix = `TRIBUTARY_${stage.toUpperCase()}_`;
  const name = env[`${prefix}DOMAIN`];
  const certificateArn = env[`${prefix}CERTIFICATE_ARN`];
  if (!name && !certificateArn) return {};
  if (!name || !certificateArn) {
    throw new UsageError(`${prefix}DOMAIN and ${prefix}CERTIFICATE_ARN must be set together`);
  }
  if (!/^arn:aws[a-z-]*:acm:[a-z0-9-]+:\d{12}:certificate\/[\w-]+$/.test(certificateArn)) {
    throw new UsageError(`${prefix}CERTIFICATE_ARN must be an ACM certificate ARN, got "${certificateArn}"`);
  }
  return { domain: { name, certificateArn } };
}

/** Reads `TRIBUTARY_<STAGE>_ACCOUNT` / `_REGION`, then the CDK CLI's defaults. */
function envTarget(stage: StageName, env: NodeJS.ProcessEnv): { account?: string; region?: string } {
  const prefix = `TRIBUTARY_${stage.toUpperCase()}_`;
  const account = env[`${prefix}ACCOUNT`] ?? env.CDK_DEFAULT_ACCOUNT;
  const region = env[`${prefix}REGION`] ?? env.CDK_DEFAULT_REGION;
  if (account !== undefined && !/^\d{12}$/.test(account)) {
    throw new UsageError(`${prefix}ACCOUNT must be a 12-digit AWS account id, got "${account}"`);
  }
  if (region !== undefined && !/^[a-z]{2}(-gov)?-[a-z]+-\d$/.test(region)) {
    throw new UsageError(`${prefix}REGION must be an AWS region such as us-east-1, got "${region}"`);
  }
  return { ...(account ? { account } : {}), ...(region ? { region } : {}) };
}

/** The three stages. Pass `env` to control where each deploys (tests pass `{}`). */
export function stageConfigs(env: NodeJS.ProcessEnv = process.env): Record<StageName, StageConfig> {
  return {
    devl: {
      name: 'devl',
      ...envTarget('devl', env),
      retainData: false,
      logRetentionDays: 14,
      maxEventAgeSeconds: 3600,
      dlqRetentionDays: 14,
      alarms: baseAlarms,
      logLevel: 'DEBUG',
      pipelineConfig: {},
      secretNames: {},
      http: { rateLimit: 50, burstLimit: 100, ...envDomain('devl', env) },
    },
    test: {
      name: 'test',
      ...envTarget('test', env),
      retainData: false,
      logRetentionDays: 30,
      maxEventAgeSeconds: 3600,
      dlqRetentionDays: 14,
      alarms: baseAlarms,
      logLevel: 'INFO',
      pipelineConfig: {},
      secretNames: {},
      http: { rateLimit: 100, burstLimit: 200, ...envDomain('test', env) },
    },
    prod: {
      name: 'prod',
      ...envTarget('prod', env),
      retainData: true,
      logRetentionDays: 365,
      maxEventAgeSeconds: 6 * 3600,
      dlqRetentionDays: 14,
      alarms: { ...baseAlarms, periodMinutes: 1 },
      logLevel: 'INFO',
      pipelineConfig: {},
      secretNames: {},
      http: { rateLimit: 500, burstLimit: 1000, ...envDomain('prod', env) },
    },
  };
}

export function isStageName(value: string): value is StageName {
  return (STAGE_NAMES as readonly string[]).includes(value);
}

/** The stages a `--stage` option names (all when omitted), with a clear error for a typo. */
export function selectStages(stage: string | undefined): StageName[] {
  if (stage === undefined) return [...STAGE_NAMES];
  if (!isStageName(stage)) {
    throw new UsageError(`unknown stage "${stage}": expected one of ${STAGE_NAMES.join(', ')}`);
  }
  return [stage];
}

export const secretNameFor = (stage: StageConfig, declared: string): string =>
  stage.secretNames[declared] ?? `tributary/${stage.name}/${declared}`;
