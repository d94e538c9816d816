// The approval request (rule 1): the token stays in the store; the email carries a signed link that
// expires before the callback task does, and no piece of the token.
import fc from 'fast-check';
import { approvalEmail, type ApprovalEmail } from '../../lib/approvals/email';
import { newSecret, verifyLink } from '../../lib/approvals/link';
import { pendingPage } from '../../lib/approvals/page';
import { approvalRequester, linkLifetimeSeconds } from '../../lib/approvals/request';
import { approvalView } from '../../lib/approvals/view';
import { examplePlan, T0 } from '../helpers';
import { useLocalDynamo } from '../local-dynamo';
import { leaks, taskToken } from './support';

const local = useLocalDynamo();
const plan = examplePlan();
const secret = newSecret();

beforeAll(async () => {
  await local.store.putPlan(plan);
  await local.store.createIncident({
    incidentId: 'inc-r1',
    application: 'boutique',
    alarms: ['frontend-5xx'],
    startedAt: new Date(T0).toISOString(),
  });
});

describe('the approval request', () => {
  it('keeps the token server-side and emails a signed link that expires before the task does', async () => {
    const sent: ApprovalEmail[] = [];
    const request = approvalRequester({
      store: local.store,
      secret,
      baseUrl: 'https://approve.example.com/prod',
      now: () => T0,
      send: (email) => {
        sent.push(email);
        return Promise.resolve();
      },
    });
    const token = taskToken();
    const stage = plan.stages[1];
    const { approval, url } = await request({
      planId: plan.planId,
      incidentId: 'inc-r1',
      kind: 'stage',
      stage: 'expanded',
      why: stage?.why ?? [],
      expiresInSeconds: 3600,
      taskToken: token,
    });
    expect(approval).not.toHaveProperty('taskToken');
    const stored = await local.store.getApproval(approval.approvalId);
    expect(stored).toMatchObject({ taskToken: token, status: 'PENDING', application: 'boutique', stage: 'expanded' });
    expect(Date.parse(stored?.expiresAt ?? '')).toBeLessThanOrEqual(T0 + 3600 * 1000);
    const u = new URL(url);
    expect(verifyLink(secret, u.pathname, Object.fromEntries(u.searchParams))).toStrictEqual({
      ok: true,
      id: approval.approvalId,
      expiresAtMs: Date.parse(approval.expiresAt),
    });
    const email = sent[0] as ApprovalEmail;
    expect(sent).toHaveLength(1);
    expect(email.subject).toBe(`Backstep: Approve stage expanded (incident inc-r1)`);
    for (const part of [email.text, email.html]) {
      expect(part).toContain('stage expanded');
      expect(part).toContain('roll back emailservice');
      expect(part).toContain('cartservice (score 1.00)');
      expect(part).toContain(approval.expiresAt);
      expect(leaks(part, token)).toStrictEqual([]);
    }
    expect(email.text).toContain(url);
    expect(email.html).toContain(url.replace(/&/g, '&#38;'));
    expect(email.text).toContain('low confidence: a suspect in this stage scores 0.492 (< 0.5)');
  });

  it('gives every link a lifetime within the task heartbeat', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 10 * 86_400 }), (heartbeat) => {
        const lifetime = linkLifetimeSeconds(heartbeat);
        expect(lifetime).toBeGreaterThanOrEqual(1);
        expect(lifetime).toBeLessThanOrEqual(heartbeat);
        expect(lifetime).toBeGreaterThanOrEqual(heartbeat - 30);
      }),
    );
  });
});

describe('the approval page and email', () => {
  it('escape everything they show', () => {
    const hostile = '<script>alert(1)</script>"\'&';
    const view = approvalView(
      {
        approvalId: 'a',
        incidentId: hostile,
        planId: 'p',
        kind: 'step',
        stage: 'targeted',
        service: hostile,
        why: [hostile],
        nonce: 'n',
        expiresAt: new Date(T0 + 60_000).toISOString(),
        status: 'PENDING',
      },
      undefined,
      T0,
    );
    const email = approvalEmail(view, 'https://x.example/approvals/a?e=1&s=2');
    for (const html of [pendingPage(view, '"><script>'), email.html]) {
      expect(html).not.toContain('<script');
      expect(html).toContain('&#60;script&#62;alert(1)&#60;/script&#62;&#34;&#39;&#38;');
    }
  });
});
