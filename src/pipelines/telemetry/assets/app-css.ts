/** The run browser's stylesheet, served at /assets/app.css (embedded so `npm run build` output needs no copy step). */
export const APP_CSS = String.raw`
:root { --fg: #1d2330; --muted: #5b6475; --line: #d9dee7; --bg: #f6f8fb; --card: #fff; --head: #eef2f8; --accent: #1f5fbf;
  --pass: #1b7f3b; --pass-bg: #e3f4e8; --fail: #b3261e; --fail-bg: #fbe6e4; --unknown-bg: #eceff4; --focus: #ffbf47;
  --input: #fff; --input-line: #aab3c3; --hint-bg: #fff8e1; --hint-line: #f0d78c; --chip: #e8eefb; --chip-fg: #1f3f7a;
  --code-bg: #0f1623; --code-fg: #d7e2f5; color-scheme: light dark; }
@media (prefers-color-scheme: dark) {
  :root { --fg: #e3e8f2; --muted: #9aa6ba; --line: #2e3748; --bg: #121722; --card: #1a2130; --head: #222b3d; --accent: #8ab4ff;
    --pass: #7fd69a; --pass-bg: #173524; --fail: #ff9c92; --fail-bg: #3d1c1a; --unknown-bg: #2a3142; --input: #121722;
    --input-line: #465168; --hint-bg: #2e2814; --hint-line: #5e4f1f; --chip: #24304a; --chip-fg: #c7d8ff; }
}
* { box-sizing: border-box; }
body { margin: 0; font: 15px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; color: var(--fg); background: var(--bg); }
a { color: var(--accent); }
a[aria-disabled="true"] { color: var(--muted); cursor: progress; }
a:focus-visible, button:focus-visible, input:focus-visible, select:focus-visible, summary:focus-visible,
main:focus-visible, pre:focus-visible, h3:focus-visible { outline: 3px solid var(--focus); outline-offset: 2px; }
.skip { position: absolute; left: -999px; top: 0; background: var(--card); padding: .5rem 1rem; z-index: 10; }
.skip:focus { left: .5rem; top: .5rem; }
.visually-hidden, .offscreen { position: absolute; width: 1px; height: 1px; overflow: hidden; clip: rect(0 0 0 0); white-space: nowrap; }
.top { display: flex; gap: 1.5rem; align-items: center; padding: .75rem 1.5rem; background: #16213a; color: #fff; }
.top a { color: #cfe0ff; }
.brand { font-weight: 700; letter-spacing: .02em; }
.crumbs { display: flex; flex-wrap: wrap; list-style: none; margin: 0; padding: 0; gap: .25rem; }
.crumbs li + li::before { content: "/"; margin: 0 .4rem; color: #8ea3c7; }
main { max-width: 1200px; margin: 0 auto; padding: 1.25rem 1.5rem 3rem; }
h1 { font-size: 1.4rem; margin: .25rem 0 1rem; word-break: break-all; }
h2 { font-size: 1.1rem; margin: 1.75rem 0 .6rem; }
h3 { font-size: 1rem; margin: 1rem 0 .5rem; }
.lede { color: var(--muted); margin-top: -.5rem; }
.muted { color: var(--muted); }
.small { font-size: .82rem; }
.mono, code, pre { font-family: ui-monospace, SFMono-Regular, Menlo, Consolas, monospace; }
.mono { font-size: .88rem; word-break: break-all; }
.card { background: var(--card); border: 1px solid var(--line); border-radius: 8px; padding: 1rem; margin-bottom: 1rem; }
form.search { display: grid; grid-template-columns: repeat(auto-fit, minmax(150px, 1fr)); gap: .6rem .9rem; align-items: end; }
form.search label { display: flex; flex-direction: column; font-size: .85rem; color: var(--muted); gap: .2rem; }
form.search .actions { display: flex; gap: .5rem; }
input, select, button { font: inherit; }
input, select { padding: .35rem .5rem; border: 1px solid var(--input-line); border-radius: 5px; background: var(--input); color: var(--fg); }
button { padding: .38rem .8rem; border: 1px solid var(--accent); border-radius: 5px; background: var(--accent); color: var(--card); cursor: pointer; }
button.secondary { background: var(--card); color: var(--accent); }
button:disabled { opacity: .45; cursor: default; }
.toolbar { display: flex; gap: .6rem; align-items: center; margin: .5rem 0; flex-wrap: wrap; }
table { width: 100%; border-collapse: collapse; background: var(--card); }
th, td { text-align: left; padding: .45rem .6rem; border-bottom: 1px solid var(--line); vertical-align: top; }
tbody tr:hover { background: var(--head); }
th { font-size: .85rem; color: var(--muted); background: var(--head); white-space: nowrap; }
th button.sort { background: none; border: 0; color: inherit; padding: 0; font-weight: 600; }
th button.sort::after { content: " \2195"; color: var(--muted); opacity: .6; }
th[aria-sort="ascending"] button.sort::after { content: " \2191"; color: var(--fg); opacity: 1; }
th[aria-sort="descending"] button.sort::after { content: " \2193"; color: var(--fg); opacity: 1; }
td.nowrap { white-space: nowrap; }
td.wrap { overflow-wrap: anywhere; min-width: 8rem; max-width: 18rem; }
td.num, th.num { text-align: right; font-variant-numeric: tabular-nums; }
.table-wrap { overflow-x: auto; border: 1px solid var(--line); border-radius: 8px; }
.table-wrap table tr:last-child td { border-bottom: 0; }
.results[aria-busy="true"] { opacity: .55; transition: opacity .15s; }
.results-title { font-size: .95rem; color: var(--muted); font-weight: 600; margin: .75rem 0 .4rem; }
.badge { display: inline-block; padding: .05rem .5rem; border-radius: 999px; font-size: .8rem; font-weight: 600; white-space: nowrap; }
.badge .detail { font-weight: 400; }
.badge.pass { color: var(--pass); background: var(--pass-bg); }
.badge.fail { color: var(--fail); background: var(--fail-bg); }
.badge.unknown { color: var(--muted); background: var(--unknown-bg); }
.fail-text { color: var(--fail); }
.chip { display: inline-block; padding: .05rem .5rem; border-radius: 5px; background: var(--chip); color: var(--chip-fg); font-size: .85rem; }
.chip.big { font-size: 1.1rem; margin-right: .3rem; }
.chips { display: flex; flex-wrap: wrap; gap: .4rem; list-style: none; padding: 0; margin: 0; }
.dot { display: inline-block; width: .55rem; height: .55rem; border-radius: 50%; margin-right: .35rem; background: var(--muted); }
.dot.pass { background: var(--pass); }
.dot.fail { background: var(--fail); }
.scenario-list { margin: 0; padding: 0; list-style: none; font-size: .85rem; }
.pager { display: flex; gap: .6rem; align-items: center; margin: .75rem 0; flex-wrap: wrap; }
.pager .info { color: var(--muted); }
.run-head { display: flex; gap: 1rem; align-items: center; flex-wrap: wrap; }
.run-head h1 { margin: .25rem 0; }
.jump { display: flex; gap: 1rem; flex-wrap: wrap; margin: .5rem 0 0; font-size: .9rem; }
.tally { margin: 0 0 .6rem; }
dl.facts { display: grid; grid-template-columns: max-content 1fr; gap: .3rem 1rem; margin: 0; }
dl.facts dt { color: var(--muted); }
dl.facts dd { margin: 0; word-break: break-all; }
.timeline { margin: 1rem 0; padding: .75rem 1rem; background: var(--card); border: 1px solid var(--line); border-radius: 8px; }
.timeline figcaption { font-size: .85rem; color: var(--muted); margin-bottom: .5rem; }
.timeline .lane { display: grid; grid-template-columns: minmax(8rem, 16rem) 1fr; gap: .75rem; align-items: center; padding: .15rem 0; }
.timeline .label { overflow: hidden; text-overflow: ellipsis; white-space: nowrap; font-size: .8rem; }
.timeline .track { position: relative; height: .8rem; background: var(--head); border-radius: 4px; }
.timeline .bar { position: absolute; top: 0; bottom: 0; border-radius: 4px; background: var(--muted); }
.timeline .bar.pass { background: var(--pass); }
.timeline .bar.fail { background: var(--fail); }
.scenario-details details { margin: .4rem 0; }
summary { cursor: pointer; color: var(--accent); }
.hint { display: flex; gap: .6rem; align-items: center; flex-wrap: wrap; background: var(--hint-bg); border: 1px solid var(--hint-line); border-radius: 8px; padding: .75rem 1rem; margin: 1rem 0; }
.hint p { margin: 0; flex-basis: 100%; }
.hint code { background: var(--card); padding: .25rem .5rem; border-radius: 4px; border: 1px solid var(--hint-line); user-select: all; }
pre.json { background: var(--code-bg); color: var(--code-fg); padding: 1rem; border-radius: 8px; overflow: auto; max-height: 32rem; font-size: .82rem; }
pre.json .k { color: #8ab4ff; }
pre.json .s { color: #a5d6a7; }
pre.json .n { color: #ffcc80; }
pre.json .b { color: #f48fb1; }
.error { color: var(--fail); background: var(--fail-bg); border: 1px solid var(--fail); padding: .75rem 1rem; border-radius: 8px; }
.notice { background: var(--hint-bg); border: 1px solid var(--hint-line); border-radius: 8px; padding: .6rem 1rem; }
.empty, .loading { color: var(--muted); padding: 1rem; }
`;
