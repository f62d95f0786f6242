/** The browser's HTML shell: the script (served by the app itself, no CDN) renders the view. */
export type BrowserView =
  | { kind: 'groups' }
  | { kind: 'group'; group: string }
  | { kind: 'run'; group: string; run: string };

const ESCAPES: Record<string, string> = {
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  '"': '&quot;',
  "'": '&#39;',
};
export const escapeHtml = (text: string): string => text.replace(/[&<>"']/g, (ch) => ESCAPES[ch] as string);

export function renderPage(base: string, view: BrowserView): string {
  const e = escapeHtml;
  const files = `${base}/files/`;
  const crumbs = [`<li><a href="${e(files)}">Groups</a></li>`];
  let title = 'Telemetry runs';
  if (view.kind !== 'groups') {
    crumbs.push(`<li><a href="${e(`${files}${encodeURIComponent(view.group)}/`)}">${e(view.group)}</a></li>`);
    title = `${view.group} — telemetry`;
  }
  if (view.kind === 'run') {
    crumbs.push(`<li><span aria-current="page">${e(view.run)}</span></li>`);
    title = `${view.run} — ${view.group}`;
  }
  const data = [
    `data-base="${e(base)}"`,
    `data-view="${view.kind}"`,
    view.kind !== 'groups' ? `data-group="${e(view.group)}"` : '',
    view.kind === 'run' ? `data-run="${e(view.run)}"` : '',
  ]
    .filter(Boolean)
    .join(' ');
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${e(title)}</title>
<link rel="icon" href="data:,">
<link rel="stylesheet" href="${e(`${base}/assets/app.css`)}">
</head>
<body>
<a class="skip" href="#main">Skip to content</a>
<header class="top">
<span class="brand">krkn telemetry</span>
<nav aria-label="Breadcrumb"><ol class="crumbs">${crumbs.join('')}</ol></nav>
</header>
<main id="main" tabindex="-1" ${data}>
<p class="loading">Loading…</p>
<noscript><p>This browser needs JavaScript. The JSON API is at <a href="${e(`${base}/navigate`)}">${e(`${base}/navigate`)}</a>.</p></noscript>
</main>
<div id="status" class="visually-hidden" role="status" aria-live="polite"></div>
<script src="${e(`${base}/assets/app.js`)}" defer></script>
</body>
</html>
`;
}
