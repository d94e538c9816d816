// One synthesis run as the refresh does it: the latest snapshot and the recorded changes from the store
// (dynalite), the current model, plans published on a mocked Step Functions; nothing without a graph.
import { answerAsNewAccount } from '../sfn-mock';
import {
  CreateStateMachineCommand,
  DescribeStateMachineAliasCommand,
  SFNClient,
  UpdateStateMachineCommand,
} from '@aws-sdk/client-sfn';
import { mockClient } from 'aws-sdk-client-mock';
import {
  assertPublished,
  dynamoRefreshLock,
  MAX_RUNS_PER_INVOCATION,
  PlansFailedError,
  REFRESH_ERRORS,
  refreshPlans,
  synthesizeAll,
  SYNTHESIS_TIMEOUT_MS,
  type SynthesisRun,
  type Coalesced,
  type SynthesisSummary,
} from '../../lib/aws/synthesis';
import type { SynthesisTarget } from '../../lib/aws/synthesize';
import { parseCatalog } from '../../lib/core/catalog';
import { notUndone, parseChanges } from '../../lib/core/changes';
import { BUILTIN_MODEL } from '../../lib/core/model';
import type { DiscoverySnapshot } from '../../lib/core/snapshot';
import { parseServiceGraphs } from '../../lib/core/xray';
import { useLocalDynamo } from '../local-dynamo';
import { fixture, T0 } from '../helpers';

const sfn = mockClient(SFNClient);
const local = useLocalDynamo();
const dir = 'examples/online-boutique';
const catalog = { ...parseCatalog(fixture(`${dir}/catalog.json`), 'catalog.json'), application: 'boutique' };
const changes = parseChanges(fixture(`${dir}/changes.json`), 'changes.json');
const target: SynthesisTarget = {
  prefix: 'backstep-plan-',
  roleArn: 'arn:aws:iam::123456789012:role/plans',
  logGroupArn: 'arn:aws:logs:eu-west-1:123456789012:log-group:plans:*',
  resources: { act: 'arn:act', gate: 'arn:gate', approval: 'arn:approval', notify: 'arn:notify' },
  region: 'eu-west-1',
  account: '123456789012',
};
const DAY = 86_400_000;

function snapshot(withGraph: boolean, recorded = changes): DiscoverySnapshot {
  const graph = parseServiceGraphs([{ source: 'graph', json: fixture(`${dir}/graph.json`) }]).topology;
  const baseline = parseServiceGraphs([{ source: 'baseline', json: fixture(`${dir}/baseline.json`) }]).topology;
  return {
    application: 'boutique',
    takenAt: T0,
    window: { start: T0 - DAY, end: T0 },
    graphWindow: { start: T0 - 3_600_000, end: T0 },
    baselineWindow: { start: T0 - DAY - 3_600_000, end: T0 - DAY },
    ...(withGraph ? { graph, baseline } : {}),
    alarms: [],
    changes: recorded,
    versions: {},
    failed: withGraph ? [] : ['xray-graph'],
    warnings: [],
  };
}

beforeEach(() => {
  sfn.reset();
  answerAsNewAccount(sfn);
});

