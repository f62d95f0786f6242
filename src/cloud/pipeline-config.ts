import { ConfigError } from '../core/errors.js';
import { type Pipeline, readConfig } from '../core/pipeline.js';
import type { StageConfig } from './stages.js';

export interface StagePipelineConfig {
  /** The env strings the stage sets for the pipeline's functions. */
  values: Record<string, string>;
  /** The same, parsed by the pipeline's schema (defaults filled in). */
  parsed: Record<string, unknown>;
}

/**
 * A pipeline's config for one stage, checked at synth time with the pipeline's own schema,
 * so a typo or a bad value fails `tributary synth`, not the first invocation in the cloud.
 */
export function stagePipelineConfig(pipeline: Pipeline, stage: StageConfig): StagePipelineConfig {
  const values = stage.pipelineConfig[pipeline.name] ?? {};
  const known = Object.keys(pipeline.config.shape);
  const unknown = Object.keys(values).filter((k) => !known.includes(k));
  if (unknown.length > 0) {
    throw new ConfigError(
      `stage "${stage.name}", pipeline "${pipeline.name}": unknown config ${unknown.join(', ')} (known: ${known.join(', ') || 'none'})`,
    );
  }
  const parsed = readConfig(pipeline, values) as Record<string, unknown>;
  return { values, parsed };
}

/** Stage config naming a pipeline that is not registered is a typo, not something to ignore. */
export function checkStagePipelines(stage: StageConfig, pipelines: readonly Pipeline[]): void {
  const names = new Set(pipelines.map((p) => p.name));
  for (const name of Object.keys(stage.pipelineConfig)) {
    if (!names.has(name)) {
      throw new ConfigError(`stage "${stage.name}" configures pipeline "${name}", which is not registered`);
    }
  }
}
