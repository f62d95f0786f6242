import { describe, expect, it } from 'vitest';
import {
  Aggregates,
  latencyBucket,
  quantile,
  RECENT_EVENTS,
  RECENT_RUNS,
} from '../../src/console/aggregates.js';
import { deadLettered, failed, started, succeeded } from './helpers.js';

describe('Aggregates', () => {
  it('counts outcomes per function, with last run and last failure', () => {
    // Arrange
    const aggregates = new Aggregates();
    // Act
    aggregates.apply(started('p.a'));
    aggregates.apply(succeeded('p.a', 10));
    aggregates.apply(failed('p.a', 20, '2026-07-06T11:00:00.000Z'));
    aggregates.apply(failed('p.a', 30));
    aggregates.apply(deadLettered('p.a'));
    aggregates.apply(succeeded('p.b', 5));
    // Assert
    const a = aggregates.summary('p.a');
    expect(a).toMatchObject({ attempts: 3, succeeded: 1, failed: 2, retried: 1, deadLettered: 1 });
    expect(a?.successRate).toBeCloseTo(1 / 3);
    expect(a?.lastRun).toMatchObject({ outcome: 'failed', durationMs: 30 });
    expect(a?.lastFailure?.error).toEqual({ name: 'RangeError', message: 'boom' });
    expect(aggregates.summary('p.b')).toMatchObject({ attempts: 1, succeeded: 1, successRate: 1 });
    expect(aggregates.summary('p.none')).toBeUndefined();
  });

  it('keeps started events out of the aggregates and the backlog, but numbers them', () => {
    const aggregates = new Aggregates();
    const first = aggregates.apply(started('p.a'));
    const second = aggregates.apply(succeeded('p.a', 1));

    expect(second).toBe(first + 1);
    expect(aggregates.recentEvents().map((e) => e.event.type)).toEqual(['succeeded']);
    expect(aggregates.summary('p.a')?.attempts).toBe(1);
  });

  it('estimates latency percentiles within the histogram resolution', () => {
    const aggregates = new Aggregates();
    for (let ms = 1; ms <= 1000; ms++) aggregates.apply(succeeded('p.a', ms));

    const latency = aggregates.summary('p.a')?.latencyMs;
    expect(latency?.avg).toBeCloseTo(500.5, 0);
    expect(latency?.max).toBe(1000);
    // Buckets grow by 25 %: a quantile is reported as its bucket's upper bound.
    expect(latency?.p50).toBeGreaterThanOrEqual(500);
    expect(latency?.p50).toBeLessThanOrEqual(500 * 1.25);
    expect(latency?.p95).toBeGreaterThanOrEqual(950);
    expect(latency?.p95).toBeLessThanOrEqual(1000);
  });

  it.each([
    [0, 0],
    [0.5, 0],
    [1, 1],
    [1.2, 1],
    [1.25, 2],
    [1e12, 89],
    [Number.NaN, 0],
  ])('puts %s ms in bucket %s', (ms, bucket) => {
    expect(latencyBucket(ms)).toBe(bucket);
  });

  it('answers 0 for the quantile of no samples', () => {
    expect(quantile({ count: 0, sumMs: 0, maxMs: 0, buckets: {} }, 0.95)).toBe(0);
  });

  it('keeps the last runs per function newest first, and a bounded backlog', () => {
    const aggregates = new Aggregates();
    for (let i = 0; i < RECENT_EVENTS * 3; i++) aggregates.apply(succeeded('p.a', i));

    const runs = aggregates.recentRuns('p.a');
    expect(runs).toHaveLength(RECENT_RUNS);
    expect(runs[0]?.durationMs).toBe(RECENT_EVENTS * 3 - 1);
    expect(aggregates.recentEvents()).toHaveLength(RECENT_EVENTS);
    const after = aggregates.lastSeq - 3;
    expect(aggregates.recentEvents(after).map((e) => e.seq)).toEqual([after + 1, after + 2, after + 3]);
    expect(aggregates.recentEvents(0, 2)).toHaveLength(2);
  });

  it('round-trips through a snapshot', () => {
    const aggregates = new Aggregates();
    aggregates.apply(succeeded('p.a', 3));
    aggregates.apply(failed('p.a', 4));

    const restored = Aggregates.fromSnapshot(JSON.parse(JSON.stringify(aggregates.snapshot())));
    restored.apply(succeeded('p.a', 5));

    expect(restored.summary('p.a')).toMatchObject({ attempts: 3, succeeded: 2, failed: 1 });
    expect(restored.lastSeq).toBe(aggregates.lastSeq + 1);
  });
});
