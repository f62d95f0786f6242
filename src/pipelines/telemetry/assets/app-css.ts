/** The run browser's stylesheet, served at /assets/app.css (embedded so `npm run build` output needs no copy step). */
export const APP_CSS = String.raw`
:root { --fg: #1d2330; --muted: #5b6475; --line: #d9dee7; --bg: #f6f8fb; --card: #fff; --accent: #1f5fbf;
  --pass: #1b7f3b; --pass-bg: #e3f4e8; --fail: #b3261e; --fail-bg: #fbe6e4; --focus: #ffbf47; color-scheme: light; }
* { box-sizing: border-box; }
body { margin: 0; font: 15px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; color: var(--fg); background: var(--bg); }
a { color: var(--accent); }
a:focus-visible, button:focus-visible, input:focus-visible, select:focus-visible, summary:focus-visible, main:focus-visible {
  outline: 3px solid var(--focus); outline-offset: 2px; }
.skip { position: absolute; left: -999px; top: 0; background: var(--card); padding: .5rem 1rem; z-index: 10; }
.skip:focus { left: .5rem; top: .5rem; }
.visually-hidden { position: absolute; width: 1px; height: 1px; overflow: hidden; clip: rect(0 0 0 0); white-space: nowrap; }
.top { display: flex; gap: 1.5rem; align-items: center; padding: .75rem 1.5rem; background: #16213a; color: #fff; }
.top a { color: #cfe0ff; }
.brand { font-weight: 700; letter-spacing: .02em; }
.crumbs { display: flex; flex-wrap: wrap; list-style: none; margin: 0; padding: 0; gap: .25rem; }
.crumbs li + li::before { content: "/"; margin: 0 .4rem; color: #8ea3c7; }
main { max-width: 1200px; margin: 0 auto; padding: 1.25rem 1.5rem 3rem; }
h1 { font-size: 1.4rem; margin: .25rem 0 1rem; word-break: break-all; }
h2 { font-size: 1.1rem; margin: 1.75rem 0 .6rem; }
.card { background: var(--card); border: 1px solid var(--line); border-radius: 8px; padding: 1rem; margin-bottom: 1rem; }
form.search { display: grid; grid-template-columns: repeat(auto-fit, minmax(150px, 1fr)); gap: .6rem .9rem; align-items: end; }
form.search label { display: flex; flex-direction: column; font-size: .85rem; color: var(--muted); gap: .2rem; }
input, select, button { font: inherit; }
input, select { padding: .35rem .5rem; border: 1px solid #aab3c3; border-radius: 5px; background: #fff; color: var(--fg); }
button { padding: .38rem .8rem; border: 1px solid var(--accent); border-radius: 5px; background: var(--accent); color: #fff; cursor: pointer; }
button.secondary { background: #fff; color: var(--accent); }
button:disabled { opacity: .45; cursor: default; }
table { width: 100%; border-collapse: collapse; background: var(--card); }
th, td { text-align: left; padding: .45rem .6rem; border-bottom: 1px solid var(--line); vertical-align: top; }
th { font-size: .85rem; color: var(--muted); background: #eef2f8; white-space: nowrap; }
th button.sort { background: none; border: 0; color: inherit; padding: 0; font-weight: 600; }
th button.sort::after { content: " \2195"; color: #9aa6ba; }
th[aria-sort="ascending"] button.sort::after { content: " \2191"; color: var(--fg); }
th[aria-sort="descending"] button.sort::after { content: " \2193"; color: var(--fg); }
td.num, th.num { text-align: right; font-variant-numeric: tabular-nums; }
.table-wrap { overflow-x: auto; border: 1px solid var(--line); border-radius: 8px; }
.badge { display: inline-block; padding: .05rem .5rem; border-radius: 999px; font-size: .8rem; font-weight: 600; }
.badge.pass { color: var(--pass); background: var(--pass-bg); }
.badge.fail { color: var(--fail); background: var(--fail-bg); }
.badge.unknown { color: var(--muted); background: #eceff4; }
.pager { display: flex; gap: .6rem; align-items: center; margin: .75rem 0; flex-wrap: wrap; }
.pager .info { color: var(--muted); }
dl.facts { display: grid; grid-template-columns: max-content 1fr; gap: .3rem 1rem; margin: 0; }
dl.facts dt { color: var(--muted); }
dl.facts dd { margin: 0; word-break: break-all; }
.hint { display: flex; gap: .6rem; align-items: center; flex-wrap: wrap; background: #fff8e1; border: 1px solid #f0d78c; border-radius: 8px; padding: .75rem 1rem; margin: 1rem 0; }
.hint code { background: #fff; padding: .25rem .5rem; border-radius: 4px; border: 1px solid #eadca8; }
pre.json { background: #0f1623; color: #d7e2f5; padding: 1rem; border-radius: 8px; overflow: auto; max-height: 32rem; font-size: .82rem; }
.error { color: var(--fail); background: var(--fail-bg); border: 1px solid #f1b7b2; padding: .75rem 1rem; border-radius: 8px; }
.empty { color: var(--muted); padding: 1rem; }
.scenario-list { margin: 0; padding-left: 1rem; }
`;
