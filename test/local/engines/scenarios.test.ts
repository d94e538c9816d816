// Scenario runs of the compiled example plan on the local interpreter; each asserts the exact path of
// states from the event log. Handlers are the real ones (lib/core/handlers) over scripted ports.
import {
  ApprovalRejectedError,
  ApprovalTimedOutError,
  RollbackFailedError,
  TransientError,
} from '../../../lib/core/errors';
import { makeHandlers } from '../../../lib/core/handlers';
import type { Plan } from '../../../lib/core/plan';
import { SUGGEST_MODE_WHY, type AlarmState, type ApprovalInput, type NotifyInput } from '../../../lib/core/tasks';
import { memoryIdempotency } from '../../../lib/local/engines/memory';
import { runLocally, type LocalRunResult } from '../../../lib/local/engines/runner';
import { compilePlan, type CompileOptions } from '../../../statemachines/compile';
import { useLocalDynamo } from '../../local-dynamo';
import { examplePlan } from '../../helpers';
import { syntheticPlan } from '../../synthetic-plan';

const INCIDENT = 'frontend-5xx';

// Idempotency keys live in the real store, on a dynalite server on loopback.
const local = useLocalDynamo();
let incidents = 0;
const OTHER = 'checkout-5xx';

type Reading = Readonly<Record<string, AlarmState>>;
const alarm: Reading = { [INCIDENT]: 'ALARM', [OTHER]: 'OK' };
const ok: Reading = { [INCIDENT]: 'OK', [OTHER]: 'OK' };
const noData: Reading = { [INCIDENT]: 'INSUFFICIENT_DATA', [OTHER]: 'OK' };
const worse: Reading = { [INCIDENT]: 'ALARM', [OTHER]: 'ALARM' };

interface Script {
  /** Alarm readings in order: the first is the baseline, then one per gate read. */
  readonly readings: readonly Reading[];
  readonly act?: Readonly<Record<string, 'fail' | 'transient-once' | 'gone'>>;
  readonly approval?: (input: ApprovalInput) => 'approve' | 'reject' | 'timeout';
  readonly compile?: CompileOptions;
  readonly mode?: 'auto' | 'suggest';
}

interface Outcome extends LocalRunResult {
  readonly rolledBack: string[];
  readonly approvals: ApprovalInput[];
  readonly notified: NotifyInput[];
}

async function run(
  script: Script,
  plan: Plan = examplePlan(),
  incidentAlarms: string[] = [INCIDENT],
): Promise<Outcome> {
  let read = 0;
  const attempts = new Map<string, number>();
  const rolledBack: string[] = [];
  const approvals: ApprovalInput[] = [];
  const notified: NotifyInput[] = [];
  const handlers = makeHandlers({
    plans: { load: (id) => Promise.resolve(id === plan.planId ? plan : undefined) },
    idempotency: local.store,
    now: () => Date.parse('2026-11-27T10:00:00Z'),
    rollback: {
      inspect: (step) =>
        Promise.resolve(
          script.act?.[step.service] === 'gone'
            ? { ok: false, reason: `${step.service}: task definition revision v0 no longer exists` }
            : { ok: true },
        ),
      rollback: (step) => {
        const n = (attempts.get(step.service) ?? 0) + 1;
        attempts.set(step.service, n);
        const mode = script.act?.[step.service];
        if (mode === 'fail')
          return Promise.reject(new RollbackFailedError(`${step.service}: revision v0 no longer exists`));
        if (mode === 'transient-once' && n === 1) return Promise.reject(new TransientError('ECS throttled the call'));
        rolledBack.push(step.service);
        return Promise.resolve({ version: step.change.fromVersion ?? 'previous' });
      },
    },
    alarms: {
      // checkoutservice (rolled back in stage 3) is watched by OTHER; the gate reads every plan service's alarms.
      alarmsOf: (services) => Promise.resolve(services.includes('checkoutservice') ? [OTHER] : []),
      read: () => {
        const reading = script.readings[Math.min(read, script.readings.length - 1)] as Reading;
        read++;
        return Promise.resolve(reading);
      },
    },
    approvals: {
      request: (input) => {
        approvals.push(input);
        const decision = script.approval?.(input) ?? 'approve';
        if (decision === 'reject') return Promise.reject(new ApprovalRejectedError('rejected by oncall@example.com'));
        if (decision === 'timeout') return Promise.reject(new ApprovalTimedOutError('no decision within 3600 s'));
        return Promise.resolve({ decision: 'approve', by: 'oncall@example.com' });
      },
    },
    notify: {
      escalate: (input) => {
        notified.push(input);
        return Promise.resolve();
      },
    },
  });
  const result = await runLocally(
    compilePlan(plan, script.compile),
    {
      incident: { id: `inc-${++incidents}`, alarms: incidentAlarms, at: plan.incident.at },
      ...(script.mode ? { mode: script.mode } : {}),
    },
    handlers,
  );
  return { ...result, rolledBack, approvals, notified };
}

