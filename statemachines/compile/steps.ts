// One step of a wave: its approval if it needs one, its rollback, and a Pass that records a failure
// for the wave's gate to read. One wiring for both wave forms: a Parallel branch names its step, a Map
// iteration reads it from the item.
import type { State, StateMachineBody } from '../asl';
import type { Compilation, Wave } from './context';
import { approvalTask } from './approvals';
import { catchAll, guard } from './guards';

/** A value written into the definition, or a path the state reads it from. */
export type Field = { readonly value: unknown } | { readonly path: string };

function field(key: string, f: Field): Record<string, unknown> {
  return 'path' in f ? { [`${key}.$`]: f.path } : { [key]: f.value };
}

/** A step as its states see it. */
export interface StepSubject {
  /** The texts of its state names, after `Wave N · `. */
  readonly names: {
    readonly act: string;
    readonly failed: string;
    readonly approve: string;
    readonly rejected: string;
    readonly timedOut: string;
  };
  /** Where the incident id is in the state's input. */
  readonly incidentId: string;
  readonly service: Field;
  readonly why: Field;
}

export function stepStates(c: Compilation, wave: Wave, step: StepSubject, approval: boolean): StateMachineBody {
  const name = (text: string) => c.name(`Wave ${wave.number} · ${text}`);
  const act = name(step.names.act);
  const failed = name(step.names.failed);
  const where = { planId: c.plan.planId, 'incidentId.$': step.incidentId };
  const states: [string, State][] = [];
  if (approval) {
    const approve = name(step.names.approve);
    const rejected = name(step.names.rejected);
    const timedOut = name(step.names.timedOut);
    const payload = {
      ...where,
      kind: 'step',
      stage: wave.stage,
      wave: wave.number,
      ...field('service', step.service),
      ...field('why', step.why),
    };
    states.push(
      [approve, approvalTask(c, payload, act, { rejected, timedOut, failed })],
      [rejected, failure(step.service, 'REJECTED')],
      [timedOut, failure(step.service, 'TIMED_OUT')],
    );
  }
  states.push(
    [
      act,
      {
        Type: 'Task',
        Resource: c.o.resources.act,
        Parameters: { ...where, stage: wave.stage, wave: wave.number, ...field('service', step.service) },
        ...guard(c.o.actTimeoutSeconds, [catchAll(failed)], 'act'),
        End: true,
      },
    ],
    [failed, failure(step.service, 'FAILED')],
  );
  return { StartAt: states[0]?.[0] ?? act, States: Object.fromEntries(states) };
}

/** A step's last state when it did not succeed: the gate reads it and escalates. */
function failure(service: Field, status: 'FAILED' | 'REJECTED' | 'TIMED_OUT'): State {
  // Only the error name: a Lambda's Cause can be kilobytes, and a wide wave of them would pass the
  // 256 KiB state limit. The handler that failed records the cause with the incident.
  return { Type: 'Pass', Parameters: { ...field('service', service), status, 'error.$': '$.error.Error' }, End: true };
}
