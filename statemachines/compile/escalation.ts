// How a run ends: Recovered when a gate reads every incident alarm as OK; otherwise one escalation per
// reason met, which notifies people and ends in a Fail state named after the reason.
import { ESCALATION_CAUSES as CAUSES, ESCALATION_ERRORS, type EscalationReason } from '../../lib/core/escalations';
import type { State } from '../asl';
import type { Compilation } from './context';
import { guard } from './guards';

export const RECOVERED_STATE = 'Recovered';

const TITLES: Readonly<Record<EscalationReason, string>> = {
  worse: 'worse',
  'not-recovered': 'not recovered',
  'insufficient-data': 'insufficient data',
  'action-failed': 'action failed',
  'approval-rejected': 'approval rejected',
  'approval-timed-out': 'approval timed out',
  'task-error': 'task error',
};

/** Escalations a gate outcome leads to (the state has `$.gate`); the others follow a Catch (`$.error`). */
const GATE_REASONS: ReadonlySet<EscalationReason> = new Set([
  'worse',
  'not-recovered',
  'insufficient-data',
  'action-failed',
]);

export function escalateStateName(reason: EscalationReason): string {
  return `Escalate · ${TITLES[reason]}`;
}

export function haltedStateName(reason: EscalationReason): string {
  return `Halted · ${TITLES[reason]}`;
}

/** The reasons a definition escalates for: only those get states. */
export class Escalations {
  private readonly reasons = new Set<EscalationReason>();

  readonly to = (reason: EscalationReason): string => {
    this.reasons.add(reason);
    return escalateStateName(reason);
  };

  /** Recovered (when anything runs), then each escalation and its Fail state, in a stable order. */
  endStates(c: Compilation, anyWave: boolean): [string, State][] {
    const states: [string, State][] = [];
    if (anyWave)
      states.push([RECOVERED_STATE, { Type: 'Succeed', Comment: 'A health gate read every incident alarm as OK.' }]);
    for (const reason of [...this.reasons].sort()) {
      const halted = haltedStateName(reason);
      states.push([
        escalateStateName(reason),
        {
          Type: 'Task',
          Resource: c.o.resources.notify,
          // Only paths that exist on every way in: the gate reading after a gate, the error after a Catch.
          Parameters: {
            planId: c.plan.planId,
            reason,
            ...(GATE_REASONS.has(reason) ? { 'gate.$': '$.gate' } : { 'error.$': '$.error' }),
          },
          ResultPath: '$.notified',
          // A failed notification must not hide the halt: go to the Fail state either way. The plan then
          // ends failed, so the orchestrator publishes itself and the failed-execution alarm fires.
          ...guard(
            c.o.notifyTimeoutSeconds,
            [{ ErrorEquals: ['States.ALL'], Next: halted, ResultPath: '$.notifyError' }],
            'escalation',
          ),
          Next: halted,
        },
      ]);
      states.push([halted, { Type: 'Fail', Error: ESCALATION_ERRORS[reason], Cause: CAUSES[reason] }]);
    }
    return states;
  }
}
