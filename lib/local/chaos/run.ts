// One rehearsal under one fault: the plans published as synthesis does, the alarm events through the real
// intake and orchestrator definitions (dynalite behind a faulty client), the plan's state machine on the
// local runner with the real task handlers over a faulty fleet, learning when each incident ends; then the
// invariants, read from the fleet's log and the table.
import { GetItemCommand } from '@aws-sdk/client-dynamodb';
import { marshall, unmarshall } from '@aws-sdk/util-dynamodb';
import { learnFromIncident } from '../../aws/learn';
import { DynamoStore } from '../../aws/store';
import { STATES_HEARTBEAT_TIMEOUT, STATES_TIMEOUT } from '../../core/errors';
import type { TaskHandlers } from '../../core/handlers';
import { BUILTIN_MODEL, readStoredModel, refine, type IncidentRecord } from '../../core/model';
import type { Plan } from '../../core/plan';
import { leaseKey } from '../../core/table';
import type { ExecutionInput, GateInput, GateResult } from '../../core/tasks';
import { ORCHESTRATOR_STATES } from '../../../statemachines/orchestrator';
import type { LocalDynamo } from '../engines/dynamo';
import { incidentAlarmNotifications } from '../engines/incident-alarm';
import { deliverAlarmEvent, type Delivery, type LocalAws } from '../engines/orchestrator';
import { runLocally, type LocalRunResult } from '../engines/runner';
import { LocalStepFunctions } from '../engines/sfn';
import type { RehearsalIncident } from '../rehearsal/demo';
import { publishRehearsalPlans } from '../rehearsal/plans';
import { ACCOUNT, alarmEvent, REGION, TARGET, withAlarm } from '../rehearsal/rehearse';
import { BAKE_SECONDS, GATE_PERIOD_SECONDS, SimulatedPorts } from '../rehearsal/simulated-ports';
import { SimClock } from '../sim/clock';
import { chaosApprovals } from './approvals';
import { awsError, ChaosFleet, chaosDynamo, chaosStore, Injector, invokeAsync, type Injected } from './inject';
import { checkInvariants, type IncidentSeen, type Observation, type ReadingSeen, type Violation } from './invariants';
import type { Fault, FaultKind } from './schedule';

/**
 * How an incident of the run ended: recovered; escalated (a notification reached the topic); alarmed (only
 * the failed-incident alarm's did); stopped by a person; or silent.
 */
export type Ending = 'recovered' | 'escalated' | 'alarmed' | 'stopped' | 'silent';

export interface ChaosRun {
  readonly fault: Fault;
  readonly injected: readonly Injected[];
  readonly violations: readonly Violation[];
  /** Every incident the table has after the run, and how it ended. */
  readonly incidents: readonly { readonly id: string; readonly ending: Ending }[];
  /** Alarm events delivered, and how many started nothing (duplicates, older, joined, filtered). */
  readonly events: number;
  /** Rollbacks the fleet applied, from its own log. */
  readonly actions: number;
}

/**
 * The faulted task's TimeoutSeconds in a task-timeout run: the least ASL allows (a positive integer), so
 * the run waits a second and a little for the runner's timeout to fire.
 */
const TASK_TIMEOUT_SECONDS = 1;
const SLOW_MARGIN_MS = 250;

