// Each invariant checker fails on a violation built for it, and passes a clean run; the schedule is
// deterministic and covers every fault kind at every point.
import {
  checkInvariants,
  doubleActions,
  lostDecisions,
  lostEntries,
  silentEnds,
  stuckLeases,
  type IncidentSeen,
  type Observation,
} from '../../../lib/local/chaos/invariants';
import { FAULT_KINDS, FAULT_POINTS, faultFor, faultSchedule } from '../../../lib/local/chaos/schedule';

const incident = (over: Partial<IncidentSeen> = {}): IncidentSeen => ({
  id: 'inc-1',
  timeline: [
    { key: 'step-1-cart', at: '2026-12-03T00:00:00Z', type: 'step', data: {} },
    { key: 'gate-1-0', at: '2026-12-03T00:05:00Z', type: 'gate', data: {} },
    { key: 'approval#a', at: '2026-12-03T00:01:00Z', type: 'approval-decided', data: { approvalId: 'a' } },
  ],
  recovered: true,
  notified: false,
  stoppedByHand: false,
  records: 1,
  ...over,
});

const clean: Observation = {
  actions: [{ service: 'cart', incidentId: 'inc-1', wave: 1 }],
  readings: [{ incidentId: 'inc-1', key: 'gate-1-0' }],
  approvals: [{ incidentId: 'inc-1' }],
  incidents: [incident()],
  live: new Set(),
  oneIncident: true,
};

describe('chaos invariants', () => {
  it('passes a clean run', () => {
    expect(checkInvariants(clean)).toStrictEqual([]);
  });

  it('fails when a step is rolled back twice in one incident, or a storm gets two incidents', () => {
    const twice = { ...clean, actions: [...clean.actions, ...clean.actions] };
    expect(doubleActions(twice).map((v) => v.kind)).toStrictEqual(['double_action']);
    const two = { ...clean, actions: [...clean.actions, { service: 'cart', incidentId: 'inc-2', wave: 1 }] };
    expect(doubleActions(two)).toHaveLength(1);
    expect(doubleActions({ ...two, oneIncident: false })).toStrictEqual([]);
  });

  it('fails when a rollback, a gate reading, an approval or the learning record is missing from the table', () => {
    const bare = incident({ timeline: [] });
    const kinds = lostEntries({ ...clean, incidents: [bare] }).map((v) => v.what);
    expect(kinds).toHaveLength(3);
    expect(lostEntries({ ...clean, incidents: [incident({ records: 0 })] })).toHaveLength(1);
    expect(lostEntries({ ...clean, incidents: [incident({ records: 2 })] })).toHaveLength(1);
    // A step that only got as far as "started" is on the record.
    const started = incident({
      timeline: [
        ...incident().timeline.slice(1),
        { key: 'step-1-cart-started', at: '', type: 'step-started', data: {} },
      ],
    });
    expect(lostEntries({ ...clean, incidents: [started] })).toStrictEqual([]);
  });

  it('fails when the model was not refined on every learning record', () => {
    const model = (current: string | undefined) => ({ current, expected: 'refined-abc' });
    expect(lostEntries({ ...clean, model: model('refined-abc') })).toStrictEqual([]);
    expect(lostEntries({ ...clean, model: model('builtin-2') }).map((v) => v.what)).toStrictEqual([
      'the model is builtin-2, not refined-abc (refined on every record)',
    ]);
    expect(lostEntries({ ...clean, model: model(undefined) })).toHaveLength(1);
  });

  it("fails when a person's decision is lost, recorded twice, applied twice or answered 5xx", () => {
    const decision = { incidentId: 'inc-1', approvalId: 'a', decided: true, answers: [200, 500, 409], crashed: 1 };
    const run = { ...clean, decisions: [decision] };
    expect(lostDecisions(run)).toStrictEqual([]);
    expect(lostDecisions({ ...run, incidents: [incident({ timeline: [] })] }).map((v) => v.kind)).toStrictEqual([
      'lost_entry',
    ]);
    const again = { key: 'approval#a-again', at: '', type: 'approval-decided', data: { approvalId: 'a' } };
    const twice = incident({ timeline: [...incident().timeline, again] });
    expect(lostDecisions({ ...run, incidents: [twice] }).map((v) => v.kind)).toStrictEqual(['double_action']);
    expect(lostDecisions({ ...run, approvals: [] }).map((v) => v.kind)).toStrictEqual(['lost_entry']);
    expect(
      lostDecisions({ ...run, approvals: [...clean.approvals, ...clean.approvals] }).map((v) => v.kind),
    ).toStrictEqual(['double_action']);
    expect(lostDecisions({ ...run, decisions: [{ ...decision, crashed: 0 }] }).map((v) => v.kind)).toStrictEqual([
      'lost_entry',
    ]);
    expect(lostDecisions({ ...run, decisions: [{ ...decision, answers: [200, 0] }] })).toHaveLength(0);
    expect(lostDecisions({ ...run, decisions: [{ ...decision, answers: [200, 0, 0] }] })).toHaveLength(1);
  });

  it('fails when the lease is held by an execution that ended', () => {
    expect(stuckLeases({ lease: { holder: 'inc-1' }, live: new Set() })).toHaveLength(1);
    expect(stuckLeases({ lease: { holder: 'inc-1' }, live: new Set(['inc-1']) })).toStrictEqual([]);
    expect(stuckLeases({ live: new Set() })).toStrictEqual([]);
  });

  it('fails when an incident ends neither recovered nor escalated', () => {
    expect(silentEnds({ incidents: [incident({ recovered: false })] }).map((v) => v.kind)).toStrictEqual([
      'silent_end',
    ]);
    expect(silentEnds({ incidents: [incident({ recovered: false, notified: true })] })).toStrictEqual([]);
    expect(silentEnds({ incidents: [incident({ recovered: false, stoppedByHand: true })] })).toStrictEqual([]);
    // The failed-incident alarm's notification reached the channel: heard, though every escalation was throttled.
    expect(silentEnds({ incidents: [incident({ recovered: false, alarmed: true })] })).toStrictEqual([]);
    expect(silentEnds({ incidents: [incident({ recovered: false, alarmed: false })] })).toHaveLength(1);
  });
});

describe('fault schedule', () => {
  it('draws the same fault for the same seed, and covers every kind at every point', () => {
    expect(faultSchedule(7)).toStrictEqual(faultSchedule(7));
    const all = faultSchedule(7);
    expect(all).toHaveLength(FAULT_KINDS.reduce((n, k) => n + FAULT_POINTS[k].length, 0));
    expect(new Set(all.map((f) => f.kind))).toStrictEqual(new Set(FAULT_KINDS));
  });

  it('fails calls in bursts of one to four, and storms have three alarms or more', () => {
    const seeds = Array.from({ length: 50 }, (_, i) => i);
    const bursts = new Set(seeds.map((s) => faultFor('dynamo-throttle', 'PutItem', s).burst));
    expect([...bursts].sort()).toStrictEqual([1, 2, 3, 4]);
    for (const s of seeds) expect(faultFor('alarm-storm', 'same-alarm', s).burst).toBeGreaterThanOrEqual(3);
  });
});
