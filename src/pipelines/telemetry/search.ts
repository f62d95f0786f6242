/** Run search: filters, sort and pagination over index records (a pure function, tested on its own). */
import { MAX_PAGE_SIZE } from './constants.js';
import { BadRequestError } from './errors.js';
import type { SearchableRun } from './run-index.js';

export const SORT_KEYS = [
  'time',
  'run',
  'tag',
  'version',
  'cloud',
  'status',
  'scenarios',
  'files',
  'size',
] as const;
export type SortKey = (typeof SORT_KEYS)[number];

export interface RunQuery {
  /** Substring of the run tag, run folder or run uuid (case-insensitive). */
  q?: string;
  scenario?: string;
  version?: string;
  /** Inclusive bounds, epoch seconds. */
  from?: number;
  to?: number;
  status?: 'pass' | 'fail';
  sort: SortKey;
  order: 'asc' | 'desc';
  page: number;
  pageSize: number;
}

export interface RunSummary {
  group: string;
  run: string;
  run_uuid: string;
  run_tag: string;
  time: string;
  cloud_type: string;
  cluster_version: string;
  passed: boolean | null;
  scenarios: { scenario: string; exit_status: number | null }[];
  file_count: number;
  total_size: number;
}

export interface RunPage {
  total: number;
  page: number;
  pageSize: number;
  pages: number;
  runs: RunSummary[];
}

/** Query string → RunQuery; bad values → 400 naming the parameter. */
export function parseRunQuery(params: Record<string, string | undefined>): RunQuery {
  const trimmed = (name: string) => {
    const v = params[name]?.trim();
    if (v && v.length > 200) throw new BadRequestError(`${name} is longer than 200 characters`);
    return v || undefined;
  };
  const date = (name: string, endOfDay: boolean): number | undefined => {
    const v = trimmed(name);
    if (v === undefined) return undefined;
    const dayOnly = /^\d{4}-\d{2}-\d{2}$/.test(v);
    const ms = Date.parse(dayOnly ? `${v}T00:00:00Z` : v);
    if (Number.isNaN(ms)) throw new BadRequestError(`${name} must be a date (YYYY-MM-DD or ISO 8601)`);
    return Math.floor(ms / 1000) + (dayOnly && endOfDay ? 86_399 : 0);
  };
  const int = (name: string, fallback: number, max: number): number => {
    const v = trimmed(name);
    if (v === undefined) return fallback;
    if (!/^\d+$/.test(v) || Number(v) < 1 || Number(v) > max)
      throw new BadRequestError(`${name} must be 1-${max}`);
    return Number(v);
  };
  const sort = trimmed('sort') ?? 'time';
  if (!(SORT_KEYS as readonly string[]).includes(sort))
    throw new BadRequestError(`sort must be one of ${SORT_KEYS.join(', ')}`);
  const order = trimmed('order') ?? (sort === 'time' ? 'desc' : 'asc');
  if (order !== 'asc' && order !== 'desc') throw new BadRequestError('order must be asc or desc');
  const status = trimmed('status');
  if (status !== undefined && status !== 'pass' && status !== 'fail')
    throw new BadRequestError('status must be pass or fail');
  const query: RunQuery = {
    sort: sort as SortKey,
    order,
    page: int('page', 1, 1_000_000),
    pageSize: int('pageSize', 25, MAX_PAGE_SIZE),
  };
  const q = trimmed('q');
  const scenario = trimmed('scenario');
  const version = trimmed('version');
  const from = date('from', false);
  const to = date('to', true);
  if (q) query.q = q;
  if (scenario) query.scenario = scenario;
  if (version) query.version = version;
  if (from !== undefined) query.from = from;
  if (to !== undefined) query.to = to;
  if (status) query.status = status as 'pass' | 'fail';
  return query;
}

