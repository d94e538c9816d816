// The report's header and closing summary: what happened, whether the ranking found the culprit, how
// much of the plan ran, and the time to recovery next to the same incident handled other ways.
import { badge, esc, finite, minutes, plural, tone, truncate } from './markup';
import { rect, svg, text } from './svg';
import type { DemoReport, ReportBaseline } from './types';
import { numberedWaves, waveOf } from './waves';

export function header(report: DemoReport): string {
  const { outcome, plan } = report;
  const incident = report.origin === 'incident';
  const meta: [string, string][] = [
    [incident ? 'Application' : 'Scenario', report.scenario],
    ...(report.seed !== undefined ? [['Seed', String(report.seed)] as [string, string]] : []),
    ['Generated', report.generatedAt],
    ['Incident', `${plan.incident.alarmed.join(', ') || '—'} alarmed at ${plan.incident.at}`],
  ];
  const rows = meta.map(([k, v]) => `<dt>${esc(k)}</dt><dd>${esc(v)}</dd>`).join('');
  return (
    `<header><h1>${esc(report.title)}</h1><dl class="meta">${rows}</dl>` +
    `<div class="outcome t-${tone(outcome.status)}"><strong>${esc(outcome.status)}</strong> after ` +
    `${esc(minutes(outcome.minutes))}${incident ? '' : ' of simulated time'}. ${esc(outcome.detail)}</div></header>`
  );
}

/** Whether the model ranked the culprit first, and where the plan rolled it back. */
export function culpritVerdict(report: DemoReport): string {
  const { culprit, plan } = report;
  if (!culprit)
    return report.origin === 'incident'
      ? 'No rollback proved a culprit (the alarms did not recover after a wave), so the ranking cannot be scored.'
      : 'The culprit is not known (a rehearsal of real inputs), so the ranking cannot be scored.';
  const rank = plan.suspects.findIndex((s) => s.service === culprit.service) + 1;
  const who = `The culprit was ${culprit.service} (change ${culprit.changeId})`;
  const top = plan.suspects[0]?.service;
  const ranking =
    rank === 1
      ? `ranked first of ${plural(plan.suspects.length, 'suspect')}: the ranking was right`
      : rank > 1
        ? `ranked ${rank} of ${plan.suspects.length}, behind ${top ?? '—'}: the ranking was wrong`
        : `not among the ${plural(plan.suspects.length, 'suspect')}: the ranking missed it`;
  const wave = waveOf(plan).get(culprit.service);
  const where = wave === undefined ? 'The plan does not roll it back.' : `The plan rolls it back in wave ${wave}.`;
  return `${who}, ${ranking}. ${where}`;
}

/** Stages and waves that reached a health gate, in plan order, and the steps in those waves. */
export function usage(report: DemoReport): { stages: string[]; waves: number; totalWaves: number; steps: number } {
  const ran = new Set(report.gates.map((g) => g.wave));
  const all = numberedWaves(report.plan);
  const run = all.filter((w) => ran.has(w.number));
  const stages = [...new Set(run.map((w) => w.stage))];
  const steps = run.reduce((n, w) => n + w.steps.length, 0);
  return { stages, waves: run.length, totalWaves: all.length, steps };
}

interface Row extends ReportBaseline {
  readonly ours: boolean;
}

function rowsOf(report: DemoReport): Row[] {
  const ours: Row = {
    name: 'Backstep (this run)',
    description: 'the staged plan above, gated after every wave',
    recovered: report.outcome.status === 'RECOVERED',
    minutes: report.outcome.minutes,
    rollbacks: usage(report).steps,
    ours: true,
  };
  return [ours, ...report.baselines.map((b) => ({ ...b, ours: false }))];
}

const CHART_W = 720;
const LABEL_W = 230;
const PLOT_W = CHART_W - LABEL_W - 110;
const ROW_H = 28;

/** Horizontal bars of simulated minutes to recovery; a dashed outline where a way never recovered. */
export function baselineChart(report: DemoReport): string {
  const rows = rowsOf(report);
  const longest = rows.reduce((m, r) => Math.max(m, finite(r.minutes ?? 0)), 1);
  const body = rows.map((r, i) => {
    const y = 8 + i * ROW_H;
    const label = text(4, y + 13, truncate(r.name, 36), { cls: r.ours ? 'strong' : '' });
    const value = finite(r.minutes ?? NaN, -1);
    if (!r.recovered) {
      const stopped = value >= 0 ? ` (stopped after ${minutes(value)})` : '';
      return (
        label +
        rect(LABEL_W, y, PLOT_W, 18, 'unrecovered', 3) +
        text(LABEL_W + 8, y + 13, `not recovered${stopped}`, { cls: 'small t-bad' })
      );
    }
    const width = Math.max(2, (Math.max(0, value) / longest) * PLOT_W);
    return (
      label +
      rect(LABEL_W, y, width, 18, r.ours ? 'ours' : 'other', 3) +
      text(LABEL_W + width + 6, y + 13, minutes(value), { cls: 'strong' })
    );
  });
  return svg(CHART_W, rows.length * ROW_H + 12, 'Simulated minutes from the alarm to recovery', body.join(''));
}

function comparison(row: Row, ours: Row): string {
  if (row.ours || !row.recovered || !ours.recovered) return '—';
  const delta = finite(row.minutes ?? NaN, NaN) - finite(ours.minutes ?? NaN, NaN);
  if (!Number.isFinite(delta)) return '—';
  return delta === 0 ? 'as fast' : `${minutes(Math.abs(delta))} ${delta > 0 ? 'slower' : 'faster'}`;
}

function baselineTable(report: DemoReport): string {
  const rows = rowsOf(report);
  const ours = rows[0] as Row;
  const body = rows.map(
    (r) =>
      `<tr${r.ours ? ' class="ours"' : ''}><td><strong>${esc(r.name)}</strong></td><td>${esc(r.description)}</td>` +
      `<td>${badge(r.recovered ? 'recovered' : 'not recovered')}</td>` +
      `<td class="num">${esc(r.recovered ? minutes(r.minutes) : '—')}</td><td class="num">${esc(r.rollbacks)}</td>` +
      `<td class="num">${esc(comparison(r, ours))}</td></tr>`,
  );
  return (
    `<div class="scroll"><table><thead><tr><th>Way</th><th>What it does</th><th>Recovered</th>` +
    `<th class="num">Time to recovery</th><th class="num">Rollbacks</th><th class="num">Against Backstep</th></tr>` +
    `</thead><tbody>${body.join('')}</tbody></table></div>`
  );
}

export function summarySection(report: DemoReport): string {
  const incident = report.origin === 'incident';
  const used = usage(report);
  const stages = used.stages.length > 0 ? ` (${used.stages.join(', ')})` : '';
  const facts = [
    culpritVerdict(report),
    `Stages used: ${used.stages.length} of ${report.plan.stages.length}${stages}; ` +
      `waves run: ${used.waves} of ${used.totalWaves}; rollbacks in those waves: ${used.steps}.`,
    report.outcome.status === 'RECOVERED'
      ? `Recovered after ${minutes(report.outcome.minutes)}${incident ? '' : ' of simulated time'}.`
      : `Not recovered: ${report.outcome.status.toLowerCase()} after ${minutes(report.outcome.minutes)}.`,
  ];
  const list = `<ul class="facts">${facts.map((f) => `<li>${esc(f)}</li>`).join('')}</ul>`;
  // An incident that happened ran one way only: there is nothing to compare it with.
  if (incident) return list;
  return `${list}<h3>Simulated time to recovery, compared</h3>${baselineChart(report)}${baselineTable(report)}`;
}
