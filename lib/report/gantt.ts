// The execution timeline as a Gantt-like chart: one lane per row name in order of first appearance,
// bars from start to end in simulated minutes (a diamond when an event has no duration), outlined in
// the colour of their outcome. Items of a lane that overlap go on sub-rows; a crowded lane keeps its
// alarm, its ending and its first items and sums up the rest in one bar; the table lists every item.
import { badge, esc, finite, minutes, moreNote, plural, tone, truncate } from './markup';
import { diamond, group, line, rect, svg, text, textWidth } from './svg';
import type { DemoReport, ReportTimelineItem, TimelineKind } from './types';

const WIDTH = 720;
const PLOT_X0 = 128;
const PLOT_X1 = WIDTH - 14;
const AXIS_H = 26;
const ROW = 20;
const BAR_H = 12;
const FONT = 11;
/** Items drawn per lane; the last bar stands for the rest. */
export const LANE_CAP = 8;
/** Lanes drawn; the table still lists the items of the others. */
export const MAX_LANES = 50;
/** Rows of the table under the chart. */
export const MAX_ROWS = 500;

export const KINDS: readonly TimelineKind[] = [
  'deploy',
  'alarm',
  'plan',
  'approval',
  'act',
  'bake',
  'gate',
  'escalate',
  'recovered',
];

export function kindClass(kind: string): string {
  return KINDS.includes(kind as TimelineKind) ? `k-${kind}` : 'k-other';
}

interface Span {
  readonly start: number;
  readonly end: number;
}

/** Start and end as finite numbers, end never before start. */
export function span(item: Pick<ReportTimelineItem, 'startMin' | 'endMin'>): Span {
  const start = finite(item.startMin);
  return { start, end: Math.max(start, finite(item.endMin, start)) };
}

export interface Scale {
  readonly lo: number;
  readonly hi: number;
  readonly step: number;
}

const STEPS = [0.5, 1, 2, 5, 10, 15, 20, 30, 60, 120, 240, 480, 720, 1440, 2880, 10080];

/** A domain in whole ticks (at most about ten), always including minute 0, the alarm. */
export function scale(values: readonly number[]): Scale {
  const lo0 = values.reduce((a, b) => Math.min(a, b), 0);
  const hi0 = values.reduce((a, b) => Math.max(a, b), lo0 + 1);
  const step = STEPS.find((s) => (hi0 - lo0) / s <= 10) ?? Math.ceil((hi0 - lo0) / 10);
  return { lo: Math.floor(lo0 / step) * step, hi: Math.ceil(hi0 / step) * step, step };
}

/**
 * The minutes the axis spans: all of the run, and before the alarm as far back as the run lasted (at
 * least half an hour), so a deployment the day before does not squeeze the run into a sliver.
 */
export function window(report: DemoReport): [number, number] {
  const spans = report.timeline.map(span);
  const last = spans.reduce((m, p) => Math.max(m, p.end), Math.max(1, finite(report.outcome.minutes)));
  const first = spans.reduce((m, p) => Math.min(m, p.start), 0);
  return [Math.max(first, -Math.max(30, last)), last];
}

function x(s: Scale, minute: number): number {
  return PLOT_X0 + ((minute - s.lo) / (s.hi - s.lo)) * (PLOT_X1 - PLOT_X0);
}

/** Lanes in order of first appearance, each cut to LANE_CAP items. */
function lanes(items: readonly ReportTimelineItem[]): [string, ReportTimelineItem[]][] {
  const byLane = new Map<string, ReportTimelineItem[]>();
  for (const item of items) {
    const list = byLane.get(item.lane);
    if (list) list.push(item);
    else byLane.set(item.lane, [item]);
  }
  return [...byLane].map(([lane, list]) => [lane, list.length > LANE_CAP ? summarise(list) : list]);
}

/** Events a crowded lane always draws: the alarm, and how the incident ended. */
const KEY_KINDS: readonly TimelineKind[] = ['alarm', 'recovered', 'escalate'];

