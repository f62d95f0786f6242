/**
 * The run browser's script, served at /assets/app.js. Vanilla JS without a build step,
 * embedded as a string so the Lambda bundle and `npm run build` need no asset copying.
 * It builds the DOM with text nodes and setAttribute only (never innerHTML): group names,
 * run tags, file keys and the telemetry JSON are all client-controlled. Kept free of
 * backticks and `${` so it can live in this template literal; test/pipelines/telemetry/
 * browser-page.test.ts parses it, browser.test.ts runs it in Chromium.
 */
export const APP_JS = String.raw`
(() => {
  'use strict';
  const main = document.getElementById('main');
  if (!main) return;
  const base = main.dataset.base || '';
  const view = main.dataset.view || 'groups';
  const HINT = 'cat prometheus-* > prometheus-backup.tar && tar xfv prometheus-backup.tar';
  const enc = encodeURIComponent;

  // ---- DOM. Text only ever goes through text nodes and attributes through setAttribute:
  // group names, run tags, file keys and the whole telemetry JSON come from clients.
  function h(tag, props, ...children) {
    const el = document.createElement(tag);
    for (const [name, value] of Object.entries(props || {})) {
      if (value === undefined || value === null || value === false) continue;
      if (name === 'class') el.className = value;
      else if (name.startsWith('on')) el.addEventListener(name.slice(2), value);
      else if (name === 'href') {
        const safe = safeHref(value);
        if (safe) el.setAttribute('href', safe);
      } else el.setAttribute(name, value === true ? '' : String(value));
    }
    add(el, children);
    return el;
  }
  function add(el, children) {
    for (const child of children) {
      if (child === undefined || child === null || child === false) continue;
      if (Array.isArray(child)) add(el, child);
      else el.append(child instanceof Node ? child : String(child));
    }
  }
  /** Replaces an element's content; null and false children are skipped (replaceChildren would print "null"). */
  function fill(el, ...children) {
    el.replaceChildren();
    add(el, children);
  }
  /** Our own paths, or http(s) URLs; never javascript:, data: or protocol-relative ones. */
  function safeHref(value) {
    const text = String(value);
    if (text.startsWith('/') && !text.startsWith('//')) return text;
    try {
      const url = new URL(text);
      return url.protocol === 'http:' || url.protocol === 'https:' ? url.href : null;
    } catch {
      return null;
    }
  }
  function announce(message) {
    const region = document.getElementById('status');
    if (region) region.textContent = message;
  }
  function section(id, title, ...children) {
    return h('section', { id, 'aria-labelledby': id + '-title' }, h('h2', { id: id + '-title' }, title), children);
  }

  // ---- Data.
  async function api(path, init) {
    const res = await fetch(base + path, {
      credentials: 'same-origin',
      ...init,
      headers: { accept: 'application/json', ...(init && init.headers) },
    });
    const text = await res.text();
    if (!res.ok) {
      const message = text.trim().replace(/^\[bad request\]: /, '') || res.status + ' ' + res.statusText;
      throw new Error(message);
    }
    return text ? JSON.parse(text) : null;
  }
  const isObject = (v) => typeof v === 'object' && v !== null && !Array.isArray(v);
  const list = (v) => (Array.isArray(v) ? v : []);
  const str = (v) => (v === undefined || v === null ? '' : typeof v === 'object' ? JSON.stringify(v) : String(v));
  const filesHref = (group, run) =>
    base + '/files/' + (group ? enc(group) + '/' : '') + (run ? enc(run) + '/' : '');

  // ---- Formatting (times in UTC, as the date filters are).
  function toDate(value) {
    if (value === undefined || value === null || value === '') return null;
    const n = typeof value === 'number' ? value : /^\d+(\.\d+)?$/.test(String(value)) ? Number(value) : NaN;
    const d = Number.isFinite(n) ? new Date(n * 1000) : new Date(String(value));
    return Number.isNaN(d.getTime()) ? null : d;
  }
  function fmtTime(value, seconds) {
    const d = toDate(value);
    return d ? d.toISOString().slice(0, seconds ? 19 : 16).replace('T', ' ') + ' UTC' : '';
  }
  function timeEl(value, seconds) {
    const d = toDate(value);
    return d ? h('time', { datetime: d.toISOString() }, fmtTime(value, seconds)) : h('span', { class: 'muted' }, '—');
  }
  function fmtBytes(n) {
    const units = ['B', 'KB', 'MB', 'GB', 'TB'];
    let v = Number(n);
    if (!Number.isFinite(v)) return '';
    let i = 0;
    while (v >= 1024 && i < units.length - 1) {
      v /= 1024;
      i++;
    }
    return (i === 0 ? String(v) : v.toFixed(v < 10 ? 1 : 0)) + ' ' + units[i];
  }
  function fmtDuration(seconds) {
    if (!Number.isFinite(seconds) || seconds < 0) return '—';
    const s = Math.round(seconds);
    if (s < 60) return s + ' s';
    const m = Math.floor(s / 60);
    if (m < 60) return m + ' min ' + (s % 60) + ' s';
    return Math.floor(m / 60) + ' h ' + (m % 60) + ' min';
  }
  /** krkn: exit status 0 is a pass. */
  function scenarioResult(exit) {
    if (exit === null || exit === undefined || exit === '') return null;
    return Number(exit) === 0;
  }
  function badge(passed, detail) {
    const kind = passed === true ? 'pass' : passed === false ? 'fail' : 'unknown';
    const label = passed === true ? 'Pass' : passed === false ? 'Fail' : 'Unknown';
    return h('span', { class: 'badge ' + kind }, label, detail ? h('span', { class: 'detail' }, ' ' + detail) : null);
  }
  function errorBox(err) {
    return h('p', { class: 'error', role: 'alert' }, err instanceof Error ? err.message : String(err));
  }

  // ---- Tables: sortable headers (buttons, aria-sort) and pagers, shared by every view.
  function table(opts) {
    const head = h(
      'tr',
      null,
      opts.columns.map((col) => {
        const props = { scope: 'col', class: col.num ? 'num' : undefined };
        if (!col.sort) return h('th', props, col.label);
        const active = opts.sort === col.sort;
        props['aria-sort'] = active ? (opts.order === 'asc' ? 'ascending' : 'descending') : 'none';
        const title = 'Sort by ' + col.label.toLowerCase();
        return h(
          'th',
          props,
          h('button', { type: 'button', class: 'sort', 'data-sort': col.sort, title, onclick: () => opts.onSort(col.sort) }, col.label),
        );
      }),
    );
    const rows = opts.rows.map((row) =>
      h('tr', null, opts.columns.map((col) => h('td', { class: [col.num ? 'num' : '', col.cls || ''].join(' ').trim() || undefined }, col.cell(row)))),
    );
    return h(
      'div',
      { class: 'table-wrap' },
      h('table', { class: opts.cls }, h('caption', { class: 'visually-hidden' }, opts.caption), h('thead', null, head), h('tbody', null, rows)),
    );
  }
  const DESC_FIRST = ['time', 'size', 'files', 'scenarios', 'modified'];
  const defaultOrder = (key) => (DESC_FIRST.includes(key) ? 'desc' : 'asc');
  function nextSort(state, key) {
    if (state.sort === key) return { sort: key, order: state.order === 'asc' ? 'desc' : 'asc' };
    return { sort: key, order: defaultOrder(key) };
  }
  /** Page controls, or null when everything fits one page. */
  function pager(page, pages, total, noun, onPage) {
    if (pages <= 1) return null;
    const button = (label, target, disabled, action) =>
      h('button', { type: 'button', class: 'secondary', 'data-page': action, disabled, onclick: () => onPage(target) }, label);
    return h(
      'nav',
      { class: 'pager', 'aria-label': noun + ' pages' },
      button('« First', 1, page <= 1, 'first'),
      button('‹ Previous', page - 1, page <= 1, 'previous'),
      h('span', { class: 'info' }, 'Page ' + page + ' of ' + pages + ' · ' + total + ' ' + noun),
      button('Next ›', page + 1, page >= pages, 'next'),
      button('Last »', pages, page >= pages, 'last'),
    );
  }
  /** After a re-render, keep keyboard focus on the control that caused it. */
  function refocus(container, selector) {
    if (!selector) return;
    const el = container.querySelector(selector);
    if (el && !el.disabled) el.focus();
    else {
      const heading = container.querySelector('.results-title');
      if (heading) heading.focus();
    }
  }
  /** onPage for a view that keeps its page in state.page and redraws itself, keeping keyboard focus. */
  const redrawAt = (state, render) => (target) => {
    state.page = target;
    render(focusSelector(document.activeElement));
  };
  function focusSelector(el) {
    if (!(el instanceof HTMLElement)) return null;
    if (el.dataset.sort) return 'button[data-sort="' + el.dataset.sort + '"]';
    if (el.dataset.page) return 'button[data-page="' + el.dataset.page + '"]';
    return null;
  }
  function slice(rows, page, size) {
    const pages = Math.max(1, Math.ceil(rows.length / size));
    const current = Math.min(Math.max(1, page), pages);
    return { page: current, pages, rows: rows.slice((current - 1) * size, current * size) };
  }
  function compare(a, b) {
    return a < b ? -1 : a > b ? 1 : 0;
  }

  // ---- Copy to clipboard (with a fallback for pages not served over https).
  async function copyText(text) {
    if (navigator.clipboard && window.isSecureContext) {
      try {
        await navigator.clipboard.writeText(text);
        return true;
      } catch {
        // fall through to the selection fallback
      }
    }
    const area = h('textarea', { class: 'offscreen', readonly: true, 'aria-hidden': 'true' });
    area.value = text;
    document.body.append(area);
    area.select();
    let ok = false;
    try {
      ok = document.execCommand('copy');
    } catch {
      ok = false;
    }
    area.remove();
    return ok;
  }
  /** "text" is a string, or an async function giving it when clicked. */
  function copyButton(text, label, what) {
    const button = h('button', { type: 'button', class: 'secondary copy', 'aria-label': label + ': ' + what }, label);
    let timer;
    button.addEventListener('click', async () => {
      let value;
      try {
        value = typeof text === 'function' ? await text() : text;
      } catch (err) {
        announce('Could not copy: ' + err.message);
        button.textContent = 'Failed: try again';
        return;
      }
      const ok = await copyText(value);
      button.textContent = ok ? 'Copied ✓' : 'Select and press Ctrl+C';
      announce(ok ? 'Copied ' + what + ' to the clipboard' : 'Could not copy; select the text and press Ctrl+C');
      clearTimeout(timer);
      timer = setTimeout(() => {
        button.textContent = label;
      }, 2000);
    });
    return button;
  }

  // ---- Run search (the groups page and a group's page): filters live in the URL.
  const FILTERS = ['q', 'scenario', 'version', 'from', 'to', 'status'];
  const PAGE_SIZES = [25, 50, 100];
  function readRunState() {
    const p = new URLSearchParams(location.search);
    const state = {
      sort: p.get('sort') || 'time',
      order: p.get('order') || '',
      page: Math.max(1, Number.parseInt(p.get('page') || '1', 10) || 1),
      pageSize: Number.parseInt(p.get('pageSize') || '25', 10) || 25,
    };
    for (const key of FILTERS) state[key] = p.get(key) || '';
    if (!state.order) state.order = defaultOrder(state.sort);
    return state;
  }
  function runParams(state) {
    const p = new URLSearchParams();
    for (const key of FILTERS) if (state[key]) p.set(key, state[key]);
    if (state.sort !== 'time' || state.order !== 'desc') {
      p.set('sort', state.sort);
      p.set('order', state.order);
    }
    if (state.page > 1) p.set('page', String(state.page));
    if (state.pageSize !== 25) p.set('pageSize', String(state.pageSize));
    return p;
  }
  function field(label, input) {
    return h('label', null, h('span', null, label), input);
  }
  function searchForm(state, onSearch, onClear) {
    const input = (name, type, placeholder) =>
      h('input', { name, type, placeholder, value: state[name], autocomplete: 'off', spellcheck: 'false' });
    const statusSelect = h(
      'select',
      { name: 'status' },
      [
        ['', 'Any'],
        ['pass', 'Passed'],
        ['fail', 'Failed'],
      ].map(([value, text]) => h('option', { value, selected: state.status === value }, text)),
    );
    const sizeSelect = h(
      'select',
      { name: 'pageSize' },
      PAGE_SIZES.map((n) => h('option', { value: String(n), selected: state.pageSize === n }, String(n))),
    );
    const form = h(
      'form',
      { class: 'search card', role: 'search', 'aria-label': 'Search runs' },
      field('Run tag or run id', input('q', 'search', 'e.g. nightly or 3f2a…')),
      field('Scenario', input('scenario', 'search', 'e.g. pod_disruption')),
      field('Cluster version', input('version', 'search', 'e.g. 4.15')),
      field('From (UTC)', input('from', 'date')),
      field('To (UTC)', input('to', 'date')),
      field('Result', statusSelect),
      field('Per page', sizeSelect),
      h(
        'div',
        { class: 'actions' },
        h('button', { type: 'submit' }, 'Search'),
        h('button', { type: 'button', class: 'secondary', onclick: onClear }, 'Clear'),
      ),
    );
    // Choosing from a list applies at once; text fields wait for Enter or Search.
    for (const select of [statusSelect, sizeSelect]) select.addEventListener('change', () => form.requestSubmit());
    form.addEventListener('submit', (event) => {
      event.preventDefault();
      const data = new FormData(form);
      const values = {};
      for (const key of FILTERS) values[key] = String(data.get(key) || '').trim();
      values.pageSize = Number(data.get('pageSize')) || 25;
      onSearch(values);
    });
    return form;
  }
  function fillForm(form, state) {
    for (const key of [...FILTERS, 'pageSize']) {
      const el = form.elements.namedItem(key);
      if (el) el.value = String(state[key] || (key === 'pageSize' ? 25 : ''));
    }
  }
  function scenarioList(scenarios) {
    if (!scenarios.length) return h('span', { class: 'muted' }, 'none');
    const shown = scenarios.slice(0, 3).map((s) => {
      const passed = scenarioResult(s.exit_status);
      const kind = passed === true ? 'pass' : passed === false ? 'fail' : 'unknown';
      return h('li', null, h('span', { class: 'dot ' + kind, 'aria-hidden': 'true' }), s.scenario, h('span', { class: 'visually-hidden' }, ' (' + (passed === true ? 'pass' : passed === false ? 'fail' : 'unknown') + ')'));
    });
    const more = scenarios.length > 3 ? h('li', { class: 'muted' }, '+' + (scenarios.length - 3) + ' more') : null;
    return h('ul', { class: 'scenario-list' }, shown, more);
  }
  function runsTable(page, state, withGroup, onSort) {
    const columns = [
      { label: 'Started', sort: 'time', cls: 'nowrap', cell: (r) => timeEl(r.time) },
      withGroup ? { label: 'Group', cell: (r) => h('a', { href: filesHref(r.group) }, r.group) } : null,
      {
        label: 'Run',
        sort: 'run',
        cls: 'run-cell nowrap',
        cell: (r) =>
          h('a', { class: 'mono', href: filesHref(r.group, r.run), title: r.run }, r.run_uuid ? r.run_uuid.slice(0, 8) + '…' : r.run),
      },
      { label: 'Tag', sort: 'tag', cell: (r) => (r.run_tag ? h('span', { class: 'chip' }, r.run_tag) : h('span', { class: 'muted' }, '—')) },
      { label: 'Cluster version', sort: 'version', cls: 'wrap', cell: (r) => r.cluster_version || '—' },
      { label: 'Cloud', sort: 'cloud', cell: (r) => r.cloud_type || '—' },
      { label: 'Result', sort: 'status', cell: (r) => badge(r.passed) },
      { label: 'Scenarios', sort: 'scenarios', cls: 'wrap', cell: (r) => scenarioList(list(r.scenarios)) },
      { label: 'Files', sort: 'files', num: true, cell: (r) => String(r.file_count) },
      { label: 'Size', sort: 'size', num: true, cls: 'nowrap', cell: (r) => fmtBytes(r.total_size) },
    ].filter(Boolean);
    return table({ columns, rows: page.runs, sort: state.sort, order: state.order, onSort, caption: 'Runs', cls: 'runs' });
  }
  function runSearch(container, group) {
    let state = readRunState();
    let sequence = 0;
    const results = h('div', { class: 'results' });
    const form = searchForm(
      state,
      (values) => update({ ...values, page: 1 }, 'push'),
      () => {
        const cleared = { page: 1 };
        for (const key of FILTERS) cleared[key] = '';
        update(cleared, 'push');
        fillForm(form, state);
      },
    );
    container.append(form, results);
    function update(change, mode, focus) {
      state = { ...state, ...change };
      const query = runParams(state).toString();
      const url = location.pathname + (query ? '?' + query : '');
      if (mode === 'push') history.pushState(null, '', url);
      else history.replaceState(null, '', url);
      return load(focus);
    }
    async function load(focus) {
      const mine = ++sequence;
      results.setAttribute('aria-busy', 'true');
      const params = runParams(state);
      params.set('sort', state.sort);
      params.set('order', state.order);
      if (group) params.set('group', group);
      let page;
      try {
        page = await api('/api/runs?' + params.toString());
      } catch (err) {
        if (mine !== sequence) return;
        fill(results, errorBox(err));
        results.removeAttribute('aria-busy');
        announce(err.message);
        return;
      }
      if (mine !== sequence) return;
      const unfiltered = !FILTERS.some((key) => state[key]);
      if (page.total === 0 && group && unfiltered && (await unindexedFolders(results, group, () => mine === sequence))) {
        if (mine === sequence) results.removeAttribute('aria-busy');
        return;
      }
      if (mine !== sequence) return;
      const title = h('h3', { class: 'results-title', tabindex: '-1' }, page.total === 1 ? '1 run' : page.total + ' runs');
      if (page.total === 0) {
        fill(results, title, h('p', { class: 'empty' }, unfiltered ? 'No runs in this group yet.' : 'No runs match these filters.'));
      } else {
        const onSort = (key) => update({ ...nextSort(state, key), page: 1 }, 'push', 'button[data-sort="' + key + '"]');
        const onPage = (target) => update({ page: target }, 'push', focusSelector(document.activeElement));
        fill(results,
          title,
          runsTable(page, state, !group, onSort),
          pager(page.page, page.pages, page.total, 'runs', onPage),
        );
      }
      results.removeAttribute('aria-busy');
      refocus(results, focus);
      const shown = page.runs.length;
      announce(page.total === 0 ? 'No runs found' : 'Showing ' + shown + ' of ' + page.total + ' runs, page ' + page.page + ' of ' + page.pages);
    }
    window.addEventListener('popstate', () => {
      state = readRunState();
      fillForm(form, state);
      load();
    });
    return load();
  }

  /**
   * Run folders the run index does not know (copied into the bucket before Tributary indexed
   * it): listed from the bucket so they can still be opened. Search and sort need the index.
   */
  async function unindexedFolders(results, group, isCurrent) {
    let folders;
    try {
      folders = list(await api('/navigate/' + enc(group))).filter((e) => e.type === 'folder').map((e) => str(e.path));
    } catch {
      return false;
    }
    if (!isCurrent()) return true;
    if (!folders.length) return false;
    // krkn's folders start with the run's unix time: newest first.
    folders.sort((a, b) => compare(b, a));
    const state = { page: 1 };
    const body = h('div');
    function render(focus) {
      const shown = slice(folders, state.page, 50);
      fill(
        body,
        table({
          caption: 'Run folders',
          cls: 'folders',
          rows: shown.rows,
          columns: [{ label: 'Run folder', cell: (f) => h('a', { class: 'mono', href: filesHref(group, f) }, f) }],
        }),
        pager(shown.page, shown.pages, folders.length, 'run folders', redrawAt(state, render)),
      );
      refocus(body, focus);
    }
    render();
    fill(
      results,
      h('h3', { class: 'results-title', tabindex: '-1' }, folders.length + (folders.length === 1 ? ' run folder' : ' run folders')),
      h('p', { class: 'notice' }, 'These runs are in the bucket but not in the run index, so they cannot be searched or sorted here. Open a folder to see its telemetry and files.'),
      body,
    );
    announce(folders.length + ' run folders not in the run index');
    return true;
  }

  // ---- Views.
  async function groupsView() {
    const groupsBox = h('div', { class: 'results' }, h('p', { class: 'loading' }, 'Loading groups…'));
    const runsBox = h('div');
    fill(main,
      h('h1', null, 'Telemetry runs'),
      h('p', { class: 'lede' }, 'Chaos runs sent by krkn, by telemetry group. Search every group below, or open a group.'),
      section('groups', 'Groups', groupsBox),
      section('runs', 'Runs in every group', runsBox),
    );
    const search = runSearch(runsBox, undefined);
    let groups;
    try {
      groups = list(await api('/navigate')).filter((e) => e.type === 'folder').map((e) => e.path);
    } catch (err) {
      fill(groupsBox, errorBox(err));
      return search;
    }
    const state = { sort: 'name', order: 'asc', page: 1, filter: '' };
    const filter = h('input', { type: 'search', name: 'group-filter', placeholder: 'Filter groups', 'aria-label': 'Filter groups', autocomplete: 'off' });
    const body = h('div');
    filter.addEventListener('input', () => {
      state.filter = filter.value.trim().toLowerCase();
      state.page = 1;
      render();
    });
    function render(focus) {
      const rows = groups.filter((g) => g.toLowerCase().includes(state.filter));
      rows.sort((a, b) => compare(a.toLowerCase(), b.toLowerCase()) * (state.order === 'asc' ? 1 : -1));
      const shown = slice(rows, state.page, 50);
      state.page = shown.page;
      if (groups.length === 0) {
        fill(body, h('p', { class: 'empty' }, 'No telemetry yet. Runs appear here once krkn sends them.'));
        return;
      }
      fill(body,
        rows.length === 0
          ? h('p', { class: 'empty' }, 'No group matches.')
          : table({
              columns: [{ label: 'Group', sort: 'name', cell: (g) => h('a', { href: filesHref(g) }, g) }],
              rows: shown.rows,
              sort: state.sort,
              order: state.order,
              caption: 'Groups',
              cls: 'groups',
              onSort: () => {
                state.order = state.order === 'asc' ? 'desc' : 'asc';
                render('button[data-sort="name"]');
              },
            }),
        pager(shown.page, shown.pages, rows.length, 'groups', redrawAt(state, render)),
      );
      refocus(body, focus);
    }
    fill(groupsBox, h('div', { class: 'toolbar' }, filter), body);
    render();
    return search;
  }

  function groupView(group) {
    document.title = group + ' — telemetry';
    const runsBox = h('div');
    fill(main, h('h1', null, h('span', { class: 'muted' }, 'Group '), group), runsBox);
    return runSearch(runsBox, group);
  }

  async function runView(group, run) {
    fill(main, h('p', { class: 'loading' }, 'Loading run…'));
    let data;
    try {
      data = await api('/api/runs/' + enc(group) + '/' + enc(run));
    } catch (err) {
      fill(main, h('h1', null, run), errorBox(err), h('p', null, h('a', { href: filesHref(group) }, '← Back to ' + group)));
      return;
    }
    const t = isObject(data.telemetry) ? data.telemetry : {};
    const record = isObject(data.record) ? data.record : {};
    const scenarios = list(t.scenarios).length ? list(t.scenarios).filter(isObject) : list(record.scenarios).filter(isObject);
    const files = list(data.files).filter(isObject);
    const passed = runPassed(t, record, scenarios);
    const tag = str(record.run_tag || t.tag);
    document.title = (tag || run) + ' — ' + group;
    fill(main,
      h(
        'div',
        { class: 'run-head' },
        h('h1', null, tag ? h('span', { class: 'chip big' }, tag) : null, ' ', h('span', { class: 'mono' }, run)),
        badge(passed, passed === false ? failedCount(scenarios) : null),
      ),
      h(
        'nav',
        { class: 'jump', 'aria-label': 'On this page' },
        ['Summary', 'Scenarios', 'Nodes', 'Files', 'Raw JSON'].map((label) =>
          h('a', { href: '#' + label.toLowerCase().replace(' ', '-') }, label),
        ),
      ),
      summarySection(t, record, group, run),
      scenariosSection(scenarios),
      nodesSection(t),
      checksSection(t),
      filesSection(group, run, files),
      rawSection(data.telemetry, files),
    );
    announce('Run ' + (tag || run) + ' loaded');
  }
  function runPassed(t, record, scenarios) {
    if (typeof t.job_status === 'boolean') return t.job_status;
    if (typeof record.job_status === 'boolean') return record.job_status;
    const results = scenarios.map((s) => scenarioResult(s.exit_status));
    if (!results.length || results.includes(null)) return null;
    return results.every(Boolean);
  }
  function failedCount(scenarios) {
    const failed = scenarios.filter((s) => scenarioResult(s.exit_status) === false).length;
    return failed ? failed + ' of ' + scenarios.length + ' scenarios failed' : null;
  }
  function facts(pairs) {
    const rows = pairs.filter(([, value]) => value !== '' && value !== null && value !== undefined);
    return h('dl', { class: 'facts' }, rows.map(([label, value]) => [h('dt', null, label), h('dd', null, value)]));
  }
  const yesNo = (v) => (typeof v === 'boolean' ? (v ? 'yes' : 'no') : '');
  function summarySection(t, record, group, run) {
    const build = str(t.build_url || record.build_url);
    const buildHref = build && safeHref(build) && /^https?:/.test(build) ? build : null;
    const started = record.run_time || (toDate(t.timestamp) ? t.timestamp : '');
    const report = isObject(t.overall_resiliency_report) ? t.overall_resiliency_report : {};
    return section(
      'summary',
      'Summary',
      h(
        'div',
        { class: 'card' },
        facts([
          ['Group', h('a', { href: filesHref(group) }, group)],
          ['Run folder', h('span', { class: 'mono' }, run)],
          ['Run UUID', str(t.run_uuid || record.run_uuid) ? h('span', { class: 'mono' }, str(t.run_uuid || record.run_uuid)) : ''],
          ['Started', started ? timeEl(started, true) : ''],
          ['Cluster version', [str(t.cluster_version || record.cluster_version), t.major_version ? ' (major ' + str(t.major_version) + ')' : ''].join('') || ''],
          ['Cloud', [str(t.cloud_type || record.cloud_type), str(t.cloud_infrastructure || record.cloud_infrastructure)].filter(Boolean).join(' · ')],
          ['Nodes', str(t.total_node_count ?? record.total_node_count)],
          ['Network plugins', list(t.network_plugins).map(str).join(', ')],
          ['FIPS', yesNo(t.fips_enabled)],
          ['etcd encryption', yesNo(t.etcd_encryption_enabled)],
          ['IPsec', yesNo(t.ipsec_enabled)],
          ['Resiliency score', report.resiliency_score !== undefined && report.total_slos ? str(report.resiliency_score) + ' (' + str(report.passed_slos) + ' of ' + str(report.total_slos) + ' SLOs passed)' : ''],
          ['Build', buildHref ? h('a', { href: buildHref, rel: 'noreferrer noopener', target: '_blank' }, build) : build],
          ['Received', record.received_at ? timeEl(record.received_at, true) : ''],
        ]),
      ),
    );
  }
  function podCounts(s) {
    const pods = isObject(s.affected_pods) ? s.affected_pods : {};
    const recovered = list(pods.recovered).length;
    const unrecovered = list(pods.unrecovered).length;
    if (!recovered && !unrecovered) return h('span', { class: 'muted' }, '—');
    return h('span', null, recovered + ' recovered', unrecovered ? h('span', { class: 'fail-text' }, ', ' + unrecovered + ' not') : null);
  }
  function scenariosSection(scenarios) {
    if (!scenarios.length) return section('scenarios', 'Scenarios', h('p', { class: 'empty' }, 'This run has no scenarios.'));
    const rows = scenarios.map((s, i) => {
      const start = Number(s.start_timestamp);
      const end = Number(s.end_timestamp);
      return { s, i, start, end, duration: Number.isFinite(start) && Number.isFinite(end) ? end - start : NaN, passed: scenarioResult(s.exit_status) };
    });
    const columns = [
      { label: '#', num: true, cell: (r) => String(r.i + 1) },
      { label: 'Scenario', cell: (r) => [h('div', { class: 'mono' }, str(r.s.scenario)), r.s.scenario_type ? h('div', { class: 'muted small' }, str(r.s.scenario_type)) : null] },
      { label: 'Result', cell: (r) => badge(r.passed, r.passed === false ? 'exit ' + str(r.s.exit_status) : null) },
      { label: 'Started', cell: (r) => timeEl(r.s.start_timestamp, true) },
      { label: 'Duration', num: true, cell: (r) => fmtDuration(r.duration) },
      { label: 'Pods', cell: (r) => podCounts(r.s) },
      { label: 'Nodes affected', num: true, cell: (r) => String(list(r.s.affected_nodes).length) },
    ];
    const passedCount = rows.filter((r) => r.passed === true).length;
    const failedCount = rows.filter((r) => r.passed === false).length;
    return section(
      'scenarios',
      'Scenarios',
      h('p', { class: 'tally' }, badge(true, String(passedCount)), ' ', badge(false, String(failedCount)), ' of ', String(rows.length)),
      table({ columns, rows, caption: 'Scenarios', cls: 'scenarios' }),
      timeline(rows),
      h(
        'div',
        { class: 'scenario-details' },
        rows.map((r) => {
          const detail = {};
          for (const key of ['parameters', 'affected_pods', 'affected_nodes', 'affected_vmis', 'cluster_events']) {
            if (r.s[key] !== undefined && r.s[key] !== null) detail[key] = r.s[key];
          }
          return h('details', null, h('summary', null, 'Details of ' + str(r.s.scenario)), jsonBlock(detail));
        }),
      ),
    );
  }
  /** Scenario timings on one shared time axis (bars are decoration: the table has the numbers). */
  function timeline(rows) {
    const timed = rows.filter((r) => Number.isFinite(r.duration) && r.duration >= 0);
    if (!timed.length) return null;
    const start = Math.min(...timed.map((r) => r.start));
    const span = Math.max(1, Math.max(...timed.map((r) => r.end)) - start);
    return h(
      'figure',
      { class: 'timeline' },
      h('figcaption', null, 'Timeline · ' + fmtDuration(span) + ' from ' + fmtTime(start, true)),
      timed.map((r) => {
        const bar = h('span', { class: 'bar ' + (r.passed === false ? 'fail' : r.passed === true ? 'pass' : 'unknown') });
        bar.style.left = ((100 * (r.start - start)) / span).toFixed(2) + '%';
        bar.style.width = Math.max(0.5, (100 * r.duration) / span).toFixed(2) + '%';
        return h(
          'div',
          { class: 'lane', title: str(r.s.scenario) + ': ' + fmtDuration(r.duration) },
          h('span', { class: 'label mono' }, str(r.s.scenario)),
          h('span', { class: 'track', 'aria-hidden': 'true' }, bar),
        );
      }),
    );
  }
  function nodesSection(t) {
    const infos = list(t.node_summary_infos).filter(isObject);
    const taints = list(t.node_taints).filter(isObject);
    const objects = isObject(t.kubernetes_objects_count) ? Object.entries(t.kubernetes_objects_count) : [];
    const parts = [];
    if (infos.length) {
      parts.push(
        table({
          caption: 'Node summary',
          cls: 'nodes',
          rows: infos,
          columns: [
            { label: 'Count', num: true, cell: (n) => str(n.count ?? 1) },
            { label: 'Role', cell: (n) => str(n.nodes_type) },
            { label: 'Instance type', cell: (n) => str(n.instance_type) },
            { label: 'Architecture', cell: (n) => str(n.architecture) },
            { label: 'Kernel', cell: (n) => str(n.kernel_version) },
            { label: 'Kubelet', cell: (n) => str(n.kubelet_version) },
            { label: 'OS', cell: (n) => str(n.os_version) },
          ],
        }),
      );
    }
    if (taints.length) {
      parts.push(
        h('h3', null, 'Taints'),
        table({
          caption: 'Node taints',
          rows: taints,
          columns: [
            { label: 'Node', cell: (x) => str(x.node_name) },
            { label: 'Key', cell: (x) => str(x.key) },
            { label: 'Value', cell: (x) => str(x.value) },
            { label: 'Effect', cell: (x) => str(x.effect) },
          ],
        }),
      );
    }
    if (objects.length) {
      parts.push(
        h('h3', null, 'Kubernetes objects'),
        h('ul', { class: 'chips' }, objects.map(([kind, count]) => h('li', { class: 'chip' }, kind + ' ', h('strong', null, str(count))))),
      );
    }
    if (!parts.length) parts.push(h('p', { class: 'empty' }, 'No node summary in this run’s telemetry.'));
    return section('nodes', 'Nodes', parts);
  }
  function checksSection(t) {
    const health = list(t.health_checks).filter(isObject);
    const alerts = list(t.failed_alerts).filter(isObject);
    if (!health.length && !alerts.length) return null;
    return section(
      'checks',
      'Health checks and alerts',
      health.length
        ? table({
            caption: 'Health checks',
            rows: health,
            columns: [
              { label: 'URL', cell: (c) => h('span', { class: 'mono' }, str(c.url)) },
              { label: 'Result', cell: (c) => badge(typeof c.status === 'boolean' ? c.status : null, str(c.status_code)) },
              { label: 'Phase', cell: (c) => str(c.phase) },
              { label: 'Duration', num: true, cell: (c) => fmtDuration(Number(c.duration)) },
            ],
          })
        : null,
      alerts.length
        ? table({
            caption: 'Alerts that fired',
            rows: alerts,
            columns: [
              { label: 'Alert', cell: (a) => str(a.name) },
              { label: 'Severity', cell: (a) => str(a.severity) },
              { label: 'Message', cell: (a) => str(a.message) },
              { label: 'Since', cell: (a) => timeEl(a.starts_at, true) },
            ],
          })
        : null,
    );
  }

  /**
   * Files of a run: sorted and paginated here; the download links of one page come from a
   * single POST /download-urls (not one request per row), refreshed when they expire.
   */
  function filesSection(group, run, files) {
    const prefix = group + '/' + run + '/';
    const rows = files.map((f) => ({ name: str(f.name), key: str(f.key) || prefix + str(f.name), size: Number(f.size) || 0, modified: str(f.modified) }));
    const prometheus = rows.filter((f) => /(^|\/)prometheus-[^/]*$/.test(f.name));
    const state = { sort: 'name', order: 'asc', page: 1, filter: '' };
    const links = { map: {}, expires: 0, expiresIn: 0, keys: '' };
    const body = h('div', { class: 'results' });
    const filter = h('input', { type: 'search', name: 'file-filter', placeholder: 'Filter files', 'aria-label': 'Filter files', autocomplete: 'off' });
    filter.addEventListener('input', () => {
      state.filter = filter.value.trim().toLowerCase();
      state.page = 1;
      render();
    });
    const total = rows.reduce((sum, f) => sum + f.size, 0);
    const hint = prometheus.length
      ? h(
          'div',
          { class: 'hint' },
          h('p', null, 'The Prometheus backup is split into ' + prometheus.length + (prometheus.length === 1 ? ' part' : ' parts') + '. Download every part into one folder, then run:'),
          h('code', { class: 'command' }, HINT),
          copyButton(HINT, 'Copy', 'the command that joins the Prometheus parts'),
          h(
            'p',
            { class: 'small' },
            'On a server, ',
            copyButton(downloadScript, 'Copy a download script', 'a script that downloads every part and joins them'),
            ' gives curl commands for every part (links valid ' + Math.round(expirySeconds() / 60) + ' min) followed by that command.',
          ),
        )
      : null;
    function expirySeconds() {
      return links.expiresIn || 1200;
    }
    /** curl for every Prometheus part (links for all of them in one request), then the join. */
    async function downloadScript() {
      const parts = [...prometheus].sort((a, b) => compare(a.name, b.name));
      const answer = await api('/download-urls', {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ keys: parts.map((f) => f.key) }),
      });
      const quote = (text) => "'" + String(text).replace(/'/g, "'\\''") + "'";
      const lines = parts.map((f) => {
        const url = isObject(answer.links) ? answer.links[f.key] : '';
        return 'curl -fSL -o ' + quote(f.name.split('/').pop()) + ' ' + quote(url);
      });
      return lines.concat(HINT).join('\n') + '\n';
    }
    async function fetchLinks(keys) {
      const answer = await api('/download-urls', {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ keys }),
      });
      links.map = isObject(answer.links) ? answer.links : {};
      links.expiresIn = Number(answer.expiresIn) || 0;
      // Renew a little before the signatures expire.
      links.expires = Date.now() + Math.max(10, Number(answer.expiresIn) - 30) * 1000;
      links.keys = keys.join('\n');
      return links.map;
    }
    function applyLinks(container) {
      for (const a of container.querySelectorAll('a.download')) {
        const url = links.map[a.dataset.key];
        const safe = url ? safeHref(url) : null;
        if (safe) {
          a.setAttribute('href', safe);
          a.removeAttribute('aria-disabled');
        }
      }
    }
    async function onDownload(event) {
      const a = event.currentTarget;
      if (a.hasAttribute('href') && Date.now() < links.expires) return;
      event.preventDefault();
      const keys = [...body.querySelectorAll('a.download')].map((x) => x.dataset.key);
      try {
        const map = await fetchLinks(keys);
        applyLinks(body);
        const url = safeHref(map[a.dataset.key] || '');
        if (url) location.assign(url);
      } catch (err) {
        announce('Could not get a download link: ' + err.message);
      }
    }
    function render(focus) {
      const needle = state.filter;
      const shown = rows.filter((f) => f.name.toLowerCase().includes(needle));
      const dir = state.order === 'asc' ? 1 : -1;
      shown.sort((a, b) => compare(a[state.sort], b[state.sort]) * dir || compare(a.name, b.name));
      const page = slice(shown, state.page, 25);
      state.page = page.page;
      if (!rows.length) {
        fill(body, h('p', { class: 'empty' }, 'No files uploaded for this run yet.'));
        return;
      }
      fill(body,
        page.rows.length === 0
          ? h('p', { class: 'empty' }, 'No file matches.')
          : table({
              caption: 'Files',
              cls: 'files',
              rows: page.rows,
              sort: state.sort,
              order: state.order,
              onSort: (key) => {
                Object.assign(state, nextSort(state, key), { page: 1 });
                render('button[data-sort="' + key + '"]');
              },
              columns: [
                { label: 'Name', sort: 'name', cell: (f) => h('span', { class: 'mono' }, f.name) },
                { label: 'Size', sort: 'size', num: true, cell: (f) => fmtBytes(f.size) },
                { label: 'Modified', sort: 'modified', cell: (f) => timeEl(f.modified) },
                {
                  label: 'Download',
                  cell: (f) =>
                    h('a', { class: 'download', 'data-key': f.key, 'aria-disabled': 'true', 'aria-label': 'Download ' + f.name, onclick: onDownload }, 'Download'),
                },
              ],
            }),
        pager(page.page, page.pages, shown.length, 'files', redrawAt(state, render)),
      );
      refocus(body, focus);
      const keys = page.rows.map((f) => f.key);
      if (!keys.length) return;
      if (links.keys === keys.join('\n') && Date.now() < links.expires) applyLinks(body);
      else
        fetchLinks(keys)
          .then(() => applyLinks(body))
          .catch((err) => announce('Could not get download links: ' + err.message));
    }
    render();
    return section(
      'files',
      'Files',
      h('p', { class: 'muted' }, rows.length + (rows.length === 1 ? ' file' : ' files') + ' · ' + fmtBytes(total)),
      hint,
      rows.length > 10 ? h('div', { class: 'toolbar' }, filter) : null,
      body,
    );
  }

  /** The stored telemetry.json, pretty-printed and coloured (spans built from tokens, never HTML). */
  function jsonBlock(value) {
    const text = JSON.stringify(value, null, 2) ?? 'null';
    const pre = h('pre', { class: 'json', tabindex: '0' });
    if (text.length > 1_000_000) {
      pre.textContent = text;
      return pre;
    }
    const token = /("(?:[^"\\]|\\.)*")(\s*:)?|\b(true|false|null)\b|-?\d+(?:\.\d+)?(?:[eE][+-]?\d+)?/g;
    let last = 0;
    for (let m = token.exec(text); m; m = token.exec(text)) {
      if (m.index > last) pre.append(text.slice(last, m.index));
      const cls = m[1] ? (m[2] ? 'k' : 's') : m[3] ? 'b' : 'n';
      pre.append(h('span', { class: cls }, m[1] || m[0]));
      if (m[2]) pre.append(m[2]);
      last = token.lastIndex;
    }
    pre.append(text.slice(last));
    return pre;
  }
  function rawSection(telemetry, files) {
    if (telemetry === null || telemetry === undefined) {
      const stored = files.some((f) => f.name === 'telemetry.json');
      return section(
        'raw-json',
        'Raw JSON',
        h('p', { class: 'empty' }, stored ? 'telemetry.json is too large to show here: download it from the files above.' : 'No telemetry.json was sent for this run.'),
      );
    }
    const text = JSON.stringify(telemetry, null, 2);
    return section(
      'raw-json',
      'Raw JSON',
      h('details', null, h('summary', null, 'telemetry.json · ' + fmtBytes(text.length)), h('div', { class: 'toolbar' }, copyButton(text, 'Copy JSON', 'telemetry.json')), jsonBlock(telemetry)),
    );
  }

  // "/" jumps to the first search box, as on most sites with search.
  document.addEventListener('keydown', (event) => {
    if (event.key !== '/' || event.ctrlKey || event.metaKey || event.altKey) return;
    const target = event.target;
    if (target instanceof HTMLElement && (target.isContentEditable || /^(INPUT|TEXTAREA|SELECT)$/.test(target.tagName))) return;
    const box = main.querySelector('input[type="search"]');
    if (box) {
      event.preventDefault();
      box.focus();
    }
  });

  const group = main.dataset.group || '';
  const run = main.dataset.run || '';
  const ready = view === 'run' ? runView(group, run) : view === 'group' ? groupView(group) : groupsView();
  Promise.resolve(ready).then(
    () => main.setAttribute('data-ready', 'true'),
    (err) => {
      fill(main, errorBox(err));
      main.setAttribute('data-ready', 'true');
    },
  );
})();
`;
