import type { InvocationEvent } from '../local/runtime/events.js';
import type { LocalFunction } from '../local/runtime/functions.js';
import type { DeadLetterQueue } from '../local/runtime/queue.js';
import type { InvocationHistory } from './history.js';
import type { MetricsHistory } from './metrics-history.js';
import type { OverviewSources } from './overview.js';
import type { Stores } from './stores.js';

/** What the console's routes read and do: the runtime's parts, narrowed. */
export interface ConsoleContext {
  functions: ReadonlyMap<string, LocalFunction>;
  history: InvocationHistory;
  metrics: MetricsHistory;
  dlq: DeadLetterQueue;
  /** Reports an event to the runtime's event stream (history, SSE). */
  record(event: InvocationEvent): void;
  /** Live events with their sequence numbers; returns the unsubscribe function. */
  subscribe(listener: (seq: number, event: InvocationEvent) => void): () => void;
  /** Called when the console closes (SSE streams end); returns the unregister function. */
  onClose(listener: () => void): () => void;
  /** Lets the invoker pick redriven entries up now rather than at its next poll. */
  kickQueue(): void;
  pending(): Map<string, { count: number; oldestAt: string }>;
  overviewSources(): OverviewSources;
  bucketNamespace(): string;
  /** A running pipeline's resource's physical name; undefined when the pipeline is not running. */
  resourceName(pipeline: string, key: string): string | undefined;
  stores(): Stores;
}
