// The act handler's idempotency (rule 11) and manual fallback (rule 12), with its keys in the real
// store on dynalite.
import { CLAIM_SECONDS, RollbackFailedError, TASK_ERRORS, TransientError } from '../../lib/core/errors';
import { makeHandlers, type Ports, type RollbackPort, type TimelinePort } from '../../lib/core/handlers';
import type { RollbackMark } from '../../lib/core/types';
import { awsRollback } from '../../lib/aws/rollback';
import type { ActInput } from '../../lib/core/tasks';
import { useLocalDynamo } from '../local-dynamo';
import { examplePlan } from '../helpers';

const local = useLocalDynamo();

const plan = examplePlan();

function handlersWith(rollback: RollbackPort, extra: Partial<Ports> = {}) {
  return makeHandlers({
    plans: { load: (id) => Promise.resolve(id === plan.planId ? plan : undefined) },
    rollback,
    idempotency: local.store,
    now: () => Date.parse('2026-11-27T10:00:00Z'),
    ...extra,
    alarms: { alarmsOf: () => Promise.resolve([]), read: () => Promise.resolve({}) },
    approvals: { request: () => Promise.resolve({ decision: 'approve' }) },
    notify: { escalate: () => Promise.resolve() },
  });
}

let n = 0;
const ref = (): ActInput => ({
  planId: plan.planId,
  incidentId: `inc-${++n}`,
  stage: 'targeted',
  wave: 2,
  service: 'cartservice',
});