/** The key events and the first others, up to LANE_CAP - 1 in their order, then one bar for the rest. */
function summarise(list: readonly ReportTimelineItem[]): ReportTimelineItem[] {
  const keys = list.filter((i) => KEY_KINDS.includes(i.kind)).slice(0, LANE_CAP - 1);
  const others = list.filter((i) => !keys.includes(i));
  const kept = new Set([...keys, ...others.slice(0, LANE_CAP - 1 - keys.length)]);
  const rest = list.filter((i) => !kept.has(i));
  const spans = rest.map(span);
  const counts = new Map<string, number>();
  for (const { outcome } of rest) if (outcome !== undefined) counts.set(outcome, (counts.get(outcome) ?? 0) + 1);
  const outcomes = [...counts].map(([o, n]) => `${n} ${o}`).join(', ');
  const first = rest[0] as ReportTimelineItem;
  const merged: ReportTimelineItem = {
    lane: first.lane,
    kind: first.kind,
    label: `+${rest.length} more${outcomes ? ` (${outcomes})` : ''}`,
    startMin: spans.reduce((a, p) => Math.min(a, p.start), Infinity),
    endMin: spans.reduce((a, p) => Math.max(a, p.end), -Infinity),
    ...(counts.size === 1 && first.outcome !== undefined && counts.get(first.outcome) === rest.length
      ? { outcome: first.outcome }
      : {}),
  };
  return [...list.filter((i) => kept.has(i)), merged];
}

/** A deployment or rollback of the culprit: by its service, or by a label that starts or ends with it. */
export function isCulprit(item: ReportTimelineItem, culprit: string): boolean {
  if (item.kind !== 'deploy' && item.kind !== 'act') return false;
  if (item.service !== undefined) return item.service === culprit;
  const { label } = item;
  return (
    label === culprit ||
    label.startsWith(`${culprit} `) ||
    label.startsWith(`${culprit}:`) ||
    label.endsWith(` ${culprit}`)
  );
}

interface Placed {
  readonly item: ReportTimelineItem;
  readonly x0: number;
  readonly x1: number;
  /** Drawn as a diamond: no duration, or over before the axis starts. */
  readonly mark: boolean;
  readonly clamped: boolean;
  readonly label: string;
  readonly labelX: number;
  readonly anchor: 'start' | 'end';
  readonly from: number;
  readonly to: number;
}

/** Longest label drawn, in characters, not counting the time of an event before the axis. */
const LABEL_MAX = 56;

/** A label of at most `max` characters: the name is shortened, the suffix (a time) never. */
function fit(name: string, suffix: string, max: number): string {
  return truncate(name, Math.max(4, max - Array.from(suffix).length)) + suffix;
}

/**
 * Where an item's bar and label go: the label right of the bar, or left when that runs off. What
 * ended before the axis starts (a deployment the day before) sits at its start, its time in the label:
 * a long name is shortened to keep that time.
 */
function place(s: Scale, item: ReportTimelineItem): Placed {
  const { start, end } = span(item);
  const clamped = end < s.lo;
  const mark = clamped || end === start;
  const x0 = x(s, Math.max(start, s.lo));
  const x1 = mark ? x0 : Math.max(x(s, end), x0 + 2);
  const suffix = clamped ? ` (${minutes(start)})` : '';
  const base = { item, x0, x1, mark, clamped };
  let label = fit(item.label, suffix, LABEL_MAX + Array.from(suffix).length);
  const width = textWidth(label, FONT);
  const right = (mark ? x0 + 8 : x1 + 4) + width;
  if (right <= WIDTH - 2) return { ...base, label, labelX: right - width, anchor: 'start', from: x0 - 7, to: right };
  const left = (mark ? x0 - 8 : x0 - 4) - width;
  if (left >= PLOT_X0 - 8) return { ...base, label, labelX: left + width, anchor: 'end', from: left, to: x1 + 7 };
  label = fit(item.label, suffix, Math.floor((WIDTH - 2 - x1 - 8) / (FONT * 0.58)));
  return { ...base, label, labelX: x1 + 8, anchor: 'start', from: x0 - 7, to: WIDTH };
}

/** Sub-rows: each item goes on the first row where it does not overlap what is already there. */
function pack(placed: readonly Placed[]): Placed[][] {
  const rows: Placed[][] = [];
  for (const p of [...placed].sort((a, b) => a.from - b.from)) {
    const row = rows.find((r) => (r[r.length - 1]?.to ?? -Infinity) + 4 <= p.from);
    if (row) row.push(p);
    else rows.push([p]);
  }
  return rows;
}