describe('a synthesis run', () => {
  const run = () => synthesizeAll({ sfn: sfn as never, store: local.store, target, catalog, now: T0, lookBackMs: DAY });

  it('publishes nothing and says why while discovery has no service graph', async () => {
    await local.store.putSnapshot(snapshot(false));
    expect(await run()).toStrictEqual({
      model: BUILTIN_MODEL.version,
      skipped: 'no discovery snapshot with a service graph yet',
      results: [],
    });
    expect(sfn.calls()).toHaveLength(0);
  });

  it('plans every catalogued service with alarms from the snapshot and the recorded changes', async () => {
    // Discovery saw only some changes; the recorder stored the rest as they happened.
    const seen = changes.filter((c) => c.service !== 'cartservice');
    const recorded = changes.filter((c) => c.service === 'cartservice');
    expect(recorded.length).toBeGreaterThan(0);
    await local.store.putSnapshot({ ...snapshot(true, seen), takenAt: T0 + 1 });
    for (const change of recorded) await local.store.putChange(change);
    const summary = await run();
    expect(summary.model).toBe(BUILTIN_MODEL.version);
    const withAlarms = Object.entries(catalog.services)
      .filter(([, e]) => e.alarms.length > 0)
      .map(([s]) => s);
    expect(summary.results.map((r) => r.service).sort()).toStrictEqual(withAlarms.sort());
    expect(summary.results.filter((r) => r.outcome === 'failed')).toStrictEqual([]);
    const created = sfn.commandCalls(CreateStateMachineCommand).map((c) => c.args[0].input.name);
    expect(created).toContain('backstep-plan-frontend');
    // The frontend plan knows the change only the recorder saw: cartservice is its top suspect.
    const pointer = await local.store.getAlarmPlan('frontend-5xx');
    const plan = await local.store.getPlan(pointer?.planId as string);
    expect(plan?.suspects[0]?.service).toBe('cartservice');
  });

  it('blames neither what an earlier incident rolled back nor the deployment of that rollback', async () => {
    const undone = changes.filter((c) => c.service === 'cartservice');
    const back = undone[0]?.fromVersion as string;
    await local.store.putRollbackMark({
      service: 'cartservice',
      version: back,
      changeIds: undone.map((c) => c.id),
      at: new Date(T0 + 30_000).toISOString(),
      incidentId: 'inc-earlier',
    });
    const rollback = {
      id: 'ecs:rollback',
      service: 'cartservice',
      deployedAt: T0 + 60_000,
      fromVersion: 'v2.4.0',
      toVersion: back,
      kind: 'code' as const,
      reversible: true,
      source: 'ecs' as const,
    };
    await local.store.putSnapshot({ ...snapshot(true, [...changes, rollback]), takenAt: T0 + 2 });
    sfn
      .on(UpdateStateMachineCommand)
      .resolves({ stateMachineVersionArn: 'arn:aws:states:eu-west-1:123456789012:stateMachine:x:2' });
    sfn.on(DescribeStateMachineAliasCommand).resolves({});
    const summary = await synthesizeAll({
      sfn: sfn as never,
      store: local.store,
      target,
      catalog,
      now: T0 + 120_000,
      lookBackMs: DAY,
      rollbackMarks: () => local.store.rollbackMarks(),
    });
    expect(summary.results.filter((r) => r.outcome === 'failed')).toStrictEqual([]);
    const plan = await local.store.getPlan((await local.store.getAlarmPlan('frontend-5xx'))?.planId as string);
    expect(plan?.suspects.map((x) => x.service)).not.toContain('cartservice');
  });

  it('keeps changes nobody undid, and a deployment of the same version long before the rollback', () => {
    const mark = {
      service: 'cartservice',
      version: 'v1',
      changeIds: ['c1'],
      at: new Date(T0).toISOString(),
      incidentId: 'i',
    };
    const c = (id: string, deployedAt: number, toVersion: string) => ({
      id,
      service: 'cartservice',
      deployedAt,
      toVersion,
      kind: 'code' as const,
      reversible: true,
    });
    expect(
      notUndone(
        [c('c1', T0 - DAY, 'v2'), c('c2', T0 + 1, 'v1'), c('c3', T0 - DAY, 'v1'), c('c4', T0, 'v3')],
        [mark],
      ).map((x) => x.id),
    ).toStrictEqual(['c3', 'c4']);
  });

  it('plans with the current model once learning stored one', async () => {
    await local.store.putModel(
      { ...BUILTIN_MODEL, version: 'refined-test' },
      (await local.store.currentModel())?.version,
    );
    expect((await run()).model).toBe('refined-test');
  });
});

