// Approvals on one machine: the approval port that runLocally's handlers call, a table of waiting
// tasks standing in for Step Functions' task tokens, and the local approval server. A link opened in a
// browser decides exactly as it would through API Gateway.
import { randomBytes } from 'node:crypto';
import { ApprovalRejectedError, ApprovalTimedOutError } from '../core/errors';
import type { ApprovalPort } from '../core/handlers';
import type { IncidentStore } from '../core/store';
import type { ApprovalResult } from '../core/tasks';
import {
  approvalCallback,
  type ApprovalLog,
  type ApproverLists,
  type CallbackHandler,
  type CallbackResponse,
  type TaskPort,
} from './callback';
import { TaskGoneError } from './errors';
import { newSecret, REPORTS_PATH, type Secret } from './link';
import type { ReportArchive } from '../core/archive';
import { reportPage } from './report-page';
import { approvalRequester, DEFAULT_APPROVAL_SECONDS } from './request';
import { startApprovalServer } from './server';
import type { ApprovalSummary } from './view';

/** An approval waiting for a person: its link and what it is about (never its token). */
export interface PendingApproval {
  readonly url: string;
  readonly approval: ApprovalSummary;
}

interface Waiting {
  readonly resolve: (result: ApprovalResult) => void;
  readonly reject: (error: Error) => void;
  readonly timer: NodeJS.Timeout;
}

/**
 * Waiting tasks keyed by token, as Step Functions keeps them: the first send ends a task; a send for
 * a task that ended (decided, expired, run over) fails like `TaskTimedOut` / `InvalidToken`.
 */
export class LocalTasks implements TaskPort {
  private readonly waiting = new Map<string, Waiting>();

  /** A new token and the promise of its decision; past `expiresAtMs` it rejects as timed out. */
  wait(expiresAtMs: number, now: number): { readonly token: string; readonly decision: Promise<ApprovalResult> } {
    const token = `local-${randomBytes(24).toString('base64url')}`;
    const decision = new Promise<ApprovalResult>((resolve, reject) => {
      const delay = Math.min(Math.max(0, expiresAtMs - now), 2 ** 31 - 1);
      const timer = setTimeout(() => {
        this.waiting.delete(token);
        reject(new ApprovalTimedOutError(`no decision by ${new Date(expiresAtMs).toISOString()}`));
      }, delay);
      this.waiting.set(token, { resolve, reject, timer });
    });
    return { token, decision };
  }

  readonly sendTaskSuccess = (token: string, output: string): Promise<void> => {
    this.take(token).resolve(JSON.parse(output) as ApprovalResult);
    return Promise.resolve();
  };

  readonly sendTaskFailure = (token: string, _error: string, cause: string): Promise<void> => {
    this.take(token).reject(new ApprovalRejectedError(cause));
    return Promise.resolve();
  };

  /** The run is over: every task still waiting fails, and later sends find nothing. */
  endAll(reason: string): void {
    for (const [token, w] of this.waiting) {
      clearTimeout(w.timer);
      this.waiting.delete(token);
      w.reject(new ApprovalTimedOutError(reason));
    }
  }

  /** Forgets a task whose request failed: nothing waits for it any more. */
  drop(token: string): void {
    const w = this.waiting.get(token);
    if (w) clearTimeout(w.timer);
    this.waiting.delete(token);
  }

  private take(token: string): Waiting {
    const w = this.waiting.get(token);
    if (!w) throw new TaskGoneError('the task is no longer waiting (TaskTimedOut or InvalidToken)');
    this.waiting.delete(token);
    clearTimeout(w.timer);
    return w;
  }
}

