// Writes a rehearsal's report as one self-contained HTML file, atomically (a temp file renamed into
// place): a reader never sees half a report. The page is a placeholder until the renderer
// (`renderReport` in html.ts) replaces `render` below.
import { mkdirSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { DemoReport } from './types';

export const REPORT_FILE = 'report.html';

/** Writes `<dir>/report.html` and returns its path. */
export function writeReport(dir: string, report: DemoReport): string {
  mkdirSync(dir, { recursive: true });
  const path = join(dir, REPORT_FILE);
  const temp = join(dir, `.${REPORT_FILE}.${process.pid}.tmp`);
  writeFileSync(temp, render(report));
  renameSync(temp, path);
  return path;
}

function render(report: DemoReport): string {
  const title = escapeHtml(report.title);
  return `<!doctype html>
<html lang="en">
<head><meta charset="utf-8"><title>${title}</title></head>
<body>
<h1>${title}</h1>
<pre>${escapeHtml(JSON.stringify(report, null, 2))}</pre>
</body>
</html>
`;
}

function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}
