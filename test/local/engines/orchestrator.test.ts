// The alarm path (intake + orchestrator definitions, as deployed) on the local interpreter, its DynamoDB
// calls on dynalite: duplicates (rule 7), ordering and joining (rule 8), one run and no loop (rule 13).
import { DeleteItemCommand, GetItemCommand, PutItemCommand } from '@aws-sdk/client-dynamodb';
import { marshall, unmarshall } from '@aws-sdk/util-dynamodb';
import { useLocalDynamo } from '../../local-dynamo';
import { setKillSwitch } from '../../../lib/aws/config';
import type { LeaseHolder } from '../../../lib/core/store';
import { alarmOrderKey, KILL_SWITCH_KEY, killSwitchItem, leaseKey } from '../../../lib/core/table';
import { deliverAlarmEvent, type LocalAws } from '../../../lib/local/engines/orchestrator';
import { runDefinition, type LocalRunResult } from '../../../lib/local/engines/runner';
import { incidentExecutionName, intakeDefinition, orchestratorDefinition } from '../../../statemachines/orchestrator';
import { fixture } from '../../helpers';
import { validate } from '../../statemachines/guards';

const local = useLocalDynamo();

const PLAN_ARN = 'arn:aws:states:us-east-1:000000000000:stateMachine:plan-frontend';
const recovered: LocalRunResult = { status: 'SUCCEEDED', output: { recovered: true }, events: [], path: [] };

/** The real CloudWatch sample event, pointed at one of our alarms at a given time. */
function alarmEvent(alarm: string, timestamp: string) {
  const event = fixture('events/cloudwatch-alarm_01_state-change-for-a-single-metric-alarm.json') as {
    resources: string[];
    detail: { alarmName: string; state: { timestamp: string } };
  };
  event.resources = [`arn:aws:cloudwatch:us-east-1:123456789012:alarm:${alarm}`];
  event.detail.alarmName = alarm;
  event.detail.state.timestamp = timestamp;
  return event;
}

async function registerPlan(alarm: string, application: string): Promise<void> {
  await local.store.putAlarmPlan({ alarm, application, planId: 'p-1', stateMachine: PLAN_ARN });
}

/** The orchestrator's executions, as the local engine names them (lib/local/engines/orchestrator.ts). */
const EXECUTIONS = 'arn:aws:states:us-east-1:000000000000:execution:backstep-orchestrator:';

function holder(name: string, takenAt = '2026-11-27T09:00:00.000Z'): LeaseHolder {
  return { holder: name, holderArn: `${EXECUTIONS}${name}`, takenAt };
}

async function getItem(key: { pk: string; sk: string }) {
  const out = await local.dynamo.client.send(
    new GetItemCommand({ TableName: local.dynamo.table, Key: marshall(key), ConsistentRead: true }),
  );
  return out.Item;
}

function engine(runPlan: LocalAws['runPlan']) {
  const published: string[] = [];
  const calls: string[] = [];
  const aws: LocalAws = {
    dynamo: local.dynamo.client,
    table: local.dynamo.table,
    executions: new Set(),
    publish: (subject) => published.push(subject),
    runPlan: (arn, name, input) => {
      calls.push(`${arn} ${name} ${JSON.stringify(input)}`);
      return runPlan(arn, name, input);
    },
  };
  return { aws, published, calls };
}

