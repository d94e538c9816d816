// `backstep demo --chaos SEED`: the demo incident, narrated and reported as usual, under a handful of
// faults at once drawn from the seed (one from each boundary: the store, the rollback target,
// CloudWatch, the alarm events, learning). Each fault is told as it is injected; afterwards the report
// says how each was survived, read from what happened, and whether every invariant held.
import { AsyncLocalStorage } from 'node:async_hooks';
import type { Learned } from '../../aws/learn';
import { DynamoStore } from '../../aws/store';
import { readStoredModel } from '../../core/model';
import type { TaskHandlers } from '../../core/handlers';
import type { ReportChaos } from '../../report/types';
import { startLocalDynamo, type LocalDynamo } from '../engines/dynamo';
import type { Delivery } from '../engines/orchestrator';
import type { RehearsalIncident } from '../rehearsal/demo';
import type { AlarmEvent, DynamoSend, RehearsalFaults } from '../rehearsal/faults';
import type { Tell } from '../rehearsal/happenings';
import { formatMinute, type Progress } from '../rehearsal/progress';
import { alarmEvent, rehearse, type Rehearsal, type RehearsalOptions } from '../rehearsal/rehearse';
import type { SimClock } from '../sim/clock';
import { hash, rng } from '../sim/incidents';
import { ChaosFleet, chaosDynamo, chaosStore, Injector, invokeAsync, type Injected } from './inject';
import { checkInvariants, type IncidentSeen, type ViolationKind } from './invariants';
import { deliverAll, gateKey, incidentSeen, modelSeen, readLease } from './run';
import { faultFor, type Fault, type FaultKind } from './schedule';
import {
  describePlace,
  survivalsOf,
  whenOf,
  type Invocation,
  type Place,
  type SeenFault,
  type Trace,
} from './survival';

/** The faults a demo takes together: one of each group, all in the one incident. */
const GROUPS: readonly (readonly (readonly [FaultKind, string])[])[] = [
  [
    ['dynamo-throttle', 'PutItem'],
    ['dynamo-throttle', 'UpdateItem'],
    ['dynamo-throttle', 'GetItem'],
    ['dynamo-5xx', 'PutItem'],
    ['dynamo-5xx', 'UpdateItem'],
    ['dynamo-5xx', 'DeleteItem'],
  ],
  [
    ['rollback-throttle', 'rollback'],
    ['rollback-5xx', 'rollback'],
    ['crash-after-act', 'act'],
  ],
  [['metrics-throttle', 'alarms']],
  [
    ['duplicate-event', 'concurrent'],
    ['late-alarm', 'after-end'],
    ['ok-before-alarm', 'intake'],
    ['alarm-storm', 'same-alarm'],
  ],
  [['crash-after-learn', 'learn']],
];

/** Event faults: they bring alarm events rather than fail calls. */
const EVENT_KINDS: ReadonlySet<FaultKind> = new Set([
  'duplicate-event',
  'late-alarm',
  'ok-before-alarm',
  'alarm-storm',
]);

const MAX_BURST = 2;

/** The seed's schedule: a fault of each group, its calls and burst drawn as the bench draws them. */
export function demoSchedule(seed: number): Fault[] {
  const random = rng(hash(`chaos-demo:${seed}`));
  return GROUPS.flatMap((group) => {
    const pick = group[Math.floor(random() * group.length)];
    if (!pick) return [];
    const fault = faultFor(pick[0], pick[1], seed);
    // Bursts within the tasks' retries, so that a demo shows them met; the bench exhausts them too.
    return [EVENT_KINDS.has(fault.kind) ? fault : { ...fault, burst: Math.min(fault.burst, MAX_BURST) }];
  });
}

/** The injector, telling each fault as it is injected, with where and when. */
class ToldInjector extends Injector {
  constructor(
    faults: readonly Fault[],
    private readonly told: (injected: Injected) => void,
  ) {
    super(faults);
  }

  override log(kind: FaultKind, point: string, error: string): void {
    super.log(kind, point, error);
    const last = this.injected[this.injected.length - 1];
    if (last) this.told(last);
  }
}

/** A rehearsal's hooks for a fault schedule, recording everything that happens for the survival lines. */
class DemoFaults implements RehearsalFaults {
  readonly trace: Trace = { faults: [], events: [], happenings: [], learnAttempts: 0, readings: [], approvals: [] };
  readonly deliveries: Delivery[] = [];
  readonly notified = new Set<string>();
  readonly injector: ToldInjector;
  /** The function invocation running, where a fault falls. */
  private readonly invocation = new AsyncLocalStorage<Invocation>();
  private clock: SimClock | undefined;
  private tell: Tell = () => undefined;
  private seq = 0;

  constructor(
    readonly schedule: readonly Fault[],
    private readonly incident: RehearsalIncident,
  ) {
    this.injector = new ToldInjector(schedule, (injected) => this.injected(injected));
  }

