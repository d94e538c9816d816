// The approval callback, HTTP-agnostic: API Gateway (lambdas/approval-callback.ts) and the local
// server (server.ts) both call it. GET and HEAD only render; a POST with the link's nonce decides,
// once: the conditional update PENDING -> DECIDED comes first, then the timeline, then
// SendTaskSuccess/Failure, then the mark that it was delivered. A replayed POST finds the decision
// recorded; if the callback that recorded it died before the mark, the replay passes it on again.
import { InputError, TASK_ERRORS } from '../core/errors';
import type { ApprovalRecord, IncidentStore, TimelineEvent } from '../core/store';
import type { ApprovalResult } from '../core/tasks';
import * as z from '../core/zod-mini';
import { TaskGoneError } from './errors';
import { sameSecret, verifyLink, type Secret } from './link';
import { decidedPage, messagePage, pendingPage } from './page';
import { approvalView, summary, type ApprovalSummary } from './view';

export interface CallbackRequest {
  readonly method: string;
  /** The path, possibly with a prefix (an API Gateway stage): it ends in `/approvals/<id>`. */
  readonly path: string;
  readonly query: Readonly<Record<string, string | undefined>>;
  /** The form body, `application/x-www-form-urlencoded`. */
  readonly body?: string;
  /** Header names in lower case. */
  readonly headers: Readonly<Record<string, string | undefined>>;
  readonly sourceIp?: string;
  /** Who signed in (an email or user name), when authentication is on. */
  readonly identity?: string;
}

export interface CallbackResponse {
  readonly status: number;
  readonly headers: Readonly<Record<string, string>>;
  readonly body: string;
}

/** Step Functions' task callbacks. Throws TaskGoneError when the task has ended. */
export interface TaskPort {
  readonly sendTaskSuccess: (token: string, output: string) => Promise<void>;
  readonly sendTaskFailure: (token: string, error: string, cause: string) => Promise<void>;
}

export interface ApprovalLog {
  readonly info: (message: string, data: Record<string, unknown>) => void;
  readonly warn: (message: string, data: Record<string, unknown>) => void;
}

/** Per application, who may decide (emails or user names). An application without a list: anyone with the link. */
export type ApproverLists = Readonly<Record<string, readonly string[]>>;

export interface CallbackPorts {
  readonly store: Pick<
    IncidentStore,
    'getApproval' | 'decideApproval' | 'markApprovalDelivered' | 'getPlan' | 'appendEvent'
  >;
  readonly tasks: TaskPort;
  readonly now: () => number;
  readonly secret: Secret;
  readonly approvers?: ApproverLists;
  readonly log?: ApprovalLog;
  /**
   * How long a replay waits for the callback that recorded a decision to pass it on, before passing it on
   * itself (that callback died). A slower one only means a second SendTask call, which Step Functions refuses.
   * @default 5 s
   */
  readonly deliveryGraceMs?: number;
}

/** A live callback passes a decision on within a second; 5 s leaves room for the SDK's retries. */
export const DELIVERY_GRACE_MS = 5_000;

export type CallbackHandler = (request: CallbackRequest) => Promise<CallbackResponse>;

/** Every page's headers: never cached, never framed, no scripts. */
export const PAGE_HEADERS = {
  'content-type': 'text/html; charset=utf-8',
  'cache-control': 'no-store',
  'referrer-policy': 'no-referrer',
  'x-content-type-options': 'nosniff',
  'x-frame-options': 'DENY',
  'x-robots-tag': 'noindex, nofollow',
  'content-security-policy':
    "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'",
} as const;

const SILENT: ApprovalLog = { info: () => undefined, warn: () => undefined };

export function approvalCallback(ports: CallbackPorts): CallbackHandler {
  const log = ports.log ?? SILENT;
  return async (request) => {
    const method = request.method.toUpperCase();
    const reply = (status: number, body: string, extra: Record<string, string> = {}): CallbackResponse => ({
      status,
      headers: { ...PAGE_HEADERS, ...extra },
      body: method === 'HEAD' ? '' : body,
    });
    const link = verifyLink(ports.secret, request.path, request.query);
    if (!link.ok) {
      log.warn('approval link refused', { reason: link.reason, method, sourceIp: request.sourceIp });
      return reply(403, messagePage('Not allowed', 'This link is not a valid Backstep approval link.'));
    }
    if (method !== 'GET' && method !== 'HEAD' && method !== 'POST') {
      return reply(405, messagePage('Not allowed', 'Open the link, then use its buttons.'), {
        allow: 'GET, HEAD, POST',
      });
    }
    try {
      return await handle(ports, log, request, method, link.id, link.expiresAtMs, reply);
    } catch (err) {
      // A store or network fault: say so, without any detail that could carry a secret.
      log.warn('approval callback failed', { approvalId: link.id, error: err instanceof Error ? err.name : 'Error' });
      return reply(503, unavailable().body, { 'retry-after': '5' });
    }
  };
}

