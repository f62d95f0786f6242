import type { Trigger } from '../core/triggers.js';
import { type LocalConfig, physicalName } from '../local/config.js';
import type { LocalFunction } from '../local/runtime/functions.js';
import { keyFilterOf } from '../local/runtime/router.js';
import type { Aggregates, FunctionSummary } from './aggregates.js';

export interface TriggerView {
  kind: Trigger['kind'];
  /** One line a person reads: `s3:ObjectCreated:* s3://landing/data/*.csv`, `rate(6 hours)`, `POST /records`. */
  text: string;
  nextRun?: string;
}

export interface FunctionView {
  id: string;
  name: string;
  description?: string;
  timeoutSeconds: number;
  memoryMb: number;
  triggers: TriggerView[];
  /** Queued asynchronous events waiting for this function. */
  queued: number;
  oldestQueuedAt?: string;
  stats: FunctionSummary;
}

export interface PipelineView {
  name: string;
  description: string;
  functions: FunctionView[];
}

export interface Overview {
  generatedAt: string;
  queueDepth: number;
  dlqDepth: number;
  totals: { attempts: number; succeeded: number; failed: number; deadLettered: number };
  pipelines: PipelineView[];
  /** Functions with history that are not running now (a pipeline disabled since). */
  retired: FunctionSummary[];
}

export interface OverviewSources {
  config: LocalConfig;
  functions: ReadonlyMap<string, LocalFunction>;
  aggregates: Aggregates;
  pending: () => Map<string, { count: number; oldestAt: string }>;
  upcoming: () => { functionId: string; expression: string; nextRun?: string }[];
  queueDepth: () => number;
  dlqDepth: () => number;
}

const emptyStats = (functionId: string): FunctionSummary => ({
  functionId,
  attempts: 0,
  succeeded: 0,
  failed: 0,
  retried: 0,
  deadLettered: 0,
  redriven: 0,
  discarded: 0,
});

/** The console's first page: aggregates only, O(functions). */
export function buildOverview(sources: OverviewSources): Overview {
  const pending = sources.pending();
  const schedules = sources.upcoming();
  const byPipeline = new Map<string, PipelineView>();
  const totals = { attempts: 0, succeeded: 0, failed: 0, deadLettered: 0 };
  const summaries = new Map(sources.aggregates.summaries().map((s) => [s.functionId, s]));

  for (const fn of sources.functions.values()) {
    const pipeline = byPipeline.get(fn.pipeline.name) ?? {
      name: fn.pipeline.name,
      description: fn.pipeline.description,
      functions: [],
    };
    byPipeline.set(fn.pipeline.name, pipeline);
    const stats = summaries.get(fn.id) ?? emptyStats(fn.id);
    summaries.delete(fn.id);
    totals.attempts += stats.attempts;
    totals.succeeded += stats.succeeded;
    totals.failed += stats.failed;
    totals.deadLettered += stats.deadLettered;
    const queue = pending.get(fn.id);
    const fnSchedules = schedules.filter((s) => s.functionId === fn.id);
    pipeline.functions.push({
      id: fn.id,
      name: fn.name,
      ...(fn.spec.description ? { description: fn.spec.description } : {}),
      timeoutSeconds: fn.timeoutMs / 1000,
      memoryMb: fn.memoryMb,
      triggers: describeTriggers(fn, sources.config, fnSchedules),
      queued: queue?.count ?? 0,
      ...(queue ? { oldestQueuedAt: queue.oldestAt } : {}),
      stats,
    });
  }
  return {
    generatedAt: new Date().toISOString(),
    queueDepth: sources.queueDepth(),
    dlqDepth: sources.dlqDepth(),
    totals,
    pipelines: [...byPipeline.values()],
    retired: [...summaries.values()],
  };
}

function describeTriggers(
  fn: LocalFunction,
  config: LocalConfig,
  schedules: { expression: string; nextRun?: string }[],
): TriggerView[] {
  const views: TriggerView[] = [];
  let scheduleIndex = 0;
  for (const trigger of fn.spec.triggers) {
    if (trigger.kind === 's3') {
      const bucket = physicalName(config, fn.pipeline, trigger.bucket);
      const { prefix, suffix } = keyFilterOf(fn, trigger);
      const filter = `${prefix}*${suffix}`;
      views.push({ kind: 's3', text: `${trigger.events.join(', ')} s3://${bucket}/${filter}` });
    } else if (trigger.kind === 'schedule') {
      const schedule = schedules[scheduleIndex++];
      views.push({
        kind: 'schedule',
        text: schedule?.expression ?? 'schedule',
        ...(schedule?.nextRun ? { nextRun: schedule.nextRun } : {}),
      });
    } else {
      views.push({
        kind: 'http',
        text: trigger.routes.map((r) => r.replace(' /', ` /${fn.pipeline.name}/`)).join(', '),
      });
    }
  }
  return views;
}