const START = ['Start · read alarms', 'Start · remember alarms'];
const WAVE1 = [
  'Stage targeted · suggest mode?',
  'Wave 1 · 1 rollback',
  'Wave 1 · approve frontend',
  'Wave 1 · roll back frontend (ecs)',
  'Wave 1 · bake 5 min',
  'Gate 1 · alarms',
  'Gate 1 · outcome',
];
const WAVE2 = [
  'Wave 2 · 1 rollback',
  'Wave 2 · roll back cartservice (ecs)',
  'Wave 2 · bake 5 min',
  'Gate 2 · alarms',
  'Gate 2 · outcome',
];
const STAGE2 = [
  'Approve stage expanded',
  'Wave 3 · 1 rollback',
  'Wave 3 · roll back emailservice (appconfig)',
  'Wave 3 · bake 5 min',
  'Gate 3 · alarms',
  'Gate 3 · outcome',
];
const STAGE3 = [
  'Approve stage full',
  'Wave 4 · 1 rollback',
  'Wave 4 · approve checkoutservice',
  'Wave 4 · roll back checkoutservice (codedeploy)',
  'Wave 4 · bake 5 min',
  'Gate 4 · alarms',
  'Gate 4 · outcome',
  'Wave 5 · 1 rollback',
  'Wave 5 · approve productcatalogservice',
  'Wave 5 · roll back productcatalogservice (codedeploy)',
  'Wave 5 · bake 5 min',
  'Gate 5 · alarms',
  'Gate 5 · outcome',
];
const halted = (reason: string) => [`Escalate · ${reason}`, `Halted · ${reason}`];

