// The approval request: on a callback task's input, keep its token server-side in an approval record,
// build the signed link, and send the email. The link expires before the task's heartbeat does.
import type { ApprovalRecord, IncidentStore } from '../core/store';
import { SETTINGS } from '../core/contracts';
import type { ApprovalInput } from '../core/tasks';
import { approvalEmail, type ApprovalEmail } from './email';
import { approvalLink, randomId, type Secret } from './link';
import { approvalView, summary, type ApprovalSummary } from './view';

/** What the compiler uses when the input does not say (CompileOptions.approvalSeconds). */
export const DEFAULT_APPROVAL_SECONDS: number = SETTINGS.approval.default;

export interface RequestPorts {
  readonly store: Pick<IncidentStore, 'putApproval' | 'getPlan' | 'getIncident'>;
  readonly secret: Secret;
  /** Where the callback answers, e.g. `https://abc.execute-api.eu-west-1.amazonaws.com/prod`. */
  readonly baseUrl: string;
  readonly now: () => number;
  /** Delivers the email (SNS in AWS); it never sees the token. */
  readonly send: (email: ApprovalEmail, approval: ApprovalSummary, url: string) => Promise<void>;
  /** The application when the incident record does not name one. @default 'default' */
  readonly application?: string;
}

export interface RequestedApproval {
  readonly approval: ApprovalSummary;
  readonly url: string;
}

export type ApprovalRequester = (input: ApprovalInput) => Promise<RequestedApproval>;

export function approvalRequester(ports: RequestPorts): ApprovalRequester {
  return async (input) => {
    const now = ports.now();
    const [plan, incident] = await Promise.all([
      ports.store.getPlan(input.planId),
      ports.store.getIncident(input.incidentId),
    ]);
    const expiresAtMs = Math.floor((now + linkLifetimeSeconds(input.expiresInSeconds) * 1000) / 1000) * 1000;
    const record: ApprovalRecord = {
      approvalId: randomId(),
      incidentId: input.incidentId,
      planId: input.planId,
      kind: input.kind,
      stage: input.stage,
      ...(input.wave !== undefined ? { wave: input.wave } : {}),
      ...(input.service !== undefined ? { service: input.service } : {}),
      application: incident?.application ?? ports.application ?? 'default',
      why: input.why,
      taskToken: input.taskToken,
      nonce: randomId(),
      expiresAt: new Date(expiresAtMs).toISOString(),
      status: 'PENDING',
    };
    await ports.store.putApproval(record);
    const url = approvalLink(ports.baseUrl, ports.secret, record.approvalId, expiresAtMs);
    const approval = summary(record);
    await ports.send(approvalEmail(approvalView(approval, plan, now), url), approval, url);
    return { approval, url };
  };
}

/**
 * The link's lifetime: the task's heartbeat less a margin (a tenth, at most 30 s), since the task
 * started a little before this request ran.
 */
export function linkLifetimeSeconds(heartbeatSeconds = DEFAULT_APPROVAL_SECONDS): number {
  return Math.max(1, heartbeatSeconds - Math.min(30, Math.floor(heartbeatSeconds / 10)));
}
