/** The console's styles: system fonts, light and dark, visible focus. */
export const CONSOLE_CSS = `
:root { color-scheme: light dark; --fg: #111827; --bg: #ffffff; --muted: #6b7280; --line: #e5e7eb; --accent: #2563eb; --ok: #15803d; --bad: #b91c1c; --warn: #b45309; --card: #f9fafb; }
@media (prefers-color-scheme: dark) { :root { --fg: #e5e7eb; --bg: #111827; --muted: #9ca3af; --line: #374151; --accent: #60a5fa; --ok: #4ade80; --bad: #f87171; --warn: #fbbf24; --card: #1f2937; } }
* { box-sizing: border-box; }
body { margin: 0; font: 14px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; color: var(--fg); background: var(--bg); }
header { display: flex; gap: 1rem; align-items: baseline; padding: .6rem 1rem; border-bottom: 1px solid var(--line); }
header h1 { font-size: 1.15rem; margin: 0; }
#status { margin: 0; color: var(--muted); }
#status.error { color: var(--bad); }
nav ul { display: flex; flex-wrap: wrap; gap: .25rem; list-style: none; margin: 0; padding: .4rem 1rem; border-bottom: 1px solid var(--line); }
nav a { display: inline-block; padding: .3rem .6rem; border-radius: 6px; color: var(--fg); text-decoration: none; }
nav a[aria-current="page"] { background: var(--accent); color: var(--bg); }
nav a:hover { text-decoration: underline; }
kbd { font: 11px ui-monospace, monospace; border: 1px solid var(--line); border-radius: 3px; padding: 0 .25rem; }
main { padding: .5rem 1rem 2rem; }
h2 { font-size: 1.1rem; }
h3 { font-size: 1rem; margin: 1.2rem 0 .4rem; }
a { color: var(--accent); }
:focus-visible { outline: 3px solid var(--accent); outline-offset: 2px; }
.skip { position: absolute; left: -999px; }
.skip:focus { left: .5rem; top: .5rem; background: var(--bg); padding: .3rem; z-index: 10; }
.muted { color: var(--muted); }
.small { font-size: 12px; }
.bad { color: var(--bad); }
.err { color: var(--bad); white-space: pre-wrap; margin: .2rem 0; }
.cards { display: flex; flex-wrap: wrap; gap: .6rem; }
.card { background: var(--card); border: 1px solid var(--line); border-radius: 8px; padding: .5rem .8rem; min-width: 8rem; display: flex; flex-direction: column; }
.card .value { font-size: 1.4rem; font-weight: 600; }
.card.ok .value { color: var(--ok); }
.card.bad .value { color: var(--bad); }
table { border-collapse: collapse; width: 100%; margin: .3rem 0 1rem; }
th, td { text-align: left; padding: .3rem .5rem; border-bottom: 1px solid var(--line); vertical-align: top; }
td.n { text-align: right; font-variant-numeric: tabular-nums; }
.triggers div { white-space: nowrap; }
.tag { display: inline-block; font-size: 11px; padding: 0 .35rem; border-radius: 4px; border: 1px solid var(--line); text-transform: lowercase; }
.tag.succeeded, .tag.ok { color: var(--ok); border-color: var(--ok); }
.tag.failed, .tag.dead-lettered, .tag.discarded { color: var(--bad); border-color: var(--bad); }
.tag.retry, .tag.partial { color: var(--warn); border-color: var(--warn); }
.tag.redriven { color: var(--accent); border-color: var(--accent); }
#event-log { list-style: none; padding: 0; margin: 0; font-size: 13px; }
#event-log li { padding: .2rem 0; border-bottom: 1px solid var(--line); }
#event-log li.started { opacity: .6; }
.controls { display: flex; gap: 1rem; align-items: center; }
button { font: inherit; padding: .25rem .7rem; border-radius: 6px; border: 1px solid var(--line); background: var(--card); color: var(--fg); cursor: pointer; }
button:disabled { opacity: .5; cursor: default; }
button.danger { color: var(--bad); }
.letter { border: 1px solid var(--line); border-radius: 8px; padding: .4rem .8rem; margin: .6rem 0; }
.letter h3 { margin: .2rem 0; }
pre { background: var(--card); padding: .5rem; overflow: auto; max-height: 20rem; font-size: 12px; }
.chart { min-height: 120px; }
footer { padding: .5rem 1rem; border-top: 1px solid var(--line); }
dialog { border: 1px solid var(--line); border-radius: 8px; background: var(--bg); color: var(--fg); }
`;
