import type { InvocationEvent } from '../../src/local/runtime/events.js';

const AT = Date.parse('2026-07-06T10:00:00.000Z');

/** Event factories: `succeeded('p.f', 12)` etc., at increasing times. */
let clock = 0;
const at = () => new Date(AT + clock++ * 1000).toISOString();
const base = (functionId: string, entryId = `e${clock}`) => ({
  functionId,
  entryId,
  source: 'async' as const,
  at: at(),
});

export const started = (functionId: string): InvocationEvent => ({
  ...base(functionId),
  type: 'started',
  attempt: 1,
});

export const succeeded = (functionId: string, durationMs: number, attempt = 1): InvocationEvent => ({
  ...base(functionId),
  type: 'succeeded',
  attempt,
  durationMs,
});

export const failed = (functionId: string, durationMs: number, retryAt?: string): InvocationEvent => ({
  ...base(functionId),
  type: 'failed',
  attempt: 1,
  durationMs,
  error: { name: 'RangeError', message: 'boom' },
  ...(retryAt ? { retryAt } : {}),
});

export const deadLettered = (functionId: string): InvocationEvent => ({
  ...base(functionId),
  type: 'dead-lettered',
  attempts: 3,
  error: { name: 'RangeError', message: 'boom' },
});
