// The ASL types refuse what Step Functions refuses. The `@ts-expect-error` lines are the test: the type
// check (npm run typecheck) fails if a type lets one of them through.
import type { State, Transition } from '../../statemachines/asl';

describe('Transition', () => {
  it('takes Next or End, never both and never neither', () => {
    const next: Transition = { Next: 'Gate 1 · alarms' };
    const end: Transition = { End: true };
    // @ts-expect-error a state goes on or ends, not both
    const both: State = { Type: 'Wait', Seconds: 1, Next: 'Gate 1 · alarms', End: true };
    // @ts-expect-error a state that neither goes on nor ends is a dead end
    const neither: State = { Type: 'Pass' };
    expect([next, end, both, neither].map((t) => 'Next' in t)).toStrictEqual([true, false, true, false]);
  });
});
