/**
 * What happens to invocations, as it happens: the invoker and the gateway report each
 * attempt here, and the console records and streams it. Listeners run synchronously and
 * must not throw into the runtime; one that does is logged through `onListenerError` and
 * otherwise ignored, so observing never changes what runs.
 */
export type InvocationSource = 'async' | 'http';

export interface EventError {
  name: string;
  message: string;
}

interface Base {
  /** ISO time of the event. */
  at: string;
  /** `<pipeline>.<function>` */
  functionId: string;
  /** The queue entry id (async) or the request id (http). */
  entryId: string;
  source: InvocationSource;
}

export type InvocationEvent =
  | (Base & { type: 'started'; attempt: number })
  | (Base & { type: 'succeeded'; attempt: number; durationMs: number })
  | (Base & {
      type: 'failed';
      attempt: number;
      durationMs: number;
      error: EventError;
      /** When the next attempt is due; absent when there is none (last attempt, or HTTP). */
      retryAt?: string;
    })
  | (Base & { type: 'dead-lettered'; attempts: number; error: EventError })
  | (Base & { type: 'redriven' | 'discarded' });

export type InvocationEventType = InvocationEvent['type'];

export type InvocationListener = (event: InvocationEvent) => void;

export class InvocationEvents {
  private readonly listeners = new Set<InvocationListener>();

  constructor(private readonly onListenerError: (err: unknown) => void = () => {}) {}

  /** Returns the function that unsubscribes. */
  on(listener: InvocationListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  emit(event: InvocationEvent): void {
    for (const listener of this.listeners) {
      try {
        listener(event);
      } catch (err) {
        this.onListenerError(err);
      }
    }
  }
}
