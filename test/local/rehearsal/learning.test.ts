// A rehearsal learns the way AWS does: its simulated steps write the timeline the act and gate functions,
// the approval callback and the orchestrator write; the record is what lib/core/learning.ts makes of that
// timeline and the refined model is what lib/aws/learn.ts stored. It plans as synthesis does, too.
import { BUILTIN_MODEL, refine } from '../../../lib/core/model';
import { incidentRecord, type RecordedIncident } from '../../../lib/core/learning';
import { rolledBack, type StepStatus } from '../../../lib/core/tasks';
import { DEFAULT_SCENARIO, DEFAULT_SEED, demoIncident } from '../../../lib/local/rehearsal/demo';
import { rehearse, type Rehearsal } from '../../../lib/local/rehearsal/rehearse';
import { useLocalDynamo } from '../../local-dynamo';

const local = useLocalDynamo();
const incident = demoIncident(DEFAULT_SCENARIO, DEFAULT_SEED);

describe('what a rehearsal learns from', () => {
  let result: Rehearsal;
  let before: string;
  beforeAll(async () => {
    before = (await local.store.currentModel())?.version ?? BUILTIN_MODEL.version;
    result = await rehearse(incident, { approve: 'auto', dynamo: local.dynamo, publish: 'incident', validate: false });
  }, 60_000);

  it('writes the timeline AWS writes: baseline, steps (started, then done), gates, decided approvals, the outcome, the end', async () => {
    const events = await local.store.events(result.incidentId);
    expect([...new Set(events.map((e) => e.type))].sort()).toStrictEqual([
      'approval-decided',
      'baseline',
      'ended',
      'gate',
      'recovered',
      'step',
      // Written before each rollback, so that a function dying after acting leaves the step on the record.
      'step-started',
    ]);
    // Each step in simulated time, as the report draws it: the same services, statuses, start and end.
    const t0 = incident.at;
    const minutes = (iso: string) => Math.round(((Date.parse(iso) - t0) / 60_000) * 100) / 100;
    const steps = events
      .filter((e) => e.type === 'step')
      .map((e) => {
        const s = e.data as { service: string; status: StepStatus; startedAt: string };
        return [s.service, s.status, minutes(s.startedAt), minutes(e.at)];
      });
    const bars = result.report.timeline
      .filter((t) => t.kind === 'act' && rolledBack(t.outcome as StepStatus))
      .map((t) => [t.service, t.outcome, t.startMin, t.endMin]);
    expect(steps).toStrictEqual(bars);
  });

  it('stores the record incidentRecord makes of that timeline: the same timeline in, the same record out', async () => {
    const meta = (await local.store.getIncident(result.incidentId)) as RecordedIncident;
    const plan = await local.store.getPlan(meta.planId ?? '');
    if (!plan) throw new Error('the incident has no plan');
    const timeline = await local.store.events(result.incidentId);
    const stored = (await local.store.records()).filter((r) => r.incidentId === result.incidentId);
    expect(stored).toStrictEqual([incidentRecord(meta, plan, timeline)]);
    // The culprit is what the rollback proved (the simulation's ground truth is not read), at the report's time.
    expect(stored[0]).toMatchObject({
      culprit: incident.culprit?.service,
      at: new Date(incident.at).toISOString(),
      realIncident: true,
    });
    expect(stored[0]?.timeToRecoverySeconds).toBeCloseTo(result.report.outcome.minutes * 60, 0);
  });

  it('reports the model learnFromIncident refined from every record and stored as current', async () => {
    const current = await local.store.currentModel();
    expect(result.model).toStrictEqual({ before, after: current?.version, learned: 'refined' });
    const previous = before === BUILTIN_MODEL.version ? BUILTIN_MODEL : undefined;
    if (previous) expect(current?.version).toBe(refine(previous, await local.store.records()).version);
  });
});

describe('how a rehearsal plans', () => {
  it("publishes the incident's plan through synthesis and runs that plan", async () => {
    const result = await rehearse(incident, {
      approve: 'auto',
      dynamo: local.dynamo,
      publish: 'incident',
      validate: false,
    });
    const pointer = await local.store.getAlarmPlan(incident.alarm);
    expect(pointer?.planId).toBe(result.report.plan.planId);
    expect((await local.store.getIncident(result.incidentId))?.planId).toBe(result.report.plan.planId);
    expect(JSON.stringify(result.report.definition)).toContain(result.report.plan.planId);
  }, 60_000);

  it('leaves out a change an earlier rollback undid, as synthesis does', async () => {
    // Change ids of their own, so that the mark undoes nothing of another test's incident.
    const own = (id: string) => `${id}#undone-test`;
    const undone = {
      ...incident,
      changes: incident.changes.map((c) => ({ ...c, id: own(c.id) })),
      ...(incident.culprit ? { culprit: { ...incident.culprit, changeId: own(incident.culprit.changeId) } } : {}),
    };
    const culprit = undone.culprit?.service ?? '';
    await local.store.putRollbackMark({
      service: culprit,
      changeIds: [undone.culprit?.changeId ?? ''],
      at: new Date(incident.at - 60_000).toISOString(),
      incidentId: 'an-earlier-incident',
    });
    const result = await rehearse(undone, {
      approve: 'auto',
      dynamo: local.dynamo,
      publish: 'incident',
      validate: false,
    });
    const services = result.report.plan.stages.flatMap((s) => s.waves.flatMap((w) => w.steps.map((x) => x.service)));
    expect(services.length).toBeGreaterThan(0);
    expect(services).not.toContain(culprit);
    expect(result.report.plan.suspects.map((s) => s.service)).not.toContain(culprit);
  }, 60_000);
});