describe('a compiled plan run locally', () => {
  it('recovers after stage 1', async () => {
    const r = await run({ readings: [alarm, alarm, ok] });
    expect(r.path).toStrictEqual([...START, ...WAVE1, ...WAVE2, 'Recovered']);
    expect(r.status).toBe('SUCCEEDED');
    expect(r.rolledBack).toStrictEqual(['frontend', 'cartservice']);
  });

  it('recovers only after stage 2, once the stage is approved', async () => {
    const r = await run({ readings: [alarm, alarm, alarm, ok] });
    expect(r.path).toStrictEqual([...START, ...WAVE1, ...WAVE2, ...STAGE2, 'Recovered']);
    expect(r.approvals.map((a) => [a.kind, a.stage, a.service])).toStrictEqual([
      ['step', 'targeted', 'frontend'],
      ['stage', 'expanded', undefined],
    ]);
    expect(r.approvals[1]?.why).toStrictEqual(examplePlan().stages[1]?.why);
  });

  it('escalates after the last stage when nothing recovers', async () => {
    const r = await run({ readings: [alarm] });
    expect(r.path).toStrictEqual([...START, ...WAVE1, ...WAVE2, ...STAGE2, ...STAGE3, ...halted('not recovered')]);
    expect(r).toMatchObject({ status: 'FAILED', error: 'Backstep.NotRecovered' });
    expect(r.notified.map((n) => n.reason)).toStrictEqual(['not-recovered']);
  });

  it('halts when a gate reads WORSE: no further wave runs', async () => {
    const r = await run({ readings: [alarm, worse] });
    expect(r.path).toStrictEqual([...START, ...WAVE1, ...halted('worse')]);
    expect(r).toMatchObject({ status: 'FAILED', error: 'Backstep.Worse' });
    expect(r.rolledBack).toStrictEqual(['frontend']);
  });

  it('re-reads INSUFFICIENT_DATA, then recovers', async () => {
    const r = await run({ readings: [alarm, noData, noData, ok] });
    expect(r.path).toStrictEqual([
      ...START,
      ...WAVE1,
      'Gate 1 · wait to re-read',
      'Gate 1 · alarms',
      'Gate 1 · outcome',
      'Gate 1 · wait to re-read',
      'Gate 1 · alarms',
      'Gate 1 · outcome',
      'Recovered',
    ]);
  });

  it('escalates when INSUFFICIENT_DATA lasts for the bounded number of reads', async () => {
    const r = await run({ readings: [alarm, noData], compile: { maxGateReads: 3 } });
    const reread = ['Gate 1 · wait to re-read', 'Gate 1 · alarms', 'Gate 1 · outcome'];
    expect(r.path).toStrictEqual([...START, ...WAVE1, ...reread, ...reread, ...halted('insufficient data')]);
    expect(r).toMatchObject({ status: 'FAILED', error: 'Backstep.InsufficientData' });
  });

  it('asks a person before every stage in suggest mode (the kill switch), and rolls nothing back on a reject', async () => {
    const approved = await run({ readings: [alarm, alarm, ok], mode: 'suggest' });
    expect(approved.path).toStrictEqual([
      ...START,
      WAVE1[0],
      'Approve stage targeted',
      ...WAVE1.slice(1),
      ...WAVE2,
      'Recovered',
    ]);
    expect(approved.approvals[0]).toMatchObject({ kind: 'stage', stage: 'targeted', why: [SUGGEST_MODE_WHY] });
    const rejected = await run({ readings: [alarm], mode: 'suggest', approval: () => 'reject' });
    expect(rejected.path).toStrictEqual([...START, WAVE1[0], 'Approve stage targeted', ...halted('approval rejected')]);
    expect(rejected.rolledBack).toStrictEqual([]);
  });

  it('halts when a stage approval is rejected', async () => {
    const r = await run({
      readings: [alarm],
      approval: (a) => (a.kind === 'stage' ? 'reject' : 'approve'),
    });
    expect(r.path).toStrictEqual([
      ...START,
      ...WAVE1,
      ...WAVE2,
      'Approve stage expanded',
      ...halted('approval rejected'),
    ]);
    expect(r).toMatchObject({ status: 'FAILED', error: 'Backstep.ApprovalRejected' });
    expect(r.rolledBack).toStrictEqual(['frontend', 'cartservice']);
  });

  it('halts when a step approval is rejected: the service is not rolled back and the wave fails', async () => {
    const r = await run({ readings: [alarm], approval: () => 'reject' });
    expect(r.path).toStrictEqual([
      ...START,
      'Stage targeted · suggest mode?',
      'Wave 1 · 1 rollback',
      'Wave 1 · approve frontend',
      'Wave 1 · frontend rejected',
      'Wave 1 · bake 5 min',
      'Gate 1 · alarms',
      'Gate 1 · outcome',
      ...halted('action failed'),
    ]);
    expect(r.rolledBack).toStrictEqual([]);
  });

  it('escalates when an approval times out', async () => {
    const r = await run({ readings: [alarm], approval: (a) => (a.kind === 'stage' ? 'timeout' : 'approve') });
    expect(r.path).toStrictEqual([
      ...START,
      ...WAVE1,
      ...WAVE2,
      'Approve stage expanded',
      ...halted('approval timed out'),
    ]);
    expect(r).toMatchObject({ status: 'FAILED', error: 'Backstep.ApprovalTimedOut' });
  });

  it('retries an action that fails transiently, and goes on', async () => {
    const r = await run({ readings: [alarm, alarm, ok], act: { cartservice: 'transient-once' } });
    expect(r.path).toStrictEqual([...START, ...WAVE1, ...WAVE2, 'Recovered']);
    const retried = r.events.filter((e) => e.type === 'StateRetried').map((e) => e.state);
    expect(retried).toStrictEqual(['Wave 2 · roll back cartservice (ecs)']);
    expect(r.rolledBack).toStrictEqual(['frontend', 'cartservice']);
  });

  it('escalates when an action fails for good: no later wave runs, the failed service is reported', async () => {
    const r = await run({ readings: [alarm], act: { frontend: 'fail' } });
    expect(r.path).toStrictEqual([
      ...START,
      'Stage targeted · suggest mode?',
      'Wave 1 · 1 rollback',
      'Wave 1 · approve frontend',
      'Wave 1 · roll back frontend (ecs)',
      'Wave 1 · frontend failed',
      'Wave 1 · bake 5 min',
      'Gate 1 · alarms',
      'Gate 1 · outcome',
      ...halted('action failed'),
    ]);
    expect(r).toMatchObject({ status: 'FAILED', error: 'Backstep.ActionFailed' });
    const gate = r.notified[0]?.gate;
    expect(gate?.failed).toStrictEqual([{ service: 'frontend', status: 'FAILED', error: 'Backstep.RollbackFailed' }]);
    expect(gate?.detail).toBe('wave 1: frontend failed');
    expect(gate?.versions).toStrictEqual({ frontend: 'FAILED' });
  });

  it('runs waves compiled as Maps through the same paths', async () => {
    const compile = { mapThreshold: 0 };
    const recovered = await run({ readings: [alarm, alarm, ok], compile });
    expect(recovered.path).toStrictEqual([
      ...START,
      'Stage targeted · suggest mode?',
      'Wave 1 · list 1 service',
      'Wave 1 · approve and roll back 1 service',
      'Wave 1 · approve step',
      'Wave 1 · roll back approved step',
      'Wave 1 · bake 5 min',
      'Gate 1 · alarms',
      'Gate 1 · outcome',
      'Wave 2 · list 1 service',
      'Wave 2 · roll back 1 service',
      'Wave 2 · roll back step',
      'Wave 2 · bake 5 min',
      'Gate 2 · alarms',
      'Gate 2 · outcome',
      'Recovered',
    ]);
    const failed = await run({ readings: [alarm], act: { cartservice: 'fail' }, compile });
    expect(failed.path.slice(-7)).toStrictEqual([
      'Wave 2 · roll back step',
      'Wave 2 · step failed',
      'Wave 2 · bake 5 min',
      'Gate 2 · alarms',
      'Gate 2 · outcome',
      ...halted('action failed'),
    ]);
    const rejected = await run({ readings: [alarm], approval: () => 'reject', compile });
    expect(rejected.path).toContain('Wave 1 · step rejected');
    expect(rejected).toMatchObject({ status: 'FAILED', error: 'Backstep.ActionFailed' });
  });

  it('runs a 2,000-step plan well under the 25,000-event history limit', async () => {
    const plan = syntheticPlan(8, 250);
    const handlers = makeHandlers({
      plans: { load: () => Promise.resolve(plan) },
      rollback: { inspect: () => Promise.resolve({ ok: true }), rollback: () => Promise.resolve({}) },
      idempotency: memoryIdempotency(),
      now: () => Date.parse('2026-11-27T10:00:00Z'),
      alarms: { alarmsOf: () => Promise.resolve([]), read: () => Promise.resolve({ [INCIDENT]: 'ALARM' }) },
      approvals: { request: () => Promise.resolve({ decision: 'approve' }) },
      notify: { escalate: () => Promise.resolve() },
    });
    const r = await runLocally(
      compilePlan(plan),
      { incident: { id: 'i', alarms: [INCIDENT], at: plan.incident.at } },
      handlers,
    );
    expect(r).toMatchObject({ status: 'FAILED', error: 'Backstep.NotRecovered' });
    expect(r.events.filter((e) => e.type === 'MapIterationSucceeded')).toHaveLength(2000);
    expect(r.events.length).toBeLessThan(12_500);
  });

  it('records which services run which version when a later wave fails (rule 15)', async () => {
    const r = await run({ readings: [alarm], act: { cartservice: 'fail' } });
    expect(r.path.slice(-2)).toStrictEqual(halted('action failed'));
    expect(r.notified[0]?.gate?.versions).toStrictEqual({ frontend: 'v1.9.2', cartservice: 'FAILED' });
    expect(r.notified[0]?.gate?.watched).toStrictEqual(['frontend', 'cartservice']);
  });

  it('halts on an alarm that went OK during the run and is back in ALARM', async () => {
    const flapping: Reading = { [INCIDENT]: 'ALARM', [OTHER]: 'ALARM' };
    const r = await run({ readings: [flapping, alarm, flapping] });
    expect(r.path).toStrictEqual([
      ...START,
      ...WAVE1,
      ...WAVE2.slice(0, -2),
      'Gate 2 · alarms',
      'Gate 2 · outcome',
      ...halted('worse'),
    ]);
    expect(r.notified[0]?.gate?.detail).toBe(`now in ALARM after being OK: ${OTHER}`);
  });

  it('goes on to the next wave while an incident alarm is in ALARM, even if another has no data', async () => {
    const mixed: Reading = { [INCIDENT]: 'ALARM', sparse: 'INSUFFICIENT_DATA', [OTHER]: 'OK' };
    const r = await run({ readings: [mixed, mixed, { ...ok, sparse: 'OK' }] }, examplePlan(), [INCIDENT, 'sparse']);
    expect(r.path).toStrictEqual([...START, ...WAVE1, ...WAVE2, 'Recovered']);
  });

  it('never reads an incident without alarms as recovered', async () => {
    const r = await run({ readings: [ok], compile: { maxGateReads: 2 } }, examplePlan(), []);
    expect(r).toMatchObject({ status: 'FAILED', error: 'Backstep.InsufficientData' });
  });

  it('turns a step whose target is gone into a manual step and halts for people (rule 12)', async () => {
    const r = await run({ readings: [alarm], act: { cartservice: 'gone' } });
    expect(r.path.slice(-2)).toStrictEqual(halted('action failed'));
    expect(r.rolledBack).toStrictEqual(['frontend']);
    expect(r.notified[0]?.gate?.failed).toStrictEqual([
      {
        service: 'cartservice',
        status: 'MANUAL_REQUIRED',
        error: 'cartservice: task definition revision v0 no longer exists',
      },
    ]);
    expect(r.notified[0]?.gate?.detail).toBe('wave 2: cartservice manual required');
  });

  it('streams events as they happen', async () => {
    const seen: string[] = [];
    const plan = examplePlan();
    const handlers = makeHandlers({
      plans: { load: () => Promise.resolve(plan) },
      rollback: { inspect: () => Promise.resolve({ ok: true }), rollback: () => Promise.resolve({}) },
      idempotency: memoryIdempotency(),
      now: () => Date.parse('2026-11-27T10:00:00Z'),
      alarms: { alarmsOf: () => Promise.resolve([]), read: () => Promise.resolve(ok) },
      approvals: { request: () => Promise.resolve({ decision: 'approve' }) },
      notify: { escalate: () => Promise.resolve() },
    });
    const result = await runLocally(
      compilePlan(plan),
      { incident: { id: 'i', alarms: [INCIDENT], at: plan.incident.at } },
      handlers,
      {
        onEvent: (e) => seen.push(e.type),
      },
    );
    expect(seen).toStrictEqual(result.events.map((e) => e.type));
    expect(seen[0]).toBe('ExecutionStarted');
    expect(seen.at(-1)).toBe('ExecutionSucceeded');
  });
});
