/** The index record of a run: what browsing and search need, without reading telemetry.json. */
import type { TelemetryDocument } from './telemetry-body.js';

export interface ScenarioSummary {
  scenario: string;
  scenario_type?: string;
  exit_status: number | null;
  start_timestamp?: number;
  end_timestamp?: number;
}

export interface FileSummary {
  size: number;
  modified: string;
}

export interface RunRecord {
  group: string;
  run: string;
  run_uuid: string;
  run_tag: string;
  /** When the run started: epoch seconds, from the folder name (else telemetry's timestamp). */
  run_time: number;
  timestamp: string;
  cloud_type: string;
  cloud_infrastructure: string;
  cluster_version: string;
  job_status: boolean | null;
  total_node_count: number | null;
  scenarios: ScenarioSummary[];
  build_url: string;
  received_at: string;
  telemetry_bytes: number;
  files?: Record<string, FileSummary>;
}

/** krkn's run folder: `<unix_ts>-<run_uuid>[-<run_tag>]`. */
const RUN_FOLDER = /^(\d{1,12})-([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})(?:-(.+))?$/i;

export function parseRunFolder(run: string): { time?: number; uuid?: string; tag?: string } {
  const match = RUN_FOLDER.exec(run);
  if (!match) return {};
  return {
    time: Number(match[1]),
    uuid: (match[2] as string).toLowerCase(),
    ...(match[3] ? { tag: match[3] } : {}),
  };
}

/** Keeps index items far below DynamoDB's 400 KB: long lists and strings are cut. */
const MAX_SCENARIOS = 200;
const MAX_TEXT = 256;

const text = (value: unknown): string =>
  typeof value === 'string' ? value.slice(0, MAX_TEXT) : typeof value === 'number' ? String(value) : '';
const num = (value: unknown): number | undefined => {
  const n = typeof value === 'string' && value.trim() !== '' ? Number(value) : value;
  return typeof n === 'number' && Number.isFinite(n) ? n : undefined;
};

export function runRecord(
  group: string,
  run: string,
  doc: TelemetryDocument,
  meta: { receivedAt: Date; bytes: number },
): RunRecord {
  const folder = parseRunFolder(run);
  const docTime = Date.parse(text(doc.timestamp));
  const scenarios = doc.scenarios.slice(0, MAX_SCENARIOS).map((s): ScenarioSummary => {
    const start = num(s.start_timestamp);
    const end = num(s.end_timestamp);
    const type = text(s.scenario_type);
    return {
      scenario: text(s.scenario),
      ...(type ? { scenario_type: type } : {}),
      exit_status: num(s.exit_status) ?? null,
      ...(start !== undefined ? { start_timestamp: start } : {}),
      ...(end !== undefined ? { end_timestamp: end } : {}),
    };
  });
  return {
    group,
    run,
    run_uuid: folder.uuid ?? text(doc.run_uuid),
    run_tag: folder.tag ?? text(doc.tag),
    run_time:
      folder.time ??
      (Number.isNaN(docTime) ? Math.floor(meta.receivedAt.getTime() / 1000) : Math.floor(docTime / 1000)),
    timestamp: text(doc.timestamp),
    cloud_type: text(doc.cloud_type),
    cloud_infrastructure: text(doc.cloud_infrastructure),
    cluster_version: text(doc.cluster_version),
    job_status: typeof doc.job_status === 'boolean' ? doc.job_status : null,
    total_node_count: num(doc.total_node_count) ?? null,
    scenarios,
    build_url: text(doc.build_url),
    received_at: meta.receivedAt.toISOString(),
    telemetry_bytes: meta.bytes,
  };
}

/** An object key as a run file (`<group>/<run>/<name…>`), or undefined when it is not one. */
export function uploadedFile(
  key: string,
  size: number,
  eventTime: string | undefined,
): { group: string; run: string; name: string; summary: FileSummary } | undefined {
  const parts = key.split('/');
  if (parts.length < 3 || parts.some((p) => p === '')) return undefined;
  const [group, run, ...rest] = parts as [string, string, ...string[]];
  const time = eventTime && !Number.isNaN(Date.parse(eventTime)) ? new Date(eventTime) : new Date();
  return { group, run, name: rest.join('/'), summary: { size, modified: time.toISOString() } };
}
