// Approvals in a chaos run under an approval fault: every stage waits for a person (suggest mode, as
// `backstep demo --approve manual` runs), through the real path: the request handler keeps the record and
// hands out the signed link, the local approval server serves it over HTTP, a person opens the page and
// posts its nonce, and the callback sends the task result to the waiting task. A person who gets a 5xx
// (or no answer) sends the form again, as one presses the button again.
import { request as httpRequest } from 'node:http';
import type { CallbackResponse } from '../../approvals/callback';
import { startLocalApprovals, type LocalApprovalOptions } from '../../approvals/local';
import type { Catalog } from '../../core/catalog';
import type { ApprovalPort } from '../../core/handlers';
import type { IncidentStore } from '../../core/store';
import { suggestCatalog } from '../rehearsal/manual-approvals';
import { awsError, CRASH_ERROR, type Injector } from './inject';
import type { DecisionSeen } from './invariants';
import type { FaultKind } from './schedule';

const APPROVAL_FAULTS: ReadonlySet<FaultKind> = new Set(['crash-after-callback', 'approval-restart']);

/** A lost decision escalates when the approval times out: short, so that a run under a bug still ends. */
const APPROVAL_SECONDS = 20;
/** How long a replay waits for the callback that recorded a decision (a live one takes milliseconds here). */
const DELIVERY_GRACE_MS = 200;
/** How many times a person presses the button before giving up. */
const PRESSES = 3;

export interface ChaosApprovals {
  /** The catalog in suggest mode: every stage of the plan waits for a person. */
  readonly catalog: (catalog: Catalog) => Catalog;
  readonly compile: { readonly approvalSeconds: number };
  readonly port: ApprovalPort;
  /** Once the run is over: waits for the people, stops the server, reads what the table keeps of each decision. */
  readonly finish: (table: Pick<IncidentStore, 'getApproval'>) => Promise<DecisionSeen[]>;
}

/** The local approval server with a person at every link, for the approval faults; undefined for the others. */
export async function chaosApprovals(
  injector: Injector,
  store: LocalApprovalOptions['store'],
): Promise<ChaosApprovals | undefined> {
  const { fault } = injector;
  if (!APPROVAL_FAULTS.has(fault.kind)) return undefined;
  const approvals = await startLocalApprovals({
    store,
    deliveryGraceMs: DELIVERY_GRACE_MS,
    // Each request is one invocation of the callback function; one that died answers nothing (a 502 in AWS).
    invoke: (handle) =>
      injector.invoke(async () => {
        const response = await handle();
        if (injector.dead) throw awsError(CRASH_ERROR);
        return response;
      }),
  });
  const people: Promise<void>[] = [];
  const seen: { incidentId: string; approvalId: string; answers: number[]; crashed: number }[] = [];
  approvals.onPending(({ url, approval }) => {
    const decision = { incidentId: approval.incidentId, approvalId: approval.approvalId, answers: [], crashed: 0 };
    seen.push(decision);
    // The server restarts while this person holds the link, with the page open.
    const restart =
      fault.kind === 'approval-restart' && seen.length === fault.call
        ? async () => {
            injector.log(fault.kind, fault.point, 'approval server restarted');
            await approvals.restart();
          }
        : undefined;
    people.push(approve(url, decision, injector, restart));
  });
  return {
    catalog: suggestCatalog,
    compile: { approvalSeconds: APPROVAL_SECONDS },
    port: approvals.port,
    finish: async (table) => {
      await Promise.all(people);
      await approvals.close();
      return Promise.all(
        seen.map(async (d) => ({ ...d, decided: (await table.getApproval(d.approvalId))?.status === 'DECIDED' })),
      );
    },
  };
}

/** A person: opens the link (GET), then approves with the page's nonce, pressing again after a 5xx. */
async function approve(
  url: string,
  seen: { answers: number[]; crashed: number },
  injector: Injector,
  meanwhile?: () => Promise<void>,
): Promise<void> {
  const page = await send('GET', url);
  seen.answers.push(page.status);
  const nonce = /name="nonce" value="([^"]+)"/.exec(page.body)?.[1];
  if (nonce === undefined) return;
  await meanwhile?.();
  const form = new URLSearchParams({ nonce, decision: 'approve' }).toString();
  for (let press = 1; press <= PRESSES; press++) {
    const crashes = crashCount(injector);
    const { status } = await send('POST', url, form);
    seen.answers.push(status);
    if (crashCount(injector) > crashes) seen.crashed++;
    if (status > 0 && status < 500) return;
  }
}

function crashCount(injector: Injector): number {
  return injector.injected.filter((i) => i.error === CRASH_ERROR).length;
}

/** One request on a connection of its own (a restarted server closed the old ones); status 0 when nothing answered. */
function send(method: 'GET' | 'POST', url: string, form?: string): Promise<Pick<CallbackResponse, 'status' | 'body'>> {
  return new Promise((resolve) => {
    const headers = form
      ? { 'content-type': 'application/x-www-form-urlencoded', 'content-length': Buffer.byteLength(form) }
      : {};
    const req = httpRequest(
      url,
      { method, agent: false, headers: { 'user-agent': 'chaos-person', ...headers } },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8') }));
        res.on('error', () => resolve({ status: 0, body: '' }));
      },
    );
    req.on('error', () => resolve({ status: 0, body: '' }));
    req.end(form);
  });
}
