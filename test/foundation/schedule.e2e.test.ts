import { rmSync, writeFileSync } from 'node:fs';
import type { ScheduledEvent } from 'aws-lambda';
import { afterAll, expect, it, vi } from 'vitest';
import { type Runtime, startRuntime } from '../../src/local/runtime.js';
import { pipelines } from '../fixtures/pipelines.js';
import { calls, configFor, makeWorkspace, until } from '../local/runtime/helpers.js';

let runtime: Runtime | undefined;
let dir = '';
afterAll(async () => {
  await runtime?.close();
  vi.useRealTimers();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

// The runtime's own timer fires a cron schedule (not fireSchedule): EventBridge cron has
// minute resolution, so the clock (Date only; timers stay real) starts 8 s before a minute.
it('fires a cron schedule on its own through the running runtime, with an EventBridge event', async () => {
  const minute = Math.ceil((Date.now() + 1_000) / 60_000) * 60_000;
  vi.useFakeTimers({ toFake: ['Date'], now: minute + 60_000 - 8_000, shouldAdvanceTime: true });
  const boundary = new Date(minute + 60_000).toISOString().replace(/\.000Z$/, 'Z');
  const workspace = makeWorkspace();
  dir = workspace.dir;
  writeFileSync(
    workspace.env.TRIBUTARY_CONFIG as string,
    JSON.stringify({
      pipelines: {
        'fixture-events': { config: { RECORD_DIR: dir, TICK_SCHEDULE: 'cron(* * * * ? *)' } },
        'fixture-api': { config: { RECORD_DIR: dir } },
      },
    }),
  );
  runtime = await startRuntime({ pipelines, config: configFor(workspace.env), pollMs: 50 });

  // Normally ~8 s; a start slower than that on a loaded machine means the next minute.
  const [tick] = await until(() => {
    const ticks = calls(dir).filter((c) => c.fn === 'tick');
    return ticks.length > 0 ? ticks : undefined;
  }, 75_000);

  const event = (tick as unknown as { event: ScheduledEvent }).event;
  expect(event).toMatchObject({
    'detail-type': 'Scheduled Event',
    source: 'aws.events',
    resources: ['arn:aws:events:us-east-1:000000000000:rule/fixture-events-tick-schedule'],
  });
  expect(event.time).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:00Z$/);
  expect(Date.parse(event.time)).toBeGreaterThanOrEqual(Date.parse(boundary));
}, 90_000);
