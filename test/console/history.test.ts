import { appendFileSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { HISTORY_FILE, InvocationHistory } from '../../src/console/history.js';
import { failed, started, succeeded } from './helpers.js';

describe('InvocationHistory', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(path.join(os.tmpdir(), 'console-history-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('rebuilds the aggregates from its log after a restart', () => {
    // Arrange
    const history = InvocationHistory.open(dir);
    history.record(started('p.a'));
    history.record(succeeded('p.a', 10));
    history.record(failed('p.a', 20));
    history.close();
    // Act
    const reopened = InvocationHistory.open(dir);
    // Assert
    expect(reopened.loaded).toMatchObject({ events: 2, skipped: 0 });
    expect(reopened.aggregates.summary('p.a')).toMatchObject({ attempts: 2, succeeded: 1, failed: 1 });
    expect(reopened.aggregates.recentEvents().map((e) => e.event.type)).toEqual(['succeeded', 'failed']);
    reopened.close();
  });

  it('does not persist live-only started events', () => {
    const history = InvocationHistory.open(dir);
    history.record(started('p.a'));
    history.close();

    expect(readFileSync(path.join(dir, HISTORY_FILE), 'utf8')).toBe('');
  });

  it('skips a line torn by a crash and keeps appending after it', () => {
    const history = InvocationHistory.open(dir);
    history.record(succeeded('p.a', 1));
    history.close();
    appendFileSync(path.join(dir, HISTORY_FILE), '{"type":"succ');

    const reopened = InvocationHistory.open(dir);
    reopened.record(succeeded('p.a', 2));
    reopened.close();
    const again = InvocationHistory.open(dir);

    expect(reopened.loaded.skipped).toBe(1);
    expect(again.aggregates.summary('p.a')?.succeeded).toBe(2);
    again.close();
  });

  it('compacts into a snapshot past maxBytes, keeping every total', () => {
    // Arrange
    const history = InvocationHistory.open(dir, { maxBytes: 4096 });
    // Act
    for (let i = 0; i < 200; i++) history.record(i % 4 === 0 ? failed('p.a', i) : succeeded('p.a', i));
    history.close();
    const size = statSync(path.join(dir, HISTORY_FILE)).size;
    const reopened = InvocationHistory.open(dir, { maxBytes: 4096 });
    // Assert
    expect(size).toBeLessThan(4096 + 1024 * 64); // one snapshot (with its backlog) plus a few lines
    expect(reopened.aggregates.summary('p.a')).toMatchObject({ attempts: 200, succeeded: 150, failed: 50 });
    expect(reopened.aggregates.lastSeq).toBe(200);
    reopened.close();
  });
});
