// Checks every compiled definition must pass: asl-validator, and the safety rules of docs/reliability.md
// rule 10 walked state by state.
import aslValidator from 'asl-validator';
import { STATES_HEARTBEAT_TIMEOUT, STATES_TIMEOUT, TASK_ERRORS } from '../../lib/core/errors';
import { walkStates, type Asl, type State } from '../../statemachines/asl';
import { CALLBACK_RESOURCE, MAX_STATE_NAME, planSubstitutions } from '../../statemachines/compile';
import { substitute } from '../../statemachines/substitute';
import { LOCAL_RESOURCES } from '../../lib/local/engines/runner';

export function validate(asl: Asl): string[] {
  const deployed = substitute(asl, planSubstitutions(LOCAL_RESOURCES, 'aws'));
  const result = aslValidator(deployed);
  return result.isValid ? [] : result.errorsText('\n').split('\n');
}

/** Every problem found; an empty list means the definition is guarded everywhere. */
export function guardProblems(asl: Asl): string[] {
  const problems: string[] = [];
  const names = new Set<string>();
  const all = [...walkStates(asl)];
  const byName = new Map<string, State>(all);
  for (const [name, state] of all) {
    for (const target of transitions(state)) {
      if (!byName.has(target)) problems.push(`${name}: goes to missing state "${target}"`);
    }
    if (names.has(name)) problems.push(`${name}: duplicate name`);
    names.add(name);
    if (name.length > MAX_STATE_NAME) problems.push(`${name}: longer than ${MAX_STATE_NAME}`);
    if (state.Type !== 'Task') continue;
    if (!(state.TimeoutSeconds > 0)) problems.push(`${name}: no TimeoutSeconds`);
    const retry = state.Retry?.find((r) => r.ErrorEquals.includes(TASK_ERRORS.transient));
    if (!retry) problems.push(`${name}: no Retry for transient errors`);
    else {
      if (retry.JitterStrategy !== 'FULL') problems.push(`${name}: Retry without full jitter`);
      if (!((retry.BackoffRate ?? 1) > 1)) problems.push(`${name}: Retry without backoff`);
      if (!retry.ErrorEquals.includes('Lambda.TooManyRequestsException'))
        problems.push(`${name}: throttling not retried`);
    }
    const catchAll = state.Catch?.find((c) => c.ErrorEquals.includes('States.ALL'));
    if (!catchAll) problems.push(`${name}: no Catch for States.ALL`);
    else if (!leadsToHalt(catchAll.Next, byName)) problems.push(`${name}: Catch does not lead to an escalation`);
    if (state.Resource === CALLBACK_RESOURCE) {
      if (!(state.HeartbeatSeconds && state.HeartbeatSeconds < state.TimeoutSeconds)) {
        problems.push(`${name}: callback without HeartbeatSeconds below its timeout`);
      }
      const timeout = state.Catch?.find(
        (c) => c.ErrorEquals.includes(STATES_TIMEOUT) && c.ErrorEquals.includes(STATES_HEARTBEAT_TIMEOUT),
      );
      if (!timeout) problems.push(`${name}: callback timeout not caught`);
    }
  }
  return problems;
}

function transitions(state: State): string[] {
  const targets: string[] = [];
  if ('Next' in state && typeof state.Next === 'string') targets.push(state.Next);
  if (state.Type === 'Choice') targets.push(state.Default, ...state.Choices.map((c) => c.Next));
  if ('Catch' in state && state.Catch) targets.push(...state.Catch.map((c) => c.Next));
  return targets;
}

/**
 * A catch target counts as escalation if it is a Fail, an escalation task, or a branch-local failure
 * record (a Pass that ends the branch: the gate after the wave reads it and escalates).
 */
function leadsToHalt(target: string, byName: ReadonlyMap<string, State>): boolean {
  const state = byName.get(target);
  if (!state) return false;
  if (state.Type === 'Fail') return true;
  if (target.startsWith('Escalate · ')) return true;
  return state.Type === 'Pass' && state.End === true && JSON.stringify(state.Parameters ?? {}).includes('"status"');
}
