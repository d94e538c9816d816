// The suspects the model ranked (with the reasons it gives) and the health-gate readings, as tables.
import { badge, esc, minutes, moreNote, tone } from './markup';
import type { DemoReport, ReportGateReading } from './types';
import { waveOf } from './waves';

/** Rows shown; a plan of thousands of changes keeps its full ranking in the plan JSON. */
export const MAX_SUSPECTS = 100;
export const MAX_GATE_ROWS = 500;

function list(items: readonly string[]): string {
  return items.length === 0 ? '—' : `<ul>${items.map((i) => `<li>${esc(i)}</li>`).join('')}</ul>`;
}

export function suspectsSection(report: DemoReport): string {
  const { suspects } = report.plan;
  if (suspects.length === 0) return '<p>The model ranked no suspects: no change fell in the look-back window.</p>';
  const waves = waveOf(report.plan);
  const culprit = report.culprit?.service;
  const rows = suspects.slice(0, MAX_SUSPECTS).map((s, i) => {
    const wave = waves.get(s.service);
    const isCulprit = s.service === culprit;
    return (
      `<tr${isCulprit ? ' class="culprit"' : ''}><td class="num">${i + 1}</td>` +
      `<td><strong>${esc(s.service)}</strong>${isCulprit ? ` ${badge('culprit')}` : ''}</td>` +
      `<td class="num">${esc(Number.isFinite(s.score) ? s.score.toFixed(3) : '—')}</td>` +
      `<td>${wave === undefined ? 'not in the plan' : `wave ${wave}`}</td><td>${list(s.why)}</td></tr>`
    );
  });
  const missing =
    culprit !== undefined && !suspects.some((s) => s.service === culprit)
      ? `<p class="note">The culprit, <strong>${esc(culprit)}</strong>, is not among the suspects.</p>`
      : '';
  return (
    `<div class="scroll"><table><thead><tr><th class="num">#</th><th>Service</th><th class="num">Score</th>` +
    `<th>Rolled back in</th><th>Why</th></tr></thead><tbody>${rows.join('')}</tbody></table></div>` +
    moreNote(suspects.length, MAX_SUSPECTS, 'suspects (lower scores)') +
    missing
  );
}

function alarms(reading: ReportGateReading): string {
  const entries = Object.entries(reading.alarms);
  if (entries.length === 0) return '—';
  const items = entries.map(
    ([name, state]) => `<li>${esc(name)}: <span class="t-${tone(state)}">${esc(state)}</span></li>`,
  );
  return `<ul class="alarms">${items.join('')}</ul>`;
}

export function gatesSection(report: DemoReport): string {
  if (report.gates.length === 0) return '<p>No health gate was read.</p>';
  const rows = report.gates
    .slice(0, MAX_GATE_ROWS)
    .map(
      (g) =>
        `<tr><td class="num">${esc(minutes(g.atMin))}</td><td>${esc(g.stage)}</td><td class="num">${esc(g.wave)}</td>` +
        `<td>${badge(g.outcome)}</td><td>${alarms(g)}</td><td>${esc(g.detail)}</td></tr>`,
    );
  return (
    `<div class="scroll"><table><thead><tr><th class="num">At</th><th>Stage</th><th class="num">Wave</th>` +
    `<th>Outcome</th><th>Alarms</th><th>Detail</th></tr></thead><tbody>${rows.join('')}</tbody></table></div>` +
    moreNote(report.gates.length, MAX_GATE_ROWS, 'readings')
  );
}
