// From an incident's timeline to what the model learns from. The culprit is what the rollback proved:
// the wave after which the incident alarms recovered holds it; of that wave's rolled-back services, the
// best-ranked suspect is taken (a wave of several cannot tell them apart, and the rank was the evidence).
import type { IncidentRecord } from './model';
import type { Plan } from './plan';
import type { IncidentMeta, TimelineEvent } from './store';
import { rolledBack, STEP_STATUSES, type GateResult, type StepStatus } from './tasks';
import type { ActionType } from './catalog';

/** How the incident's execution ended (Step Functions' status). */
export type ExecutionStatus = 'SUCCEEDED' | 'FAILED' | 'ABORTED' | 'TIMED_OUT';

interface StepEvent {
  readonly service: string;
  readonly status: StepStatus;
  readonly wave: number;
  readonly action: ActionType;
  readonly startedAt: string;
}

/** The incident as the orchestrator records it: one alarm (`alarm`); the store's port has a list. */
export type RecordedIncident = Omit<IncidentMeta, 'alarms'> & {
  readonly alarms?: readonly string[];
  readonly alarm?: string;
};

export function incidentRecord(meta: RecordedIncident, plan: Plan, timeline: readonly TimelineEvent[]): IncidentRecord {
  const steps = timeline.filter((e) => e.type === 'step' && isStep(e.data));
  const gates = timeline.filter((e) => e.type === 'gate').map((e) => ({ at: e.at, gate: e.data as GateResult }));
  const recovery = gates.find((g) => g.gate.outcome === 'RECOVERED');
  const rank = new Map(plan.suspects.map((s, i) => [s.service, i]));
  const proven = steps
    .map((e) => e.data as StepEvent)
    .filter((s) => recovery !== undefined && s.wave === recovery.gate.wave && rolledBack(s.status))
    .map((s) => s.service)
    .sort((a, b) => (rank.get(a) ?? Infinity) - (rank.get(b) ?? Infinity));
  const anyRolledBack = steps.some((e) => rolledBack((e.data as StepEvent).status));
  const culprit = proven[0];
  return {
    schemaVersion: 1,
    incidentId: meta.incidentId,
    at: meta.startedAt,
    alarms: meta.alarms ?? (meta.alarm !== undefined ? [meta.alarm] : []),
    planId: plan.planId,
    modelVersion: plan.model,
    suspects: plan.suspects.map(({ service, score, features }) => ({ service, score, features })),
    // Alarms that recovered with nothing rolled back were noise: the suspects are not blamed.
    realIncident: anyRolledBack || recovery === undefined,
    ...(culprit !== undefined ? { culprit } : {}),
    steps: steps.map((e) => {
      const s = e.data as StepEvent;
      return { service: s.service, action: s.action, startedAt: s.startedAt, endedAt: e.at, status: s.status };
    }),
    ...(recovery
      ? {
          recoveredAt: recovery.at,
          timeToRecoverySeconds: Math.max(0, (Date.parse(recovery.at) - Date.parse(meta.startedAt)) / 1000),
        }
      : {}),
  };
}

function isStep(data: unknown): data is StepEvent {
  const d = data as Partial<StepEvent> | null;
  return (
    typeof d === 'object' &&
    d !== null &&
    typeof d.service === 'string' &&
    typeof d.wave === 'number' &&
    typeof d.startedAt === 'string' &&
    (STEP_STATUSES as readonly string[]).includes(d.status as string)
  );
}