/** A run passed when every scenario exited 0 (krkn's job_status), if known. */
export function passed(run: Pick<SearchableRun, 'job_status' | 'scenarios'>): boolean | null {
  if (typeof run.job_status === 'boolean') return run.job_status;
  const statuses = (run.scenarios ?? []).map((s) => s.exit_status);
  if (statuses.length === 0 || statuses.some((s) => s === null)) return null;
  return statuses.every((s) => s === 0);
}

const has = (value: string | undefined, needle: string) => (value ?? '').toLowerCase().includes(needle);

export function matches(run: SearchableRun, query: RunQuery): boolean {
  if (query.q) {
    const q = query.q.toLowerCase();
    if (!has(run.run_tag, q) && !has(run.run, q) && !has(run.run_uuid, q)) return false;
  }
  if (query.scenario) {
    const s = query.scenario.toLowerCase();
    if (!(run.scenarios ?? []).some((x) => has(x.scenario, s) || has(x.scenario_type, s))) return false;
  }
  if (query.version && !has(run.cluster_version, query.version.toLowerCase())) return false;
  if (query.from !== undefined && !(run.run_time >= query.from)) return false;
  if (query.to !== undefined && !(run.run_time <= query.to)) return false;
  if (query.status && passed(run) !== (query.status === 'pass')) return false;
  return true;
}

export function summarize(run: SearchableRun): RunSummary {
  const files = Object.values(run.files ?? {});
  return {
    group: run.group,
    run: run.run,
    run_uuid: run.run_uuid ?? '',
    run_tag: run.run_tag ?? '',
    time: Number.isFinite(run.run_time) ? new Date(run.run_time * 1000).toISOString() : '',
    cloud_type: run.cloud_type ?? '',
    cluster_version: run.cluster_version ?? '',
    passed: passed(run),
    scenarios: (run.scenarios ?? []).map((s) => ({ scenario: s.scenario, exit_status: s.exit_status })),
    file_count: files.length,
    total_size: files.reduce((sum, f) => sum + Number(f.size ?? 0), 0),
  };
}

type Comparable = string | number;
const SORT_VALUE: Record<SortKey, (r: RunSummary) => Comparable> = {
  time: (r) => r.time,
  run: (r) => r.run,
  tag: (r) => r.run_tag.toLowerCase(),
  version: (r) => r.cluster_version,
  cloud: (r) => r.cloud_type.toLowerCase(),
  status: (r) => (r.passed === null ? 1 : r.passed ? 2 : 0),
  scenarios: (r) => r.scenarios.length,
  files: (r) => r.file_count,
  size: (r) => r.total_size,
};

// The run index cache hands the same records to every search: summarize each once.
const summaries = new WeakMap<SearchableRun, RunSummary>();
function summaryOf(run: SearchableRun): RunSummary {
  let found = summaries.get(run);
  if (!found) {
    found = summarize(run);
    summaries.set(run, found);
  }
  return found;
}

export function searchRuns(runs: readonly SearchableRun[], query: RunQuery): RunPage {
  const value = SORT_VALUE[query.sort];
  const direction = query.order === 'asc' ? 1 : -1;
  // Sort values computed once per run, not once per comparison.
  const found = runs
    .filter((r) => matches(r, query))
    .map((r) => {
      const summary = summaryOf(r);
      return { summary, key: value(summary) };
    })
    .sort((a, b) => {
      const d = a.key < b.key ? -1 : a.key > b.key ? 1 : 0;
      if (d !== 0) return d * direction;
      // Ties keep a stable, meaningful order: newest run first.
      const x = a.summary;
      const y = b.summary;
      return x.run < y.run ? 1 : x.run > y.run ? -1 : x.group.localeCompare(y.group);
    });
  const pages = Math.max(1, Math.ceil(found.length / query.pageSize));
  const start = (query.page - 1) * query.pageSize;
  return {
    total: found.length,
    page: query.page,
    pageSize: query.pageSize,
    pages,
    runs: found.slice(start, start + query.pageSize).map((f) => f.summary),
  };
}