describe('a refresh', () => {
  const runWith = (overrides: Partial<SynthesisRun> = {}): SynthesisRun => ({
    sfn: sfn as never,
    store: local.store,
    target,
    catalog,
    now: T0,
    lookBackMs: DAY,
    ...overrides,
  });
  const lock = (holder: string, now: () => number = () => T0) =>
    dynamoRefreshLock(local.dynamo.client, local.dynamo.table, holder, now);
  const published = (outcome: SynthesisSummary | Coalesced): SynthesisSummary => {
    if ('coalescedInto' in outcome) throw new Error(`coalesced into ${outcome.coalescedInto}`);
    return outcome;
  };

  it('fails when a plan failed, after publishing the others, naming the service and why', async () => {
    await local.store.putSnapshot({ ...snapshot(true), takenAt: T0 + 10 });
    const broken = { ...catalog.services['cartservice']!, alarms: ['cart-5xx'] };
    const withUnknown = { ...catalog, services: { ...catalog.services, ghost: broken } };
    const summary = published(await refreshPlans(runWith({ catalog: withUnknown }), lock('refresh-1')));
    const failed = summary.results.filter((r) => r.outcome === 'failed');
    expect(failed.map((r) => r.service)).toStrictEqual(['ghost']);
    expect(summary.results.filter((r) => r.outcome !== 'failed').length).toBeGreaterThan(0);
    let thrown: unknown;
    try {
      assertPublished(summary);
    } catch (err) {
      thrown = err;
    }
    expect(thrown).toBeInstanceOf(PlansFailedError);
    expect(thrown).toMatchObject({ name: REFRESH_ERRORS.plansFailed });
    expect((thrown as Error).message).toMatch(/^1 plan\(s\) not published: ghost \(/);
    expect(() =>
      assertPublished({ ...summary, results: summary.results.filter((r) => r.outcome !== 'failed') }),
    ).not.toThrow();
  });

  it('asks the running refresh to synthesize once more instead of running beside it or failing', async () => {
    const first = lock('refresh-a');
    expect(await first.acquire()).toStrictEqual({ acquired: true });
    expect(await refreshPlans(runWith(), lock('refresh-b'))).toStrictEqual({ coalescedInto: 'refresh-a' });
    expect(await refreshPlans(runWith(), lock('refresh-c'))).toStrictEqual({ coalescedInto: 'refresh-a' });
    expect(sfn.calls()).toHaveLength(0);
    // No holder takes the lock twice: a retried invocation gets a token of its own.
    expect(await lock('refresh-a').acquire()).toStrictEqual({ acquired: false, holder: 'refresh-a' });
    // The two requests are one more run; then the lock is free.
    expect(await first.finish()).toBe('again');
    expect(await first.finish()).toBe('released');
    expect(await lock('refresh-d').acquire()).toStrictEqual({ acquired: true });
    await lock('refresh-d').release();
  });

  it('runs again when a refresh asked while it was synthesizing, and never loses the request', async () => {
    await local.store.putSnapshot({ ...snapshot(true), takenAt: T0 + 20 });
    let runs = 0;
    const asking = runWith({
      store: Object.assign(Object.create(local.store) as typeof local.store, {
        latestSnapshot: async (app: string) => {
          runs++;
          // A deployment event's refresh arrives during the first run only.
          if (runs === 1)
            expect(await refreshPlans(runWith(), lock('late'))).toStrictEqual({ coalescedInto: 'holder' });
          return local.store.latestSnapshot(app);
        },
      }),
    });
    const summary = published(await refreshPlans(asking, lock('holder')));
    expect(runs).toBe(2);
    expect(summary.results.length).toBeGreaterThan(0);
    expect(await lock('next').acquire()).toStrictEqual({ acquired: true });
    await lock('next').release();
  });

  it('hands over to the retry of its execution when requests keep coming', async () => {
    await local.store.putSnapshot({ ...snapshot(true), takenAt: T0 + 30 });
    let runs = 0;
    const storm = runWith({
      store: Object.assign(Object.create(local.store) as typeof local.store, {
        latestSnapshot: async (app: string) => {
          runs++;
          await refreshPlans(runWith(), lock(`event-${runs}`));
          return local.store.latestSnapshot(app);
        },
      }),
    });
    await expect(refreshPlans(storm, lock('holder'))).rejects.toMatchObject({ name: REFRESH_ERRORS.busy });
    expect(runs).toBe(MAX_RUNS_PER_INVOCATION);
    // Given up, not left held.
    expect(await lock('retry').acquire()).toStrictEqual({ acquired: true });
    await lock('retry').release();
  });

  it('takes over a lock whose holder outlived the function timeout (it died)', async () => {
    expect(await lock('died').acquire()).toStrictEqual({ acquired: true });
    const later = lock('next', () => T0 + SYNTHESIS_TIMEOUT_MS - 1);
    expect(await later.acquire()).toStrictEqual({ acquired: false, holder: 'died' });
    const afterTimeout = lock('next', () => T0 + SYNTHESIS_TIMEOUT_MS + 1);
    expect(await afterTimeout.acquire()).toStrictEqual({ acquired: true });
    // The dead holder's release does not free the new holder's lock.
    await lock('died').release();
    expect(await lock('third', () => T0 + SYNTHESIS_TIMEOUT_MS + 2).acquire()).toMatchObject({ acquired: false });
    await afterTimeout.release();
  });

  it('releases the lock when the run throws', async () => {
    const failing = runWith({
      store: { ...local.store, currentModel: () => Promise.reject(new Error('table gone')) } as never,
    });
    await expect(refreshPlans(failing, lock('refresh-x'))).rejects.toThrow('table gone');
    expect(await lock('refresh-y').acquire()).toStrictEqual({ acquired: true });
    await lock('refresh-y').release();
  });
});
