// Publishing pre-built plans: state machines created or updated with a new version and the `live`
// alias moved (SFN on aws-sdk-client-mock), alarm pointers in the store (dynalite); then the alarm path
// runs the published plan, end to end on one machine.
import {
  CreateStateMachineAliasCommand,
  CreateStateMachineCommand,
  DeleteStateMachineVersionCommand,
  DescribeStateMachineAliasCommand,
  ListStateMachineAliasesCommand,
  ListStateMachineVersionsCommand,
  SFNClient,
  UpdateStateMachineAliasCommand,
  UpdateStateMachineCommand,
} from '@aws-sdk/client-sfn';
import { mockClient } from 'aws-sdk-client-mock';
import {
  KEPT_VERSIONS,
  planStateMachineName,
  pruneVersions,
  publishPlans,
  type SynthesisTarget,
} from '../../lib/aws/synthesize';
import { parseCatalog } from '../../lib/core/catalog';
import { makeHandlers } from '../../lib/core/handlers';
import type { Plan } from '../../lib/core/plan';
import { useLocalDynamo } from '../local-dynamo';
import { memoryIdempotency } from '../../lib/local/engines/memory';
import { deliverAlarmEvent } from '../../lib/local/engines/orchestrator';
import { runLocally } from '../../lib/local/engines/runner';
import { compilePlan } from '../../statemachines/compile';
import { fixture, examplePlan, T0 } from '../helpers';

const sfn = mockClient(SFNClient);
const local = useLocalDynamo();
beforeEach(() => {
  sfn.reset();
  // No versions to prune unless a test says so.
  sfn.on(ListStateMachineVersionsCommand).resolves({ stateMachineVersions: [] });
  sfn.on(ListStateMachineAliasesCommand).resolves({ stateMachineAliases: [] });
});

const catalog = parseCatalog(fixture('examples/online-boutique/catalog.json'), 'catalog.json');
const target: SynthesisTarget = {
  prefix: 'backstep-plan-',
  roleArn: 'arn:aws:iam::123456789012:role/plans',
  logGroupArn: 'arn:aws:logs:eu-west-1:123456789012:log-group:plans:*',
  resources: {
    act: 'arn:aws:lambda:eu-west-1:123456789012:function:act',
    gate: 'arn:aws:lambda:eu-west-1:123456789012:function:gate',
    approval: 'arn:aws:lambda:eu-west-1:123456789012:function:approval',
    notify: 'arn:aws:lambda:eu-west-1:123456789012:function:notify',
  },
  region: 'eu-west-1',
  account: '123456789012',
};
const ARN = 'arn:aws:states:eu-west-1:123456789012:stateMachine:backstep-plan-frontend';

function plans(): (service: string) => Plan {
  const cache = new Map<string, Plan>();
  return (service) => {
    const known = cache.get(service);
    if (known) return known;
    const plan = examplePlan({ alarmed: [service] });
    cache.set(service, plan);
    return plan;
  };
}