/** The answer when Backstep cannot serve the page just now (store or secret unreachable). */
export function unavailable(): CallbackResponse {
  return {
    status: 503,
    headers: { ...PAGE_HEADERS, 'retry-after': '5' },
    body: messagePage('Try again', 'Backstep could not complete this request just now. Reload the page in a moment.'),
  };
}

/** Approver lists from configuration text (JSON); undefined or empty text means none. */
export function parseApprovers(text: string | undefined, where: string): ApproverLists {
  if (text === undefined || text.trim() === '') return {};
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    throw new InputError('not JSON', where, 'approver lists as {"<application>": ["name@example.com", ...]}');
  }
  // Built here, not with the module: the report page loads this module and never parses approvers.
  const name = z.string().check(z.minLength(1));
  const result = z.record(name, z.array(name)).safeParse(json);
  if (!result.success) {
    throw new InputError('bad approver lists', where, '{"<application>": ["name@example.com", ...]}');
  }
  return result.data;
}

type Reply = (status: number, body: string, extra?: Record<string, string>) => CallbackResponse;

async function handle(
  ports: CallbackPorts,
  log: ApprovalLog,
  request: CallbackRequest,
  method: string,
  id: string,
  linkExpiresAt: number,
  reply: Reply,
): Promise<CallbackResponse> {
  const now = ports.now();
  const gone = (message: string) => reply(410, messagePage('This approval is over', message));
  const expired = 'This approval link has expired: the approval timed out and Backstep escalated to people.';
  if (linkExpiresAt <= now) return gone(expired);
  const record = await ports.store.getApproval(id);
  if (!record) return gone('This approval no longer exists.');
  const refusal = refuse(ports.approvers, record, request.identity);
  if (refusal) {
    log.warn('approver refused', { approvalId: id, identity: request.identity ?? null });
    return reply(403, messagePage('Not allowed', refusal));
  }
  const plan = () => ports.store.getPlan(record.planId);
  const form = new URLSearchParams(request.body ?? '');
  const nonced = sameSecret(form.get('nonce') ?? '', record.nonce);
  if (record.status === 'DECIDED') {
    if (method === 'POST' && nonced && !(await delivered(ports, record))) await passOnAgain(ports, log, record);
    const view = approvalView(summary(record), await plan(), now);
    return reply(method === 'POST' ? 409 : 200, decidedPage(summary(record), view, false));
  }
  if (Date.parse(record.expiresAt) <= now) return gone(expired);
  if (method !== 'POST') return reply(200, pendingPage(approvalView(summary(record), await plan(), now), record.nonce));

  const decision = form.get('decision');
  if (!nonced) {
    log.warn('approval nonce refused', { approvalId: id, sourceIp: request.sourceIp });
    return reply(403, messagePage('Not allowed', 'This form is not from this approval page. Open the link again.'));
  }
  if (decision !== 'approve' && decision !== 'reject') {
    return reply(400, messagePage('Choose', 'Press Approve or Reject.'));
  }
  const userAgent = request.headers['user-agent'];
  const outcome = await ports.store.decideApproval(id, {
    decision,
    decidedAt: new Date(now).toISOString(),
    ...(request.identity !== undefined ? { decidedBy: request.identity } : {}),
    ...(request.sourceIp !== undefined ? { sourceIp: request.sourceIp } : {}),
    ...(userAgent !== undefined ? { userAgent: userAgent.slice(0, 512) } : {}),
  });
  const decided = outcome.approval ? summary(outcome.approval) : undefined;
  if (!outcome.decided || !decided) {
    return decided ? reply(409, decidedPage(decided, undefined, false)) : gone('This approval no longer exists.');
  }
  await recordWithIncident(ports, log, decided);
  try {
    await deliver(ports.tasks, record, decided);
  } catch (err) {
    if (!(err instanceof TaskGoneError)) {
      // Recorded, not delivered: sending the form again passes it on; else the task times out and escalates.
      log.warn('approval not delivered', { approvalId: id, error: err instanceof Error ? err.name : 'Error' });
      return reply(
        503,
        messagePage(
          'Recorded, not delivered',
          'Your decision was recorded, but Backstep could not pass it on yet. Send the form again in a moment; if no one does, the approval times out and escalates.',
        ),
        { 'retry-after': '5' },
      );
    }
    // The task had ended, unless a replay passed this decision on first.
    if ((await ports.store.getApproval(id))?.deliveredAt === undefined) {
      log.info('approval too late', { approvalId: id, incidentId: record.incidentId });
      await markDelivered(ports, log, id);
      return gone('Your decision was recorded, but the rollback had already ended or was stopped: it changed nothing.');
    }
  }
  await markDelivered(ports, log, id);
  log.info('approval decided', { approvalId: id, incidentId: record.incidentId, decision, by: decided.decidedBy });
  return reply(200, decidedPage(decided, approvalView(decided, await plan(), now), true));
}

