// Approvals: a Task that sends a person a link and waits for the decision (the task token). A stage
// that needs one always waits; a stage that needs none still waits in suggest mode, behind a Choice.
import type { PlanStage } from '../../lib/core/plan';
import { SUGGEST_MODE_WHY } from '../../lib/core/escalations';
import type { State, TaskState } from '../asl';
import type { Compilation } from './context';
import { approvalCatches, guard, type ApprovalExits } from './guards';

export function approvalTask(
  c: Compilation,
  payload: Readonly<Record<string, unknown>>,
  next: string,
  exits: ApprovalExits,
): TaskState {
  return {
    Type: 'Task',
    Resource: c.callback,
    Parameters: {
      FunctionName: c.o.resources.approval,
      Payload: { ...payload, expiresInSeconds: c.o.approvalSeconds, 'taskToken.$': '$$.Task.Token' },
    },
    ResultPath: null,
    HeartbeatSeconds: c.o.approvalSeconds,
    ...guard(c.o.approvalSeconds + 60, approvalCatches(exits)),
    Next: next,
  };
}

/** The states in front of a stage's first wave. */
export interface StageEntry {
  readonly approve: string;
  /** Only for a stage that needs no approval: is this run in suggest mode? */
  readonly check?: string;
}

export function nameStageEntry(c: Compilation, stage: PlanStage): StageEntry {
  const approve = c.name(`Approve stage ${stage.name}`);
  return stage.approval ? { approve } : { approve, check: c.name(`Stage ${stage.name} · suggest mode?`) };
}

export function stageEntryStates(
  c: Compilation,
  stage: PlanStage,
  entry: StageEntry,
  first: string,
): [string, State][] {
  const states: [string, State][] = [];
  if (entry.check) {
    states.push([
      entry.check,
      {
        Type: 'Choice',
        // Rules apply in order: a run without `mode` never reaches the comparison (a missing path would fail).
        Choices: [
          // `Not IsPresent` rather than `IsPresent: false`, which the local interpreter never matches.
          { Not: { Variable: '$.mode', IsPresent: true }, Next: first },
          { Variable: '$.mode', StringEquals: 'suggest', Next: entry.approve },
        ],
        Default: first,
      },
    ]);
  }
  const why = stage.approval ? stage.why : [SUGGEST_MODE_WHY, ...stage.why];
  const payload = { planId: c.plan.planId, 'incidentId.$': '$.incident.id', kind: 'stage', stage: stage.name, why };
  const exits = {
    rejected: c.escalate('approval-rejected'),
    timedOut: c.escalate('approval-timed-out'),
    failed: c.escalate('task-error'),
  };
  states.push([entry.approve, approvalTask(c, payload, first, exits)]);
  return states;
}
