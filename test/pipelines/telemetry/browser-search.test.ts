import { describe, expect, it } from 'vitest';
import { BadRequestError } from '../../../src/pipelines/telemetry/errors.js';
import type { RunRecord } from '../../../src/pipelines/telemetry/run-record.js';
import { parseRunQuery, passed, type RunQuery, searchRuns } from '../../../src/pipelines/telemetry/search.js';

/** A run index record; `exits` are the scenarios' exit statuses. */
function record(i: number, overrides: Partial<RunRecord> = {}, exits: (number | null)[] = [0]): RunRecord {
  const time = 1_709_294_400 + i * 86_400; // 2024-03-01 12:00 UTC + i days
  const uuid = `${String(i).padStart(8, '0')}-0000-4000-8000-000000000000`;
  return {
    group: 'g',
    run: `${time}-${uuid}-tag${i % 2}`,
    run_uuid: uuid,
    run_tag: `tag${i % 2}`,
    run_time: time,
    timestamp: new Date(time * 1000).toISOString(),
    cloud_type: 'self-managed',
    cloud_infrastructure: 'AWS',
    cluster_version: i % 2 ? '4.14.9' : '4.15.3',
    job_status: null,
    total_node_count: 6,
    scenarios: exits.map((exit, k) => ({
      scenario: `scenario-${k}`,
      scenario_type: `type-${k}`,
      exit_status: exit,
    })),
    build_url: '',
    received_at: new Date(time * 1000).toISOString(),
    telemetry_bytes: 100,
    files: { 'telemetry.json': { size: 100 + i, modified: '' } },
    ...overrides,
  };
}

const query = (params: Record<string, string> = {}): RunQuery => parseRunQuery(params);
const runs = Array.from({ length: 12 }, (_, i) => record(i, {}, i % 4 === 0 ? [0, 1] : [0]));

describe('parseRunQuery', () => {
  it('defaults to newest first, 25 a page', () => {
    expect(query()).toEqual({ sort: 'time', order: 'desc', page: 1, pageSize: 25 });
    expect(query({ sort: 'size' }).order).toBe('asc');
  });

  it('reads every filter; a bare date is a whole UTC day', () => {
    const q = query({
      q: ' nightly ',
      scenario: 'pod',
      version: '4.15',
      from: '2024-03-02',
      to: '2024-03-03',
      status: 'fail',
    });
    expect(q).toMatchObject({ q: 'nightly', scenario: 'pod', version: '4.15', status: 'fail' });
    expect(q.from).toBe(Date.UTC(2024, 2, 2) / 1000);
    expect(q.to).toBe(Date.UTC(2024, 2, 3, 23, 59, 59) / 1000);
    expect(query({ from: '2024-03-02T10:00:00Z' }).from).toBe(Date.UTC(2024, 2, 2, 10) / 1000);
    // Empty parameters (an empty form field) are no filter.
    expect(query({ q: '', from: ' ' })).toEqual(query());
  });

  it.each([
    [{ sort: 'name' }, 'sort must be one of'],
    [{ order: 'up' }, 'order must be asc or desc'],
    [{ status: 'ok' }, 'status must be pass or fail'],
    [{ page: '0' }, 'page must be 1-'],
    [{ page: '1.5' }, 'page must be 1-'],
    [{ pageSize: '5000' }, 'pageSize must be 1-1000'],
    [{ from: 'yesterday' }, 'from must be a date'],
    [{ to: '2024-13-45' }, 'to must be a date'],
    [{ q: 'x'.repeat(201) }, 'q is longer than 200 characters'],
  ])('refuses %j with a 400 naming the parameter', (params, message) => {
    const attempt = () => parseRunQuery(params as Record<string, string>);
    expect(attempt).toThrow(BadRequestError);
    expect(attempt).toThrow(message);
    try {
      attempt();
    } catch (err) {
      expect((err as BadRequestError).httpStatus).toBe(400);
    }
  });
});

describe('searchRuns', () => {
  it('filters by run tag, run id or uuid, scenario, version, dates and result', () => {
    const count = (params: Record<string, string>) => searchRuns(runs, query(params)).total;
    expect(count({})).toBe(12);
    expect(count({ q: 'TAG1' })).toBe(6);
    expect(count({ q: '00000003-0000' })).toBe(1);
    expect(count({ q: String(runs[5]?.run_time) })).toBe(1);
    expect(count({ scenario: 'scenario-1' })).toBe(3);
    expect(count({ scenario: 'type-1' })).toBe(3);
    expect(count({ version: '4.14' })).toBe(6);
    expect(count({ from: '2024-03-03', to: '2024-03-05' })).toBe(3);
    expect(count({ status: 'fail' })).toBe(3);
    expect(count({ status: 'pass' })).toBe(9);
    expect(count({ status: 'fail', version: '4.15' })).toBe(3);
  });

  it('sorts by each column, both ways, ties newest first', () => {
    const order = (params: Record<string, string>) => searchRuns(runs, query(params)).runs.map((r) => r.run);
    const byTime = [...runs].sort((a, b) => a.run_time - b.run_time).map((r) => r.run);
    expect(order({ sort: 'time', order: 'asc' })).toEqual(byTime);
    expect(order({})).toEqual([...byTime].reverse());
    expect(order({ sort: 'size', order: 'desc' })).toEqual([...byTime].reverse());
    // Failed runs first in ascending status order; within a status, newest first.
    const status = searchRuns(runs, query({ sort: 'status' })).runs;
    expect(status.slice(0, 3).map((r) => r.passed)).toEqual([false, false, false]);
    expect(status[0]?.run).toBe(runs[8]?.run);
    const tags = searchRuns(runs, query({ sort: 'tag', order: 'desc' })).runs.map((r) => r.run_tag);
    expect(tags.slice(0, 6)).toEqual(Array(6).fill('tag1'));
  });

  it('paginates and reports the page count; a page past the end is empty', () => {
    const second = searchRuns(runs, query({ pageSize: '5', page: '2', sort: 'time', order: 'asc' }));
    expect(second).toMatchObject({ total: 12, page: 2, pageSize: 5, pages: 3 });
    expect(second.runs.map((r) => r.run)).toEqual(runs.slice(5, 10).map((r) => r.run));
    expect(searchRuns(runs, query({ pageSize: '5', page: '3' })).runs).toHaveLength(2);
    expect(searchRuns(runs, query({ page: '9' })).runs).toEqual([]);
    expect(searchRuns([], query())).toMatchObject({ total: 0, pages: 1, runs: [] });
  });

  it('summarises a run for the browser (status, files, size) and tolerates missing fields', () => {
    const bare = {
      group: 'g',
      run: 'upload-only',
      files: { 'a.log': { size: 5, modified: '' } },
    } as unknown as RunRecord;
    const [summary] = searchRuns([bare], query()).runs;
    expect(summary).toMatchObject({
      run: 'upload-only',
      passed: null,
      file_count: 1,
      total_size: 5,
      time: '',
      run_tag: '',
    });
    expect(passed(record(0, { job_status: false }))).toBe(false);
    expect(passed(record(0, {}, [0, null]))).toBeNull();
  });
});