describe('the act handler', () => {
  it('records the step in the incident once, even when the first record was lost and the step is retried', async () => {
    let appendFails = true;
    const timeline: TimelinePort = {
      append: async (id, event) => {
        if (appendFails) {
          appendFails = false;
          throw new TransientError('DynamoDB: ThrottlingException');
        }
        return local.store.appendEvent(id, event);
      },
    };
    const act = handlersWith(
      { inspect: () => Promise.resolve({ ok: true }), rollback: () => Promise.resolve({ version: 'v2.3.0' }) },
      { timeline },
    ).act;
    const input = ref();
    await expect(act(input)).rejects.toThrow('ThrottlingException');
    await expect(act(input)).resolves.toMatchObject({ status: 'ROLLED_BACK' });
    await act(input);
    const steps = (await local.store.events(input.incidentId)).filter((e) => e.type === 'step');
    expect(steps.map((e) => e.data)).toMatchObject([{ service: 'cartservice', status: 'ROLLED_BACK', wave: 2 }]);
  });

  it('remembers what a rollback undid, once, so that later plans do not blame it again', async () => {
    const marks: RollbackMark[] = [];
    const act = handlersWith(
      { inspect: () => Promise.resolve({ ok: true }), rollback: () => Promise.resolve({ version: 'v2.3.0' }) },
      { rollbackMarks: { mark: (m) => Promise.resolve(void marks.push(m)) } },
    ).act;
    const input = ref();
    await act(input);
    const step = plan.stages.flatMap((st) => st.waves.flatMap((w) => w.steps)).find((x) => x.service === 'cartservice');
    expect(marks).toStrictEqual([
      {
        service: 'cartservice',
        version: 'v2.3.0',
        changeIds: step?.change.ids,
        at: '2026-11-27T10:00:00.000Z',
        incidentId: input.incidentId,
      },
    ]);
  });

  it('counts an approved manual step as done by a person, with the AWS actions', async () => {
    const manualPlan = {
      ...plan,
      stages: plan.stages.map((st) => ({
        ...st,
        waves: st.waves.map((w) => ({ steps: w.steps.map((x) => ({ ...x, action: { type: 'manual' as const } })) })),
      })),
    };
    const act = handlersWith(awsRollback({} as never), { plans: { load: () => Promise.resolve(manualPlan) } }).act;
    await expect(act(ref())).resolves.toStrictEqual({ service: 'cartservice', status: 'MANUAL_DONE' });
  });

  it('rolls a step back once, however often it is retried', async () => {
    const calls: string[] = [];
    const act = handlersWith({
      inspect: () => Promise.resolve({ ok: true }),
      rollback: (step) => {
        calls.push(step.service);
        return Promise.resolve({ version: 'v2.3.0' });
      },
    }).act;
    const input = ref();
    const results = await Promise.allSettled([act(input), act(input), act(input)]);
    await expect(act(input)).resolves.toStrictEqual({
      service: 'cartservice',
      status: 'ROLLED_BACK',
      version: 'v2.3.0',
    });
    expect(calls).toStrictEqual(['cartservice']);
    // Concurrent attempts that lost the claim ask to be retried, and then get the recorded result.
    for (const r of results.filter((x) => x.status === 'rejected')) {
      expect(r.reason).toMatchObject({ name: TASK_ERRORS.stepInProgress });
    }
  });

  it('leaves the step on the record when the function dies after acting and before recording it', async () => {
    const timeline: TimelinePort = { append: (id, event) => local.store.appendEvent(id, event) };
    const died = new Error('the process exited');
    died.name = 'Runtime.ExitError';
    const act = makeHandlers({
      plans: { load: (id) => Promise.resolve(id === plan.planId ? plan : undefined) },
      rollback: {
        inspect: () => Promise.resolve({ ok: true }),
        rollback: () => Promise.resolve({ version: 'v2.3.0' }),
      },
      timeline,
      // The rollback is done; the function dies at its next write, and nothing after reaches the store.
      idempotency: {
        claimIdempotency: (key, now) => local.store.claimIdempotency(key, now),
        completeIdempotency: () => Promise.reject(died),
        releaseIdempotency: () => Promise.reject(died),
      },
      now: () => Date.parse('2026-11-27T10:00:00Z'),
      alarms: { alarmsOf: () => Promise.resolve([]), read: () => Promise.resolve({}) },
      approvals: { request: () => Promise.resolve({ decision: 'approve' }) },
      notify: { escalate: () => Promise.resolve() },
    }).act;
    const input = ref();
    await expect(act(input)).rejects.toMatchObject({ name: 'Runtime.ExitError' });
    const events = await local.store.events(input.incidentId);
    expect(events.map((e) => [e.key, e.type])).toStrictEqual([['step-2-cartservice-started', 'step-started']]);
    expect(events[0]?.data).toMatchObject({ service: 'cartservice', stage: 'targeted', wave: 2 });
  });

  it('continues a step whose function died after acting: the retry waits for the claim, then completes it', async () => {
    const timeline: TimelinePort = { append: (id, event) => local.store.appendEvent(id, event) };
    const died = new Error('the process exited');
    died.name = 'Runtime.ExitError';
    let onTarget = false;
    let rollbacks = 0;
    let dead = true;
    let now = Date.parse('2026-11-27T10:00:00Z');
    // As the AWS targets do: a service already on the target is not rolled back again.
    const target: RollbackPort = {
      inspect: () => Promise.resolve({ ok: true }),
      rollback: () => {
        if (onTarget) return Promise.resolve({ version: 'v2.3.0', already: true });
        rollbacks++;
        onTarget = true;
        return Promise.resolve({ version: 'v2.3.0' });
      },
    };
    const act = handlersWith(target, {
      timeline,
      // The first invocation dies at its first write after the rollback.
      idempotency: {
        claimIdempotency: (key, at) => local.store.claimIdempotency(key, at),
        completeIdempotency: (key, result) =>
          dead ? Promise.reject(died) : local.store.completeIdempotency(key, result),
        releaseIdempotency: (key) => (dead ? Promise.reject(died) : local.store.releaseIdempotency(key)),
      },
      now: () => now,
    }).act;
    const input = ref();
    await expect(act(input)).rejects.toMatchObject({ name: 'Runtime.ExitError' });
    dead = false;
    // Retried at once (CRASH_RETRY): the dead invocation's claim is still live, so the step waits.
    now += 2_000;
    await expect(act(input)).rejects.toMatchObject({ name: TASK_ERRORS.stepInProgress });
    // After the claim's expiry (the function's timeout) the retry takes it over and finds the target done.
    now += CLAIM_SECONDS * 1000;
    await expect(act(input)).resolves.toStrictEqual({
      service: 'cartservice',
      status: 'ALREADY_ROLLED_BACK',
      version: 'v2.3.0',
    });
    expect(rollbacks).toBe(1);
    const events = await local.store.events(input.incidentId);
    expect(events.map((e) => e.key)).toStrictEqual(['step-2-cartservice-started', 'step-2-cartservice']);
  });

  it('gives the claim back after a transient failure, so that the retry acts', async () => {
    let attempts = 0;
    const act = handlersWith({
      inspect: () => Promise.resolve({ ok: true }),
      rollback: () =>
        ++attempts === 1 ? Promise.reject(new TransientError('throttled')) : Promise.resolve({ version: 'v2.3.0' }),
    }).act;
    const input = ref();
    await expect(act(input)).rejects.toMatchObject({ name: TASK_ERRORS.transient });
    await expect(act(input)).resolves.toMatchObject({ status: 'ROLLED_BACK' });
    expect(attempts).toBe(2);
  });

  it('gives the claim back through a throttled store, so that the retry acts', async () => {
    let attempts = 0;
    let releases = 0;
    const act = handlersWith(
      {
        inspect: () => Promise.resolve({ ok: true }),
        rollback: () =>
          ++attempts === 1 ? Promise.reject(new TransientError('throttled')) : Promise.resolve({ version: 'v2.3.0' }),
      },
      {
        idempotency: {
          claimIdempotency: (key, now) => local.store.claimIdempotency(key, now),
          completeIdempotency: (key, result) => local.store.completeIdempotency(key, result),
          // The first release is throttled: a claim left behind would make every retry wait for it.
          releaseIdempotency: (key) =>
            ++releases === 1
              ? Promise.reject(new TransientError('DynamoDB: ProvisionedThroughputExceededException'))
              : local.store.releaseIdempotency(key),
        },
      },
    ).act;
    const input = ref();
    await expect(act(input)).rejects.toMatchObject({ name: TASK_ERRORS.transient });
    await expect(act(input)).resolves.toMatchObject({ status: 'ROLLED_BACK' });
    expect(attempts).toBe(2);
  });

  it('never retries a permanent failure: a second call returns the recorded failure', async () => {
    let attempts = 0;
    const act = handlersWith({
      inspect: () => Promise.resolve({ ok: true }),
      rollback: () => {
        attempts++;
        return Promise.reject(new RollbackFailedError('deployment failed'));
      },
    }).act;
    const input = ref();
    await expect(act(input)).rejects.toMatchObject({ name: TASK_ERRORS.rollbackFailed });
    await expect(act(input)).resolves.toStrictEqual({
      service: 'cartservice',
      status: 'FAILED',
      error: TASK_ERRORS.rollbackFailed,
    });
    expect(attempts).toBe(1);
  });

  it('turns the step manual when the target is gone or was never healthy, without acting', async () => {
    let acted = false;
    const act = handlersWith({
      inspect: () => Promise.resolve({ ok: false, reason: 'revision 41 was never healthy' }),
      rollback: () => {
        acted = true;
        return Promise.resolve({});
      },
    }).act;
    await expect(act(ref())).resolves.toStrictEqual({
      service: 'cartservice',
      status: 'MANUAL_REQUIRED',
      error: 'revision 41 was never healthy',
    });
    expect(acted).toBe(false);
  });

  it('fails when the step is not in the plan', async () => {
    const act = handlersWith({ inspect: () => Promise.resolve({ ok: true }), rollback: () => Promise.resolve({}) }).act;
    await expect(act({ ...ref(), service: 'nosuch' })).rejects.toMatchObject({ name: TASK_ERRORS.rollbackFailed });
  });
});
