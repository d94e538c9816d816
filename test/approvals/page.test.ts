// The approval page as a phone shows it: the incident said once, its 64-hex id free to wrap, dark mode
// from the phone's setting. Where /usr/bin/chromium is present, the page is laid out at 390 px wide
// (an iPhone 12 to 15 in CSS pixels) and must not scroll sideways.
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { chromium } from 'playwright-core';
import { decidedPage, pendingPage } from '../../lib/approvals/page';
import { approvalView, type ApprovalSummary } from '../../lib/approvals/view';
import { examplePlan, T0 } from '../helpers';

const INCIDENT = createHash('sha256').update('incident').digest('hex');

const record: ApprovalSummary = {
  approvalId: 'a',
  incidentId: INCIDENT,
  planId: 'p',
  kind: 'stage',
  stage: 'targeted',
  application: 'online-boutique',
  why: ['production stage: a person decides'],
  nonce: 'n',
  expiresAt: new Date(T0 + 3_600_000).toISOString(),
  status: 'PENDING',
};
const plan = examplePlan();
const view = approvalView(record, plan, T0);
const pending = pendingPage(view, 'nonce');
const decided = decidedPage({ ...record, decision: 'approve', decidedAt: new Date(T0).toISOString() }, view, true);

describe('the approval page', () => {
  it('names the incident once, with its id as code that may wrap', () => {
    const text = pending.replace(/<style>[\s\S]*?<\/style>/, '').replace(/<[^>]+>/g, ' ');
    expect(text).not.toMatch(/Incident\s+Incident/i);
    expect(pending).toContain(`<h2>Incident</h2><ul><li>id <code>${INCIDENT}</code></li>`);
    expect(pending).toMatch(/h1,p,li\{overflow-wrap:anywhere\}/);
  });

  it('follows the phone into dark mode', () => {
    expect(pending).toContain('<meta name="color-scheme" content="light dark">');
    expect(pending).toContain('@media (prefers-color-scheme:dark)');
  });
});

const CHROMIUM = '/usr/bin/chromium';
const present = existsSync(CHROMIUM);
const browserIt = present ? it : it.skip;
const FLAGS = ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update'];

describe('the approval page on a phone', () => {
  browserIt(
    `fits 390 px without scrolling sideways, light and dark${present ? '' : ` (skipped: ${CHROMIUM} is missing)`}`,
    async () => {
      const browser = await chromium.launch({ executablePath: CHROMIUM, args: [...FLAGS, '--no-first-run'] });
      try {
        const seen: [string, number, string][] = [];
        for (const colorScheme of ['light', 'dark'] as const) {
          const context = await browser.newContext({ viewport: { width: 390, height: 844 }, colorScheme });
          const page = await context.newPage();
          for (const [name, html] of [
            ['pending', pending],
            ['decided', decided],
          ] as const) {
            await page.setContent(html);
            const width = await page.evaluate<number>('document.documentElement.scrollWidth');
            const background = await page.evaluate<string>('getComputedStyle(document.body).backgroundColor');
            seen.push([`${name} ${colorScheme}`, width, background]);
          }
          await context.close();
        }
        for (const [, width] of seen) expect(width).toBeLessThanOrEqual(390);
        expect(seen.map(([, , bg]) => bg)).toStrictEqual([
          'rgb(244, 245, 247)',
          'rgb(244, 245, 247)',
          'rgb(13, 17, 23)',
          'rgb(13, 17, 23)',
        ]);
      } finally {
        await browser.close();
      }
    },
    30_000,
  );
});
