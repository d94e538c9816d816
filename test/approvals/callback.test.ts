// The approval callback over real HTTP on the local server, with the store on dynalite and the local
// table of waiting tasks standing in for Step Functions: rules 2 to 5.
import {
  approvalCallback,
  parseApprovers,
  type ApprovalLog,
  type CallbackPorts,
  type CallbackRequest,
  type TaskPort,
} from '../../lib/approvals/callback';
import type { ApprovalEmail } from '../../lib/approvals/email';
import { newSecret, signLink } from '../../lib/approvals/link';
import { LocalTasks } from '../../lib/approvals/local';
import { approvalRequester } from '../../lib/approvals/request';
import { startApprovalServer, type ApprovalServer } from '../../lib/approvals/server';
import { examplePlan, T0 } from '../helpers';
import { useLocalDynamo } from '../local-dynamo';
import { get, leaks, nonceOf, post, SCANNERS, taskToken, type Page } from './support';

const local = useLocalDynamo();
const plan = examplePlan();
const secret = newSecret();
let clock = T0;

/** The local waiting tasks, counting every SendTask* call. */
const waiting = new LocalTasks();
const sent: string[] = [];
const tasks: TaskPort = {
  sendTaskSuccess: (token, output) => {
    sent.push(`success:${token}`);
    return waiting.sendTaskSuccess(token, output);
  },
  sendTaskFailure: (token, error, cause) => {
    sent.push(`failure:${token}`);
    return waiting.sendTaskFailure(token, error, cause);
  },
};
const logs: string[] = [];
const log: ApprovalLog = {
  info: (message, data) => logs.push(JSON.stringify({ message, ...data })),
  warn: (message, data) => logs.push(JSON.stringify({ message, ...data })),
};
let server: ApprovalServer;
let n = 0;

beforeAll(async () => {
  await local.store.putPlan(plan);
  server = await startApprovalServer(
    // A replay waits a second at most for the callback that recorded a decision to pass it on.
    approvalCallback({ store: local.store, tasks, now: () => clock, secret, log, deliveryGraceMs: 1000 }),
  );
});

afterAll(async () => {
  waiting.endAll('tests over');
  await server.close();
});

beforeEach(() => {
  clock = T0;
  sent.length = 0;
});

interface Pending {
  readonly url: string;
  readonly approvalId: string;
  readonly incidentId: string;
  readonly token: string;
  readonly email: ApprovalEmail;
  readonly decision: Promise<unknown>;
}

/** A stage approval waiting for a person, as the request handler leaves it. */
async function pending(options: { taskEnded?: boolean; token?: string; incidentId?: string } = {}): Promise<Pending> {
  const emails: ApprovalEmail[] = [];
  const request = approvalRequester({
    store: local.store,
    secret,
    baseUrl: server.url,
    now: () => clock,
    send: (email) => {
      emails.push(email);
      return Promise.resolve();
    },
  });
  // A task that already timed out, while its link is still valid: the execution ended first.
  const task = waiting.wait(options.taskEnded ? clock : clock + 3600_000, clock);
  const decision = task.decision.catch((err: unknown) => err);
  if (options.taskEnded) await decision;
  const incidentId = options.incidentId ?? `inc-${++n}`;
  const { approval, url } = await request({
    planId: plan.planId,
    incidentId,
    kind: 'stage',
    stage: 'expanded',
    why: plan.stages[1]?.why ?? [],
    expiresInSeconds: 3600,
    taskToken: options.token ?? task.token,
  });
  return {
    url,
    approvalId: approval.approvalId,
    incidentId,
    token: options.token ?? task.token,
    email: emails[0] as ApprovalEmail,
    decision,
  };
}

async function status(approvalId: string) {
  return (await local.store.getApproval(approvalId))?.status;
}

