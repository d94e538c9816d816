// The incident report as one self-contained HTML document: inline CSS and SVG, no script, no external
// reference (a Content-Security-Policy says so to the browser too), every value escaped.
import { definitionSection } from './definition';
import { planSection } from './diagram';
import { faultsSection } from './faults';
import { timelineSection } from './gantt';
import { esc, section } from './markup';
import { STYLE } from './style';
import { header, summarySection } from './summary';
import { gatesSection, suspectsSection } from './tables';
import type { DemoReport } from './types';

const CSP = "default-src 'none'; style-src 'unsafe-inline'";

type Section = readonly [id: string, title: string, render: (report: DemoReport) => string];

const SECTIONS: readonly Section[] = [
  ['summary', 'Summary', summarySection],
  ['plan', 'Plan', planSection],
  ['timeline', 'Execution timeline', timelineSection],
  ['suspects', 'Suspects', suspectsSection],
  ['gates', 'Gate readings', gatesSection],
  ['definition', 'State machine', (report) => definitionSection(report.definition)],
];

/** A chaos demo's faults come right after the summary: they are what the run was for. */
const FAULTS: Section = ['faults', 'Faults injected', faultsSection];

export function renderReport(report: DemoReport): string {
  const sections = report.chaos ? [...SECTIONS.slice(0, 1), FAULTS, ...SECTIONS.slice(1)] : SECTIONS;
  const nav = sections.map(([id, title]) => `<a href="#${esc(id)}">${esc(title)}</a>`).join('');
  const body = sections.map(([id, title, render]) => section(id, title, render(report))).join('\n');
  return (
    '<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">' +
    '<meta name="viewport" content="width=device-width, initial-scale=1">' +
    '<meta name="color-scheme" content="light dark">' +
    `<meta http-equiv="Content-Security-Policy" content="${esc(CSP)}">` +
    `<title>${esc(report.title)}</title><style>${STYLE}</style></head>\n<body>` +
    `${header(report)}<nav>${nav}</nav>\n${body}\n` +
    `<footer class="note"><p>Backstep incident report. Times are ${report.origin === 'incident' ? 'minutes since the incident started' : 'simulated minutes since the alarm'}.</p></footer>` +
    '</body></html>\n'
  );
}
