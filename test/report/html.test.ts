import fc from 'fast-check';
import { FEATURES, type Features } from '../../lib/core/features';
import type { Plan } from '../../lib/core/plan';
import { MAX_BOXES, MAX_WAVES } from '../../lib/report/diagram';
import { renderReport } from '../../lib/report/html';
import { esc } from '../../lib/report/markup';
import { MAX_SUSPECTS } from '../../lib/report/tables';
import type { DemoReport } from '../../lib/report/types';
import { walkStates } from '../../statemachines/asl';
import { examplePlan } from '../helpers';
import { syntheticPlan } from '../synthetic-plan';
import { exampleReport, reportFor } from './fixture';
import { markupProblems, sectionOf, tokens } from './html-check';

const SECTIONS = ['summary', 'plan', 'timeline', 'suspects', 'gates', 'definition'];
const features = Object.fromEntries(FEATURES.map((f) => [f, 0])) as Features;

function withSuspects(plan: Plan, count: number, name = (i: number) => `svc-${i}`, why = ['a reason']): Plan {
  const suspects = Array.from({ length: count }, (_, i) => ({
    service: name(i),
    score: 1 - i / (count + 1),
    why,
    features,
  }));
  return { ...plan, suspects };
}

describe('renderReport', () => {
  const report = exampleReport();
  const html = renderReport(report);

  it('writes one document with every section, the header facts and the outcome', () => {
    expect(html.startsWith('<!DOCTYPE html>')).toBe(true);
    for (const id of SECTIONS) expect(html).toContain(`<section id="${id}">`);
    const head = html.slice(0, html.indexOf('<nav>'));
    for (const fact of [report.title, report.scenario, String(report.seed), report.generatedAt]) {
      expect(head).toContain(esc(fact));
    }
    expect(head).toContain('<strong>RECOVERED</strong> after 17.5 min');
    expect(markupProblems(html)).toStrictEqual([]);
  });

  it('refers to nothing outside the file and runs no script', () => {
    expect(html).not.toMatch(/https?:|<script|<link|<img|<iframe|@import|url\(|src=|xlink:href/i);
    const hrefs = tokens(html).attributes.filter(([name]) => name === 'href');
    expect(hrefs.length).toBe(SECTIONS.length);
    for (const [, value] of hrefs) expect(value).toMatch(/^#[a-z]+$/);
    expect(html).toContain(`http-equiv="Content-Security-Policy" content="default-src &#39;none&#39;;`);
  });

  it('lists every suspect with its score and reasons, and marks the culprit', () => {
    const suspects = sectionOf(html, 'suspects');
    for (const s of report.plan.suspects) {
      expect(suspects).toContain(`<strong>${esc(s.service)}</strong>`);
      expect(suspects).toContain(s.score.toFixed(3));
      for (const why of s.why) expect(suspects).toContain(`<li>${esc(why)}</li>`);
    }
    const culprit = suspects.match(/<tr class="culprit">.*?<\/tr>/)?.[0] ?? '';
    expect(culprit).toContain('<strong>cartservice</strong>');
    expect(suspects.match(/class="culprit"/g)).toHaveLength(1);
  });

  it('draws every step of the plan with its action, approvals and gates', () => {
    const diagram = sectionOf(html, 'plan');
    const steps = report.plan.stages.flatMap((s) => s.waves.flatMap((w) => w.steps));
    expect(steps.length).toBe(5);
    for (const step of steps) {
      expect(diagram).toContain(`>${esc(step.service)}</text>`);
      expect(diagram).toContain(esc(`${step.change.toVersion} → ${step.change.fromVersion}`));
    }
    expect(diagram).toContain('>ECS boutique/cartservice</text>');
    expect(diagram.match(/class="step approval/g)).toHaveLength(steps.filter((s) => s.approval).length);
    expect(diagram.match(/>APPROVAL</g)).toHaveLength(steps.filter((s) => s.approval).length);
    expect(diagram).toContain('Gate 1: bake, then read the alarms — NOT_YET');
    expect(diagram).toContain('Gate 2: bake, then read the alarms — RECOVERED');
    expect(diagram).toContain(esc(report.plan.warnings[0] ?? 'a warning'));
  });

  it('puts every timeline event on the chart and in the table', () => {
    const timeline = sectionOf(html, 'timeline');
    const chart = timeline.slice(0, timeline.indexOf('</svg>'));
    const table = timeline.slice(timeline.indexOf('<table>'));
    for (const item of report.timeline) {
      expect(chart).toContain(esc(item.label));
      expect(table).toContain(`<td>${esc(item.label)}</td>`);
    }
    for (const lane of new Set(report.timeline.map((i) => i.lane))) expect(chart).toContain(`>${esc(lane)}</text>`);
    // Zero-length events are diamonds; the deployment a day before sits at the axis start with its time.
    expect(chart.match(/<polygon/g)?.length).toBe(report.timeline.filter((i) => i.endMin === i.startMin).length);
    expect(chart).toContain('checkoutservice v5.2.0 (-1050 min)');
    expect(chart).toContain('minutes from alarm');
  });

  it('shows every gate reading with its alarms', () => {
    const gates = sectionOf(html, 'gates');
    expect(report.gates).toHaveLength(2);
    for (const g of report.gates) {
      expect(gates).toContain(esc(g.detail));
      for (const [name, state] of Object.entries(g.alarms)) {
        expect(gates).toContain(`${esc(name)}: <span class="t-${state === 'OK' ? 'good' : 'bad'}">${state}</span>`);
      }
      expect(gates).toContain(`>${g.outcome}</span>`);
    }
    expect(gates).toContain('frontend-5xx: <span class="t-bad">ALARM</span>');
    expect(gates).toContain('frontend-5xx: <span class="t-good">OK</span>');
  });

  it('lists the state machine by state name and includes its definition', () => {
    const definition = sectionOf(html, 'definition');
    for (const [name] of walkStates(report.definition)) expect(definition).toContain(`</code> ${esc(name)}</li>`);
    const json = definition.match(/<pre><code>([\s\S]*)<\/code><\/pre>/)?.[1] ?? '';
    const unescaped = json.replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&amp;/g, '&');
    expect(JSON.parse(unescaped)).toStrictEqual(report.definition);
  });

  it('sums up the ranking, the stages used and the baselines', () => {
    const summary = sectionOf(html, 'summary');
    expect(summary).toContain('ranked first of 5 suspects: the ranking was right');
    expect(summary).toContain('Stages used: 1 of 3 (targeted); waves run: 2 of 5');
    for (const b of report.baselines) expect(summary).toContain(esc(b.name));
    expect(summary).toContain('>17.5 min</text>');
    expect(summary).toContain('>14 min</text>');
    expect(summary).toContain('>not recovered</text>');
  });

  it('says when the ranking was wrong or missed the culprit', () => {
    const second = renderReport(reportFor(examplePlan(), { culprit: 'frontend' }));
    expect(sectionOf(second, 'summary')).toContain('ranked 2 of 5, behind cartservice: the ranking was wrong');
    const missed = renderReport(reportFor(examplePlan(), { culprit: 'redis-cart' }));
    expect(sectionOf(missed, 'summary')).toContain('not among the 5 suspects: the ranking missed it');
    expect(sectionOf(missed, 'suspects')).toContain('The culprit, <strong>redis-cart</strong>, is not among');
  });

  it('renders a report without a culprit', () => {
    const unknown = reportFor(examplePlan());
    expect(unknown.culprit).toBeUndefined();
    const out = renderReport(unknown);
    expect(out).toContain('The culprit is not known');
    expect(out).not.toContain('class="culprit"');
    expect(out).not.toContain('class="step culprit');
    expect(out).toContain('<strong>ESCALATED</strong>');
    expect(sectionOf(out, 'gates').match(/>NOT_YET</g)).toHaveLength(5);
    expect(markupProblems(out)).toStrictEqual([]);
  });

  it('renders a halted run', () => {
    const halted = reportFor(examplePlan(), { culprit: 'cartservice', worseAt: 1 });
    const out = renderReport(halted);
    expect(out).toContain('<div class="outcome t-bad"><strong>HALTED</strong>');
    expect(sectionOf(out, 'gates')).toContain('<span class="badge t-bad">WORSE</span>');
    expect(sectionOf(out, 'summary')).toContain('Not recovered: halted after 10.5 min');
    expect(sectionOf(out, 'plan')).toContain('Gate 1: bake, then read the alarms — WORSE');
    expect(sectionOf(out, 'plan')).toContain('This run: halted after 10.5 min.');
    expect(markupProblems(out)).toStrictEqual([]);
  });

  it('renders odd and empty inputs without throwing', () => {
    const empty: DemoReport = {
      ...reportFor(syntheticPlan(0, 0)),
      timeline: [{ lane: 'Incident', kind: 'act', label: 'backwards', startMin: 9, endMin: 3 }],
      gates: [],
      baselines: [{ name: 'n', description: 'd', recovered: true, minutes: Number.NaN, rollbacks: 0 }],
      outcome: { status: 'ESCALATED', minutes: Number.POSITIVE_INFINITY, detail: '' },
    };
    const out = renderReport(empty);
    expect(out).toContain('The plan has nothing to roll back.');
    expect(out).toContain('No health gate was read.');
    expect(out).toContain('The model ranked no suspects');
    expect(out).toContain('after — of simulated time');
    expect(markupProblems(out)).toStrictEqual([]);
    expect(renderReport({ ...empty, timeline: [] })).toContain('No timeline was recorded.');
  });

  it('escapes hostile names everywhere', () => {
    const evil = `<script>alert("x")</script>&'`;
    const plan = withSuspects(
      { ...syntheticPlan(2, 2, (w, i) => `${evil}${w}${i}`), warnings: [evil] },
      3,
      (i) => `${evil}0${i}`,
      [evil],
    );
    const out = renderReport({ ...reportFor(plan, { culprit: `${evil}00`, title: evil, scenario: evil }) });
    expect(out).not.toContain('<script');
    expect(out).not.toContain('alert("x")');
    expect(out).toContain(esc(evil));
    expect(markupProblems(out)).toStrictEqual([]);
  });

  it('cuts long waves and long plans, and stays bounded for 2,000 steps', () => {
    const plan = withSuspects(syntheticPlan(20, 100), 2000);
    const out = renderReport(reportFor(plan, { culprit: 'svc-3-50' }));
    const diagram = sectionOf(out, 'plan');
    expect(diagram).toContain('+89 more steps');
    expect(diagram.match(/class="step[ "]/g)?.length).toBe(20 * MAX_BOXES);
    expect(sectionOf(out, 'suspects').match(/<tr/g)?.length).toBe(MAX_SUSPECTS + 1);
    expect(out).toContain(`+${2000 - MAX_SUSPECTS} more suspects (lower scores) not shown.`);
    const definition = out.match(/<pre><code>[\s\S]*<\/code><\/pre>/)?.[0] ?? '';
    expect(out.length - definition.length).toBeLessThan(300_000);
    expect(out.length).toBeLessThan(1_000_000);
    expect(markupProblems(out)).toStrictEqual([]);

    const many = renderReport(reportFor(syntheticPlan(MAX_WAVES + 5, 1)));
    expect(sectionOf(many, 'plan')).toContain('+5 more waves (5 steps) not drawn');
  });

  it('never lets a name open a tag or an attribute (property)', () => {
    const hostile = fc.oneof(
      fc.string({ unit: 'binary', maxLength: 30 }),
      fc.string({ unit: fc.constantFrom('<', '>', '&', '"', "'", '/', '=', ' ', 'a', 's', '\u0000'), maxLength: 30 }),
    );
    const render = (name: string) => {
      const plan = withSuspects(
        { ...syntheticPlan(2, 2, (w, i) => `${name}-${w}-${i}`), warnings: [name] },
        2,
        (i) => `${name}-0-${i}`,
        [name],
      );
      const base = reportFor({ ...plan, incident: { ...plan.incident, alarmed: [name] } }, { culprit: `${name}-0-0` });
      return renderReport({ ...base, title: name, scenario: name, outcome: { ...base.outcome, detail: name } });
    };
    const tagsOf = (html: string) => tokens(html).tags.length;
    fc.assert(
      fc.property(hostile, (name) => {
        const out = render(name);
        expect(markupProblems(out)).toStrictEqual([]);
        expect(tagsOf(out)).toBe(tagsOf(render('plain')));
      }),
      { numRuns: 60 },
    );
  });
});
