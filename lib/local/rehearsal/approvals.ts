// Approvals in a rehearsal without a person: `auto` approves after the time a person takes to read
// and click; `reject` says no to the first request (the halt path). `manual` is the local approval
// server's, plugged in through an ApprovalPortFactory.
import { randomUUID } from 'node:crypto';
import { approvalDecidedEvent } from '../../approvals/callback';
import { ApprovalRejectedError } from '../../core/errors';
import type { ApprovalPort } from '../../core/handlers';
import type { Plan } from '../../core/plan';
import type { Decision, IncidentStore } from '../../core/store';
import type { ApprovalInput } from '../../core/tasks';
import { DECISION_MINUTES, type SimClock } from '../sim/clock';

export const APPROVAL_MODES = ['auto', 'manual', 'reject'] as const;
export type ApprovalMode = (typeof APPROVAL_MODES)[number];

export interface ApprovalContext {
  readonly store: IncidentStore;
  /** Tells the person where to decide; the CLI prints `approval required: <url>`. */
  readonly announce: (url: string) => void;
}

export interface ApprovalService {
  readonly port: ApprovalPort;
  /** Stops whatever serves the approvals (an HTTP server on loopback). */
  readonly close?: () => Promise<void>;
}

export type ApprovalPortFactory = (context: ApprovalContext) => ApprovalService | Promise<ApprovalService>;

export function autoApprovals(clock: SimClock): ApprovalPort {
  return {
    request: async () => {
      await clock.sleep(DECISION_MINUTES);
      return { decision: 'approve', by: 'auto-approver' };
    },
  };
}

export function rejectFirst(clock: SimClock): ApprovalPort {
  let asked = 0;
  return {
    request: async (input) => {
      await clock.sleep(DECISION_MINUTES);
      if (asked++ === 0) throw new ApprovalRejectedError(`rejected: ${describeApproval(input)}`);
      return { decision: 'approve', by: 'auto-approver' };
    },
  };
}

export function describeApproval(input: ApprovalInput): string {
  return input.kind === 'stage'
    ? `stage ${input.stage}`
    : `${input.service ?? 'a step'} in wave ${input.wave ?? '?'} (${input.stage})`;
}

/** Keeps the request of an approval decided without a person, as the request function does; returns its id. */
export async function keepRequest(
  store: Pick<IncidentStore, 'putApproval'>,
  input: ApprovalInput,
  plan: Plan,
  expiresAt: string,
): Promise<string> {
  const approvalId = randomUUID();
  await store.putApproval({
    approvalId,
    incidentId: input.incidentId,
    planId: plan.planId,
    kind: input.kind,
    stage: input.stage,
    ...(input.service !== undefined ? { service: input.service } : {}),
    why: input.why,
    taskToken: input.taskToken,
    nonce: randomUUID(),
    expiresAt,
    status: 'PENDING',
  });
  return approvalId;
}

/** Keeps its decision, and who decided on the incident's timeline, as the callback does. */
export async function keepDecision(
  store: Pick<IncidentStore, 'decideApproval' | 'appendEvent'>,
  incidentId: string,
  approvalId: string,
  decision: Decision,
): Promise<void> {
  const { approval } = await store.decideApproval(approvalId, decision);
  if (approval) await store.appendEvent(incidentId, approvalDecidedEvent(approval, Date.parse(decision.decidedAt)));
}
