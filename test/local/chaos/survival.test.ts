// How a chaos demo says each fault was survived: read from what followed it (the state machine's events,
// the fleet's log, the timeline, the deliveries), so the same fault reads differently when the run went
// on differently.
import type { Delivery } from '../../../lib/local/engines/orchestrator';
import type { RunEvent } from '../../../lib/local/engines/runner';
import { survivalsOf, type After, type SeenFault, type Trace } from '../../../lib/local/chaos/survival';
import type { Fault } from '../../../lib/local/chaos/schedule';

const ROLLBACK: Fault = { kind: 'rollback-throttle', point: 'rollback', call: 1, burst: 1 };
const STATE = 'Wave 1 · roll back cart (ecs)';

function fault(threw: string | undefined): SeenFault {
  return {
    injected: { kind: ROLLBACK.kind, point: ROLLBACK.point, call: 1, error: 'ThrottlingException' },
    fault: ROLLBACK,
    invocation: { place: { task: 'act', service: 'cart', wave: 1 }, ...(threw ? { threw } : {}) },
    at: 2,
    seq: 1,
  };
}

function trace(faults: SeenFault[], then: readonly RunEvent['type'][]): Trace {
  const events = then.map((type, i) => ({
    seq: 2 + i,
    execution: 'plan' as const,
    event: {
      type,
      at: 0,
      state: STATE,
      stateType: 'Task',
      ...(type === 'StateFailed' ? { error: 'Backstep.Transient' } : {}),
    },
  }));
  return { faults, events, happenings: [], learnAttempts: 0, readings: [], approvals: [] };
}

const recovered: After = {
  incidentId: 'inc-1',
  actions: [{ service: 'cart', incidentId: 'inc-1', wave: 1 }],
  timeline: [{ key: 'step-1-cart', at: '2026-01-01T00:00:00Z', type: 'step', data: { status: 'ROLLED_BACK' } }],
  records: 1,
  outcome: { status: 'RECOVERED', minutes: 12, detail: 'incident alarms OK' },
  notified: false,
};

describe('survivalsOf', () => {
  it('says the state machine retried the step, and what the fleet and the timeline show after', () => {
    const seen = fault('Backstep.Transient');
    const lines = survivalsOf(trace([seen], ['StateFailed', 'StateRetried', 'StateExited']), recovered).get(seen);
    expect(lines).toStrictEqual([
      `"${STATE}" failed with Backstep.Transient and the state machine retried it`,
      "cart rolled back once in wave 1, by the fleet's log",
      'its step is on the timeline: ROLLED_BACK',
    ]);
  });

  it('says the failure was caught and the incident escalated, and whether anyone heard', () => {
    const seen = fault('Backstep.Transient');
    const after: After = {
      ...recovered,
      actions: [],
      timeline: [],
      outcome: { status: 'ESCALATED', minutes: 9, detail: 'action-failed: wave 1: cart failed' },
      notified: true,
    };
    const lines = survivalsOf(trace([seen], ['StateFailed', 'StateCaught']), after).get(seen);
    expect(lines).toStrictEqual([
      `"${STATE}" failed with Backstep.Transient; the state machine caught it instead of retrying`,
      "cart not rolled back in wave 1, by the fleet's log",
      'its step has no result on the timeline',
      'the incident escalated (action-failed: wave 1: cart failed); the escalation reached the notification channel',
    ]);
  });

  it('says the function went on when the fault did not end its invocation', () => {
    const seen = fault(undefined);
    const lines = survivalsOf(trace([seen], ['StateExited']), recovered).get(seen);
    expect(lines?.[0]).toBe('the function handled the error and went on');
  });

  it('tells each delivery of an extra alarm event by what the intake and the orchestrator did', () => {
    const event: Fault = { kind: 'alarm-storm', point: 'same-alarm', call: 1, burst: 3 };
    const run = (path: string[]): Delivery => ({
      duplicate: false,
      name: 'inc-2',
      run: { status: 'SUCCEEDED', events: [], path },
    });
    const deliveries: SeenFault['delivery'][] = [{ duplicate: true }, 'filtered', run(['Take lease', 'Joined'])];
    const seen = deliveries.map((delivery, i): SeenFault => ({
      injected: { kind: event.kind, point: event.point, call: 1, error: 'ALARM event' },
      fault: event,
      invocation: { place: { task: 'delivery' } },
      at: 0,
      seq: i + 1,
      ...(delivery ? { delivery } : {}),
    }));
    const lines = survivalsOf(trace(seen, []), recovered);
    expect(seen.map((s) => lines.get(s)?.[0])).toStrictEqual([
      "the intake found this event's execution already started: it started nothing",
      'the EventBridge rule passes ALARM changes only: it started nothing',
      'the lease was held: it joined the running incident',
    ]);
    expect(lines.get(seen[0] as SeenFault)?.[1]).toBe("1 rollback in the fleet's log, all by incident inc-1");
  });
});