describe('GET and HEAD (rule 2)', () => {
  it('render the approval and decide nothing, whoever fetches them', async () => {
    const p = await pending();
    for (const agent of SCANNERS) {
      const page = await get(p.url, agent);
      expect(page.status).toBe(200);
      const head = await get(p.url, agent, 'HEAD');
      expect(head.status).toBe(200);
      expect(head.body).toBe('');
    }
    expect(sent).toStrictEqual([]);
    expect(await status(p.approvalId)).toBe('PENDING');
  });

  it('show the incident, the stage, the actions, the suspects, the reasons, the expiry and a two-button form', async () => {
    const p = await pending();
    const page = await get(p.url);
    const record = await local.store.getApproval(p.approvalId);
    expect(page.headers.get('content-type')).toBe('text/html; charset=utf-8');
    expect(page.headers.get('cache-control')).toBe('no-store');
    expect(page.body).toContain('<meta name="viewport" content="width=device-width,initial-scale=1">');
    expect(page.body).toContain(`id <code>${p.incidentId}</code>`);
    expect(page.body).toContain('alarmed: frontend');
    expect(page.body).toContain('stage expanded');
    expect(page.body).toContain('roll back emailservice (AppConfig boutique/prod/email cfg-17 -&#62; cfg-16)');
    expect(page.body).toContain('cartservice (score 1.00)');
    expect(page.body).toContain('low confidence: a suspect in this stage scores 0.492 (&#60; 0.5)');
    expect(page.body).toContain(`${record?.expiresAt} (in 60 min)`);
    expect(page.body).toContain('<form method="post">');
    expect(page.body).toContain('<button class="approve" type="submit" name="decision" value="approve">');
    expect(page.body).toContain('<button class="reject" type="submit" name="decision" value="reject">');
    expect(nonceOf(page.body)).toBe(record?.nonce);
    // No external assets, no scripts.
    expect(page.body).not.toMatch(/<script|<link|src=|https?:\/\//);
  });
});

describe('POST (rule 3)', () => {
  it('decides once: of 10 concurrent approves and rejects, one wins, nine get 409, one SendTask call', async () => {
    const p = await pending();
    const nonce = nonceOf((await get(p.url)).body);
    const pages = await Promise.all(
      Array.from({ length: 10 }, (_, i) =>
        post(p.url, { nonce, decision: i % 2 ? 'approve' : 'reject' }, `phone-${i}`),
      ),
    );
    const statuses = pages.map((page) => page.status).sort();
    expect(statuses).toStrictEqual([200, 409, 409, 409, 409, 409, 409, 409, 409, 409]);
    expect(sent).toHaveLength(1);
    const record = await local.store.getApproval(p.approvalId);
    expect(sent[0]).toBe(`${record?.decision === 'approve' ? 'success' : 'failure'}:${p.token}`);
    const winner = pages.find((page) => page.status === 200) as Page;
    expect(winner.body).toContain(record?.decision === 'approve' ? 'Approved: the rollback goes ahead' : 'Rejected');
    for (const loser of pages.filter((page) => page.status === 409)) {
      expect(loser.body).toContain('Already decided');
      expect(loser.body).toContain(
        `${record?.decision === 'approve' ? 'Approved' : 'Rejected'} by someone who did not sign in`,
      );
      expect(loser.body).toContain(record?.decidedAt);
      expect(loser.body).toContain(record?.userAgent);
      expect(loser.body).not.toContain('<form');
    }
    // The waiting task got the decision.
    const outcome = await p.decision;
    if (record?.decision === 'approve') expect(outcome).toStrictEqual({ decision: 'approve' });
    else expect(outcome).toMatchObject({ name: 'Backstep.ApprovalRejected' });
    // A later visit shows the decision, and a replayed POST still loses.
    expect((await get(p.url)).body).toContain('Already decided');
    expect((await post(p.url, { nonce, decision: 'approve' })).status).toBe(409);
    expect(sent).toHaveLength(1);
  });

  it('records who decided with the incident: time, source IP, user agent', async () => {
    const p = await pending();
    const nonce = nonceOf((await get(p.url)).body);
    expect((await post(p.url, { nonce, decision: 'approve' }, 'Mozilla/5.0 (Android 15)')).status).toBe(200);
    const events = await local.store.events(p.incidentId);
    expect(events).toHaveLength(1);
    expect(events[0]).toMatchObject({
      key: `approval#${p.approvalId}`,
      at: new Date(T0).toISOString(),
      type: 'approval-decided',
      data: { approvalId: p.approvalId, stage: 'expanded', decision: 'approve', userAgent: 'Mozilla/5.0 (Android 15)' },
    });
    expect((events[0]?.data as { sourceIp: string }).sourceIp).toMatch(/127\.0\.0\.1$/);
    expect(await local.store.getApproval(p.approvalId)).toMatchObject({
      status: 'DECIDED',
      decidedAt: new Date(T0).toISOString(),
      userAgent: 'Mozilla/5.0 (Android 15)',
    });
  });

  it('refuses a POST without the nonce of the page (403), and decides nothing', async () => {
    const p = await pending();
    for (const form of [{ decision: 'approve' }, { decision: 'approve', nonce: 'guessed-nonce' }]) {
      const page = await post(p.url, form);
      expect(page.status).toBe(403);
      expect(page.body).not.toContain('<form');
    }
    expect(sent).toStrictEqual([]);
    expect(await status(p.approvalId)).toBe('PENDING');
  });
});

describe('a callback that dies mid-way (rule 3)', () => {
  /** The callback over a store on which the function's process exits once, right after `point`. */
  function dyingCallback(point: 'decided' | 'sent') {
    let died = false;
    const exit = () => {
      if (died) return;
      died = true;
      throw Object.assign(new Error('the process exited'), { name: 'Runtime.ExitError' });
    };
    const store: CallbackPorts['store'] = {
      getApproval: (id) => local.store.getApproval(id),
      getPlan: (id) => local.store.getPlan(id),
      appendEvent: (id, event) => local.store.appendEvent(id, event),
      decideApproval: async (id, decision) => {
        const outcome = await local.store.decideApproval(id, decision);
        if (point === 'decided') exit();
        return outcome;
      },
      // The first thing after SendTaskSuccess.
      markApprovalDelivered: (id, at) => {
        if (point === 'sent') exit();
        return local.store.markApprovalDelivered(id, at);
      },
    };
    const callback = approvalCallback({ store, tasks, now: () => clock, secret });
    return (p: Pending, body: string) => {
      const u = new URL(p.url);
      return callback({
        method: 'POST',
        path: u.pathname,
        query: Object.fromEntries(u.searchParams),
        headers: {},
        body,
      });
    };
  }

  it('passes the decision on when the form is sent again after the callback died having recorded it', async () => {
    // Before: the replay got 409 and nothing sent the decision; the approval timed out and escalated.
    const p = await pending();
    const nonce = nonceOf((await get(p.url)).body);
    const body = new URLSearchParams({ nonce, decision: 'approve' }).toString();
    expect((await dyingCallback('decided')(p, body)).status).toBe(503);
    expect(sent).toStrictEqual([]);
    expect((await post(p.url, { nonce, decision: 'approve' })).status).toBe(409);
    expect(sent).toStrictEqual([`success:${p.token}`]);
    await expect(p.decision).resolves.toStrictEqual({ decision: 'approve' });
    const events = await local.store.events(p.incidentId);
    expect(events.map((e) => e.key)).toStrictEqual([`approval#${p.approvalId}`]);
    // Delivered now: a later replay sends nothing.
    expect((await post(p.url, { nonce, decision: 'approve' })).status).toBe(409);
    expect(sent).toHaveLength(1);
  });

  it('applies the decision once when the callback died after passing it on', async () => {
    const p = await pending();
    const nonce = nonceOf((await get(p.url)).body);
    await dyingCallback('sent')(p, new URLSearchParams({ nonce, decision: 'approve' }).toString());
    await expect(p.decision).resolves.toStrictEqual({ decision: 'approve' });
    // The replay sends again; the task has ended, so Step Functions refuses the second result.
    expect((await post(p.url, { nonce, decision: 'approve' })).status).toBe(409);
    expect(sent).toStrictEqual([`success:${p.token}`, `success:${p.token}`]);
    expect((await local.store.events(p.incidentId)).map((e) => e.key)).toStrictEqual([`approval#${p.approvalId}`]);
    expect((await local.store.getApproval(p.approvalId))?.deliveredAt).toBe(new Date(T0).toISOString());
  });
});

describe('ended approvals (rule 4)', () => {
  it('answer 410 for an expired link, GET or POST, and decide nothing', async () => {
    const p = await pending();
    const nonce = nonceOf((await get(p.url)).body);
    clock = T0 + 3600_000;
    for (const page of [await get(p.url), await post(p.url, { nonce, decision: 'approve' })]) {
      expect(page.status).toBe(410);
      expect(page.body).toContain('This approval link has expired');
      expect(page.body).not.toContain('<form');
    }
    expect(sent).toStrictEqual([]);
    expect(await status(p.approvalId)).toBe('PENDING');
  });

  it('answer 410 when the execution ended or was stopped before the decision (TaskTimedOut, InvalidToken)', async () => {
    const timedOut = await pending({ taskEnded: true });
    const unknown = await pending({ token: taskToken() });
    for (const p of [timedOut, unknown]) {
      const page = await post(p.url, { nonce: nonceOf((await get(p.url)).body), decision: 'reject' });
      expect(page.status).toBe(410);
      expect(page.body).toContain('the rollback had already ended or was stopped');
      expect(page.body).not.toContain('<form');
    }
    expect(sent).toStrictEqual([`failure:${timedOut.token}`, `failure:${unknown.token}`]);
  });
});

describe('forged links (rule 1)', () => {
  it('get 403 and no form, GET or POST, and decide nothing', async () => {
    const p = await pending();
    const nonce = nonceOf((await get(p.url)).body);
    const u = new URL(p.url);
    const e = u.searchParams.get('e') as string;
    const s = u.searchParams.get('s') as string;
    const later = String(Number(e) + 86_400);
    const forged = [
      `${server.url}${u.pathname}?e=${e}&s=${s.slice(0, -1)}${s.endsWith('A') ? 'B' : 'A'}`,
      `${server.url}${u.pathname}?e=${e}`,
      `${server.url}${u.pathname}`,
      `${server.url}${u.pathname}?e=${later}&s=${s}`,
      `${server.url}${u.pathname}?e=${later}&s=${signLink(newSecret(), p.approvalId, Number(later) * 1000)}`,
      `${server.url}/approvals/${'A'.repeat(24)}?e=${e}&s=${s}`,
      `${server.url}/?e=${e}&s=${s}`,
    ];
    for (const url of forged) {
      for (const page of [await get(url), await post(url, { nonce, decision: 'approve' })]) {
        expect(page.status).toBe(403);
        expect(page.body).not.toContain('<form');
      }
    }
    expect(sent).toStrictEqual([]);
    expect(await status(p.approvalId)).toBe('PENDING');
  });
});

describe('bad requests', () => {
  it('get a clear 4xx, never a 5xx', async () => {
    const p = await pending();
    const nonce = nonceOf((await get(p.url)).body);
    expect((await post(p.url, { nonce, decision: 'maybe' })).status).toBe(400);
    expect((await fetch(p.url, { method: 'PUT', body: 'decision=approve' })).status).toBe(405);
    expect((await fetch(p.url, { method: 'DELETE' })).status).toBe(405);
    expect((await fetch(p.url, { method: 'POST', body: 'x'.repeat(64 * 1024) })).status).toBe(413);
    expect(sent).toStrictEqual([]);
    expect(await status(p.approvalId)).toBe('PENDING');
  });
});

describe('the task token (rule 1)', () => {
  it('is in no email, page, header or log line', async () => {
    logs.length = 0;
    const p = await pending();
    const texts = [p.email.subject, p.email.text, p.email.html];
    const keep = (page: Page) => texts.push(page.body, JSON.stringify([...page.headers]));
    const first = await get(p.url);
    keep(first);
    keep(await get(p.url, SCANNERS[0], 'HEAD'));
    keep(await post(p.url, { nonce: 'wrong', decision: 'approve' }));
    keep(await post(p.url, { nonce: nonceOf(first.body), decision: 'reject' }));
    keep(await post(p.url, { nonce: nonceOf(first.body), decision: 'approve' }));
    keep(await get(`${p.url.slice(0, -2)}xx`));
    expect(sent).toStrictEqual([`failure:${p.token}`]);
    expect(logs.length).toBeGreaterThan(1);
    expect(leaks([...texts, ...logs].join('\n'), p.token)).toStrictEqual([]);
  });
});

describe('approvers (rule 5)', () => {
  // The store exists once the file's beforeAll ran: build the handler per request.
  const callback = (r: CallbackRequest) =>
    approvalCallback({
      store: local.store,
      tasks,
      now: () => clock,
      secret,
      approvers: { payments: ['oncall@example.com', 'lead@example.com'] },
    })(r);
  const request = (p: Pending, method: string, identity?: string, body?: string) => {
    const u = new URL(p.url);
    return callback({
      method,
      path: u.pathname,
      query: Object.fromEntries(u.searchParams),
      headers: { 'user-agent': 'Mozilla/5.0 (iPhone)' },
      sourceIp: '203.0.113.7',
      ...(identity !== undefined ? { identity } : {}),
      ...(body !== undefined ? { body } : {}),
    });
  };

  /** An approval of an incident of the application `payments`. */
  async function paymentsApproval(): Promise<Pending> {
    const incidentId = `inc-payments-${++n}`;
    const startedAt = new Date(T0).toISOString();
    await local.store.createIncident({ incidentId, application: 'payments', alarms: [], startedAt });
    return pending({ incidentId });
  }

  it('gives a signed-in non-approver, and anyone not signed in, 403 and no form', async () => {
    const p = await paymentsApproval();
    const nonce = (await local.store.getApproval(p.approvalId))?.nonce as string;
    for (const identity of ['intruder@example.com', undefined]) {
      for (const response of [
        await request(p, 'GET', identity),
        await request(p, 'POST', identity, `nonce=${nonce}&decision=approve`),
      ]) {
        expect(response.status).toBe(403);
        expect(response.body).not.toContain('<form');
      }
    }
    expect(sent).toStrictEqual([]);
    expect(await status(p.approvalId)).toBe('PENDING');
  });

  it('lets an approver decide, and records who it was', async () => {
    const p = await paymentsApproval();
    const page = await request(p, 'GET', 'OnCall@example.com');
    expect(page.status).toBe(200);
    const response = await request(p, 'POST', 'OnCall@example.com', `nonce=${nonceOf(page.body)}&decision=approve`);
    expect(response.status).toBe(200);
    expect(response.body).toContain('Approved by OnCall@example.com (203.0.113.7, Mozilla/5.0 (iPhone))');
    expect(await local.store.getApproval(p.approvalId)).toMatchObject({
      status: 'DECIDED',
      decision: 'approve',
      decidedBy: 'OnCall@example.com',
      sourceIp: '203.0.113.7',
    });
    expect(sent).toStrictEqual([`success:${p.token}`]);
    await expect(p.decision).resolves.toStrictEqual({ decision: 'approve', by: 'OnCall@example.com' });
  });

  it('lets anyone with the link decide for an application without a list', async () => {
    const p = await pending();
    const page = await request(p, 'GET');
    expect((await request(p, 'POST', undefined, `nonce=${nonceOf(page.body)}&decision=reject`)).status).toBe(200);
  });
});

describe('approver lists', () => {
  it('fail when they are not JSON or not lists of names, saying what is expected', () => {
    expect(parseApprovers(undefined, 'APPROVERS')).toStrictEqual({});
    expect(parseApprovers('{"payments":["a@example.com"]}', 'APPROVERS')).toStrictEqual({
      payments: ['a@example.com'],
    });
    expect(() => parseApprovers('{', 'APPROVERS')).toThrow('not JSON: APPROVERS: approver lists as');
    expect(() => parseApprovers('{"payments":"a@example.com"}', 'APPROVERS')).toThrow('bad approver lists: APPROVERS');
  });
});