/** The compile options of a run: a short timeout for the task a task-timeout fault falls on. */
function taskTimeouts(fault: Fault): { actTimeoutSeconds?: number; gateTimeoutSeconds?: number } {
  if (fault.kind !== 'task-timeout') return {};
  return fault.point === 'act'
    ? { actTimeoutSeconds: TASK_TIMEOUT_SECONDS }
    : { gateTimeoutSeconds: TASK_TIMEOUT_SECONDS };
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

const SECOND = 1000;

export async function chaosRun(incident: RehearsalIncident, fault: Fault, dynamo: LocalDynamo): Promise<ChaosRun> {
  const injector = new Injector(fault);
  const plain = new DynamoStore(dynamo.client, dynamo.table, readStoredModel);
  const client = chaosDynamo(dynamo.client, injector);
  const store = chaosStore(new DynamoStore(client, dynamo.table, readStoredModel), injector);
  // Under an approval fault, people decide over HTTP on the local approval server.
  const people = await chaosApprovals(injector, store);
  const catalog = withAlarm(people?.catalog(incident.catalog) ?? incident.catalog, incident.alarmed, incident.alarm);
  const fleet = new ChaosFleet(incident.fleet, catalog, incident.changes, incident.seed).inject(injector);
  const clock = new SimClock(incident.at, 0);
  const sfn = new LocalStepFunctions(REGION, ACCOUNT);
  const storm = fault.kind === 'alarm-storm' && fault.point === 'many-alarms';
  const { plan, results } = await publishRehearsalPlans(incident, {
    sfn,
    target: TARGET,
    store: plain,
    catalog,
    publish: storm ? 'all' : 'incident',
    compile: {
      bakeSeconds: BAKE_SECONDS,
      gatePeriodSeconds: GATE_PERIOD_SECONDS,
      ...people?.compile,
      ...taskTimeouts(fault),
    },
  });
  const planIds = new Map(results.flatMap((r) => (r.alias ? [[r.alias, r.planId] as const] : [])));
  const steps = plan.stages.reduce((n, s) => n + s.waves.reduce((m, w) => m + w.steps.length, 0), 0);
  injector.arm();

  const readings: ReadingSeen[] = [];
  const approvals: { incidentId: string }[] = [];
  const notified = new Set<string>();
  const stopped = new Set<string>();
  const stops = new Map<string, AbortController>();
  const pending: Promise<unknown>[] = [];
  let acts = 0;
  const older = alarmEvent(incident.alarm, iso(incident.at - 60 * SECOND));
  /** Faults that come by hand or by event at an act call (mid-wave). */
  const midWave = async (name: string): Promise<void> => {
    if (++acts !== Math.min(fault.call, steps)) return;
    if (fault.kind === 'store-restart') {
      if (!dynamo.restart) throw new Error('store-restart needs a store this run can restart (a kept folder)');
      injector.log(fault.kind, fault.point, 'store restarted');
      injector.down = dynamo.restart();
      await injector.down;
      injector.down = undefined;
    }
    if (fault.kind === 'stop-by-hand') {
      injector.log(fault.kind, fault.point, 'StopExecution');
      stopped.add(name);
      stops.get(`plan:${name}`)?.abort();
      if (fault.point === 'orchestrator') stops.get(name)?.abort();
    }
    if (fault.kind === 'late-alarm' && fault.point === 'mid-wave') {
      injector.log(fault.kind, fault.point, 'older ALARM delivered');
      pending.push(deliver(older));
    }
  };

  /**
   * One topic, one account: a burst of SNS throttling that began at the plan's notify function (point
   * `notify`) goes on for the orchestrator's publish that follows; at `sns` it falls on the latter only.
   */
  const snsPublish = (point: 'sns' | 'notify') => {
    injector.maybeFail('notify-throttle', point, 'ThrottledException');
    if (point === 'sns') injector.maybeFail('notify-throttle', 'notify', 'ThrottledException');
  };
  const aws: LocalAws = {
    dynamo: client,
    table: dynamo.table,
    executions: new Set<string>(),
    // The escalation's message names the incident: "Incident <id> for alarm ...".
    publish: (_subject, message) => {
      snsPublish('sns');
      notified.add(message.split(' ')[1] ?? '');
    },
    now: () => clock.epoch(),
    stopSignal: (name) => {
      const stop = new AbortController();
      stops.set(name, stop);
      return stop.signal;
    },
    runPlan: async (arn, name, input) => {
      const id = planIds.get(arn);
      const running = (id !== undefined ? await plain.getPlan(id) : undefined) ?? plan;
      const stop = new AbortController();
      stops.set(`plan:${name}`, stop);
      return runLocally(sfn.definition(arn), input as ExecutionInput, observed(name, running), {
        signal: stop.signal,
      });
    },
  };
  const observed = (name: string, running: Plan): TaskHandlers => {
    const manual = people ? ({ approve: 'manual', manual: people.port } as const) : ({ approve: 'auto' } as const);
    const ports = new SimulatedPorts({ clock, fleet, catalog, store, ...manual, tell: () => undefined });
    const real = ports.handlers(running);
    /**
     * The runner ignores HeartbeatSeconds (test/local/chaos/engines.test.ts), so a lost heartbeat
     * is the one timeout failed by hand here: the task fails while its work goes on, finishing before the
     * run is checked.
     */
    const timed = <T>(kind: FaultKind, point: string, error: string, work: Promise<T>): Promise<T> => {
      if (!injector.hits(kind, point)) return work;
      injector.log(kind, point, error);
      pending.push(work.catch(() => undefined));
      return Promise.reject(awsError(error));
    };
    /**
     * A task timeout is the runner's own: the function is slow (its call to the target hangs) past the
     * task's TimeoutSeconds, the runner fails the task with States.Timeout, and the function carries on.
     */
    const slow = <T>(point: 'act' | 'gate', work: () => Promise<T>): Promise<T> => {
      if (!injector.hits('task-timeout', point)) return work();
      injector.log('task-timeout', point, STATES_TIMEOUT);
      const late = sleep(TASK_TIMEOUT_SECONDS * SECOND + SLOW_MARGIN_MS).then(work);
      pending.push(late.catch(() => undefined));
      return late;
    };
    return {
      act: (ref) =>
        injector.invoke(() =>
          slow('act', async () => {
            await midWave(name);
            return real.act(ref);
          }),
        ),
      gate: async (input) => {
        const reading = await injector.invoke(() => slow('gate', () => real.gate(input)));
        if (input.incidentId !== undefined)
          readings.push({ incidentId: input.incidentId, key: gateKey(input, reading) });
        return reading;
      },
      approval: async (input) => {
        const result = await timed(
          'heartbeat-lost',
          'approval',
          STATES_HEARTBEAT_TIMEOUT,
          injector.invoke(() => real.approval(input)),
        );
        approvals.push({ incidentId: input.incidentId });
        return result;
      },
      notify: async (input) => {
        // The notify function lets SNS's error through (lambdas/notify.ts).
        snsPublish('notify');
        await real.notify(input);
        notified.add(name);
      },
    };
  };
  const deliveries: Delivery[] = [];
  let events = 0;
  const deliver = async (event: ReturnType<typeof alarmEvent>): Promise<void> => {
    events++;
    // The EventBridge rule (lib/infra/alarm-path.ts) passes ALARM state changes only.
    if (event.detail.state.value !== 'ALARM') return;
    deliveries.push(await deliverAlarmEvent(aws, event));
  };

  const event = alarmEvent(incident.alarm, iso(incident.at));
  let delivered = false;
  await deliverAll(fault, event, older, incident, catalog.services, (e) => {
    // Every event but the incident's own first delivery is one the fault brought.
    if (e !== event || delivered) injector.log(fault.kind, fault.point, `${e.detail.state.value} event`);
    if (e === event) delivered = true;
    return deliver(e);
  });
  await Promise.all(pending);

  // A holder stopped by hand leaves the lease: the next alarm of the application must take it over.
  let lease = await readLease(dynamo, catalog.application);
  const ended = new Set(deliveries.flatMap((d) => (d.duplicate ? [] : [d.name])));
  if (lease && ended.has(lease.holder)) {
    await deliver(alarmEvent(incident.alarm, iso(incident.at + 3600 * SECOND)));
    lease = await readLease(dynamo, catalog.application);
  }

  // As in AWS when each incident's execution ends: learning, retried as an asynchronous invocation is.
  const runs = new Map<string, LocalRunResult>();
  for (const d of deliveries) if (!d.duplicate) runs.set(d.name, d.run);
  for (const [name, run] of runs)
    await invokeAsync(injector, () => learnFromIncident(store, name, run.status, clock.iso()));

  // The stack's alarm on incidents that ended failed publishes a period later: a burst is over by then.
  injector.minutePasses();
  const alarmed = incidentAlarmNotifications(runs, () => snsPublish('sns'));

  const decisions = await people?.finish(plain);
  const records = await plain.records();
  const incidents: IncidentSeen[] = [];
  for (const [name, run] of runs) {
    const seen = await incidentSeen(plain, name, run, records, {
      notified: notified.has(name),
      alarmed: alarmed.has(name),
      stoppedByHand: stopped.has(name) && fault.point === 'orchestrator',
    });
    if (seen) incidents.push(seen);
  }
  const observation: Observation = {
    actions: fleet.actions,
    readings,
    approvals,
    ...(decisions ? { decisions } : {}),
    incidents,
    ...(lease ? { lease } : {}),
    ...(await modelSeen(plain, records)),
    live: new Set(),
    oneIncident: fault.kind === 'alarm-storm' || fault.kind === 'duplicate-event' || fault.kind === 'late-alarm',
  };
  return {
    fault,
    injected: [...injector.injected],
    violations: checkInvariants(observation),
    incidents: incidents.map((i) => ({
      id: i.id,
      ending: i.recovered
        ? 'recovered'
        : i.notified
          ? 'escalated'
          : i.alarmed
            ? 'alarmed'
            : i.stoppedByHand
              ? 'stopped'
              : 'silent',
    })),
    events,
    actions: fleet.actions.length,
  };
}

/** The alarm events a fault brings: the incident's, and duplicates, late, early or many more. */
export async function deliverAll(
  fault: Fault,
  event: ReturnType<typeof alarmEvent>,
  older: ReturnType<typeof alarmEvent>,
  incident: RehearsalIncident,
  services: RehearsalIncident['catalog']['services'],
  deliver: (event: ReturnType<typeof alarmEvent>) => Promise<void>,
): Promise<void> {
  const at = Date.parse(event.time);
  switch (fault.kind) {
    case 'duplicate-event':
      if (fault.point === 'concurrent') await Promise.all([deliver(event), deliver(event)]);
      else for (const e of [event, event]) await deliver(e);
      return;
    case 'late-alarm':
      await deliver(event);
      if (fault.point === 'after-end') await deliver(older);
      return;
    case 'ok-before-alarm': {
      const ok = alarmEvent(incident.alarm, iso(at + 30 * SECOND));
      await deliver({ ...ok, detail: { ...ok.detail, state: { ...ok.detail.state, value: 'OK' } } });
      await deliver(event);
      return;
    }
    case 'alarm-storm': {
      const others = Object.values(services)
        .flatMap((s) => s.alarms)
        .filter((a) => a !== incident.alarm);
      const storm = Array.from({ length: fault.burst }, (_, i) =>
        i === 0
          ? event
          : alarmEvent(
              fault.point === 'same-alarm' ? incident.alarm : (others[i - 1] ?? incident.alarm),
              iso(at + i * SECOND),
            ),
      );
      await Promise.all(storm.map(deliver));
      return;
    }
    default:
      await deliver(event);
  }
}

/** The key of a reading's timeline entry, as the gate function writes it (lib/core/handlers.ts). */
export function gateKey(input: GateInput, reading: GateResult): string {
  if (input.mode === 'baseline') return 'baseline';
  const reads = input.previous?.wave === reading.wave ? input.previous.reads : 0;
  return `gate-${reading.wave}-${reads}`;
}

export async function readLease(dynamo: LocalDynamo, application: string): Promise<{ holder: string } | undefined> {
  const out = await dynamo.client.send(
    new GetItemCommand({ TableName: dynamo.table, Key: marshall(leaseKey(application)), ConsistentRead: true }),
  );
  return out.Item ? { holder: String((unmarshall(out.Item) as { holder?: unknown }).holder) } : undefined;
}

function iso(ms: number): string {
  return new Date(ms).toISOString();
}

/** How an execution's incident ended, from the table; none for an alarm ignored or joined (no incident of its own). */
export async function incidentSeen(
  store: DynamoStore,
  name: string,
  run: LocalRunResult,
  records: readonly IncidentRecord[],
  heard: Pick<IncidentSeen, 'notified' | 'alarmed' | 'stoppedByHand'>,
): Promise<IncidentSeen | undefined> {
  const recorded = (await store.getIncident(name)) !== undefined;
  if (!recorded && run.status === 'SUCCEEDED') return undefined;
  return {
    id: name,
    timeline: recorded ? await store.events(name) : [],
    recovered: run.status === 'SUCCEEDED' && run.path.includes(ORCHESTRATOR_STATES.recovered),
    ...heard,
    ...(recorded ? { records: records.filter((r) => r.incidentId === name).length } : {}),
  };
}

/** The current model and the one every record should have made, for the invariants (when there is a record). */
export async function modelSeen(
  store: DynamoStore,
  records: readonly IncidentRecord[],
): Promise<Pick<Observation, 'model'>> {
  if (records.length === 0) return {};
  return {
    model: { current: (await store.currentModel())?.version, expected: refine(BUILTIN_MODEL, records).version },
  };
}
