// What an approver is shown, as plain data: the page and the email render the same facts.
import { describeAction, versions } from '../core/format';
import type { Plan, PlanStep } from '../core/plan';
import type { ApprovalRecord } from '../core/store';

/** An approval record without its task token: all that may leave the server. */
export type ApprovalSummary = Omit<ApprovalRecord, 'taskToken'>;

export interface ApprovalView {
  /** `Approve stage expanded` or `Approve rolling back cartservice`. */
  readonly title: string;
  readonly incidentId: string;
  readonly application?: string;
  /** The services whose alarms started the incident. */
  readonly alarmed: readonly string[];
  /** `stage expanded` or `stage targeted, wave 1, service frontend`. */
  readonly where: string;
  /** One line per rollback the decision lets go ahead: service, action, versions. */
  readonly actions: readonly string[];
  /** The ranked suspects: `cartservice (score 0.82): deployed 20 min before the alarm; ...`. */
  readonly suspects: readonly string[];
  readonly reasons: readonly string[];
  readonly expiresAt: string;
  /** `in 59 min`, or `expired`. */
  readonly expiresIn: string;
}

export function summary(record: ApprovalRecord): ApprovalSummary {
  const { taskToken: _token, ...rest } = record;
  return rest;
}

export function approvalView(record: ApprovalSummary, plan: Plan | undefined, now: number): ApprovalView {
  const stage = plan?.stages.find((s) => s.name === record.stage);
  const steps =
    record.kind === 'step'
      ? (stage?.waves.flatMap((w) => w.steps).filter((s) => s.service === record.service) ?? []).slice(0, 1)
      : (stage?.waves.flatMap((w) => w.steps) ?? []);
  const where =
    record.kind === 'stage'
      ? `stage ${record.stage}`
      : [
          `stage ${record.stage}`,
          record.wave !== undefined ? `wave ${record.wave}` : '',
          `service ${record.service ?? '?'}`,
        ]
          .filter(Boolean)
          .join(', ');
  return {
    title: record.kind === 'stage' ? `Approve stage ${record.stage}` : `Approve rolling back ${record.service ?? '?'}`,
    incidentId: record.incidentId,
    ...(record.application !== undefined ? { application: record.application } : {}),
    alarmed: plan?.incident.alarmed ?? [],
    where,
    actions: steps.map(describeStep),
    suspects: (plan?.suspects ?? [])
      .slice(0, 5)
      .map((s) => `${s.service} (score ${s.score.toFixed(2)})${s.why.length ? `: ${s.why.join('; ')}` : ''}`),
    reasons: record.why,
    expiresAt: record.expiresAt,
    expiresIn: expiresIn(Date.parse(record.expiresAt) - now),
  };
}

function describeStep(step: PlanStep): string {
  return `roll back ${step.service} (${describeAction(step.action)}${versions(step)})`;
}

function expiresIn(ms: number): string {
  if (!(ms > 0)) return 'expired';
  const minutes = Math.ceil(ms / 60_000);
  return minutes < 120 ? `in ${minutes} min` : `in ${Math.round(minutes / 60)} h`;
}