  /** The fleet the rehearsal made: its log of rollbacks applied is what the invariants read. */
  made: ChaosFleet | undefined;

  readonly fleet: RehearsalFaults['fleet'] = (...args) => (this.made = new ChaosFleet(...args).inject(this.injector));
  readonly dynamo = (client: DynamoSend): DynamoSend => chaosDynamo(client, this.injector);
  readonly store = (store: DynamoStore): DynamoStore => chaosStore(store, this.injector);

  readonly start = (clock: SimClock, tell: Tell): void => {
    this.clock = clock;
    this.tell = tell;
    this.injector.arm();
  };

  /** Each task runs as one function invocation (a crash ends it), in its place for the fault lines. */
  readonly handlers = (real: TaskHandlers): TaskHandlers => {
    const run = <T>(place: Place, fn: () => Promise<T>) => {
      const invocation: Invocation = { place };
      return this.injector.invoke(() =>
        this.invocation.run(invocation, async () => {
          try {
            return await fn();
          } catch (err) {
            invocation.threw = err instanceof Error ? err.name : String(err);
            throw err;
          }
        }),
      );
    };
    return {
      act: (ref) => run({ task: 'act', service: ref.service, wave: ref.wave }, () => real.act(ref)),
      gate: async (input) => {
        const place: Place = { task: 'gate', wave: input.wave ?? 0, baseline: input.mode === 'baseline' };
        const reading = await run(place, () => real.gate(input));
        if (input.incidentId !== undefined)
          this.trace.readings.push({ incidentId: input.incidentId, key: gateKey(input, reading) });
        return reading;
      },
      approval: async (input) => {
        const result = await run({ task: 'approval', stage: input.stage }, () => real.approval(input));
        this.trace.approvals.push({ incidentId: input.incidentId });
        return result;
      },
      notify: (input) => run({ task: 'notify' }, () => real.notify(input)),
    };
  };

  /** The incident's event, and the ones the schedule's event fault brings; only ALARM passes the rule. */
  readonly deliver = async (event: AlarmEvent, deliver: (event: AlarmEvent) => Promise<Delivery>): Promise<void> => {
    const fault = this.schedule.find((f) => EVENT_KINDS.has(f.kind));
    let first = true;
    const one = async (e: AlarmEvent): Promise<void> => {
      // Every event but the incident's own first delivery is one the fault brought.
      const brought = fault && (e !== event || !first);
      if (e === event) first = false;
      const seen = brought
        ? this.invocation.run({ place: { task: 'delivery' } }, () => {
            this.injector.log(fault.kind, fault.point, `${e.detail.state.value} event`);
            return this.trace.faults[this.trace.faults.length - 1];
          })
        : undefined;
      // The EventBridge rule (lib/infra/alarm-path.ts) passes ALARM state changes only.
      if (e.detail.state.value !== 'ALARM') {
        if (seen) seen.delivery = 'filtered';
        return;
      }
      const delivery = await deliver(e);
      this.deliveries.push(delivery);
      if (seen) seen.delivery = delivery;
    };
    if (!fault) return one(event);
    const older = alarmEvent(event.detail.alarmName, new Date(Date.parse(event.time) - 60_000).toISOString());
    await deliverAll(fault, event, older, this.incident, this.incident.catalog.services, one);
  };

  /** As an asynchronous invocation: retried twice, a minute and two later, when it crashed or was throttled. */
  readonly learn = async (learn: () => Promise<Learned>): Promise<Learned> => {
    const out = await invokeAsync(this.injector, () => this.invocation.run({ place: { task: 'learning' } }, learn));
    if ('error' in out) throw out.error;
    this.trace.learnAttempts = out.attempt;
    return out.value;
  };

  readonly runEvent: RehearsalFaults['runEvent'] = (execution, event) => {
    this.trace.events.push({ seq: ++this.seq, execution, event });
  };

  readonly see: RehearsalFaults['see'] = (happening) => {
    this.trace.happenings.push({ seq: ++this.seq, happening });
  };

  /** The escalation's message names the incident: "Incident <id> for alarm ...". */
  readonly published: RehearsalFaults['published'] = (_subject, message) => {
    this.notified.add(message.split(' ')[1] ?? '');
  };

  private injected(injected: Injected): void {
    const fault = this.schedule.find((f) => f.kind === injected.kind && f.point === injected.point);
    if (!fault) return;
    const invocation = this.invocation.getStore();
    const at = this.clock?.now ?? 0;
    const seen: SeenFault = { injected, fault, at, seq: ++this.seq, ...(invocation ? { invocation } : {}) };
    this.trace.faults.push(seen);
    const what = `${injected.error} ${describePlace(seen)} (${callOf(seen, this.trace)})`;
    // A step keeps its own clock: its rollback's line, told next to this one, says when.
    this.tell({ kind: 'injected', what, ...(invocation?.place.task === 'act' ? {} : { at }) });
  }
}