describe('the alarm path', () => {
  it('is valid ASL, with no Lambda on it', () => {
    for (const asl of [intakeDefinition(), orchestratorDefinition()]) {
      const placeholders = JSON.parse(
        JSON.stringify(asl)
          .replaceAll('${TableName}', 'backstep')
          .replaceAll('${TopicArn}', 'arn:aws:sns:us-east-1:123456789012:backstep')
          .replaceAll('${OrchestratorArn}', 'arn:aws:states:us-east-1:123456789012:stateMachine:o')
          .replaceAll('${Partition}', 'aws'),
      ) as typeof asl;
      expect(validate(placeholders)).toStrictEqual([]);
      expect(JSON.stringify(asl)).not.toContain(':lambda:');
    }
  });

  it('runs the pre-built plan once for a duplicated event (rule 7)', async () => {
    await registerPlan('frontend-5xx', 'boutique');
    const { aws, calls } = engine(() => Promise.resolve(recovered));
    const event = alarmEvent('frontend-5xx', '2026-11-27T10:00:00.000+0000');
    const first = await deliverAlarmEvent(aws, event);
    const again = await deliverAlarmEvent(aws, event);
    expect(again).toStrictEqual({ duplicate: true });
    if (first.duplicate) throw new Error('first delivery was a duplicate');
    expect(first.name).toBe(incidentExecutionName(event.resources[0] as string, '2026-11-27T10:00:00.000+0000'));
    expect(first.run.path).toStrictEqual([
      'Find plan',
      'Plan known?',
      'Check order',
      'Take lease',
      'Record incident',
      'Read kill switch',
      'Kill switch on?',
      'Configured mode',
      'Run plan',
      'Record recovery',
      'Cool down',
      'Release lease',
      'Recovered',
    ]);
    expect(calls).toStrictEqual([
      `${PLAN_ARN} ${first.name} ${JSON.stringify({ incident: { id: first.name, alarms: ['frontend-5xx'], at: '2026-11-27T10:00:00.000+0000' }, mode: 'auto' })}`,
    ]);
    expect(await local.store.getIncident(first.name)).toMatchObject({ application: 'boutique', planId: 'p-1' });
    expect((await local.store.events(first.name)).map((e) => e.type)).toStrictEqual(['recovered']);
  });

  it('lets an incident run longer than the 30 s of the intake task, as people deciding approvals do', async () => {
    // In AWS StartExecution returns once the execution exists; the incident then runs for hours if need
    // be. Locally the intake must not hold the whole incident inside its 30-second task either.
    await registerPlan('slow-5xx', 'shop-slow');
    const { aws } = engine(() => new Promise((resolve) => setTimeout(() => resolve(recovered), 31_000)));
    const delivery = await deliverAlarmEvent(aws, alarmEvent('slow-5xx', '2026-11-27T10:00:00.000+0000'));
    expect(delivery.duplicate ? 'duplicate' : delivery.run.status).toBe('SUCCEEDED');
  }, 60_000);

  it('ignores an event older than the last one seen for its alarm (rule 8)', async () => {
    await registerPlan('cart-5xx', 'shop-a');
    const { aws, calls } = engine(() => Promise.resolve(recovered));
    await deliverAlarmEvent(aws, alarmEvent('cart-5xx', '2026-11-27T10:05:00.000+0000'));
    const late = await deliverAlarmEvent(aws, alarmEvent('cart-5xx', '2026-11-27T10:01:00.000+0000'));
    expect(late.duplicate ? [] : late.run.path).toStrictEqual([
      'Find plan',
      'Plan known?',
      'Check order',
      'Ignored · older event',
    ]);
    expect(calls).toHaveLength(1);
  });

  it('lets a second alarm of the same application join the running incident (rule 8)', async () => {
    await registerPlan('front-latency', 'shop-b');
    await registerPlan('checkout-5xx', 'shop-b');
    let finish: (r: LocalRunResult) => void = () => undefined;
    const { aws, calls } = engine(() => new Promise((resolve) => (finish = resolve)));
    const running = deliverAlarmEvent(aws, alarmEvent('front-latency', '2026-11-27T10:00:00.000+0000'));
    await new Promise((r) => setTimeout(r, 300));
    const second = await deliverAlarmEvent(aws, alarmEvent('checkout-5xx', '2026-11-27T10:00:30.000+0000'));
    finish(recovered);
    const first = await running;
    if (first.duplicate || second.duplicate) throw new Error('unexpected duplicate');
    expect(second.run.path.slice(-3)).toStrictEqual(['Holder running?', 'Join running incident', 'Joined']);
    expect(calls).toHaveLength(1);
    expect((await local.store.events(first.name)).map((e) => e.type).sort()).toStrictEqual(['joined', 'recovered']);
  });

  it('records the failure, releases the lease and escalates once when the plan does not recover (rule 13)', async () => {
    await registerPlan('pay-5xx', 'shop-c');
    const failed: LocalRunResult = {
      status: 'FAILED',
      error: 'Backstep.NotRecovered',
      cause: 'still in ALARM',
      events: [],
      path: [],
    };
    const { aws, calls, published } = engine(() => Promise.resolve(failed));
    const run = await deliverAlarmEvent(aws, alarmEvent('pay-5xx', '2026-11-27T10:00:00.000+0000'));
    if (run.duplicate) throw new Error('unexpected duplicate');
    expect(run.run.path.slice(-6)).toStrictEqual([
      'Run plan',
      'Record failure',
      'Escalate · not recovered',
      'Cool down · failed',
      'Release lease · failed',
      'Halted',
    ]);
    expect(run.run).toMatchObject({ status: 'FAILED', error: 'Backstep.NotRecovered' });
    expect(calls).toHaveLength(1);
    expect(published).toStrictEqual(['Backstep: the rollback did not recover the incident']);
    expect((await local.store.acquireLease('shop-c', holder('next'))).acquired).toBe(true);
  });

  it.each([
    ['was stopped by hand', true],
    ['no longer exists', false],
  ])('takes over a lease whose holder %s, and runs the plan (rule 8)', async (_case, known) => {
    const alarm = `search-5xx-${String(known)}`;
    const app = `shop-d-${String(known)}`;
    await registerPlan(alarm, app);
    const { aws, calls } = engine(() => Promise.resolve(recovered));
    const ghost = 'f'.repeat(64);
    if (known) aws.executions.add(ghost);
    // Taken through the store: the orchestrator reads the holder the store wrote.
    expect(await local.store.acquireLease(app, holder(ghost))).toStrictEqual({ acquired: true });
    const run = await deliverAlarmEvent(aws, alarmEvent(alarm, '2026-11-27T10:00:00.000+0000'));
    if (run.duplicate) throw new Error('unexpected duplicate');
    expect(run.run.path).toContain('Take over lease');
    expect(run.run.path.slice(-3)).toStrictEqual(['Cool down', 'Release lease', 'Recovered']);
    expect(calls).toHaveLength(1);
    expect((await local.store.acquireLease(app, holder('next'))).acquired).toBe(true);
  });

  it.each([
    ['no kill switch item', undefined, 'auto', 'auto'],
    ['the kill switch on', { on: true, by: 'oncall@example.com' }, 'auto', 'suggest'],
    ['the kill switch off', { on: false }, 'auto', 'auto'],
    ['a kill switch item without `on` (read as on)', { by: 'typo' }, 'auto', 'suggest'],
    ['the construct configured for suggest mode', undefined, 'suggest', 'suggest'],
  ] as const)('runs the plan in the mode set by %s', async (_case, item, defaultMode, mode) => {
    const app = `shop-${_case.replace(/\W+/g, '-')}`;
    const alarm = `${app}-5xx`;
    await registerPlan(alarm, app);
    const sw = { TableName: local.dynamo.table, Key: marshall(KILL_SWITCH_KEY) };
    // Written raw: the item may lack fields the kill switch helpers always write.
    if (item)
      await local.dynamo.client.send(
        new PutItemCommand({ TableName: sw.TableName, Item: marshall({ ...KILL_SWITCH_KEY, ...item }) }),
      );
    else await local.dynamo.client.send(new DeleteItemCommand(sw));
    const { aws, calls } = engine(() => Promise.resolve(recovered));
    const run = await deliverAlarmEvent({ ...aws, defaultMode }, alarmEvent(alarm, '2026-11-27T10:00:00.000+0000'));
    if (run.duplicate) throw new Error('unexpected duplicate');
    expect(run.run.status).toBe('SUCCEEDED');
    expect(calls).toHaveLength(1);
    expect(JSON.parse((calls[0] as string).split(' ').slice(2).join(' '))).toMatchObject({ mode });
  });

  it('names the incident by alarm and state-change time: a later change of the same alarm is a new incident', async () => {
    await registerPlan('frontend-latency-p99-with-a-long-name', 'boutique-names');
    const { aws } = engine(() => Promise.resolve(recovered));
    const one = await deliverAlarmEvent(
      aws,
      alarmEvent('frontend-latency-p99-with-a-long-name', '2026-11-27T11:00:00.000+0000'),
    );
    const two = await deliverAlarmEvent(
      aws,
      alarmEvent('frontend-latency-p99-with-a-long-name', '2026-11-27T12:00:00.000+0000'),
    );
    if (one.duplicate || two.duplicate) throw new Error('unexpected duplicate');
    expect(one.name).not.toBe(two.name);
  });

  it('computes the name as the intake does in ASL (checked where the local interpreter hashes correctly)', async () => {
    const asl = {
      StartAt: 'Name',
      States: {
        Name: {
          Type: 'Pass',
          Parameters: { 'name.$': "States.Hash(States.Format('{}#{}', $.arn, $.at), 'SHA-256')" },
          End: true,
        },
      },
    } as const;
    const input = { arn: 'arn:aws:cloudwatch:x:1:alarm:a', at: '2026-11-27T10:00:00Z' };
    const run = await runDefinition(asl as never, input, {});
    expect(run.output).toStrictEqual({ name: incidentExecutionName(input.arn, input.at) });
  });

  it('keeps the lease for a cooldown after a rollback: an alarm then joins, and after it a new incident starts (rule 8)', async () => {
    await registerPlan('ads-5xx', 'shop-cool');
    await registerPlan('ads-latency', 'shop-cool');
    const { aws, calls } = engine(() => Promise.resolve(recovered));
    const cooling = { ...aws, cooldownMs: 1_500 };
    const first = deliverAlarmEvent(cooling, alarmEvent('ads-5xx', '2026-11-27T10:00:00.000+0000'));
    await new Promise((r) => setTimeout(r, 700));
    const during = await deliverAlarmEvent(cooling, alarmEvent('ads-latency', '2026-11-27T10:01:00.000+0000'));
    const done = await first;
    const after = await deliverAlarmEvent(cooling, alarmEvent('ads-5xx', '2026-11-27T10:30:00.000+0000'));
    if (done.duplicate || during.duplicate || after.duplicate) throw new Error('unexpected duplicate');
    expect(done.run.path.slice(-4)).toStrictEqual(['Record recovery', 'Cool down', 'Release lease', 'Recovered']);
    expect(during.run.path.slice(-2)).toStrictEqual(['Join running incident', 'Joined']);
    expect(after.run.path).toContain('Run plan');
    expect(calls).toHaveLength(2);
  });

  it('ignores an alarm no plan watches', async () => {
    const { aws, calls } = engine(() => Promise.resolve(recovered));
    const run = await deliverAlarmEvent(aws, alarmEvent('ServerCpuTooHigh', '2026-11-27T10:00:00.000+0000'));
    expect(run.duplicate ? [] : run.run.path).toStrictEqual([
      'Find plan',
      'Plan known?',
      'Ignored · alarm not managed',
    ]);
    expect(calls).toHaveLength(0);
    // Nothing is written for an alarm Backstep does not manage.
    expect(await getItem(alarmOrderKey('ServerCpuTooHigh'))).toBeUndefined();
  });
});

