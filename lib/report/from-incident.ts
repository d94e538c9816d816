// A report of an incident that really happened, built from what the incident recorded: its plan and its
// append-only timeline (steps, gate readings, approvals, outcome), as the act, gate and approval
// functions and the orchestrator write it. The same renderer as a rehearsal's; wall-clock minutes since
// the incident started instead of simulated ones, and no comparison with other ways (none ran).
import { incidentRecord, type ExecutionStatus } from '../core/learning';
import type { Plan } from '../core/plan';
import type { IncidentMeta, TimelineEvent } from '../core/store';
import type { GateResult, StepResult } from '../core/tasks';
import type { Asl } from '../../statemachines/asl';
import type { DemoReport, ReportGateReading, ReportTimelineItem } from './types';

export interface RecordedIncident {
  readonly meta: IncidentMeta;
  readonly plan: Plan;
  /** The incident's timeline in order (`IncidentStore.events`). */
  readonly events: readonly TimelineEvent[];
  /** The plan's compiled definition. */
  readonly definition: Asl;
  readonly generatedAt: string;
  /** How the incident's execution ended, when known (a run stopped by hand records no outcome itself). */
  readonly endedStatus?: ExecutionStatus;
}

type StepEvent = StepResult & {
  readonly stage?: string;
  readonly wave: number;
  readonly action?: string;
  readonly startedAt: string;
};
type GateEvent = GateResult & { readonly stage?: string };
interface ApprovalEvent {
  readonly kind: 'stage' | 'step';
  readonly stage: string;
  readonly service?: string;
  readonly decision: 'approve' | 'reject';
  readonly decidedBy?: string;
  readonly sourceIp?: string;
}

export function incidentReport(incident: RecordedIncident): DemoReport {
  const { meta, plan, events } = incident;
  const t0 = Date.parse(meta.startedAt);
  const min = (iso: string) => Math.round(((Date.parse(iso) - t0) / 60_000) * 10) / 10;
  const timeline: ReportTimelineItem[] = [];
  const mark = (item: Omit<ReportTimelineItem, 'endMin'>) => timeline.push({ ...item, endMin: item.startMin });

  for (const step of plan.stages.flatMap((s) => s.waves.flatMap((w) => w.steps))) {
    const { change, service } = step;
    const versions = change.fromVersion && change.toVersion ? ` ${change.fromVersion} -> ${change.toVersion}` : '';
    mark({
      lane: 'Incident',
      kind: 'deploy',
      label: `${service}${versions} (${change.kind})`,
      startMin: min(change.deployedAt),
      service,
    });
  }
  mark({ lane: 'Incident', kind: 'alarm', label: `${meta.alarms.join(', ')} fires`, startMin: 0 });

  const gates: ReportGateReading[] = [];
  for (const event of events) {
    const at = min(event.at);
    if (event.type === 'step') {
      const s = event.data as StepEvent;
      timeline.push({
        lane: `Wave ${s.wave}`,
        kind: 'act',
        label: `${s.service} (${s.action ?? 'rollback'})`,
        startMin: min(s.startedAt),
        endMin: at,
        outcome: s.status,
        service: s.service,
      });
    } else if (event.type === 'gate') {
      const g = event.data as GateEvent;
      mark({
        lane: `Wave ${g.wave}`,
        kind: 'gate',
        label: `gate ${g.wave}: ${g.outcome}`,
        startMin: at,
        outcome: g.outcome,
      });
      gates.push({
        atMin: at,
        stage: g.stage ?? '',
        wave: g.wave,
        outcome: g.outcome,
        alarms: g.alarms,
        detail: g.detail,
      });
    } else if (event.type === 'approval-decided') {
      const a = event.data as ApprovalEvent;
      const what = a.kind === 'stage' ? `stage ${a.stage}` : (a.service ?? a.stage);
      const verdict = a.decision === 'approve' ? 'approved' : 'rejected';
      mark({
        lane: a.kind === 'stage' ? `Stage ${a.stage}` : 'Approvals',
        kind: 'approval',
        label: `${what} ${verdict}${a.decidedBy ? ` by ${a.decidedBy}` : a.sourceIp ? ` from ${a.sourceIp}` : ''}`,
        startMin: at,
        outcome: verdict,
      });
    } else if (event.type === 'recovered' || event.type === 'halted') {
      const recovered = event.type === 'recovered';
      mark({
        lane: 'Incident',
        kind: recovered ? 'recovered' : 'escalate',
        label: recovered ? 'recovered' : 'halted: people take over',
        startMin: at,
        outcome: recovered ? 'RECOVERED' : 'HALTED',
      });
    }
  }

  const record = incidentRecord(meta, plan, events);
  const recovery = gates.find((g) => g.outcome === 'RECOVERED');
  const halted = events.find((e) => e.type === 'halted');
  const last = events.at(-1);
  const outcome: DemoReport['outcome'] = recovery
    ? { status: 'RECOVERED', minutes: recovery.atMin, detail: recovery.detail }
    : halted
      ? { status: 'HALTED', minutes: min(halted.at), detail: haltReason(halted.data) }
      : {
          status: 'ESCALATED',
          minutes: last ? min(last.at) : 0,
          detail: `the incident ended without a recorded outcome (${ENDINGS[incident.endedStatus ?? 'unknown']})`,
        };
  const culpritStep = record.culprit
    ? plan.stages.flatMap((s) => s.waves.flatMap((w) => w.steps)).find((s) => s.service === record.culprit)
    : undefined;
  return {
    title: `Backstep incident: ${meta.alarms.join(', ')} on ${meta.application}`,
    origin: 'incident',
    scenario: meta.application,
    generatedAt: incident.generatedAt,
    plan,
    definition: incident.definition,
    // Proven by the rollback after which the alarms recovered (as learning reads it), not known beforehand.
    ...(record.culprit && culpritStep
      ? { culprit: { service: record.culprit, changeId: culpritStep.change.ids.join(', ') } }
      : {}),
    timeline,
    gates,
    outcome,
    baselines: [],
  };
}

const ENDINGS: Readonly<Record<ExecutionStatus | 'unknown', string>> = {
  SUCCEEDED: 'its execution succeeded',
  FAILED: 'its execution failed',
  ABORTED: 'its execution was stopped by hand',
  TIMED_OUT: 'its execution timed out',
  unknown: 'stopped by hand, or timed out',
};

function haltReason(data: unknown): string {
  const error = data as { Error?: unknown; Cause?: unknown } | null;
  const cause = typeof error?.Cause === 'string' ? error.Cause : typeof error?.Error === 'string' ? error.Error : '';
  return cause ? `halted: ${cause.slice(0, 300)}` : 'halted: people take over';
}
