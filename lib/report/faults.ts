// A chaos demo's faults (`backstep demo --chaos SEED`): each fault injected, where and when, the error,
// and how the run went on after it; then the invariants checked after the run. A table on a screen; on a
// phone each fault is a block of its own, read top to bottom.
import { badge, esc, minutes, plural } from './markup';
import type { DemoReport, ReportChaos } from './types';

export function faultsSection(report: DemoReport): string {
  const { chaos } = report;
  if (!chaos) return '';
  const where = new Set(chaos.faults.map((f) => f.kind)).size;
  const intro =
    `<p>${esc(plural(chaos.faults.length, 'fault'))} of ${esc(plural(where, 'kind'))}, drawn from chaos seed ` +
    `${esc(chaos.seed)}, were injected into this one incident. How each was survived is read from what ` +
    "happened next: the state machines' events, the fleet's own log of rollbacks, the incident's timeline.</p>";
  const rows = chaos.faults.map(
    (f, i) =>
      `<tr><td class="num">${i + 1}</td>` +
      `<td><strong>${esc(f.kind)}</strong><div>${badge(f.error)}</div></td>` +
      `<td>${esc(f.where)}<div class="muted">${esc(f.call)}, at ${esc(minutes(f.atMin))}</div></td>` +
      `<td><ul>${f.survived.map((s) => `<li>${esc(s)}</li>`).join('')}</ul></td></tr>`,
  );
  const table =
    chaos.faults.length === 0
      ? '<p>No fault of the schedule fell on a call this incident made.</p>'
      : '<div class="scroll"><table class="faults"><thead><tr><th class="num">#</th><th>Fault</th>' +
        `<th>Injected</th><th>How it was survived</th></tr></thead><tbody>${rows.join('')}</tbody></table></div>`;
  return intro + table + invariants(chaos);
}

function invariants(chaos: ReportChaos): string {
  const broken = chaos.invariants.filter((i) => i.broken.length > 0);
  const verdict =
    broken.length === 0
      ? `<div class="outcome t-good"><strong>Every invariant held</strong> after the run.</div>`
      : `<div class="outcome t-bad"><strong>${esc(plural(broken.length, 'invariant'))} broken</strong> after the run.</div>`;
  const items = chaos.invariants.map(
    (i) =>
      `<li>${badge(i.broken.length === 0 ? 'held' : 'broken')} ${esc(i.name)}` +
      (i.broken.length === 0 ? '' : `<ul>${i.broken.map((b) => `<li>${esc(b)}</li>`).join('')}</ul>`) +
      '</li>',
  );
  return `<h3>Invariants</h3>${verdict}<ul class="facts invariants">${items.join('')}</ul>`;
}
