// The report as a phone lays it out: 390 px wide (an iPhone 12 to 15 in CSS pixels), light and dark.
// The page never scrolls sideways; only charts and tables do, inside their own boxes. Skipped, with the
// reason, where /usr/bin/chromium is missing (`.ci/run` installs it).
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { chromium } from 'playwright-core';
import { renderReport } from '../../lib/report/html';
import { syntheticPlan } from '../synthetic-plan';
import { exampleReport, reportFor } from './fixture';

const CHROMIUM = '/usr/bin/chromium';
const present = existsSync(CHROMIUM);
if (!present) console.warn(`report browser test skipped: ${CHROMIUM} is missing`);
const browserIt = present ? it : it.skip;
const FLAGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--no-first-run',
];

/** Names as long as real ones get: a 64-hex id, an unbroken service name. */
const long = createHash('sha256').update('report').digest('hex');
const service = `payments-settlement-reconciliation-worker-${long.slice(0, 24)}`;

describe('the report on a phone', () => {
  browserIt(
    `fits 390 px without scrolling sideways, light and dark${present ? '' : ` (skipped: ${CHROMIUM} is missing)`}`,
    async () => {
      const plan = syntheticPlan(3, 2, (w, i) => `${service}-${w}-${i}`);
      const hostile = reportFor(
        { ...plan, incident: { ...plan.incident, alarmed: [long] } },
        { culprit: `${service}-0-0`, title: `Backstep rehearsal: ${long}`, scenario: long },
      );
      const browser = await chromium.launch({ executablePath: CHROMIUM, args: FLAGS });
      try {
        const widths: Record<string, number> = {};
        for (const colorScheme of ['light', 'dark'] as const) {
          const context = await browser.newContext({ viewport: { width: 390, height: 844 }, colorScheme });
          const page = await context.newPage();
          for (const [name, report] of [
            ['example', exampleReport()],
            ['long names', hostile],
          ] as const) {
            await page.setContent(renderReport(report));
            widths[`${name}, ${colorScheme}`] = await page.evaluate<number>('document.documentElement.scrollWidth');
          }
          await context.close();
        }
        expect(widths).toStrictEqual({
          'example, light': 390,
          'long names, light': 390,
          'example, dark': 390,
          'long names, dark': 390,
        });
      } finally {
        await browser.close();
      }
    },
    30_000,
  );
});
