import { STEP_STATUSES } from '../../lib/core/tasks';
import { renderReport } from '../../lib/report/html';
import { tone } from '../../lib/report/markup';
import type { DemoReport, ReportTimelineItem } from '../../lib/report/types';
import { exampleReport } from './fixture';
import { sectionOf } from './html-check';

const act = (label: string, outcome: string, startMin: number): ReportTimelineItem => ({
  lane: 'Wave 1',
  kind: 'act',
  label,
  startMin,
  endMin: startMin + 2,
  outcome,
});

function withActs(items: ReportTimelineItem[]): DemoReport {
  const report = exampleReport();
  return { ...report, timeline: [...report.timeline.filter((i) => i.kind !== 'act'), ...items] };
}

/** The class of the bar drawn for the event labelled `label`, and the badge of its table row. */
function drawn(html: string, label: string): { bar: string; badge: string } {
  const timeline = sectionOf(html, 'timeline');
  const group = timeline.match(
    new RegExp(`<g><title>Wave 1: ${label}\\n[^<]*</title>(?:<rect [^>]*class="hl"/>)?<rect [^>]*class="([^"]*)"`),
  );
  const row = timeline.match(new RegExp(`<td>${label}</td>.*?<span class="badge ([^"]*)">`));
  return { bar: group?.[1] ?? 'no bar', badge: row?.[1] ?? 'no badge' };
}

describe('outcome colours', () => {
  it('reads every step status as lib/core/tasks.ts means it: done is good, people taking over is neutral', () => {
    const tones = Object.fromEntries(STEP_STATUSES.map((s) => [s, tone(s)]));
    expect(tones).toStrictEqual({
      ROLLED_BACK: 'good',
      ALREADY_ROLLED_BACK: 'good',
      MANUAL_DONE: 'good',
      MANUAL_REQUIRED: 'neutral',
      FAILED: 'bad',
      REJECTED: 'bad',
      TIMED_OUT: 'bad',
    });
  });

  it('draws a completed rollback green, never with the red outline and badge of a failed step', () => {
    const html = renderReport(
      withActs([
        act('frontend (ecs)', 'ROLLED_BACK', 1),
        act('adservice (ecs)', 'ALREADY_ROLLED_BACK', 1),
        act('cartservice (ecs)', 'FAILED', 4),
        act('emailservice (manual)', 'MANUAL_REQUIRED', 7),
      ]),
    );
    expect(drawn(html, 'frontend \\(ecs\\)')).toStrictEqual({ bar: 'bar k-act t-good', badge: 't-good' });
    expect(drawn(html, 'adservice \\(ecs\\)')).toStrictEqual({ bar: 'bar k-act t-good', badge: 't-good' });
    expect(drawn(html, 'cartservice \\(ecs\\)')).toStrictEqual({ bar: 'bar k-act t-bad', badge: 't-bad' });
    expect(drawn(html, 'emailservice \\(manual\\)')).toStrictEqual({
      bar: 'bar k-act t-neutral',
      badge: 't-neutral',
    });
  });

  it('has a legend that names each colour by what it means', () => {
    const timeline = sectionOf(renderReport(exampleReport()), 'timeline');
    const legend = timeline.match(/<ul class="legend">.*?<\/ul>/)?.[0] ?? '';
    expect(legend).toContain('<span class="t-good">good</span> (rolled back, approved, recovered)');
    expect(legend).toContain('<span class="t-neutral">neutral</span> (manual, skipped)');
    expect(legend).toContain('<span class="t-bad">bad</span> (failed, rejected, worse)');
  });
});
