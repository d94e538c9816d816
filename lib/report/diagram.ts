// The plan as a diagram: a spine on the left gives the order (waves run top to bottom, a gate after
// each); stages are bands; each step is a box with its service, action and versions. Long waves and
// long plans are cut ("+N more") so a 2,000-step plan draws as quickly as a five-step one.
import { describeAction } from '../core/format';
import type { Plan, PlanStage, PlanStep } from '../core/plan';
import { esc, minutes, plural, tone, truncate } from './markup';
import { diamond, group, line, rect, svg, text } from './svg';
import type { DemoReport } from './types';
import { numberedWaves, stepCount, waveOf } from './waves';

const WIDTH = 760;
const SPINE = 20;
const BAND_X = 36;
const BOX_X = 48;
const COLS = 3;
const GAP = 8;
const BOX_W = (WIDTH - BOX_X - 14 - (COLS - 1) * GAP) / COLS;
const BOX_H = 50;
const STAGE_HEAD = 42;
const WAVE_HEAD = 20;
const GATE_ROW = 30;
/** Boxes drawn per wave; the last one says how many more there are. */
export const MAX_BOXES = 12;
/** Waves drawn; later ones are summed up in one line. */
export const MAX_WAVES = 40;

function versions(step: PlanStep): string {
  const { fromVersion, toVersion } = step.change;
  if (toVersion && fromVersion) return `${toVersion} → ${fromVersion}`;
  return fromVersion ? `back to ${fromVersion}` : `${step.change.kind} change`;
}

interface Layout {
  y: number;
  readonly bands: string[];
  readonly body: string[];
}

function stepBox(step: PlanStep, x: number, y: number, culprit: string | undefined): string {
  const isCulprit = step.service === culprit;
  const cls = `step${step.approval ? ' approval' : ''}${isCulprit ? ' culprit' : ''}`;
  const parts = [
    rect(x, y, BOX_W, BOX_H, cls, 4),
    text(x + 8, y + 16, truncate(step.service, step.approval ? 22 : 33), { cls: 'strong' }),
    text(x + 8, y + 30, truncate(describeAction(step.action), 40), { cls: 'muted small' }),
    text(x + 8, y + 43, truncate(versions(step), 40), { cls: 'small' }),
  ];
  if (step.approval) {
    // Wide enough for the word at 9 px bold in the fonts browsers fall back to (it overran 52 px).
    parts.push(rect(x + BOX_W - 64, y + 5, 58, 13, 'tag', 3));
    parts.push(text(x + BOX_W - 35, y + 15, 'APPROVAL', { cls: 'tag-text', anchor: 'middle' }));
  }
  const title = [
    step.service,
    describeAction(step.action),
    versions(step),
    step.approval ? 'waits for approval' : 'runs without approval',
    ...(isCulprit ? ['the culprit'] : []),
    ...step.why,
  ].join('\n');
  return group(title, parts.join(''));
}

function moreBox(hidden: readonly PlanStep[], x: number, y: number): string {
  const approvals = hidden.filter((s) => s.approval).length;
  const title = hidden
    .slice(0, 20)
    .map((s) => s.service)
    .join(', ');
  return group(
    `${title}${hidden.length > 20 ? ', …' : ''}`,
    rect(x, y, BOX_W, BOX_H, 'step more', 4) +
      text(x + BOX_W / 2, y + 22, `+${plural(hidden.length, 'more step')}`, { cls: 'strong', anchor: 'middle' }) +
      text(x + BOX_W / 2, y + 38, `${approvals} of them wait for approval`, { cls: 'muted small', anchor: 'middle' }),
  );
}

function drawWave(layout: Layout, number: number, steps: readonly PlanStep[], report: DemoReport, gate?: string): void {
  const { body } = layout;
  const top = layout.y;
  body.push(line(SPINE, top + 6, BAND_X + 6, top + 6, 'flow'));
  body.push(text(BAND_X + 12, top + 14, `Wave ${number} · ${plural(steps.length, 'step')}`, { cls: 'strong' }));
  layout.y += WAVE_HEAD;
  const shown = steps.length > MAX_BOXES ? steps.slice(0, MAX_BOXES - 1) : steps;
  const boxes = shown.map((step, i) => {
    const x = BOX_X + (i % COLS) * (BOX_W + GAP);
    const y = layout.y + Math.floor(i / COLS) * (BOX_H + GAP);
    return stepBox(step, x, y, report.culprit?.service);
  });
  if (shown.length < steps.length) {
    const i = shown.length;
    const y = layout.y + Math.floor(i / COLS) * (BOX_H + GAP);
    boxes.push(moreBox(steps.slice(i), BOX_X + (i % COLS) * (BOX_W + GAP), y));
  }
  body.push(...boxes);
  layout.y += Math.ceil(boxes.length / COLS) * (BOX_H + GAP);
  const gy = layout.y + GATE_ROW / 2 - 4;
  const reading = gate ? ` — ${gate}` : '';
  body.push(
    group(
      `Gate ${number}: bake, then read the alarms${reading}`,
      diamond(SPINE, gy, 7, `gate t-${gate ? tone(gate) : 'none'}`) +
        text(BAND_X + 12, gy + 4, `Gate ${number}: bake, then read the alarms${reading}`, {
          cls: gate ? `small t-${tone(gate)}` : 'small muted',
        }),
    ),
  );
  layout.y += GATE_ROW;
}

