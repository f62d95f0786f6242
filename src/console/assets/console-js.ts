/**
 * The console's browser script (plain ES2020, no build step): fills the page's sections from
 * the JSON API, follows the live event stream (SSE), draws the bucket charts with uPlot and
 * handles the keyboard. Kept as a string so it ships inside the compiled runtime; it must not
 * contain backticks or dollar-brace.
 */
export const CONSOLE_JS = `(() => {
  'use strict';
  const $ = (id) => document.getElementById(id);
  const pipelines = (document.body.dataset.pipelines || '').split(',').filter(Boolean);
  const SECTIONS = ['overview', 'events', 'dlq', 'buckets', 'replication', 'csv-loads', 'ingest'];
  let current = 'overview';
  const charts = {};

  // ---- helpers --------------------------------------------------------------
  function el(tag, attrs, ...children) {
    const node = document.createElement(tag);
    for (const [k, v] of Object.entries(attrs || {})) {
      if (v === undefined || v === null || v === false) continue;
      if (k === 'class') node.className = v;
      else if (k.startsWith('on')) node.addEventListener(k.slice(2), v);
      else node.setAttribute(k, v === true ? '' : String(v));
    }
    for (const child of children.flat()) {
      if (child === undefined || child === null || child === false) continue;
      node.append(child instanceof Node ? child : document.createTextNode(String(child)));
    }
    return node;
  }
  function bytes(n) {
    if (n === undefined || n === null) return '–';
    const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB', 'PiB'];
    let i = 0;
    let v = n;
    while (v >= 1024 && i < units.length - 1) {
      v /= 1024;
      i++;
    }
    return (i === 0 ? String(v) : v.toFixed(v < 10 ? 2 : 1)) + ' ' + units[i];
  }
  const num = (n) => (n === undefined || n === null ? '–' : Number(n).toLocaleString('en'));
  function ms(n) {
    if (n === undefined || n === null) return '–';
    if (n < 1000) return (n < 10 ? n.toFixed(1) : Math.round(n)) + ' ms';
    if (n < 120000) return (n / 1000).toFixed(1) + ' s';
    return (n / 60000).toFixed(1) + ' min';
  }
  function ago(iso) {
    if (!iso) return '–';
    const s = Math.round((Date.now() - Date.parse(iso)) / 1000);
    if (s < 0) return 'in ' + ms(-s * 1000);
    if (s < 60) return s + ' s ago';
    if (s < 3600) return Math.round(s / 60) + ' min ago';
    if (s < 86400) return (s / 3600).toFixed(1) + ' h ago';
    return (s / 86400).toFixed(1) + ' d ago';
  }
  const time = (iso) => el('time', { datetime: iso, title: iso }, ago(iso));
  const pct = (r) => (r === undefined ? '–' : (r * 100).toFixed(r === 1 || r === 0 ? 0 : 1) + ' %');
  function status(text, isError) {
    const s = $('status');
    s.textContent = text;
    s.classList.toggle('error', !!isError);
  }
  async function api(path, init) {
    const response = await fetch('/console/api' + path, init);
    let body;
    try {
      body = await response.json();
    } catch {
      body = {};
    }
    if (!response.ok) throw new Error((body && body.message) || response.status + ' ' + response.statusText);
    return body;
  }
  function table(headers, rows, label) {
    return el(
      'table',
      { 'aria-label': label },
      el('thead', {}, el('tr', {}, headers.map((h) => el('th', { scope: 'col' }, h)))),
      el('tbody', {}, rows),
    );
  }
  function replace(id, ...nodes) {
    const target = $(id);
    target.replaceChildren(...nodes);
  }
  function notRunning(id, name) {
    replace(id, el('p', { class: 'muted' }, 'The ' + name + ' pipeline is not running in this runtime.'));
  }

  // ---- overview -------------------------------------------------------------
  let initialOverview = (() => {
    const node = $('initial-overview');
    return node ? JSON.parse(node.textContent) : undefined;
  })();
  async function loadOverview() {
    const o = initialOverview || (await api('/overview'));
    initialOverview = undefined;
    const card = (label, value, cls) => el('div', { class: 'card ' + (cls || '') }, el('span', { class: 'value' }, value), el('span', { class: 'label' }, label));
    replace(
      'totals',
      card('attempts', num(o.totals.attempts)),
      card('succeeded', num(o.totals.succeeded), 'ok'),
      card('failed attempts', num(o.totals.failed), o.totals.failed ? 'bad' : ''),
      card('dead-lettered', num(o.totals.deadLettered), o.totals.deadLettered ? 'bad' : ''),
      card('queued', num(o.queueDepth)),
      card('in DLQ', num(o.dlqDepth), o.dlqDepth ? 'bad' : ''),
    );
    const blocks = o.pipelines.map((p) =>
      el(
        'article',
        { class: 'pipeline', 'data-pipeline': p.name },
        el('h3', {}, p.name, ' ', el('span', { class: 'muted' }, p.description)),
        table(
          ['function', 'triggers', 'queued', 'last run', 'ok', 'failed', 'DLQ', 'success', 'latency avg / p50 / p95'],
          p.functions.map((f) => {
            const s = f.stats;
            const last = s.lastRun;
            return el(
              'tr',
              { 'data-function': f.id },
              el('th', { scope: 'row' }, f.name, f.description ? el('div', { class: 'muted small' }, f.description) : null),
              el('td', { class: 'triggers' }, f.triggers.map((t) => el('div', {}, el('span', { class: 'tag ' + t.kind }, t.kind), ' ', t.text, t.nextRun ? el('span', { class: 'muted small' }, ' next ', time(t.nextRun)) : null))),
              el('td', { class: 'n' }, num(f.queued)),
              el('td', {}, last ? [el('span', { class: 'tag ' + last.outcome }, last.outcome), ' ', time(last.at), ' ', el('span', { class: 'muted small' }, ms(last.durationMs))] : el('span', { class: 'muted' }, 'never')),
              el('td', { class: 'n', 'data-stat': 'succeeded' }, num(s.succeeded)),
              el('td', { class: 'n' + (s.failed ? ' bad' : ''), 'data-stat': 'failed' }, num(s.failed)),
              el('td', { class: 'n' + (s.deadLettered ? ' bad' : ''), 'data-stat': 'deadLettered' }, num(s.deadLettered)),
              el('td', { class: 'n' }, pct(s.successRate)),
              el('td', { class: 'n' }, s.latencyMs ? ms(s.latencyMs.avg) + ' / ' + ms(s.latencyMs.p50) + ' / ' + ms(s.latencyMs.p95) : '–'),
            );
          }),
          p.name + ' functions',
        ),
      ),
    );
    if (o.retired.length) {
      blocks.push(el('p', { class: 'muted' }, 'History also holds functions not running now: ' + o.retired.map((r) => r.functionId).join(', ')));
    }
    replace('pipelines', ...(blocks.length ? blocks : [el('p', { class: 'muted' }, 'No pipelines are running.')]));
    if (!performance.getEntriesByName('overview-rendered').length) performance.mark('overview-rendered');
  }

  // ---- event log ------------------------------------------------------------
  const MAX_LOG = 500;
  let paused = false;
  const held = [];
  function eventItem(e) {
    const tag = e.type === 'failed' && e.retryAt ? 'retry' : e.type;
    const detail = [];
    if (e.durationMs !== undefined) detail.push(ms(e.durationMs));
    if (e.attempt !== undefined) detail.push('attempt ' + e.attempt);
    if (e.attempts !== undefined) detail.push(e.attempts + ' attempts');
    if (e.retryAt) detail.push('retry ' + ago(e.retryAt));
    return el(
      'li',
      { 'data-type': e.type, 'data-function': e.functionId, class: 'ev ' + tag },
      el('time', { datetime: e.at }, new Date(e.at).toLocaleTimeString()),
      ' ',
      el('span', { class: 'tag ' + tag }, tag),
      ' ',
      el('strong', {}, e.functionId),
      ' ',
      el('span', { class: 'muted small' }, e.source + ' ' + String(e.entryId).slice(0, 8)),
      detail.length ? ' · ' + detail.join(' · ') : '',
      e.error ? el('div', { class: 'err' }, e.error.name + ': ' + e.error.message) : null,
    );
  }
  function appendEvent(e) {
    if (e.type === 'started' && !$('show-started').checked) return;
    if (paused) {
      held.push(e);
      return;
    }
    const log = $('event-log');
    log.prepend(eventItem(e));
    while (log.children.length > MAX_LOG) log.lastElementChild.remove();
  }
  let refreshTimer;
  function refreshSoon() {
    clearTimeout(refreshTimer);
    refreshTimer = setTimeout(() => refresh().catch(() => {}), 300);
  }
  function connectEvents() {
    const source = new EventSource('/console/api/events');
    source.addEventListener('open', () => {
      $('sse-state').textContent = 'live';
    });
    source.addEventListener('error', () => {
      $('sse-state').textContent = 'reconnecting…';
    });
    source.addEventListener('invocation', (m) => {
      const e = JSON.parse(m.data);
      appendEvent(e);
      if (e.type !== 'started' && (current === 'overview' || current === 'dlq' || current === 'replication')) refreshSoon();
    });
  }

  // ---- DLQ ------------------------------------------------------------------
  async function dlqAction(path, button) {
    button.disabled = true;
    try {
      await api(path, { method: 'POST' });
      status('done: ' + path.split('/').pop());
    } catch (err) {
      status(String(err.message || err), true);
    }
    await loadDlq();
  }
  async function loadDlq() {
    const d = await api('/dlq');
    $('dlq-count').textContent = d.depth + (d.depth === 1 ? ' entry' : ' entries');
    $('redrive-all').disabled = d.depth === 0;
    if (d.entries.length === 0) {
      replace('dlq-list', el('p', { class: 'muted', id: 'dlq-empty' }, 'The DLQ is empty.'));
      return;
    }
    replace(
      'dlq-list',
      ...d.entries.map((entry) =>
        el(
          'article',
          { class: 'letter', 'data-id': entry.id, 'aria-label': 'dead letter ' + entry.id },
          el('h3', {}, entry.functionId, ' ', el('span', { class: 'muted small' }, entry.id)),
          el('p', { class: 'err' }, entry.error.name + ': ' + entry.error.message),
          el('p', { class: 'muted small' }, entry.attempts + ' attempts · first received ', time(entry.firstReceivedAt), ' · failed ', time(entry.failedAt)),
          el(
            'p',
            { class: 'buttons' },
            el('button', { type: 'button', class: 'redrive', onclick: (ev) => dlqAction('/dlq/' + entry.id + '/redrive', ev.currentTarget) }, 'Redrive'),
            ' ',
            el(
              'button',
              {
                type: 'button',
                class: 'discard danger',
                onclick: (ev) => {
                  if (window.confirm('Discard this event for good?')) dlqAction('/dlq/' + entry.id + '/discard', ev.currentTarget);
                },
              },
              'Discard',
            ),
          ),
          el('details', {}, el('summary', {}, 'event'), el('pre', {}, JSON.stringify(entry.event, null, 2))),
          el('details', {}, el('summary', {}, 'errors of every attempt'), el('ol', {}, entry.errors.map((x) => el('li', {}, time(x.at), ' ', x.name + ': ' + x.message))), entry.error.stack ? el('pre', {}, entry.error.stack) : null),
        ),
      ),
    );
  }

  // ---- bucket metrics -------------------------------------------------------
  const PALETTE = ['#2563eb', '#dc2626', '#16a34a', '#9333ea', '#ea580c', '#0891b2', '#ca8a04', '#db2777'];
  function chart(id, buckets, field, format) {
    const stamps = new Set();
    for (const b of buckets) for (const p of b.points) if (p[field] !== undefined) stamps.add(Date.parse(p.timestamp) / 1000);
    const xs = [...stamps].sort((a, b) => a - b);
    const index = new Map(xs.map((x, i) => [x, i]));
    const data = [xs];
    for (const b of buckets) {
      const ys = new Array(xs.length).fill(null);
      for (const p of b.points) if (p[field] !== undefined) ys[index.get(Date.parse(p.timestamp) / 1000)] = p[field];
      data.push(ys);
    }
    const target = $(id);
    if (charts[id]) charts[id].destroy();
    target.replaceChildren();
    const opts = {
      width: Math.max(320, target.clientWidth || 800),
      height: 260,
      series: [{}].concat(
        buckets.map((b, i) => ({
          label: b.bucket,
          stroke: PALETTE[i % PALETTE.length],
          width: 2,
          spanGaps: true,
          points: { show: true, size: 5 },
          value: (u, v) => (v === null ? '–' : format(v)),
        })),
      ),
      axes: [{}, { values: (u, vals) => vals.map(format), size: 80 }],
    };
    charts[id] = new uPlot(opts, data, target);
    target.dataset.points = String(xs.length);
    target.dataset.series = String(buckets.length);
  }
  let uplotLoading;
  function loadUplot() {
    // Only the bucket charts need uPlot: fetched the first time they are shown.
    uplotLoading =
      uplotLoading ||
      new Promise((resolve, reject) => {
        const css = el('link', { rel: 'stylesheet', href: '/console/assets/uPlot.min.css' });
        const js = el('script', { src: '/console/assets/uPlot.iife.min.js' });
        js.addEventListener('load', resolve);
        js.addEventListener('error', () => reject(new Error('could not load the chart library')));
        document.head.append(css, js);
      });
    return uplotLoading;
  }
  async function loadBuckets() {
    await loadUplot();
    const hours = $('bucket-hours').value;
    const b = await api('/buckets' + (hours ? '?hours=' + hours : ''));
    if (b.buckets.length === 0) {
      for (const id of ['chart-bytes', 'chart-objects']) {
        if (charts[id]) charts[id].destroy();
        delete charts[id];
        replace(id, el('p', { class: 'muted' }, 'No bucket metrics yet: bucket-metrics writes them on its schedule (or run "tributary metrics collect").'));
      }
      replace('bucket-table');
      return;
    }
    chart('chart-bytes', b.buckets, 'bytes', bytes);
    chart('chart-objects', b.buckets, 'objects', num);
    replace(
      'bucket-table',
      table(
        ['bucket', 'size', 'objects', 'data points', 'last listed'],
        b.buckets.map((s) => {
          const last = s.points[s.points.length - 1] || {};
          return el('tr', { 'data-bucket': s.bucket }, el('th', { scope: 'row' }, s.bucket), el('td', { class: 'n' }, bytes(last.bytes)), el('td', { class: 'n' }, num(last.objects)), el('td', { class: 'n' }, num(s.points.length)), el('td', {}, time(last.timestamp)));
        }),
        'latest size per bucket',
      ),
    );
  }

  // ---- replication ----------------------------------------------------------
  async function loadReplication() {
    const r = await api('/replication');
    if (!r.running && r.buckets.length === 0) return notRunning('replication-body', 'replication');
    const inv = r.invocations;
    replace(
      'replication-body',
      el(
        'p',
        {},
        'Backlog: ',
        el('strong', { id: 'replication-backlog' }, num(r.backlog.queued)),
        ' queued',
        r.backlog.oldestQueuedAt ? [' (oldest waiting ', ms(r.backlog.oldestAgeMs), ')'] : '',
        inv ? ' · invocations: ' + num(inv.succeeded) + ' ok, ' + num(inv.failed) + ' failed attempts, ' + num(inv.deadLettered) + ' dead-lettered' : '',
      ),
      r.buckets.length
        ? table(
            ['source bucket', 'objects copied', 'bytes copied', 'failures', 'lag last / avg / max', 'last copy', 'last failure'],
            r.buckets.map((b) =>
              el('tr', {}, el('th', { scope: 'row' }, b.sourceBucket), el('td', { class: 'n' }, num(b.objects)), el('td', { class: 'n' }, bytes(b.bytes)), el('td', { class: 'n' + (b.failures ? ' bad' : '') }, num(b.failures)), el('td', { class: 'n' }, b.lagMs ? ms(b.lagMs.last) + ' / ' + ms(b.lagMs.avg) + ' / ' + ms(b.lagMs.max) : '–'), el('td', {}, time(b.lastCopiedAt)), el('td', {}, time(b.lastFailureAt))),
            ),
            'replication per source bucket',
          )
        : el('p', { class: 'muted' }, 'Nothing replicated yet.'),
      r.continuing && r.continuing.length
        ? table(
            ['copy continuing across invocations', 'size', 'done', 'parts', 'invocations', 'started', 'last step'],
            r.continuing.map((k) =>
              el('tr', { 'data-continuing': k.source }, el('th', { scope: 'row' }, k.source), el('td', { class: 'n' }, bytes(k.size)), el('td', { class: 'n' }, Math.floor((100 * k.bytesDone) / Math.max(1, k.size)) + ' %'), el('td', { class: 'n' }, num(k.partsDone)), el('td', { class: 'n' }, num(k.invocations)), el('td', {}, time(k.startedAt)), el('td', {}, time(k.updatedAt))),
            ),
            'multipart copies handed over from one invocation to the next',
          )
        : '',
    );
  }

  // ---- CSV loads ------------------------------------------------------------
  async function loadCsv() {
    if (!pipelines.includes('csv-load')) return notRunning('csv-body', 'csv-load');
    const c = await api('/csv-loads?limit=50');
    if (c.reports.length === 0) {
      replace('csv-body', el('p', { class: 'muted' }, 'No loads yet: put a CSV under data/ in s3://' + c.bucket + '/.'));
      return;
    }
    replace(
      'csv-body',
      el('p', { class: 'muted' }, c.total + ' reports in s3://' + c.bucket + '/reports/' + (c.total > c.reports.length ? ', newest ' + c.reports.length + ' shown' : '')),
      table(
        ['status', 'source', 'table', 'rows read', 'written', 'invalid', 'duration', 'finished', ''],
        c.reports.map((r) =>
          el(
            'tr',
            { 'data-report': r.reportKey },
            el('td', {}, el('span', { class: 'tag ' + r.status.toLowerCase() }, r.status)),
            el('th', { scope: 'row' }, r.source.key),
            el('td', {}, r.table),
            el('td', { class: 'n' }, num(r.rowsRead)),
            el('td', { class: 'n' }, num(r.rowsWritten)),
            el('td', { class: 'n' + (r.rowsInvalid ? ' bad' : '') }, num(r.rowsInvalid)),
            el('td', { class: 'n' }, ms(r.durationMs)),
            el('td', {}, time(r.finishedAt)),
            el('td', {}, r.error ? el('span', { class: 'err' }, r.error) : r.invalidSample && r.invalidSample.length ? el('details', {}, el('summary', {}, 'invalid rows'), el('pre', {}, JSON.stringify(r.invalidSample, null, 2))) : ''),
          ),
        ),
        'CSV load reports',
      ),
    );
  }

  // ---- ingest ---------------------------------------------------------------
  async function loadIngest() {
    if (!pipelines.includes('ingest')) return notRunning('ingest-body', 'ingest');
    const g = await api('/ingest');
    const s = g.latestSummary && g.latestSummary.summary;
    replace(
      'ingest-body',
      el('p', {}, 'Records in ', el('code', {}, g.table), ': ', el('strong', { id: 'ingest-count' }, num(g.records.count) + (g.records.complete ? '' : '+'))),
      g.api ? el('p', {}, 'API requests: ' + num(g.api.succeeded) + ' answered, ' + num(g.api.failed) + ' failed' + (g.api.latencyMs ? ', p95 ' + ms(g.api.latencyMs.p95) : '')) : el('p', { class: 'muted' }, 'No API requests recorded yet.'),
      s
        ? el(
            'div',
            {},
            el('h3', {}, 'Latest weekly summary: ', s.week),
            el('p', {}, num(s.recordCount) + ' records from ', time(s.from), ' to ', time(s.to), ' · generated ', time(s.generatedAt), ' · export ', el('code', {}, s.export && s.export.key), ' (' + bytes(s.export && s.export.bytes) + ')'),
            s.recordsPerDay ? table(['day', 'records'], Object.entries(s.recordsPerDay).map(([d, n]) => el('tr', {}, el('th', { scope: 'row' }, d), el('td', { class: 'n' }, num(n)))), 'records per day') : null,
          )
        : el('p', { class: 'muted' }, 'No weekly summary yet in s3://' + g.summaryBucket + '/summaries/.'),
    );
  }

  // ---- navigation -----------------------------------------------------------
  const loaders = { overview: loadOverview, dlq: loadDlq, buckets: loadBuckets, replication: loadReplication, 'csv-loads': loadCsv, ingest: loadIngest };
  async function refresh() {
    const load = loaders[current];
    if (!load) return;
    try {
      await load();
      status('updated ' + new Date().toLocaleTimeString());
    } catch (err) {
      status(current + ': ' + (err.message || err), true);
    }
  }
  function show(id, focus) {
    current = SECTIONS.includes(id) ? id : 'overview';
    // The embedded overview is only fresh for the first view.
    if (current !== 'overview') initialOverview = undefined;
    for (const s of SECTIONS) $(s).hidden = s !== current;
    for (const a of document.querySelectorAll('nav a[data-section]')) {
      if (a.dataset.section === current) a.setAttribute('aria-current', 'page');
      else a.removeAttribute('aria-current');
    }
    if (focus) $(current + '-title').focus();
    refresh();
  }
  window.addEventListener('hashchange', () => show(location.hash.slice(1), true));
  document.addEventListener('keydown', (e) => {
    if (e.ctrlKey || e.metaKey || e.altKey) return;
    const t = e.target;
    if (t && (t.tagName === 'INPUT' || t.tagName === 'SELECT' || t.tagName === 'TEXTAREA')) return;
    const i = Number(e.key);
    if (i >= 1 && i <= SECTIONS.length) {
      location.hash = '#' + SECTIONS[i - 1];
      e.preventDefault();
    } else if (e.key === 'r') {
      refresh();
      e.preventDefault();
    } else if (e.key === '?') {
      $('help').showModal();
      e.preventDefault();
    }
  });
  $('pause-log').addEventListener('click', (e) => {
    paused = !paused;
    e.currentTarget.setAttribute('aria-pressed', String(paused));
    e.currentTarget.textContent = paused ? 'Resume' : 'Pause';
    if (!paused) for (const ev of held.splice(0)) appendEvent(ev);
  });
  $('redrive-all').addEventListener('click', (e) => dlqAction('/dlq/redrive-all', e.currentTarget));
  $('bucket-hours').addEventListener('change', () => refresh());
  window.addEventListener('resize', () => {
    for (const [id, c] of Object.entries(charts)) c.setSize({ width: Math.max(320, $(id).clientWidth), height: 260 });
  });
  setInterval(() => {
    if (!document.hidden && current !== 'events') refresh();
  }, 10000);
  connectEvents();
  show(location.hash.slice(1) || 'overview', false);
})();
`;
