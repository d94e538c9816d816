// Approvals in a local run: the compiled plan waits on the local approval port, a person decides over
// HTTP on the local server, and the execution goes on (or halts) as it would in Step Functions.
import { TaskGoneError } from '../../lib/approvals/errors';
import { LocalTasks, startLocalApprovals, type LocalApprovals } from '../../lib/approvals/local';
import { printApprovalLinks, suggestCatalog } from '../../lib/local/rehearsal/manual-approvals';
import { parseCatalog } from '../../lib/core/catalog';
import type { ApprovalPort } from '../../lib/core/handlers';
import { runLocally } from '../../lib/local/engines/runner';
import { compilePlan, type CompileOptions } from '../../statemachines/compile';
import { examplePlan, fixture } from '../helpers';
import { useLocalDynamo } from '../local-dynamo';
import { exampleRunHandlers, get, nonceOf, post } from './support';

const local = useLocalDynamo();
const plan = examplePlan();
let approvals: LocalApprovals;
let incidents = 0;
/** What the people of a test still do: their last answer comes after the run goes on. */
let people: Promise<unknown>[] = [];

beforeAll(async () => {
  await local.store.putPlan(plan);
});

beforeEach(async () => {
  approvals = await startLocalApprovals({ store: local.store });
});

afterEach(async () => {
  await Promise.all(people);
  people = [];
  await approvals.close();
});

/** Runs the example plan: the alarm holds through wave 1 and clears after wave 2. */
function run(port: ApprovalPort, compile: CompileOptions = {}) {
  const handlers = exampleRunHandlers(local.store, port);
  const incident = { id: `inc-local-${++incidents}`, alarms: ['frontend-5xx'], at: plan.incident.at };
  return runLocally(compilePlan(plan, compile), { incident }, handlers);
}

/** A person who opens each link and presses a button. */
function decideEach(decision: 'approve' | 'reject') {
  approvals.onPending((p) => {
    people.push(get(p.url).then((page) => post(p.url, { nonce: nonceOf(page.body), decision })));
  });
}

describe('local approvals', () => {
  it('print one line per pending approval, and the run goes on once a person approves', async () => {
    const lines: string[] = [];
    printApprovalLinks(approvals, { write: (text: string) => lines.push(text) });
    decideEach('approve');
    const result = await run(approvals.port);
    expect(result.status).toBe('SUCCEEDED');
    expect(result.path).toContain('Wave 1 · approve frontend');
    expect(result.path).toContain('Wave 1 · roll back frontend (ecs)');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(
      /^approval required: http:\/\/127\.0\.0\.1:\d+\/approvals\/[\w-]{24}\?e=\d+&s=[\w-]{43}\n$/,
    );
    expect(approvals.pending()).toStrictEqual([]);
  });

  it('halt the step when a person rejects it', async () => {
    decideEach('reject');
    const result = await run(approvals.port);
    expect(result.status).toBe('FAILED');
    expect(result.path).toContain('Wave 1 · frontend rejected');
    expect(result.path).not.toContain('Wave 1 · roll back frontend (ecs)');
  });

  it('time out when no one decides in time, and the link then answers 410', async () => {
    const urls: string[] = [];
    approvals.onPending((p) => urls.push(p.url));
    const result = await run(approvals.port, { approvalSeconds: 1 });
    expect(result.path).toContain('Wave 1 · frontend not approved in time');
    expect(urls).toHaveLength(1);
    expect((await get(urls[0] as string)).status).toBe(410);
  });

  it('end every waiting approval when closed, and leave nothing listening', async () => {
    const waiting = approvals.port.request({
      planId: plan.planId,
      incidentId: 'inc-closed',
      kind: 'stage',
      stage: 'expanded',
      why: [],
      taskToken: 'ignored-locally',
    });
    await new Promise<void>((resolve) => approvals.onPending(() => resolve()));
    const url = approvals.pending()[0]?.url as string;
    await approvals.close();
    await expect(waiting).rejects.toMatchObject({ name: 'States.Timeout' });
    await expect(fetch(url)).rejects.toThrow();
  });
});

describe('a restart of the approval server', () => {
  it('keeps the links out: a page opened before it decides after it', async () => {
    // Before: the server could only be closed and started anew, which ended the waiting task and came back
    // on another port with another key: the link in the email was dead and the run escalated.
    const statuses: number[] = [];
    approvals.onPending((p) => {
      people.push(
        (async () => {
          const page = await get(p.url);
          await approvals.restart();
          statuses.push((await post(p.url, { nonce: nonceOf(page.body), decision: 'approve' })).status);
        })(),
      );
    });
    const result = await run(approvals.port);
    await Promise.all(people);
    expect(result.status).toBe('SUCCEEDED');
    expect(result.path).toContain('Wave 1 · roll back frontend (ecs)');
    expect(statuses).toStrictEqual([200]);
  });

  it('answers a link whose task ended 410 after it, never 5xx', async () => {
    const urls: string[] = [];
    approvals.onPending((p) => urls.push(p.url));
    await run(approvals.port, { approvalSeconds: 1 });
    await approvals.restart();
    const page = await get(urls[0] as string);
    expect(page.status).toBe(410);
    expect((await post(urls[0] as string, { nonce: 'any', decision: 'approve' })).status).toBe(410);
  });
});

describe('the local waiting tasks', () => {
  it('take the first decision only; later sends fail as Step Functions does for an ended task', async () => {
    const tasks = new LocalTasks();
    const { token, decision } = tasks.wait(Date.now() + 60_000, Date.now());
    await tasks.sendTaskSuccess(token, JSON.stringify({ decision: 'approve', by: 'a@example.com' }));
    await expect(decision).resolves.toStrictEqual({ decision: 'approve', by: 'a@example.com' });
    expect(() => tasks.sendTaskFailure(token, 'Backstep.ApprovalRejected', 'late')).toThrow(TaskGoneError);
    const other = tasks.wait(Date.now() + 60_000, Date.now());
    tasks.endAll('the run is over');
    await expect(other.decision).rejects.toMatchObject({ name: 'States.Timeout' });
    expect(() => tasks.sendTaskSuccess(other.token, '{}')).toThrow(TaskGoneError);
  });
});

describe('manual mode', () => {
  it('puts every stage of the plan behind a person', () => {
    const catalog = parseCatalog(fixture('examples/online-boutique/catalog.json'), 'catalog.json');
    const manual = examplePlan({ catalog: suggestCatalog(catalog) });
    expect(manual.stages.map((s) => s.approval)).toStrictEqual(manual.stages.map(() => true));
    expect(Object.values(suggestCatalog(catalog).services).every((s) => s.mode === 'suggest' || s.mode === 'off')).toBe(
      true,
    );
  });
});