/** Which call of its burst; an event fault's events are counted as they come. */
function callOf(seen: SeenFault, trace: Trace): string {
  const { fault, injected } = seen;
  if (EVENT_KINDS.has(fault.kind)) {
    // A storm's first alarm is the incident's own; every other fault brings one event.
    const same = trace.faults.filter((f) => f.fault === fault);
    return `event ${same.indexOf(seen) + 1} of ${fault.kind === 'alarm-storm' ? fault.burst - 1 : 1}`;
  }
  return `call ${injected.call - fault.call + 1} of ${fault.burst}`;
}

export interface ChaosDemo {
  readonly rehearsal: Rehearsal;
  readonly schedule: readonly Fault[];
  readonly chaos: ReportChaos;
  /** Whether every invariant held. */
  readonly held: boolean;
}

const INVARIANTS: readonly [ViolationKind, string][] = [
  ['double_action', 'each rollback applied at most once per incident and step; one incident per storm'],
  ['lost_entry', 'every step, gate reading and approval on the timeline; one learning record'],
  ['stuck_lease', 'the lease released, or held only by a live execution'],
  ['silent_end', 'every ending recovered, or an escalation that reached the notification channel'],
];

/** The demo incident under the seed's fault schedule: the rehearsal, and its faults section. */
export async function chaosDemo(
  incident: RehearsalIncident,
  seed: number,
  options: Omit<RehearsalOptions, 'faults' | 'dynamo'>,
): Promise<ChaosDemo> {
  const schedule = demoSchedule(seed);
  const dynamo = await startLocalDynamo(options.dataDir ? { path: options.dataDir } : {});
  try {
    const faults = new DemoFaults(schedule, incident);
    const rehearsal = await rehearse(incident, { ...options, dynamo, faults });
    const seen = await observe(faults, rehearsal, dynamo);
    const broken = checkInvariants(seen.observation);
    const survivals = survivalsOf(faults.trace, seen.after);
    const chaos: ReportChaos = {
      seed,
      faults: faults.trace.faults.map((f) => ({
        kind: f.fault.kind,
        where: describePlace(f),
        atMin: whenOf(f, faults.trace),
        error: f.injected.error,
        call: callOf(f, faults.trace),
        survived: survivals.get(f) ?? [],
      })),
      invariants: INVARIANTS.map(([kind, name]) => ({
        name,
        broken: broken.filter((v) => v.kind === kind).map((v) => v.what),
      })),
    };
    return { rehearsal, schedule, chaos, held: broken.length === 0 };
  } finally {
    await dynamo.close();
  }
}

/** What the invariants read, from the fleet's log and the table, and what the survival lines cite. */
async function observe(faults: DemoFaults, rehearsal: Rehearsal, dynamo: LocalDynamo) {
  const plain = new DynamoStore(dynamo.client, dynamo.table, readStoredModel);
  const records = await plain.records();
  const incidents: IncidentSeen[] = [];
  const started = faults.deliveries.flatMap((d) => (d.duplicate ? [] : [d]));
  const escalated = faults.trace.happenings.some((h) => h.happening.kind === 'escalated');
  for (const { name, run } of started) {
    const seen = await incidentSeen(plain, name, run, records, {
      notified: faults.notified.has(name) || (name === rehearsal.incidentId && escalated),
      stoppedByHand: false,
    });
    if (seen) incidents.push(seen);
  }
  const lease = await readLease(dynamo, rehearsal.application);
  const actions = faults.made?.actions ?? [];
  return {
    observation: {
      actions,
      readings: faults.trace.readings,
      approvals: faults.trace.approvals,
      incidents,
      ...(lease ? { lease } : {}),
      ...(await modelSeen(plain, records)),
      live: new Set<string>(),
      oneIncident: true,
    },
    after: {
      incidentId: rehearsal.incidentId,
      actions,
      timeline: incidents.find((i) => i.id === rehearsal.incidentId)?.timeline ?? [],
      records: records.filter((r) => r.incidentId === rehearsal.incidentId).length,
      ...(lease ? { lease: lease.holder } : {}),
      outcome: rehearsal.report.outcome,
      notified: incidents.some((i) => i.notified),
    },
  };
}

/** The closing lines of a chaos demo: each fault and how it was survived, then the invariants. */
export function summariseFaults(chaos: ReportChaos, progress: Progress): void {
  progress.line('faults', `${chaos.faults.length} injected (chaos seed ${chaos.seed})`);
  chaos.faults.forEach((f, i) => {
    progress.line('', `${i + 1}. ${f.kind}: ${f.error} ${f.where} (${f.call}), at ${formatMinute(f.atMin)}`, {
      tone: 'warn',
    });
    for (const line of f.survived) progress.line('', `   ${line}`);
  });
  const broken = chaos.invariants.flatMap((inv) => inv.broken);
  if (broken.length === 0) progress.line('checked', `all ${chaos.invariants.length} invariants held`, { tone: 'good' });
  else for (const what of broken) progress.line('checked', `invariant broken: ${what}`, { tone: 'bad' });
}