function drawItem(p: Placed, y: number, culprit: string | undefined): string {
  const { item } = p;
  const hl =
    culprit !== undefined && isCulprit(item, culprit) ? rect(p.from, y - 3, p.to - p.from, BAR_H + 6, 'hl', 3) : '';
  const { start, end } = span(item);
  const cls = `bar ${kindClass(item.kind)} t-${tone(item.outcome)}${p.clamped ? ' clamped' : ''}`;
  const shape = p.mark ? diamond(p.x0, y + BAR_H / 2, 6, cls) : rect(p.x0, y, p.x1 - p.x0, BAR_H, cls, 2);
  const when = end === start ? minutes(start) : `${minutes(start)} to ${minutes(end)}`;
  const title = `${item.lane}: ${item.label}\n${item.kind}, ${when}${item.outcome ? `\noutcome: ${item.outcome}` : ''}`;
  return group(title, hl + shape + text(p.labelX, y + BAR_H - 2, p.label, { anchor: p.anchor }));
}

function axis(s: Scale, height: number): string {
  const parts: string[] = [];
  for (let m = s.lo; m <= s.hi + 1e-9; m += s.step) {
    const at = x(s, m);
    parts.push(line(at, AXIS_H - 6, at, height, 'axis'));
    parts.push(text(at, AXIS_H - 10, `${Math.round(m * 10) / 10}`, { cls: 'muted small', anchor: 'middle' }));
  }
  parts.push(text(4, AXIS_H - 10, 'minutes from alarm', { cls: 'muted small' }));
  const zero = x(s, 0);
  parts.push(line(zero, AXIS_H - 4, zero, height, 'zero'));
  return parts.join('');
}

export function ganttChart(report: DemoReport): string {
  const all = lanes(report.timeline);
  const drawn = all.slice(0, MAX_LANES);
  const s = scale(window(report));
  const body: string[] = [];
  let y = AXIS_H;
  drawn.forEach(([lane, items], i) => {
    const rows = pack(items.map((item) => place(s, item)));
    const height = rows.length * ROW + 4;
    if (i % 2 === 0) body.push(rect(0, y, WIDTH, height, 'lane'));
    body.push(group(lane, text(6, y + 15, truncate(lane, 19), { cls: 'strong' })));
    rows.forEach((row, r) => body.push(...row.map((p) => drawItem(p, y + 4 + r * ROW, report.culprit?.service))));
    y += height;
  });
  if (all.length > drawn.length) {
    body.push(text(6, y + 15, `+${plural(all.length - drawn.length, 'more lane')} not drawn (see the table)`));
    y += ROW + 4;
  }
  const label = `Execution timeline: ${plural(report.timeline.length, 'event')} in ${plural(all.length, 'lane')}`;
  return svg(WIDTH, y + 4, label, axis(s, y) + body.join(''));
}

function legend(report: DemoReport): string {
  const kinds = KINDS.filter((k) => report.timeline.some((i) => i.kind === k));
  const items = kinds.map((k) => `<li><i class="${kindClass(k)}"></i>${esc(k)}</li>`);
  const culprit = report.culprit?.service;
  if (culprit !== undefined && report.timeline.some((i) => isCulprit(i, culprit))) {
    items.push(`<li><i class="hl"></i>the culprit, ${esc(culprit)}: its deployment and its rollback</li>`);
  }
  items.push('<li>outline: <span class="t-good">good</span> (rolled back, approved, recovered), ');
  items.push('<span class="t-wait">waiting</span>, <span class="t-neutral">neutral</span> (manual, skipped), ');
  items.push('<span class="t-bad">bad</span> (failed, rejected, worse) outcome; ◆ an event without duration; ');
  items.push('a time in brackets: earlier than the axis, drawn at its start</li>');
  return `<ul class="legend">${items.join('')}</ul>`;
}

function table(items: readonly ReportTimelineItem[]): string {
  const rows = items.slice(0, MAX_ROWS).map((item) => {
    const { start, end } = span(item);
    return (
      `<tr><td>${esc(item.lane)}</td><td>${esc(item.kind)}</td><td>${esc(item.label)}</td>` +
      `<td class="num">${esc(minutes(start))}</td><td class="num">${esc(minutes(end))}</td>` +
      `<td>${item.outcome ? badge(item.outcome) : ''}</td></tr>`
    );
  });
  return (
    `<details><summary>Every event as a table (${esc(plural(items.length, 'event'))})</summary>` +
    `<div class="scroll"><table><thead><tr><th>Lane</th><th>Kind</th><th>Event</th><th class="num">Start</th>` +
    `<th class="num">End</th><th>Outcome</th></tr></thead><tbody>${rows.join('')}</tbody></table></div>` +
    `${moreNote(items.length, MAX_ROWS, 'events')}</details>`
  );
}

export function timelineSection(report: DemoReport): string {
  if (report.timeline.length === 0) return '<p>No timeline was recorded.</p>';
  return ganttChart(report) + legend(report) + table(report.timeline);
}
