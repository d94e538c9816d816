// Approvals in a rehearsal without a person: `auto` approves after the time a person takes to read
// and click; `reject` says no to the first request (the halt path). `manual` is the local approval
// server's, plugged in through an ApprovalPortFactory.
import { ApprovalRejectedError } from '../../core/errors';
import type { ApprovalPort } from '../../core/handlers';
import type { IncidentStore } from '../../core/store';
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
