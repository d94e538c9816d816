// A report of an incident as it really ran, built only from what it recorded on the store (dynalite):
// the compiled plan run by the real task handlers (steps and gate readings on the timeline), a person
// approving over HTTP through the real local approval server (who decided, on the timeline), and the
// orchestrator's outcome entry.
import { writeFileSync } from 'node:fs';
import { startLocalApprovals, type LocalApprovals } from '../../lib/approvals/local';
import { incidentReport } from '../../lib/report/from-incident';
import { renderReport } from '../../lib/report/html';
import { compilePlan } from '../../statemachines/compile';
import { examplePlan } from '../helpers';
import { useLocalDynamo } from '../local-dynamo';
import { recordIncident } from './recorded';

const local = useLocalDynamo();
const plan = examplePlan();
let approvals: LocalApprovals;

beforeAll(async () => {
  await local.store.putPlan(plan);
  approvals = await startLocalApprovals({ store: local.store });
});
afterAll(() => approvals.close());

async function reportOf(incidentId: string, recovers: boolean) {
  await recordIncident(local.store, approvals, plan, incidentId, recovers);
  const meta = await local.store.getIncident(incidentId);
  if (!meta) throw new Error('no incident recorded');
  return incidentReport({
    meta,
    plan,
    events: await local.store.events(incidentId),
    definition: compilePlan(plan),
    generatedAt: new Date().toISOString(),
  });
}

describe('a report from a recorded incident', () => {
  it('shows the rollbacks, gate readings, approvals and recovery the incident recorded, in real minutes', async () => {
    const report = await reportOf('inc-report-1', true);
    expect(report.outcome.status).toBe('RECOVERED');
    const acts = report.timeline.filter((t) => t.kind === 'act');
    expect(acts.map((t) => [t.service, t.outcome])).toContainEqual(['frontend', 'ROLLED_BACK']);
    expect(report.gates.map((g) => g.outcome)).toContain('RECOVERED');
    // Without a sign-in, who decided is where the decision came from (rule 5).
    expect(report.timeline.filter((t) => t.kind === 'approval').map((t) => t.label)).toContain(
      'frontend approved from 127.0.0.1',
    );
    // The wave after which the alarms recovered proves the culprit, as learning reads it.
    const recovering = report.gates.find((g) => g.outcome === 'RECOVERED')?.wave;
    expect(recovering).toBeDefined();
    expect(acts.filter((t) => t.lane === `Wave ${recovering}`).map((t) => t.service)).toContain(
      report.culprit?.service,
    );
    const html = renderReport(report);
    // REPORT_OUT=file.html keeps it, to look at in a browser.
    if (process.env['REPORT_OUT']) writeFileSync(process.env['REPORT_OUT'], html);
    expect(html).toContain('Backstep incident: frontend-5xx on online-boutique');
    expect(html).toContain('<dt>Application</dt><dd>online-boutique</dd>');
    expect(html).not.toContain('Seed');
    expect(html).not.toContain('simulated');
    expect(html).not.toContain('compared');
  });

  it('reads a halted incident as halted, with the reason, and blames no one', async () => {
    const report = await reportOf('inc-report-2', false);
    expect(report.outcome).toMatchObject({ status: 'HALTED', detail: 'halted: still in ALARM after every stage' });
    expect(report.culprit).toBeUndefined();
    expect(renderReport(report)).toContain('No rollback proved a culprit');
  });
});