describe('publishPlans', () => {
  it('creates a state machine with a version and a live alias, and points every alarm at it', async () => {
    sfn.on(UpdateStateMachineCommand).rejects(Object.assign(new Error('no'), { name: 'StateMachineDoesNotExist' }));
    sfn.on(CreateStateMachineCommand).resolves({ stateMachineArn: ARN, stateMachineVersionArn: `${ARN}:1` });
    sfn.on(DescribeStateMachineAliasCommand).rejects(Object.assign(new Error('no'), { name: 'ResourceNotFound' }));
    const results = await publishPlans(
      sfn as never,
      local.store,
      target,
      { ...catalog, services: { frontend: catalog.services['frontend']! } },
      plans(),
    );
    expect(results.map((r) => [r.service, r.outcome, r.alias])).toStrictEqual([['frontend', 'created', `${ARN}:live`]]);
    const create = sfn.commandCalls(CreateStateMachineCommand)[0]?.args[0].input;
    expect(create).toMatchObject({
      name: 'backstep-plan-frontend',
      type: 'STANDARD',
      publish: true,
      tracingConfiguration: { enabled: true },
    });
    expect(create?.definition).toContain(target.resources.act);
    expect(create?.definition).not.toContain('${');
    expect(sfn.commandCalls(CreateStateMachineAliasCommand)[0]?.args[0].input).toStrictEqual({
      name: 'live',
      routingConfiguration: [{ stateMachineVersionArn: `${ARN}:1`, weight: 100 }],
    });
    for (const alarm of ['frontend-5xx', 'frontend-latency-p99']) {
      expect(await local.store.getAlarmPlan(alarm)).toStrictEqual({
        alarm,
        application: 'default',
        planId: results[0]?.planId,
        stateMachine: `${ARN}:live`,
        shape: expect.stringMatching(/^[0-9a-f]{64}$/) as unknown,
      });
    }
    expect(await local.store.getPlan(results[0]?.planId as string)).toBeDefined();
  });

  it('skips an unchanged plan and moves the alias when the plan changed', async () => {
    const only = { ...catalog, services: { frontend: catalog.services['frontend']! } };
    expect((await publishPlans(sfn as never, local.store, target, only, plans()))[0]?.outcome).toBe('unchanged');
    // Ten minutes later the scores moved (ages, statistics) but the plan would do the same: kept as it is.
    const later = examplePlan({ alarmed: ['frontend'], at: T0 + 600_000 });
    const published = (await local.store.getAlarmPlan('frontend-5xx'))?.planId;
    expect(later.planId).not.toBe(published);
    const kept = await publishPlans(sfn as never, local.store, target, only, () => later);
    expect(kept[0]).toMatchObject({ outcome: 'unchanged', planId: published });
    expect(sfn.calls()).toHaveLength(0);
    sfn.resetHistory();
    sfn.on(UpdateStateMachineCommand).resolves({ stateMachineVersionArn: `${ARN}:2` });
    sfn.on(DescribeStateMachineAliasCommand).resolves({});
    const changed = () => examplePlan({ alarmed: ['frontend'], windowMs: 6 * 3_600_000 });
    expect((await publishPlans(sfn as never, local.store, target, only, changed))[0]?.outcome).toBe('updated');
    expect(sfn.commandCalls(UpdateStateMachineAliasCommand)[0]?.args[0].input).toStrictEqual({
      stateMachineAliasArn: `${ARN}:live`,
      routingConfiguration: [{ stateMachineVersionArn: `${ARN}:2`, weight: 100 }],
    });
  });

  it('publishes the other services when one cannot be planned, and says why', async () => {
    sfn.on(UpdateStateMachineCommand).resolves({ stateMachineVersionArn: `${ARN}:3` });
    sfn.on(DescribeStateMachineAliasCommand).resolves({});
    const two = {
      ...catalog,
      services: { cartservice: catalog.services['cartservice']!, frontend: catalog.services['frontend']! },
    };
    const results = await publishPlans(sfn as never, local.store, target, two, (service) => {
      if (service === 'cartservice') throw new Error('alarm cart-5xx: no service cartservice in the graph');
      return examplePlan({ alarmed: ['frontend'], windowMs: 2 * 3_600_000 });
    });
    expect(results.map((r) => [r.service, r.outcome, r.reason])).toStrictEqual([
      ['cartservice', 'failed', 'Error: alarm cart-5xx: no service cartservice in the graph'],
      ['frontend', 'updated', undefined],
    ]);
  });

  it('publishes again when the settings change, with the role and logging, and points a new alarm without publishing', async () => {
    sfn.on(UpdateStateMachineCommand).resolves({ stateMachineVersionArn: `${ARN}:4` });
    sfn.on(DescribeStateMachineAliasCommand).resolves({});
    const frontend = catalog.services['frontend']!;
    const only = { ...catalog, services: { frontend } };
    const same = () => examplePlan({ alarmed: ['frontend'], windowMs: 2 * 3_600_000 });
    await publishPlans(sfn as never, local.store, target, only, same);
    sfn.resetHistory();
    const slower = await publishPlans(sfn as never, local.store, target, only, same, { bakeSeconds: 900 });
    expect(slower[0]?.outcome).toBe('updated');
    expect(sfn.commandCalls(UpdateStateMachineCommand)[0]?.args[0].input).toMatchObject({
      roleArn: target.roleArn,
      tracingConfiguration: { enabled: true },
      loggingConfiguration: { level: 'ALL' },
    });
    sfn.resetHistory();
    const withAlarm = {
      ...catalog,
      services: { frontend: { ...frontend, alarms: [...frontend.alarms, 'frontend-new'] } },
    };
    const again = await publishPlans(sfn as never, local.store, target, withAlarm, same, { bakeSeconds: 900 });
    expect(again[0]?.outcome).toBe('unchanged');
    expect(sfn.calls()).toHaveLength(0);
    expect((await local.store.getAlarmPlan('frontend-new'))?.stateMachine).toBe(`${ARN}:live`);
  });

  it("refuses a second service whose state machine name would be the first one's", async () => {
    const entry = catalog.services['frontend']!;
    const clash = { ...catalog, services: { 'web.api': entry, 'web/api': { ...entry, alarms: ['web-2'] } } };
    const results = await publishPlans(sfn as never, local.store, target, clash, () => {
      throw new Error('not planned in this test');
    });
    expect(results.map((r) => [r.service, r.outcome, r.reason])).toStrictEqual([
      ['web.api', 'failed', 'Error: not planned in this test'],
      ['web/api', 'failed', "state machine name backstep-plan-web-api is web.api's too"],
    ]);
  });

  it('deletes the versions no alias routes to after moving the alias, keeping the newest few', async () => {
    // Versions 1..12 on two pages, newest first as Step Functions lists them; `live` moves to 12, and someone
    // keeps an alias of their own on 3.
    const version = (n: number) => ({ stateMachineVersionArn: `${ARN}:${n}`, creationDate: new Date(T0 + n) });
    sfn.on(UpdateStateMachineCommand).resolves({ stateMachineVersionArn: `${ARN}:12` });
    sfn.on(DescribeStateMachineAliasCommand).resolves({});
    sfn
      .on(ListStateMachineVersionsCommand)
      .resolvesOnce({ stateMachineVersions: [12, 11, 10, 9, 8, 7].map(version), nextToken: 'page-2' })
      .resolves({ stateMachineVersions: [6, 5, 4, 3, 2, 1].map(version) });
    sfn.on(ListStateMachineAliasesCommand).resolves({
      stateMachineAliases: ['live', 'pinned'].map((name) => ({
        stateMachineAliasArn: `${ARN}:${name}`,
        creationDate: new Date(T0),
      })),
    });
    sfn
      .on(DescribeStateMachineAliasCommand, { stateMachineAliasArn: `${ARN}:pinned` })
      .resolves({ routingConfiguration: [{ stateMachineVersionArn: `${ARN}:3`, weight: 100 }] });
    const only = { ...catalog, services: { frontend: catalog.services['frontend']! } };
    const changed = () => examplePlan({ alarmed: ['frontend'], windowMs: 5 * 3_600_000 });
    expect((await publishPlans(sfn as never, local.store, target, only, changed))[0]?.outcome).toBe('updated');
    const deleted = sfn
      .commandCalls(DeleteStateMachineVersionCommand)
      .map((c) => c.args[0].input.stateMachineVersionArn);
    expect(KEPT_VERSIONS).toBe(5);
    expect(deleted).toStrictEqual([7, 6, 5, 4, 2, 1].map((n) => `${ARN}:${n}`));
    expect(sfn.commandCalls(ListStateMachineVersionsCommand)[1]?.args[0].input).toStrictEqual({
      stateMachineArn: ARN,
      nextToken: 'page-2',
    });
    // Only once the alias has moved and the alarms point at it.
    const order = sfn.calls().map((c) => (c.args[0] as object).constructor.name);
    expect(order.indexOf('UpdateStateMachineAliasCommand')).toBeLessThan(
      order.indexOf('DeleteStateMachineVersionCommand'),
    );
    expect((await local.store.getAlarmPlan('frontend-5xx'))?.stateMachine).toBe(`${ARN}:live`);
  });

  it('deletes nothing while a machine has only the newest few versions', async () => {
    sfn.on(ListStateMachineVersionsCommand).resolves({
      stateMachineVersions: [3, 2, 1].map((n) => ({ stateMachineVersionArn: `${ARN}:${n}`, creationDate: new Date() })),
    });
    expect(await pruneVersions(sfn as never, ARN)).toStrictEqual([]);
    expect(sfn.commandCalls(DeleteStateMachineVersionCommand)).toHaveLength(0);
  });

  it('reports a plan whose old versions cannot be deleted as published, with a warning, once it is live', async () => {
    sfn.on(UpdateStateMachineCommand).resolves({ stateMachineVersionArn: `${ARN}:9` });
    sfn.on(DescribeStateMachineAliasCommand).resolves({});
    sfn
      .on(ListStateMachineVersionsCommand)
      .rejects(Object.assign(new Error('not authorized'), { name: 'AccessDeniedException' }));
    const only = { ...catalog, services: { frontend: catalog.services['frontend']! } };
    const changed = () => examplePlan({ alarmed: ['frontend'], windowMs: 2 * 3_600_000 });
    // Other settings: published again.
    const results = await publishPlans(sfn as never, local.store, target, only, changed, { bakeSeconds: 61 });
    expect(results.map((r) => [r.outcome, r.warning])).toStrictEqual([
      ['updated', 'old versions not deleted: AccessDeniedException: not authorized'],
    ]);
    expect(sfn.commandCalls(UpdateStateMachineAliasCommand)).toHaveLength(1);
  });

  it('deletes old versions and publishes when the machine is at its quota of versions', async () => {
    // https://docs.aws.amazon.com/step-functions/latest/dg/service-quotas.html: 1,000 versions a machine.
    const atQuota = Object.assign(new Error('version quota'), { name: 'ServiceQuotaExceededException' });
    sfn
      .on(UpdateStateMachineCommand)
      .rejectsOnce(atQuota)
      .resolves({ stateMachineVersionArn: `${ARN}:1001` });
    sfn.on(DescribeStateMachineAliasCommand).resolves({});
    sfn.on(ListStateMachineVersionsCommand).resolves({
      stateMachineVersions: Array.from({ length: 1000 }, (_, i) => ({
        stateMachineVersionArn: `${ARN}:${i + 1}`,
        creationDate: new Date(T0),
      })),
    });
    const only = { ...catalog, services: { frontend: catalog.services['frontend']! } };
    const changed = () => examplePlan({ alarmed: ['frontend'], windowMs: 3 * 3_600_000 });
    const results = await publishPlans(sfn as never, local.store, target, only, changed, { bakeSeconds: 62 });
    expect(results.map((r) => r.outcome)).toStrictEqual(['updated']);
    expect(sfn.commandCalls(UpdateStateMachineCommand)).toHaveLength(2);
    expect(sfn.commandCalls(DeleteStateMachineVersionCommand).length).toBeGreaterThanOrEqual(995);
  });

  it('names state machines validly', () => {
    expect(planStateMachineName('backstep-plan-', 'https://sqs.example/Queue 1')).toBe(
      'backstep-plan-https---sqs-example-Queue-1',
    );
    expect(planStateMachineName('p-', 'x'.repeat(100))).toHaveLength(80);
  });
});

