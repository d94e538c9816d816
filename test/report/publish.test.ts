// When an incident ends: its report into the archive, one notification with a signed link to it, and the
// `reported` entry that makes a retried delivery change nothing. The incident is recorded on dynalite by
// the real handlers; the archive is a real folder; the link is opened over real HTTP.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startLocalApprovals, type LocalApprovals } from '../../lib/approvals/local';
import { verifyLink } from '../../lib/approvals/link';
import type { Plan } from '../../lib/core/plan';
import { folderArchive } from '../../lib/local/engines/archive';
import { publishReport, REPORTED, subject, type ReportPorts } from '../../lib/report/publish';
import type { Asl } from '../../statemachines/asl';
import { compilePlan } from '../../statemachines/compile';
import { get } from '../approvals/support';
import { examplePlan } from '../helpers';
import { useLocalDynamo } from '../local-dynamo';
import { recordIncident } from './recorded';

const local = useLocalDynamo();
const plan = examplePlan();
const archive = folderArchive(mkdtempSync(join(tmpdir(), 'backstep-reports-')));
const DAY = 86_400_000;
let approvals: LocalApprovals;

beforeAll(async () => {
  await local.store.putPlan(plan);
  approvals = await startLocalApprovals({ store: local.store, reports: archive });
});
afterAll(() => approvals.close());

function ports(sent: { subject: string; message: string }[], overrides: Partial<ReportPorts> = {}): ReportPorts {
  return {
    store: local.store,
    archive,
    notify: (subject, message) => {
      sent.push({ subject, message });
      return Promise.resolve();
    },
    definitionOf: () => Promise.resolve(undefined),
    compile: (p: Plan) => compilePlan(p),
    secret: approvals.secret,
    baseUrl: approvals.url,
    linkTtlMs: 7 * DAY,
    now: Date.now,
    ...overrides,
  };
}

describe('publishing the report of an ended incident', () => {
  it('writes the report, sends one notification whose signed link opens it, and marks the incident reported', async () => {
    await recordIncident(local.store, approvals, plan, 'inc-publish-1', true);
    const sent: { subject: string; message: string }[] = [];
    const ran: Asl = { ...compilePlan(plan), Comment: 'the published version 7' };
    const published = await publishReport(
      ports(sent, { definitionOf: () => Promise.resolve(ran) }),
      'inc-publish-1',
      'SUCCEEDED',
    );
    expect(published.outcome).toBe('published');
    if (published.outcome !== 'published') return;
    expect(sent).toHaveLength(1);
    expect(sent[0]?.subject).toMatch(/^Backstep online-boutique: recovered in [0-9.]+ min$/);
    expect(sent[0]?.message).toContain(`Report: ${published.link}`);
    expect(sent[0]?.message).toContain(`the report is kept at ${archive.where('inc-publish-1')}`);
    expect(sent[0]?.message).toContain('Rolled back: frontend');

    const u = new URL(published.link);
    const check = verifyLink(approvals.secret, u.pathname, Object.fromEntries(u.searchParams), 'report');
    expect(check).toMatchObject({ ok: true, id: 'inc-publish-1' });
    if (check.ok) expect(check.expiresAtMs).toBeGreaterThan(Date.now() + 7 * DAY - 60_000);

    // What the link opens is what the archive holds: the definition that ran, the rollbacks, the approval.
    const page = await get(published.link);
    expect(page.status).toBe(200);
    expect(page.body).toBe(await archive.get('inc-publish-1'));
    expect(page.body).toContain('the published version 7');
    expect(page.body).toContain('Backstep incident: frontend-5xx on online-boutique');
    expect(page.body).toContain('frontend approved from 127.0.0.1');

    const events = await local.store.events('inc-publish-1');
    expect(events.filter((e) => e.key === REPORTED)).toHaveLength(1);
  });

  it('changes nothing when the same ending is delivered again: no second report, no second email', async () => {
    const sent: { subject: string; message: string }[] = [];
    const before = await archive.get('inc-publish-1');
    expect(await publishReport(ports(sent), 'inc-publish-1', 'SUCCEEDED')).toStrictEqual({
      outcome: 'already-published',
    });
    expect(sent).toStrictEqual([]);
    expect(await archive.get('inc-publish-1')).toBe(before);
  });

  it('publishes again on the next delivery when the notification failed: late, never silent', async () => {
    await recordIncident(local.store, approvals, plan, 'inc-publish-2', false);
    const failing = ports([], { notify: () => Promise.reject(new Error('SNS throttled')) });
    await expect(publishReport(failing, 'inc-publish-2', 'FAILED')).rejects.toThrow('SNS throttled');
    expect((await local.store.events('inc-publish-2')).some((e) => e.key === REPORTED)).toBe(false);
    const sent: { subject: string; message: string }[] = [];
    const again = await publishReport(ports(sent), 'inc-publish-2', 'FAILED');
    expect(again.outcome).toBe('published');
    expect(sent.map((s) => s.subject)).toStrictEqual(['Backstep online-boutique: halted, people take over']);
    // The definition that ran was not found: the report says it compiled the plan again.
    expect(await archive.get('inc-publish-2')).toContain('compiled again from the plan');
  });

  it('says how an incident stopped by hand ended', async () => {
    await local.store.createIncident({
      incidentId: 'inc-publish-3',
      application: 'online-boutique',
      alarms: ['frontend-5xx'],
      startedAt: new Date(Date.now() - 120_000).toISOString(),
      planId: plan.planId,
    });
    const sent: { subject: string; message: string }[] = [];
    const published = await publishReport(ports(sent), 'inc-publish-3', 'ABORTED');
    expect(published.outcome === 'published' && published.report.outcome).toMatchObject({
      status: 'ESCALATED',
      detail: 'the incident ended without a recorded outcome (its execution was stopped by hand)',
    });
    expect(sent[0]?.subject).toBe('Backstep online-boutique: ended without recovering');
  });

  it('reports nothing for an alarm that joined another incident or was ignored', async () => {
    const sent: { subject: string; message: string }[] = [];
    expect(await publishReport(ports(sent), 'never-an-incident', 'SUCCEEDED')).toStrictEqual({
      outcome: 'not-an-incident',
    });
    expect(sent).toStrictEqual([]);
  });
});

describe('the notification subject', () => {
  it('stays printable ASCII under 100 characters, whatever the application is called', () => {
    const report = (scenario: string) =>
      ({ scenario, outcome: { status: 'RECOVERED', minutes: 12.5, detail: '' } }) as Parameters<typeof subject>[0];
    const long = subject(report(`checkout-${'x'.repeat(200)}`));
    expect(long.length).toBeLessThan(100);
    expect(long).toMatch(/^Backstep checkout-x+\.\.\.: recovered in 12\.5 min$/);
    expect(subject(report('caf\u00e9\nbar'))).toBe('Backstep caf??bar: recovered in 12.5 min');
  });
});
