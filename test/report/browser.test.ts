// The report as a phone lays it out: 390 px wide (an iPhone 12 to 15 in CSS pixels), light and dark.
// The page never scrolls sideways; only charts and tables do, inside their own boxes. Skipped, with the
// reason, where /usr/bin/chromium is missing (`.ci/run` installs it).
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { chromium } from 'playwright-core';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startLocalApprovals } from '../../lib/approvals/local';
import { folderArchive } from '../../lib/local/engines/archive';
import { renderReport } from '../../lib/report/html';
import { publishReport } from '../../lib/report/publish';
import { compilePlan } from '../../statemachines/compile';
import { examplePlan } from '../helpers';
import { useLocalDynamo } from '../local-dynamo';
import { syntheticPlan } from '../synthetic-plan';
import { chaosFixture, exampleReport, reportFor } from './fixture';
import { recordIncident } from './recorded';

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
            ['faults', { ...exampleReport(), chaos: chaosFixture() }],
          ] as const) {
            await page.setContent(renderReport(report));
            widths[`${name}, ${colorScheme}`] = await page.evaluate<number>('document.documentElement.scrollWidth');
          }
          await context.close();
        }
        expect(widths).toStrictEqual({
          'example, light': 390,
          'long names, light': 390,
          'faults, light': 390,
          'example, dark': 390,
          'long names, dark': 390,
          'faults, dark': 390,
        });
      } finally {
        await browser.close();
      }
    },
    30_000,
  );
});

const local = useLocalDynamo();

describe('the report of a recorded incident, opened from its notification', () => {
  browserIt(
    `opens through the signed link and fits a desktop and a phone${present ? '' : ` (skipped: ${CHROMIUM} is missing)`}`,
    async () => {
      const plan = examplePlan();
      await local.store.putPlan(plan);
      const archive = folderArchive(mkdtempSync(join(tmpdir(), 'backstep-browser-reports-')));
      const approvals = await startLocalApprovals({ store: local.store, reports: archive });
      const browser = await chromium.launch({ executablePath: CHROMIUM, args: FLAGS });
      try {
        await recordIncident(local.store, approvals, plan, 'inc-browser-1', true);
        const published = await publishReport(
          {
            store: local.store,
            archive,
            notify: () => Promise.resolve(),
            definitionOf: () => Promise.resolve(undefined),
            compile: (p) => compilePlan(p),
            secret: approvals.secret,
            baseUrl: approvals.url,
            linkTtlMs: 3_600_000,
            now: Date.now,
          },
          'inc-browser-1',
          'SUCCEEDED',
        );
        if (published.outcome !== 'published') throw new Error(published.outcome);
        const seen: Record<string, unknown> = {};
        for (const [name, width] of [
          ['desktop', 1280],
          ['phone', 390],
        ] as const) {
          const context = await browser.newContext({ viewport: { width, height: 844 } });
          const page = await context.newPage();
          const response = await page.goto(published.link);
          // SHOTS=dir keeps screenshots, to look at.
          if (process.env['SHOTS'])
            await page.screenshot({ path: join(process.env['SHOTS'], `incident-${name}.png`), fullPage: true });
          seen[name] = {
            status: response?.status(),
            title: await page.title(),
            width: await page.evaluate<number>('document.documentElement.scrollWidth'),
            recovered: (await page.getByText('RECOVERED').count()) > 0,
          };
          await context.close();
        }
        const title = expect.stringContaining('Backstep incident: frontend-5xx on online-boutique') as unknown;
        expect(seen).toStrictEqual({
          desktop: { status: 200, title, width: 1280, recovered: true },
          phone: { status: 200, title, width: 390, recovered: true },
        });
      } finally {
        await browser.close();
        await approvals.close();
      }
    },
    60_000,
  );
});
