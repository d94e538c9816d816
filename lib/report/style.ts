// The report's stylesheet: system fonts only (no external assets), light and dark from the reader's
// setting (print is always light), readable on a phone (tables scroll, charts scroll sideways) and on paper.

export const STYLE = `
:root {
  color-scheme: light dark;
  --bg: #ffffff; --fg: #1b1f24; --muted: #5b6470; --line: #d5d9de; --panel: #f5f7f9;
  --good: #1a7f37; --bad: #cf222e; --wait: #9a6700; --accent: #0969da; --mark: #fff4c2;
  --k-deploy: #8250df; --k-alarm: #cf222e; --k-plan: #57606a; --k-approval: #bf8700; --k-act: #0969da;
  --k-bake: #9fb8d4; --k-gate: #1f883d; --k-escalate: #d1242f; --k-recovered: #1a7f37;
}
@media screen and (prefers-color-scheme: dark) {
  :root {
    --bg: #0d1117; --fg: #e6edf3; --muted: #9198a1; --line: #30363d; --panel: #161b22;
    --good: #3fb950; --bad: #f85149; --wait: #d29922; --accent: #4493f8; --mark: #3b2e00;
    --k-deploy: #a371f7; --k-alarm: #f85149; --k-plan: #8b949e; --k-approval: #d29922; --k-act: #4493f8;
    --k-bake: #35506e; --k-gate: #3fb950; --k-escalate: #ff7b72; --k-recovered: #3fb950;
  }
}
* { box-sizing: border-box; }
body {
  margin: 0 auto; padding: 1rem; max-width: 62rem; background: var(--bg); color: var(--fg);
  font: 15px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial, sans-serif;
}
h1 { font-size: 1.5rem; margin: 0.2rem 0 0.6rem; overflow-wrap: anywhere; }
h2 { font-size: 1.2rem; margin: 2rem 0 0.6rem; padding-bottom: 0.2rem; border-bottom: 1px solid var(--line); }
h3 { font-size: 1rem; margin: 1.2rem 0 0.4rem; }
code, pre { font-family: ui-monospace, SFMono-Regular, Menlo, Consolas, monospace; font-size: 0.85rem; }
nav { display: flex; flex-wrap: wrap; gap: 0.3rem 1rem; font-size: 0.9rem; margin: 0.6rem 0; }
a { color: var(--accent); }
.meta { display: grid; grid-template-columns: max-content 1fr; gap: 0.1rem 1rem; margin: 0; }
.meta dt { color: var(--muted); }
.meta dd { margin: 0; overflow-wrap: anywhere; }
.outcome { margin: 1rem 0; padding: 0.8rem 1rem; border-radius: 6px; background: var(--panel);
  border-left: 5px solid var(--muted); }
.outcome.t-good { border-left-color: var(--good); }
.outcome.t-bad { border-left-color: var(--bad); }
.outcome.t-wait { border-left-color: var(--wait); }
.outcome strong { font-size: 1.1rem; }
.badge { display: inline-block; padding: 0 0.4rem; border-radius: 999px; font-size: 0.8rem; font-weight: 600;
  border: 1px solid currentColor; white-space: nowrap; }
.t-good { color: var(--good); } .t-bad { color: var(--bad); } .t-wait { color: var(--wait); }
.t-none, .t-neutral { color: var(--muted); }
.outcome.t-good, .outcome.t-bad, .outcome.t-wait { color: var(--fg); }
.note, .muted { color: var(--muted); font-size: 0.9rem; }
.facts { padding-left: 1.2rem; }
/* Long unbroken names (64-hex ids, generated state names) wrap instead of widening a phone's page. */
section > p, .facts li, .legend li { overflow-wrap: anywhere; min-width: 0; }
.scroll { overflow-x: auto; }
table { border-collapse: collapse; width: 100%; font-size: 0.9rem; }
th, td { text-align: left; vertical-align: top; padding: 0.35rem 0.5rem; border-bottom: 1px solid var(--line); }
th { color: var(--muted); font-weight: 600; white-space: nowrap; }
td ul { margin: 0; padding-left: 1.1rem; }
td.num, th.num { text-align: right; font-variant-numeric: tabular-nums; white-space: nowrap; }
tr.culprit td { background: var(--mark); }
.alarms { list-style: none; margin: 0; padding: 0; }
details { margin: 0.6rem 0; }
summary { cursor: pointer; color: var(--accent); }
pre { background: var(--panel); padding: 0.8rem; border-radius: 6px; overflow: auto; max-height: 40rem;
  white-space: pre-wrap; overflow-wrap: anywhere; }
ol.states { columns: 2 18rem; font-size: 0.85rem; padding-left: 2rem; }
ol.states code { color: var(--muted); }
.chart { overflow-x: auto; margin: 0.4rem 0; }
.chart svg { display: block; max-width: 100%; min-width: 38rem; height: auto; }
.legend { display: flex; flex-wrap: wrap; gap: 0.2rem 0.9rem; font-size: 0.8rem; color: var(--muted);
  list-style: none; padding: 0; margin: 0.3rem 0; }
.legend i.hl { background: var(--mark); border: 1px solid var(--wait); }
.legend i { display: inline-block; width: 0.8rem; height: 0.8rem; border-radius: 2px; margin-right: 0.3rem;
  vertical-align: -0.1rem; }
svg text { fill: var(--fg); font-size: 11px; font-family: system-ui, -apple-system, "Segoe UI", Roboto, Arial,
  sans-serif; }
svg text.muted { fill: var(--muted); }
svg text.small { font-size: 10px; }
svg text.strong { font-weight: 600; }
svg text.title { font-size: 12px; font-weight: 700; }
svg .axis { stroke: var(--line); stroke-width: 1; }
svg .zero { stroke: var(--k-alarm); stroke-width: 1; stroke-dasharray: 3 3; }
svg .lane { fill: var(--panel); }
svg .stage { fill: var(--panel); stroke: var(--line); }
svg .step { fill: var(--bg); stroke: var(--k-act); stroke-width: 1.2; }
svg .step.approval { stroke: var(--k-approval); stroke-dasharray: 4 2; stroke-width: 1.6; }
svg .step.culprit { fill: var(--mark); }
svg .step.more { stroke: var(--muted); stroke-dasharray: 2 2; }
svg .tag { fill: var(--k-approval); }
svg text.tag-text { fill: var(--bg); font-size: 9px; font-weight: 700; }
svg .flow { stroke: var(--muted); stroke-width: 1.4; fill: none; }
svg .head { fill: var(--muted); }
svg .gate { fill: var(--bg); stroke: var(--k-gate); stroke-width: 1.4; }
svg .gate.t-good { fill: var(--good); } svg .gate.t-bad { fill: var(--bad); } svg .gate.t-wait { fill: var(--wait); }
svg .gate.t-neutral { fill: var(--muted); }
svg .bar { stroke-width: 0; }
svg .bar.t-good { stroke: var(--good); stroke-width: 2; }
svg .bar.t-bad { stroke: var(--bad); stroke-width: 2; }
svg .bar.t-wait { stroke: var(--wait); stroke-width: 2; }
svg .bar.t-neutral { stroke: var(--muted); stroke-width: 2; stroke-dasharray: 3 2; }
svg .bar.t-none { stroke: var(--bg); stroke-width: 1; }
svg .hl { fill: var(--mark); stroke: var(--wait); stroke-width: 1; }
svg .ours { fill: var(--accent); }
svg .other { fill: var(--muted); }
svg .unrecovered { fill: none; stroke: var(--bad); stroke-width: 1.4; stroke-dasharray: 5 3; }
.k-deploy { fill: var(--k-deploy); background: var(--k-deploy); }
.k-alarm { fill: var(--k-alarm); background: var(--k-alarm); }
.k-plan { fill: var(--k-plan); background: var(--k-plan); }
.k-approval { fill: var(--k-approval); background: var(--k-approval); }
.k-act { fill: var(--k-act); background: var(--k-act); }
.k-bake { fill: var(--k-bake); background: var(--k-bake); }
.k-gate { fill: var(--k-gate); background: var(--k-gate); }
.k-escalate { fill: var(--k-escalate); background: var(--k-escalate); }
.k-recovered { fill: var(--k-recovered); background: var(--k-recovered); }
.k-other { fill: var(--muted); background: var(--muted); }
table.faults td ul { padding-left: 1rem; }
table.faults td div { margin-top: 0.15rem; overflow-wrap: anywhere; }
.invariants { list-style: none; padding-left: 0; }
.invariants li { margin: 0.2rem 0; }
@media (max-width: 40rem) {
  body { padding: 0.6rem; font-size: 14px; }
  /* Each fault a block of its own: what, where and when, then how it was survived. */
  table.faults thead { display: none; }
  table.faults, table.faults tbody, table.faults tr, table.faults td { display: block; width: 100%; }
  table.faults tr { padding: 0.4rem 0 0.5rem; border-bottom: 1px solid var(--line); }
  table.faults td { border: 0; padding: 0.1rem 0; overflow-wrap: anywhere; }
  table.faults td.num { display: inline-block; width: auto; margin-right: 0.4rem; color: var(--muted); }
  table.faults td.num + td { display: inline-block; width: auto; }
  .meta { grid-template-columns: 1fr; }
  .meta dt { margin-top: 0.3rem; }
}
@media print {
  body { max-width: none; font-size: 11pt; }
  nav { display: none; }
  .chart { overflow: visible; }
  .chart svg { min-width: 0; }
  tr, .chart { break-inside: avoid; }
  pre { max-height: none; }
}
`;
