import { ganttChart, LANE_CAP, scale, timelineSection, window } from '../../lib/report/gantt';
import { esc } from '../../lib/report/markup';
import type { DemoReport, ReportTimelineItem } from '../../lib/report/types';
import { exampleReport } from './fixture';

const item = (lane: string, label: string, startMin: number, endMin = startMin): ReportTimelineItem => ({
  lane,
  kind: 'act',
  label,
  startMin,
  endMin,
});

function withTimeline(timeline: ReportTimelineItem[], minutes = 20): DemoReport {
  const report = exampleReport();
  return { ...report, timeline, outcome: { ...report.outcome, minutes } };
}

describe('scale', () => {
  it('covers every value and minute 0 in at most about ten whole ticks', () => {
    for (const values of [[3], [-40, 17.5], [0.2], [-3000, 5000], [120, 121]]) {
      const s = scale(values);
      expect(s.lo).toBeLessThanOrEqual(Math.min(0, ...values));
      expect(s.hi).toBeGreaterThanOrEqual(Math.max(...values));
      expect((s.hi - s.lo) / s.step).toBeLessThanOrEqual(10);
      expect(Number.isInteger(s.lo / s.step) && Number.isInteger(s.hi / s.step)).toBe(true);
    }
  });
});

describe('window', () => {
  it('spans the run and as much time before the alarm, at least half an hour', () => {
    expect(window(withTimeline([item('a', 'x', -1050), item('a', 'y', 2, 40)]))).toStrictEqual([-40, 40]);
    expect(window(withTimeline([item('a', 'x', -1050), item('a', 'y', 2, 5)], 5))).toStrictEqual([-30, 5]);
    expect(window(withTimeline([item('a', 'x', -4), item('a', 'y', 2, 5)], 5))).toStrictEqual([-4, 5]);
  });
});

describe('ganttChart', () => {
  it('keeps the first items of a crowded lane and sums up the rest in one bar', () => {
    const items = Array.from({ length: 30 }, (_, i) => ({
      ...item('Wave 1', `step ${i}`, 1, 3),
      outcome: 'SUCCEEDED',
    }));
    const svg = ganttChart(withTimeline(items));
    expect(svg).toContain(`>step ${LANE_CAP - 2}</text>`);
    expect(svg).not.toContain(`>step ${LANE_CAP - 1}</text>`);
    expect(svg).toContain(`+${30 - LANE_CAP + 1} more (${30 - LANE_CAP + 1} SUCCEEDED)`);
    expect(svg.match(/<rect[^>]*class="bar k-act t-good"/g)).toHaveLength(LANE_CAP);
  });

  it('puts overlapping items of a lane on separate rows and apart items on one', () => {
    const rowsOf = (timeline: ReportTimelineItem[]) =>
      new Set(
        [...ganttChart(withTimeline(timeline)).matchAll(/<rect x="[^"]*" y="([^"]*)"[^>]*class="bar/g)].map(
          (m) => m[1],
        ),
      ).size;
    expect(rowsOf([item('L', 'a', 0, 5), item('L', 'b', 1, 6)])).toBe(2);
    expect(rowsOf([item('L', 'a', 0, 1), item('L', 'b', 15, 16)])).toBe(1);
  });

  it('draws a backwards or non-finite item as a mark instead of failing', () => {
    const svg = ganttChart(withTimeline([item('L', 'backwards', 9, 3), item('L', 'nan', Number.NaN, Number.NaN)]));
    expect(svg.match(/<polygon/g)).toHaveLength(2);
  });

  it('keeps the time of a deployment before the axis and shortens its name instead', () => {
    const name = 'productcatalogservice-with-a-long-name v1.3.0 -> v1.4.0 (code)';
    const svg = ganttChart(withTimeline([{ ...item('Incident', name, -1140), kind: 'deploy' }, item('W', 'x', 2, 5)]));
    const label = svg.match(/<text[^>]*>(productcatalog[^<]*)<\/text>/)?.[1] ?? '';
    expect(label).toMatch(/^productcatalogservice-with-a-long-name.*… \(-1140 min\)$/);
    expect(svg).toContain(`<title>Incident: ${esc(name)}`);
  });

  it('draws the recovery and the alarm when the Incident lane is crowded', () => {
    const deploys = Array.from({ length: 12 }, (_, i) => ({
      ...item('Incident', `svc-${i} v2 (code)`, -20 + i),
      kind: 'deploy' as const,
    }));
    const alarm = { ...item('Incident', 'frontend-alarm fires', 0), kind: 'alarm' as const, outcome: 'ALARM' };
    const recovered = { ...item('Incident', 'recovered', 23), kind: 'recovered' as const, outcome: 'RECOVERED' };
    const svg = ganttChart(withTimeline([...deploys, alarm, item('W', 'x', 2, 5), recovered], 23));
    expect(svg).toMatch(/<polygon [^>]*class="bar k-recovered t-good"\/><text [^>]*>recovered<\/text>/);
    expect(svg).toContain('>frontend-alarm fires</text>');
    expect(svg).toContain('more</text>');
    expect(svg).not.toContain('RECOVERED)');
    expect(svg.match(/<g><title>Incident:/g)).toHaveLength(LANE_CAP);
  });

  it("highlights the culprit's deployment and rollback and says so in the legend", () => {
    const report = exampleReport();
    const html = timelineSection(report);
    const highlighted = [...html.matchAll(/<title>([^\n<]*)\n[^<]*<\/title><rect [^>]*class="hl"/g)].map((m) => m[1]);
    expect(highlighted).toStrictEqual(['Deployments: cartservice v2.4.0', 'Wave 2: roll back cartservice']);
    expect(html).toContain('<li><i class="hl"></i>the culprit, cartservice: its deployment and its rollback</li>');
    const noCulprit = timelineSection(exampleReport({}));
    expect(noCulprit).not.toContain('class="hl"');
  });
});