// The orchestrator definition (what runs in AWS) and the store write the same items of the one table
// (lib/core/table.ts): each must read and compare correctly what the other wrote.
describe('the alarm path and the store, on the same table', () => {
  it('orders alarm events alike: an event either one saw makes an older one stale for the other', async () => {
    await registerPlan('order-5xx', 'shop-order');
    const { aws, calls } = engine(() => Promise.resolve(recovered));
    const first = await deliverAlarmEvent(aws, alarmEvent('order-5xx', '2026-11-27T10:05:00.000+0000'));
    expect(first.duplicate ? [] : first.run.path).toContain('Run plan');
    // What the orchestrator wrote, the store compares: older and equal are stale, later is newer.
    expect(await local.store.markAlarmEvent('order-5xx', '2026-11-27T10:04:59.999Z')).toBe('stale');
    expect(await local.store.markAlarmEvent('order-5xx', '2026-11-27T10:05:00.000Z')).toBe('stale');
    expect(await local.store.markAlarmEvent('order-5xx', '2026-11-27T10:06:00Z')).toBe('newer');
    // What the store wrote, the orchestrator compares.
    const older = await deliverAlarmEvent(aws, alarmEvent('order-5xx', '2026-11-27T10:05:30.000+0000'));
    expect(older.duplicate ? [] : older.run.path.slice(-1)).toStrictEqual(['Ignored · older event']);
    const later = await deliverAlarmEvent(aws, alarmEvent('order-5xx', '2026-11-27T10:07:00.000+0000'));
    expect(later.duplicate ? [] : later.run.path).toContain('Run plan');
    expect(calls).toHaveLength(2);
    // One type for `at` whoever wrote it last: the CloudWatch event's timestamp, as text.
    expect(unmarshall((await getItem(alarmOrderKey('order-5xx'))) ?? {})).toStrictEqual({
      ...alarmOrderKey('order-5xx'),
      at: '2026-11-27T10:07:00.000+0000',
    });
  });

  it('shares the lease: the store sees the running incident as holder, and takes the lease once it is given back', async () => {
    await registerPlan('lease-5xx', 'shop-lease');
    let finish: (r: LocalRunResult) => void = () => undefined;
    const { aws } = engine(() => new Promise((resolve) => (finish = resolve)));
    const running = deliverAlarmEvent(aws, alarmEvent('lease-5xx', '2026-11-27T10:00:00.000+0000'));
    await new Promise((r) => setTimeout(r, 300));
    const name = incidentExecutionName(
      'arn:aws:cloudwatch:us-east-1:123456789012:alarm:lease-5xx',
      '2026-11-27T10:00:00.000+0000',
    );
    const seen = await local.store.acquireLease('shop-lease', holder('someone-else'));
    expect(seen).toMatchObject({ acquired: false, holder: { holder: name, holderArn: `${EXECUTIONS}${name}` } });
    expect(seen.acquired ? '' : seen.holder.takenAt).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
    expect(await local.store.releaseLease('shop-lease', 'someone-else')).toBe(false);
    finish(recovered);
    await running;
    expect(await getItem(leaseKey('shop-lease'))).toBeUndefined();
    expect(await local.store.acquireLease('shop-lease', holder('someone-else'))).toStrictEqual({ acquired: true });
    expect(await local.store.releaseLease('shop-lease', 'someone-else')).toBe(true);
  });

  it('records the incident with the fields the store reads', async () => {
    await registerPlan('meta-5xx', 'shop-meta');
    const { aws } = engine(() => Promise.resolve(recovered));
    const run = await deliverAlarmEvent(aws, alarmEvent('meta-5xx', '2026-11-27T10:00:00.000+0000'));
    if (run.duplicate) throw new Error('unexpected duplicate');
    const meta = await local.store.getIncident(run.name);
    expect(meta).toStrictEqual({
      incidentId: run.name,
      application: 'shop-meta',
      alarms: ['meta-5xx'],
      startedAt: meta?.startedAt,
      planId: 'p-1',
    });
    expect(Number.isNaN(Date.parse(meta?.startedAt ?? ''))).toBe(false);
  });

  it('reads a kill switch the operator tools wrote', async () => {
    await registerPlan('switch-5xx', 'shop-switch');
    await setKillSwitch(local.dynamo.client, local.dynamo.table, { on: true, by: 'oncall@example.com', at: T });
    try {
      const { aws, calls } = engine(() => Promise.resolve(recovered));
      await deliverAlarmEvent(aws, alarmEvent('switch-5xx', '2026-11-27T10:00:00.000+0000'));
      expect(JSON.parse((calls[0] as string).split(' ').slice(2).join(' '))).toMatchObject({ mode: 'suggest' });
    } finally {
      await local.dynamo.client.send(
        new PutItemCommand({
          TableName: local.dynamo.table,
          Item: marshall(killSwitchItem({ on: false, by: 'test', at: T })),
        }),
      );
    }
  });
});

const T = '2026-11-27T10:00:00.000Z';