/** Why this person may not decide, or undefined when they may. */
function refuse(lists: ApproverLists | undefined, record: ApprovalRecord, identity: string | undefined) {
  const list = lists?.[record.application ?? 'default'];
  if (list === undefined) return undefined;
  if (identity === undefined) return 'Sign in as an approver of this application to decide.';
  const who = identity.toLowerCase();
  return list.some((a) => a.toLowerCase() === who) ? undefined : `${identity} is not an approver of this application.`;
}

/** The timeline entry of a decided approval (rehearsals without a person write it too). */
export function approvalDecidedEvent(decided: ApprovalSummary, now: number): TimelineEvent {
  return {
    key: `approval#${decided.approvalId}`,
    at: decided.decidedAt ?? new Date(now).toISOString(),
    type: 'approval-decided',
    data: {
      approvalId: decided.approvalId,
      kind: decided.kind,
      stage: decided.stage,
      ...(decided.service !== undefined ? { service: decided.service } : {}),
      decision: decided.decision,
      ...(decided.decidedBy !== undefined ? { decidedBy: decided.decidedBy } : {}),
      ...(decided.sourceIp !== undefined ? { sourceIp: decided.sourceIp } : {}),
      ...(decided.userAgent !== undefined ? { userAgent: decided.userAgent } : {}),
    },
  };
}

/** Who decided, with the incident (an append-only timeline: a replay changes nothing). */
async function recordWithIncident(ports: CallbackPorts, log: ApprovalLog, decided: ApprovalSummary): Promise<void> {
  try {
    await ports.store.appendEvent(decided.incidentId, approvalDecidedEvent(decided, ports.now()));
  } catch (err) {
    // The approval record itself keeps who decided; the timeline entry is a copy.
    log.warn('approval not added to the timeline', {
      approvalId: decided.approvalId,
      error: err instanceof Error ? err.name : 'Error',
    });
  }
}

/** Whether the decision was passed on, waiting out the grace of the callback that recorded it. */
async function delivered(ports: CallbackPorts, record: ApprovalRecord): Promise<boolean> {
  const grace = ports.deliveryGraceMs ?? DELIVERY_GRACE_MS;
  const age = ports.now() - Date.parse(record.decidedAt ?? '');
  const until = Date.now() + grace - (age > 0 ? age : 0);
  for (let current = record; current.deliveredAt === undefined;) {
    if (Date.now() >= until) return false;
    await new Promise((resolve) => setTimeout(resolve, Math.min(100, grace / 5)));
    const again = await ports.store.getApproval(record.approvalId);
    if (!again) return false;
    current = again;
  }
  return true;
}

/**
 * A decision recorded by a callback that died before marking it delivered: the timeline entry (a replay
 * changes nothing) and the task result again. Step Functions keeps the first result of a task and answers
 * a second one TaskTimedOut ("the task associated with the token has already been closed"), so a decision
 * that did arrive is not applied twice:
 * https://docs.aws.amazon.com/step-functions/latest/apireference/API_SendTaskSuccess.html
 */
async function passOnAgain(ports: CallbackPorts, log: ApprovalLog, record: ApprovalRecord): Promise<void> {
  const decided = summary(record);
  await recordWithIncident(ports, log, decided);
  try {
    await deliver(ports.tasks, record, decided);
  } catch (err) {
    if (!(err instanceof TaskGoneError)) throw err;
  }
  await markDelivered(ports, log, record.approvalId);
  log.info('approval passed on again', { approvalId: record.approvalId, incidentId: record.incidentId });
}

/** Nothing more to pass on. A failure is only logged: a replay then sends again, which Step Functions refuses. */
async function markDelivered(ports: CallbackPorts, log: ApprovalLog, approvalId: string): Promise<void> {
  try {
    await ports.store.markApprovalDelivered(approvalId, new Date(ports.now()).toISOString());
  } catch (err) {
    log.warn('approval delivery not marked', { approvalId, error: err instanceof Error ? err.name : 'Error' });
  }
}

async function deliver(tasks: TaskPort, record: ApprovalRecord, decided: ApprovalSummary): Promise<void> {
  const by = decided.decidedBy ?? decided.sourceIp ?? 'someone who did not sign in';
  if (decided.decision === 'approve') {
    const output: ApprovalResult = { decision: 'approve', ...(decided.decidedBy ? { by: decided.decidedBy } : {}) };
    await tasks.sendTaskSuccess(record.taskToken, JSON.stringify(output));
  } else {
    await tasks.sendTaskFailure(record.taskToken, TASK_ERRORS.approvalRejected, `rejected by ${by}`);
  }
}
