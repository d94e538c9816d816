// `--approve manual` with the real local approval server: every stage waits for a person; each link is
// announced as `approval required: <url>`; a person (here: HTTP from the test) opens it and approves.
import type { ApprovalPortFactory } from '../../../lib/local/rehearsal/approvals';
import { localApprovalServer } from '../../../lib/local/rehearsal/manual-approvals';
import { DEFAULT_SCENARIO, DEFAULT_SEED, demoIncident } from '../../../lib/local/rehearsal/demo';
import { Progress } from '../../../lib/local/rehearsal/progress';
import { rehearse } from '../../../lib/local/rehearsal/rehearse';
import { useLocalDynamo } from '../../local-dynamo';

const local = useLocalDynamo();

/** What a person does with a link: open the page (which decides nothing), then press a button. */
async function decide(url: string, decision: 'approve' | 'reject', afterMs = 0): Promise<number> {
  await new Promise((resolve) => setTimeout(resolve, afterMs));
  const page = await (await fetch(url)).text();
  const nonce = /name="nonce" value="([^"]+)"/.exec(page)?.[1] ?? '';
  const body = new URLSearchParams({ nonce, decision }).toString();
  const res = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body,
  });
  await res.text();
  return res.status;
}

describe('backstep demo --approve manual', () => {
  it('announces each approval as a link and goes on when a person approves it over HTTP, however slowly', async () => {
    const lines: string[] = [];
    const statuses: number[] = [];
    const decisions: Promise<void>[] = [];
    const person: ApprovalPortFactory = (context) =>
      localApprovalServer({
        ...context,
        announce: (url) => {
          context.announce(url);
          // The first person takes longer than the intake's 30-second task: the incident still waits.
          const afterMs = decisions.length === 0 ? 31_000 : 0;
          decisions.push(decide(url, 'approve', afterMs).then((s) => void statuses.push(s)));
        },
      });
    const progress = new Progress({ write: (t: string) => void lines.push(t), tty: false, color: false });
    const result = await rehearse(demoIncident(DEFAULT_SCENARIO, DEFAULT_SEED), {
      approve: 'manual',
      approvals: person,
      dynamo: local.dynamo,
      progress,
    });
    await Promise.all(decisions);
    expect(result.report.outcome.status).toBe('RECOVERED');
    const announced = lines
      .join('')
      .split('\n')
      .filter((l) => l.startsWith('approval required: '));
    expect(announced.length).toBeGreaterThan(0);
    for (const line of announced)
      expect(line).toMatch(/^approval required: http:\/\/127\.0\.0\.1:\d+\/approvals\/\S+\?e=\d+&s=\S+$/);
    expect(statuses).toStrictEqual(announced.map(() => 200));
  }, 90_000);

  it('reads an approval nobody decided as timed out, never rejected, and still reports the incident', async () => {
    const lines: string[] = [];
    const nobody: ApprovalPortFactory = (context) => localApprovalServer(context);
    const progress = new Progress({ write: (t: string) => void lines.push(t), tty: false, color: false });
    const result = await rehearse(demoIncident(DEFAULT_SCENARIO, DEFAULT_SEED), {
      approve: 'manual',
      approvals: nobody,
      approvalSeconds: 2,
      dynamo: local.dynamo,
      progress,
    });
    const text = lines.join('');
    expect(text).toMatch(/approval +stage targeted timed out/);
    expect(text).not.toMatch(/approval +stage targeted rejected/);
    expect(result.report.outcome.status).not.toBe('RECOVERED');
  }, 60_000);
});
