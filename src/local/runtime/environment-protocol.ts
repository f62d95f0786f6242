import type { Env } from '../../core/invocation.js';
import type { LocalConfig } from '../config.js';
import type { StatePaths } from '../state.js';
import type { Endpoints } from './functions.js';

/** What an execution environment (worker thread) is started with: all it needs to resolve its functions itself. */
export interface EnvironmentData {
  /** The module whose `pipelines` export holds the pipelines (the registry by default). */
  moduleUrl: string;
  /** Names of the pipelines this environment runs. */
  pipelines: string[];
  config: LocalConfig;
  paths: StatePaths;
  endpoints: Endpoints;
  /** Function id → the environment the main thread resolved for it. */
  envs: Record<string, Env>;
}

export type ToEnvironment = {
  type: 'invoke';
  id: number;
  functionId: string;
  event: unknown;
  requestId: string;
};

export interface SerializedError {
  name: string;
  message: string;
  stack?: string;
}

export type FromEnvironment =
  | { type: 'ready' }
  | { type: 'result'; id: number; value: unknown }
  | { type: 'error'; id: number; error: SerializedError };