function stageHead(stage: PlanStage, index: number, top: number): string {
  const mode = stage.approval ? 'waits for approval' : 'runs automatically';
  return (
    text(BAND_X + 10, top + 16, `Stage ${index + 1} · ${stage.name} — ${mode}`, { cls: 'title' }) +
    text(BAND_X + 10, top + 32, truncate(stage.why.join('; '), 110), { cls: 'muted small' })
  );
}

/** The last gate outcome of each wave that ran. */
function gateOutcomes(report: DemoReport): Map<number, string> {
  return new Map(report.gates.map((g) => [g.wave, g.outcome]));
}

export function planDiagram(report: DemoReport): string {
  const { plan } = report;
  const layout: Layout = { y: 28, bands: [], body: [] };
  const gates = gateOutcomes(report);
  const alarmed = plan.incident.alarmed.join(', ');
  layout.body.push(text(BAND_X, 16, truncate(`Alarm: ${alarmed || '—'}`, 90), { cls: 'strong' }));
  const waves = numberedWaves(plan);
  plan.stages.forEach((stage, s) => {
    const top = layout.y;
    const shown = waves.filter((w) => w.stageIndex === s && w.number <= MAX_WAVES);
    if (shown.length === 0) return;
    layout.body.push(stageHead(stage, s, top));
    layout.y += STAGE_HEAD;
    for (const w of shown) drawWave(layout, w.number, w.steps, report, gates.get(w.number));
    layout.bands.push(rect(BAND_X, top, WIDTH - BAND_X - 6, layout.y - top + 4, 'stage', 6));
    layout.y += 14;
  });
  const hidden = waves.slice(MAX_WAVES);
  if (hidden.length > 0) {
    const steps = hidden.reduce((n, w) => n + w.steps.length, 0);
    const note = `+${plural(hidden.length, 'more wave')} (${plural(steps, 'step')}) not drawn`;
    layout.body.push(text(BAND_X + 10, layout.y + 10, note, { cls: 'strong' }));
    layout.y += 24;
  }
  const run = `This run: ${report.outcome.status.toLowerCase()} after ${minutes(report.outcome.minutes)}.`;
  layout.body.push(diamond(SPINE, layout.y + 6, 5, 'head'));
  layout.body.push(
    text(BAND_X, layout.y + 10, `After any gate: recovered → stop; worse → halt. ${run}`, { cls: 'muted small' }),
  );
  const height = layout.y + 24;
  const spine = line(SPINE, 10, SPINE, layout.y, 'flow');
  const label = `Rollback plan: ${plural(waves.length, 'wave')} in ${plural(plan.stages.length, 'stage')}`;
  return svg(WIDTH, height, label, layout.bands.join('') + spine + layout.body.join(''));
}

function stageList(plan: Plan): string {
  const items = plan.stages.map((stage, i) => {
    const steps = stage.waves.reduce((n, w) => n + w.steps.length, 0);
    const why = stage.why.length > 0 ? `<ul>${stage.why.map((w) => `<li>${esc(w)}</li>`).join('')}</ul>` : '';
    const mode = stage.approval ? 'waits for approval' : 'runs automatically';
    return (
      `<li><strong>Stage ${i + 1} · ${esc(stage.name)}</strong> — ${esc(mode)}; ` +
      `${esc(plural(stage.waves.length, 'wave'))}, ${esc(plural(steps, 'step'))}${why}</li>`
    );
  });
  return `<ol class="facts">${items.join('')}</ol>`;
}

function legend(report: DemoReport): string {
  const culprit = report.culprit?.service;
  const marked = culprit !== undefined && waveOf(report.plan).has(culprit);
  return (
    '<ul class="legend"><li><i class="k-act"></i>a rollback step: service, action, versions</li>' +
    '<li><i class="k-approval"></i>APPROVAL: waits for a person</li>' +
    (marked ? `<li><i class="hl"></i>the culprit, ${esc(culprit)}</li>` : '') +
    '<li><i class="k-gate"></i>gate after each wave (coloured once read)</li></ul>'
  );
}

/** The plan section: the diagram, then its stages and warnings as text. */
export function planSection(report: DemoReport): string {
  const { plan } = report;
  const steps = stepCount(plan);
  const intro =
    `<p>Plan <code>${esc(plan.planId.slice(0, 12))}</code>, model <code>${esc(plan.model)}</code>: ` +
    `${esc(plural(steps, 'step'))} in ${esc(plural(plan.stages.length, 'stage'))}.</p>`;
  if (steps === 0) return `${intro}<p>The plan has nothing to roll back.</p>${warnings(plan)}`;
  return intro + planDiagram(report) + legend(report) + stageList(plan) + warnings(plan);
}

function warnings(plan: Plan): string {
  if (plan.warnings.length === 0) return '';
  return `<h3>Warnings</h3><ul class="facts">${plan.warnings.map((w) => `<li>${esc(w)}</li>`).join('')}</ul>`;
}
