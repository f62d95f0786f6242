const escapeHtml = (text: string) => text.replace(/[&<>"']/g, (ch) => `&#${ch.charCodeAt(0)};`);

export interface PageOptions {
  /** Running pipelines: their panels are shown, the others say they are not running. */
  pipelines: string[];
  /** The overview, embedded so the first view needs no second round trip. */
  overview?: unknown;
}

/** JSON safe inside a <script> element. */
const scriptJson = (value: unknown) =>
  JSON.stringify(value)
    .replace(/</g, '\\u003c')
    .replace(/\u2028/g, '\\u2028')
    .replace(/\u2029/g, '\\u2029');

export const SECTIONS = [
  { id: 'overview', title: 'Overview', key: '1' },
  { id: 'events', title: 'Event log', key: '2' },
  { id: 'dlq', title: 'DLQ', key: '3' },
  { id: 'buckets', title: 'Bucket metrics', key: '4' },
  { id: 'replication', title: 'Replication', key: '5' },
  { id: 'csv-loads', title: 'CSV loads', key: '6' },
  { id: 'ingest', title: 'Ingest', key: '7' },
] as const;

/**
 * The console's one HTML page: a shell whose sections the script fills from the JSON API.
 * Sections are switched by the URL hash (so Back works and each can be linked), by the nav
 * links, and by the keys 1–7; every control is a real link or button, reachable with Tab.
 */
export function consolePage(options: PageOptions): string {
  const nav = SECTIONS.map(
    (s) =>
      `<li><a href="#${s.id}" data-section="${s.id}" aria-keyshortcuts="${s.key}"><kbd>${s.key}</kbd> ${escapeHtml(s.title)}</a></li>`,
  ).join('');
  const telemetry = options.pipelines.includes('telemetry')
    ? '<li><a href="/telemetry/files/" id="telemetry-link">Telemetry runs ↗</a></li>'
    : '<li><span class="muted" title="the telemetry pipeline is not running">Telemetry (not running)</span></li>';
  const section = (id: string, title: string, body: string) =>
    `<section id="${id}" aria-labelledby="${id}-title" hidden><h2 id="${id}-title" tabindex="-1">${escapeHtml(title)}</h2>${body}</section>`;
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Tributary console</title>
<link rel="stylesheet" href="/console/assets/console.css">
</head>
<body data-pipelines="${escapeHtml(options.pipelines.join(','))}">
<a class="skip" href="#main">Skip to content</a>
<header>
<h1>Tributary</h1>
<p id="status" role="status" aria-live="polite">loading…</p>
</header>
<nav aria-label="Sections"><ul>${nav}${telemetry}</ul></nav>
<main id="main">
${section('overview', 'Overview', '<div id="totals" class="cards"></div><div id="pipelines"></div>')}
${section(
  'events',
  'Event log',
  `<p class="controls"><label><input type="checkbox" id="show-started"> show attempt starts</label>
<button type="button" id="pause-log" aria-pressed="false">Pause</button>
<span id="sse-state" class="muted">connecting…</span></p>
<ol id="event-log" role="log" aria-live="polite" aria-relevant="additions"></ol>`,
)}
${section(
  'dlq',
  'Dead-letter queue',
  `<p class="controls"><button type="button" id="redrive-all">Redrive all</button> <span id="dlq-count" class="muted"></span></p>
<div id="dlq-list"></div>`,
)}
${section(
  'buckets',
  'Bucket metrics',
  `<p class="controls"><label>Window <select id="bucket-hours"><option value="">all</option><option value="24">24 h</option><option value="168">7 days</option><option value="720">30 days</option></select></label></p>
<h3>Size (bytes)</h3><div id="chart-bytes" class="chart" role="img" aria-label="bucket sizes over time"></div>
<h3>Objects</h3><div id="chart-objects" class="chart" role="img" aria-label="object counts over time"></div>
<div id="bucket-table"></div>`,
)}
${section('replication', 'Replication', '<div id="replication-body"></div>')}
${section('csv-loads', 'CSV load reports', '<div id="csv-body"></div>')}
${section('ingest', 'Ingest', '<div id="ingest-body"></div>')}
</main>
<footer><p class="muted">Keys: <kbd>1</kbd>–<kbd>7</kbd> sections, <kbd>r</kbd> refresh, <kbd>?</kbd> help. <a href="/metrics">/metrics</a> · <a href="/healthz">/healthz</a></p></footer>
<dialog id="help" aria-labelledby="help-title"><h2 id="help-title">Keyboard</h2>
<dl><dt><kbd>1</kbd>–<kbd>7</kbd></dt><dd>go to a section</dd><dt><kbd>r</kbd></dt><dd>refresh the section</dd>
<dt><kbd>Tab</kbd></dt><dd>move between links and buttons (DLQ: Redrive / Discard per entry)</dd><dt><kbd>Esc</kbd></dt><dd>close this help</dd></dl>
<form method="dialog"><button>Close</button></form></dialog>
${options.overview !== undefined ? `<script type="application/json" id="initial-overview">${scriptJson(options.overview)}</script>` : ''}
<script src="/console/assets/console.js"></script>
</body>
</html>
`;
}
