// A person at a (headless) browser: a local run of a plan whose every stage waits for approval; each
// printed link is opened in Chromium, checked, and approved with its button; the run goes on to its end.
// Skipped, with the reason, where /usr/bin/chromium is missing (`.ci/run` installs it).
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type BrowserContext } from 'playwright-core';
import { startLocalApprovals, type PendingApproval } from '../../lib/approvals/local';
import { printApprovalLinks, suggestCatalog } from '../../lib/local/rehearsal/manual-approvals';
import { parseCatalog } from '../../lib/core/catalog';
import { runLocally } from '../../lib/local/engines/runner';
import { compilePlan } from '../../statemachines/compile';
import { examplePlan, fixture } from '../helpers';
import { useLocalDynamo } from '../local-dynamo';
import { exampleRunHandlers } from './support';

const CHROMIUM = '/usr/bin/chromium';
/** Without the background-networking flags Chromium keeps calling home, which floods a closed network. */
const FLAGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];
const present = existsSync(CHROMIUM);
if (!present) console.warn(`browser test skipped: ${CHROMIUM} is missing (apt-get install chromium; .ci/run does)`);
const browserIt = present ? it : it.skip;

const local = useLocalDynamo();

interface Seen {
  readonly title: string | null;
  readonly text: string;
  readonly viewport: string | null;
  readonly confirmation: string | null;
  readonly foreign: readonly string[];
}

describe('an approval in a browser', () => {
  browserIt(
    `opens each printed link in Chromium, approves it, and the run goes on to its end${present ? '' : ` (skipped: ${CHROMIUM} is missing)`}`,
    async () => {
      const catalog = suggestCatalog(parseCatalog(fixture('examples/online-boutique/catalog.json'), 'catalog.json'));
      const plan = examplePlan({ catalog });
      expect(plan.stages[0]?.approval).toBe(true);
      await local.store.putPlan(plan);
      const approvals = await startLocalApprovals({ store: local.store });
      const profile = mkdtempSync(join(tmpdir(), 'backstep-chromium-'));
      let context: BrowserContext | undefined;
      try {
        context = await chromium.launchPersistentContext(profile, {
          executablePath: CHROMIUM,
          headless: true,
          args: FLAGS,
        });
        const browser = context;
        const printed: string[] = [];
        printApprovalLinks(approvals, { write: (text: string) => printed.push(text) });
        const seen: Seen[] = [];
        const pendings: PendingApproval[] = [];
        let chain = Promise.resolve();
        approvals.onPending((p) => {
          pendings.push(p);
          chain = chain.then(async () => {
            seen.push(await approveInBrowser(browser, p.url, approvals.url));
          });
        });

        const handlers = exampleRunHandlers(local.store, approvals.port);
        const incident = { id: 'inc-browser', alarms: ['frontend-5xx'], at: plan.incident.at };
        const result = await runLocally(compilePlan(plan), { incident }, handlers);
        await chain;

        expect(result.status).toBe('SUCCEEDED');
        expect(result.path.at(-1)).toBe('Recovered');
        expect(result.path[2]).toBe('Approve stage targeted');
        expect(printed).toStrictEqual(pendings.map((p) => `approval required: ${p.url}\n`));
        expect(seen.map((s) => s.title)).toStrictEqual([
          'Approve stage targeted',
          'Approve rolling back frontend',
          'Approve rolling back cartservice',
        ]);
        seen.forEach((s, i) => {
          const approval = pendings[i]?.approval;
          expect(s.viewport).toBe('width=device-width,initial-scale=1');
          expect(s.text).toContain('id inc-browser');
          expect(s.text).toContain('cartservice (score 1.00)');
          expect(s.text).toContain(approval?.why[0]);
          expect(s.text).toContain(`${approval?.expiresAt} (in 60 min)`);
          expect(s.confirmation).toBe('Approved: the rollback goes ahead');
          expect(s.foreign).toStrictEqual([]);
        });
        expect(seen[0]?.text).toContain('roll back frontend (ECS boutique/frontend');
        for (const p of pendings) {
          expect(await local.store.getApproval(p.approval.approvalId)).toMatchObject({
            status: 'DECIDED',
            decision: 'approve',
          });
        }
      } finally {
        await context?.close();
        await approvals.close();
        rmSync(profile, { recursive: true, force: true });
      }
    },
    180_000,
  );
});

/** Opens the link, reads the page, presses Approve, and reads the confirmation. */
async function approveInBrowser(context: BrowserContext, url: string, origin: string): Promise<Seen> {
  const page = await context.newPage();
  const foreign: string[] = [];
  page.on('request', (r) => {
    if (!r.url().startsWith(origin)) foreign.push(r.url());
  });
  try {
    await page.goto(url);
    const title = await page.textContent('h1');
    const text = await page.innerText('main');
    const viewport = await page.getAttribute('meta[name="viewport"]', 'content');
    await Promise.all([page.waitForURL(url, { waitUntil: 'load' }), page.click('button[value="approve"]')]);
    await page.waitForSelector('h1:has-text("Approved")');
    const confirmation = await page.textContent('h1');
    return { title, text, viewport, confirmation, foreign };
  } finally {
    await page.close();
  }
}
