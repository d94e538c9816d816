// The demo end to end, on the real local engines: the published plan, the alarm event through intake
// and orchestrator (dynalite), the plan's state machine on the local interpreter with the real task
// handlers over the simulated fleet; then what the report says and what the store keeps.
import { readFileSync, readdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ApprovalPortFactory } from '../../../lib/local/rehearsal/approvals';
import { DEFAULT_SCENARIO, DEFAULT_SEED, demoIncident } from '../../../lib/local/rehearsal/demo';
import { Progress } from '../../../lib/local/rehearsal/progress';
import { rehearse, type Rehearsal } from '../../../lib/local/rehearsal/rehearse';
import { writeReport } from '../../../lib/report/write';
import { useLocalDynamo } from '../../local-dynamo';

const incident = demoIncident(DEFAULT_SCENARIO, DEFAULT_SEED);

function capture(): { progress: Progress; lines: string[] } {
  const lines: string[] = [];
  let text = '';
  const progress = new Progress({
    write: (t) => {
      text += t;
      const parts = text.split('\n');
      text = parts.pop() ?? '';
      lines.push(...parts);
    },
    tty: false,
    color: false,
  });
  return { progress, lines };
}

// One store per describe: locally, two events of one alarm can get one incident id (see rehearse.ts).
describe('rehearse (demo, approvals auto)', () => {
  const local = useLocalDynamo();
  let result: Rehearsal;
  const { progress, lines } = capture();
  beforeAll(async () => {
    result = await rehearse(incident, { approve: 'auto', dynamo: local.dynamo, progress });
  }, 60_000);

  it('recovers, with the culprit as the top suspect, faster than rolling back one change at a time', () => {
    const { report } = result;
    expect(report.outcome.status).toBe('RECOVERED');
    expect(report.culprit?.service).toBe(incident.culprit?.service);
    expect(report.plan.suspects[0]?.service).toBe(incident.culprit?.service);
    const [oneAtATime, alarmedOwn] = report.baselines;
    expect(oneAtATime?.recovered).toBe(true);
    expect(report.outcome.minutes).toBeLessThan(oneAtATime?.minutes ?? 0);
    // The alarm is on a caller of the culprit: rolling back the alarmed service's own deployment does not help.
    expect(incident.alarmed).not.toBe(incident.culprit?.service);
    expect(alarmedOwn?.recovered).toBe(false);
  });

  it("names the service of every deployment and rollback on the timeline, so the report highlights the culprit's exactly", () => {
    const { report } = result;
    const named = report.timeline.filter((t) => t.kind === 'deploy' || t.kind === 'act');
    expect(named.length).toBeGreaterThan(0);
    for (const item of named) expect(item.label.startsWith(item.service ?? '?')).toBe(true);
    expect(named.filter((t) => t.service === incident.culprit?.service).map((t) => t.kind)).toStrictEqual(
      expect.arrayContaining(['deploy', 'act']) as unknown,
    );
  });

  it('reports a timeline in simulated minutes: deployments before the alarm, rollbacks, bakes and gates after it', () => {
    const { report } = result;
    const kinds = new Set(report.timeline.map((t) => t.kind));
    for (const kind of ['deploy', 'alarm', 'plan', 'approval', 'act', 'bake', 'gate', 'recovered'] as const)
      expect(kinds).toContain(kind);
    for (const item of report.timeline) {
      expect(item.endMin).toBeGreaterThanOrEqual(item.startMin);
      if (item.kind === 'deploy') expect(item.startMin).toBeLessThan(0);
      else expect(item.endMin).toBeLessThanOrEqual(report.outcome.minutes + 1e-9);
    }
    const gates = report.gates.filter((g) => g.stage !== 'baseline');
    expect(gates.map((g) => g.outcome)).toStrictEqual(['NOT_YET', 'RECOVERED']);
    expect(gates.map((g) => g.atMin)).toStrictEqual([...gates.map((g) => g.atMin)].sort((a, b) => a - b));
    expect(gates[1]?.atMin).toBe(report.outcome.minutes);
    expect(report.definition.States['Gate 1 · alarms']).toBeDefined();
  });

  it('keeps the incident in the store: the orchestrator record, every step, the lease given back, the refined model', async () => {
    const meta = await local.store.getIncident(result.incidentId);
    expect(meta?.planId).toBe(result.report.plan.planId);
    const types = new Set((await local.store.events(result.incidentId)).map((e) => e.type));
    expect([...types].sort()).toStrictEqual([
      'approval-decided',
      'baseline',
      'ended',
      'gate',
      'recovered',
      'step',
      'step-started',
    ]);
    expect((await local.store.currentModel())?.version).toBe(result.model.after);
    expect(result.model.after).not.toBe(result.model.before);
    const another = { holder: 'another-incident', holderArn: 'arn:aws:states:::execution:o:x', takenAt: '' };
    expect(await local.store.acquireLease(result.application, another)).toStrictEqual({ acquired: true });
    await local.store.releaseLease(result.application, 'another-incident');
    expect(result.duplicateIgnored).toBe(true);
  });

  it('prints progress as it happens: suspects, stages, waves, gates, approvals', () => {
    const text = lines.join('\n');
    expect(text).toMatch(/suspects +1\. /);
    expect(text).toMatch(/stage +targeted/);
    expect(text).toMatch(/wave 1 /);
    expect(text).toMatch(/gate 2 +RECOVERED/);
    expect(text).toMatch(/approval +.* approved by auto-approver/);
  });

  it("narrates the alarm path from the orchestrator's states: intake, lease, the plan's run", () => {
    const text = lines.join('\n');
    expect(text).toMatch(/intake +alarm event is newer than any seen: accepted/);
    expect(text).toMatch(/lease +taken on /);
    expect(text).toMatch(/run +the pre-built plan's state machine \(alias live\) starts/);
    expect(text).toMatch(/lease +released/);
  });

  it('writes the report atomically as one self-contained HTML file', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'backstep-report-'));
    try {
      const path = await writeReport(dir, result.report);
      expect(path).toBe(join(dir, 'report.html'));
      const html = readFileSync(path, 'utf8');
      expect(html.toLowerCase().startsWith('<!doctype html>')).toBe(true);
      expect(html).toContain(result.report.plan.planId);
      expect(html).toContain(incident.culprit?.service);
      expect(html).not.toMatch(/<(script|link|img)[^>]+(src|href)=["']?https?:/i);
      expect(readdirSync(dir)).toStrictEqual(['report.html']);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('rehearse (demo, approvals reject)', () => {
  const local = useLocalDynamo();
  it('halts at the first approval in suggest mode: nothing is rolled back, the incident is recorded as halted', async () => {
    const result = await rehearse(incident, { approve: 'reject', dynamo: local.dynamo });
    const { report } = result;
    expect(report.outcome.status).toBe('HALTED');
    expect(report.plan.stages.every((s) => s.approval)).toBe(true);
    expect(report.timeline.filter((t) => t.kind === 'act')).toStrictEqual([]);
    expect(report.timeline.filter((t) => t.kind === 'approval').map((t) => t.outcome)).toStrictEqual(['rejected']);
    const types = (await local.store.events(result.incidentId)).map((e) => e.type);
    expect(types).toContain('halted');
    expect(types).toContain('approval-decided');
    expect(types).not.toContain('recovered');
  }, 60_000);
});

describe('rehearse (demo, approvals manual)', () => {
  const local = useLocalDynamo();
  it('asks a person through the approval port for every stage, announcing each link', async () => {
    const announced: string[] = [];
    const factory: ApprovalPortFactory = ({ announce }) => ({
      port: {
        request: (input) => {
          const what = input.kind === 'stage' ? input.stage : (input.service ?? '');
          announced.push(what);
          announce(`http://127.0.0.1:1/approvals/${what}`);
          return Promise.resolve({ decision: 'approve', by: 'tester' });
        },
      },
    });
    const { progress, lines } = capture();
    const result = await rehearse(incident, { approve: 'manual', approvals: factory, dynamo: local.dynamo, progress });
    expect(result.report.outcome.status).toBe('RECOVERED');
    expect(result.report.plan.stages.every((s) => s.approval)).toBe(true);
    // Suggest mode: the stage and each of its steps wait for a person, until the incident recovers.
    expect(announced[0]).toBe('targeted');
    expect(announced.length).toBeGreaterThan(1);
    expect(lines.filter((l) => l.startsWith('approval required: '))).toStrictEqual(
      announced.map((what) => `approval required: http://127.0.0.1:1/approvals/${what}`),
    );
  }, 60_000);

  it('fails when no approval server is plugged in', async () => {
    await expect(rehearse(incident, { approve: 'manual', dynamo: local.dynamo })).rejects.toThrow(
      'no approval server: --approve manual: a build with the local approval server',
    );
  });
});