export interface LocalApprovalOptions {
  readonly store: Pick<
    IncidentStore,
    | 'putApproval'
    | 'getApproval'
    | 'decideApproval'
    | 'markApprovalDelivered'
    | 'getPlan'
    | 'getIncident'
    | 'appendEvent'
  >;
  /** @default a fresh random secret for this run */
  readonly secret?: Secret;
  readonly approvers?: ApproverLists;
  readonly log?: ApprovalLog;
  /** @default Date.now */
  readonly now?: () => number;
  /** Serves the reports kept here at `/reports/<incident>`, as the approval API does in AWS. @default none */
  readonly reports?: ReportArchive;
  /** How a replay waits for a decision to be passed on (CallbackPorts). @default 5 s */
  readonly deliveryGraceMs?: number;
  /** Runs each request, as one function invocation (a fault injector dies in one). @default directly */
  readonly invoke?: (request: () => Promise<CallbackResponse>) => Promise<CallbackResponse>;
}

export interface LocalApprovals {
  /** For makeHandlers / runLocally: resolves when approved, rejects when rejected or timed out. */
  readonly port: ApprovalPort;
  /** The approval server's base URL. */
  readonly url: string;
  /** The secret links are signed with (report links too). */
  readonly secret: Secret;
  /** Calls the listener for each approval that starts waiting; returns the unsubscribe function. */
  readonly onPending: (listener: (pending: PendingApproval) => void) => () => void;
  /** The approvals waiting now. */
  readonly pending: () => readonly PendingApproval[];
  /**
   * Stops the server and starts it again where the links point, as a callback function is redeployed: a
   * link out still decides, since its record is in the store and the key outlives the server, and the
   * waiting tasks (Step Functions' side) keep waiting.
   */
  readonly restart: () => Promise<void>;
  /** Ends every waiting approval (later decisions get 410) and stops the server. */
  readonly close: () => Promise<void>;
}

export async function startLocalApprovals(options: LocalApprovalOptions): Promise<LocalApprovals> {
  const now = options.now ?? Date.now;
  const secret = options.secret ?? newSecret();
  const tasks = new LocalTasks();
  const approvals = approvalCallback({
    store: options.store,
    tasks,
    now,
    secret,
    ...(options.approvers ? { approvers: options.approvers } : {}),
    ...(options.log ? { log: options.log } : {}),
    ...(options.deliveryGraceMs !== undefined ? { deliveryGraceMs: options.deliveryGraceMs } : {}),
  });
  const reports = options.reports
    ? reportPage({ archive: options.reports, secret, now, ...(options.log ? { log: options.log } : {}) })
    : undefined;
  // API Gateway routes by resource in AWS; here by path, the same two resources.
  const invoke = options.invoke ?? ((request) => request());
  const route: CallbackHandler = (request) =>
    invoke(() => (reports && request.path.includes(REPORTS_PATH) ? reports(request) : approvals(request)));
  let server = await startApprovalServer(route);
  const listeners = new Set<(pending: PendingApproval) => void>();
  const pending = new Map<string, PendingApproval>();
  const request = approvalRequester({
    store: options.store,
    secret,
    baseUrl: server.url,
    now,
    // Locally the "email" is the pending list and its listeners.
    send: (_email, approval, url) => {
      const item = { url, approval };
      pending.set(approval.approvalId, item);
      for (const listener of listeners) listener(item);
      return Promise.resolve();
    },
  });
  return {
    url: server.url,
    secret,
    port: {
      request: async (input) => {
        // The local runner gives every task the same token: each approval gets its own instead.
        const started = now();
        const expiresAtMs = started + (input.expiresInSeconds ?? DEFAULT_APPROVAL_SECONDS) * 1000;
        const { token, decision } = tasks.wait(expiresAtMs, started);
        decision.catch(() => undefined);
        const { approval } = await request({ ...input, taskToken: token }).catch((err: unknown) => {
          tasks.drop(token);
          throw err;
        });
        try {
          return await decision;
        } finally {
          pending.delete(approval.approvalId);
        }
      },
    },
    onPending: (listener) => {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    pending: () => [...pending.values()],
    restart: async () => {
      await server.close();
      server = await startApprovalServer(route, Number(new URL(server.url).port));
    },
    close: async () => {
      tasks.endAll('the local run is over');
      await server.close();
    },
  };
}