describe('from alarm to recovery, on one machine', () => {
  it('runs the published plan for the alarm: lease, child execution, recovery recorded', async () => {
    const plan = (await local.store.getPlan(
      (await local.store.getAlarmPlan('frontend-5xx'))?.planId as string,
    )) as Plan;
    let reads = 0;
    const handlers = makeHandlers({
      plans: { load: () => Promise.resolve(plan) },
      rollback: {
        inspect: () => Promise.resolve({ ok: true }),
        rollback: (step) => Promise.resolve({ version: step.change.fromVersion ?? 'previous' }),
      },
      idempotency: memoryIdempotency(),
      now: () => Date.now(),
      alarms: {
        alarmsOf: () => Promise.resolve([]),
        read: () => Promise.resolve({ 'frontend-5xx': reads++ < 2 ? 'ALARM' : 'OK' }),
      },
      approvals: { request: () => Promise.resolve({ decision: 'approve' }) },
      notify: { escalate: () => Promise.resolve() },
    });
    const children: string[] = [];
    const event = fixture('events/cloudwatch-alarm_01_state-change-for-a-single-metric-alarm.json') as {
      resources: string[];
      detail: { alarmName: string; state: { timestamp: string } };
    };
    event.resources = ['arn:aws:cloudwatch:eu-west-1:123456789012:alarm:frontend-5xx'];
    event.detail.alarmName = 'frontend-5xx';
    const delivery = await deliverAlarmEvent(
      {
        dynamo: local.dynamo.client,
        table: local.dynamo.table,
        executions: new Set(),
        publish: () => undefined,
        runPlan: (arn, _name, input) => {
          children.push(arn);
          // The child is the stored plan compiled again: the same definition that was published.
          return runLocally(compilePlan(plan), input as never, handlers);
        },
      },
      event,
    );
    if (delivery.duplicate) throw new Error('unexpected duplicate');
    expect(children).toStrictEqual([`${ARN}:live`]);
    expect(delivery.run.path.slice(-5)).toStrictEqual([
      'Run plan',
      'Record recovery',
      'Cool down',
      'Release lease',
      'Recovered',
    ]);
  });
});
