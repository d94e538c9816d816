// One incident rehearsed end to end on local engines, by the code paths that run in AWS: plans made as a
// synthesis run makes them and published as state machines, the alarm event through the intake and
// orchestrator state machines (dedupe, lease) with DynamoDB on dynalite, the plan's state machine on the
// local interpreter with the real task handlers over a simulated fleet writing the incident's timeline,
// then the incident recorded from that timeline and the model refined (lib/aws/learn.ts).
import { learnFromIncident, type Learned } from '../../aws/learn';
import { DynamoStore } from '../../aws/store';
import type { SynthesisTarget } from '../../aws/synthesize';
import type { Catalog } from '../../core/catalog';
import { InputError } from '../../core/errors';
import { readStoredModel } from '../../core/model';
import { own } from '../../core/records';
import type { Change } from '../../core/types';
import type { DemoReport } from '../../report/types';
import { startLocalDynamo, type LocalDynamo } from '../engines/dynamo';
import { deliverAlarmEvent, type Delivery, type LocalAws } from '../engines/orchestrator';
import { LOCAL_RESOURCES, runLocally, type LocalRunResult } from '../engines/runner';
import { LocalStepFunctions } from '../engines/sfn';
import { baselines } from '../sim/baselines';
import { SimClock } from '../sim/clock';
import { Fleet } from '../sim/fleet';
import type { ApprovalMode, ApprovalPortFactory, ApprovalService } from './approvals';
import type { RehearsalIncident } from './demo';
import type { RehearsalFaults } from './faults';
import type { Happening, Tell } from './happenings';
import { suggestCatalog } from './manual-approvals';
import { Narration } from './narration';
import { rehearsalOutcome } from './outcome';
import { publishRehearsalPlans } from './plans';
import { Progress } from './progress';
import { ReportTimeline } from './report-timeline';
import { BAKE_SECONDS, GATE_PERIOD_SECONDS, SimulatedPorts } from './simulated-ports';

import { ACCOUNT, alarmEvent, REGION } from './alarm-event';

export { ACCOUNT, alarmEvent, REGION } from './alarm-event';
export const TARGET: SynthesisTarget = {
  prefix: 'backstep-plan-',
  roleArn: `arn:aws:iam::${ACCOUNT}:role/backstep-plans`,
  logGroupArn: `arn:aws:logs:${REGION}:${ACCOUNT}:log-group:backstep-plans:*`,
  resources: LOCAL_RESOURCES,
  region: REGION,
  account: ACCOUNT,
};
export interface RehearsalOptions {
  readonly approve: ApprovalMode;
  /** Serves `manual` approvals (the local approval server); required for it. */
  readonly approvals?: ApprovalPortFactory;
  readonly progress?: Progress;
  /** Real ms one simulated minute lasts. @default 0 */
  readonly pace?: number;
  /** Keep the store in this folder instead of memory. */
  readonly dataDir?: string;
  /** A running dynalite to use (it stays up); without it one is started and stopped. */
  readonly dynamo?: LocalDynamo;
  /** Publish a plan for every catalogued alarm (as in AWS) or only for the incident's. @default 'all' */
  readonly publish?: 'all' | 'incident';
  /** Wall clock, epoch ms: the alarm event's time. */
  readonly now?: () => number;
  /** Validate the plan's definition before running it (the compiler's tests do too). @default true */
  readonly validate?: boolean;
  /** How long each approval waits for a decision (the link's lifetime, as in AWS). @default 3600 */
  readonly approvalSeconds?: number;
  /** A fault schedule the rehearsal runs under (`backstep demo --chaos SEED`). @default none */
  readonly faults?: RehearsalFaults;
}

export interface Rehearsal {
  readonly report: DemoReport;
  readonly incidentId: string;
  /** The store's endpoint (dynalite on loopback); closed when the rehearsal started it. */
  readonly endpoint: string;
  readonly application: string;
  /** The same alarm event delivered a second time started nothing. */
  readonly duplicateIgnored: boolean;
  readonly published: number;
  /** The model the plans were made with, and the one learning from the incident left current. */
  readonly model: { readonly before: string; readonly after: string; readonly learned: Learned['outcome'] };
}

export async function rehearse(incident: RehearsalIncident, options: RehearsalOptions): Promise<Rehearsal> {
  if (options.approve === 'manual' && !options.approvals) {
    throw new InputError('no approval server', '--approve manual', 'a build with the local approval server');
  }
  const dynamo = options.dynamo ?? (await startLocalDynamo(options.dataDir ? { path: options.dataDir } : {}));
  let approvals: ApprovalService | undefined;
  try {
    const store = new DynamoStore(dynamo.client, dynamo.table, readStoredModel);
    const progress = options.progress ?? Progress.silent;
    if (options.approvals && options.approve === 'manual') {
      approvals = await options.approvals({
        store,
        announce: (url) => progress.raw(`approval required: ${url}`),
      });
    }
    return await run(incident, options, dynamo, store, progress, approvals);
  } finally {
    await approvals?.close?.();
    if (dynamo !== options.dynamo) await dynamo.close();
  }
}

async function run(
  incident: RehearsalIncident,
  options: RehearsalOptions,
  dynamo: LocalDynamo,
  store: DynamoStore,
  progress: Progress,
  approvals: ApprovalService | undefined,
): Promise<Rehearsal> {
  // Manual approvals and the halt path run in suggest mode: every stage waits for a person.
  const catalog = withAlarm(
    options.approve === 'auto' ? incident.catalog : suggestCatalog(incident.catalog),
    incident.alarmed,
    incident.alarm,
  );
  const { faults } = options;
  const fleet = (faults?.fleet ?? ((...a) => new Fleet(...a)))(
    incident.fleet,
    catalog,
    incident.changes,
    incident.seed,
  );
  // Under a fault schedule the functions and the orchestrator call DynamoDB through a faulty client;
  // plans are published as a synthesis run does, before the incident, through the plain store.
  const client = faults ? faults.dynamo(dynamo.client) : dynamo.client;
  const functions = faults ? faults.store(new DynamoStore(client, dynamo.table, readStoredModel)) : store;
  const clock = new SimClock(incident.at, options.pace ?? 0);
  const timeline = new ReportTimeline();
  const narration = new Narration(progress, catalog.application);
  const tell: Tell = (h) => {
    timeline.see(h);
    narration.see(h);
    faults?.see(h);
  };
  for (const deploy of deployments(incident.changes, clock, incident.windowMs)) tell(deploy);
  const health = fleet.health(incident.alarmed);
  tell({ kind: 'alarm', alarm: incident.alarm, service: incident.alarmed, ...(health ? { health } : {}) });

  // Plans are pre-built: one per catalogued alarm, made and published as a synthesis run does.
  const sfn = new LocalStepFunctions(REGION, ACCOUNT);
  const { plan, definition, model, results } = await publishRehearsalPlans(incident, {
    sfn,
    target: TARGET,
    store,
    catalog,
    publish: options.publish ?? 'all',
    compile: {
      bakeSeconds: BAKE_SECONDS,
      gatePeriodSeconds: GATE_PERIOD_SECONDS,
      ...(options.approvalSeconds !== undefined ? { approvalSeconds: options.approvalSeconds } : {}),
    },
  });
  const published = results.filter((r) => r.alias !== undefined).length;
  tell({ kind: 'planned', plan, published, model });
  faults?.start(clock, tell);

  const ports = new SimulatedPorts({
    clock,
    fleet,
    catalog,
    store: functions,
    approve: options.approve,
    ...(approvals ? { manual: approvals.port } : {}),
    tell,
  });
  const handlers = faults ? faults.handlers(ports.handlers(plan)) : ports.handlers(plan);
  let child: LocalRunResult | undefined;
  /** The orchestrator execution that ran the plan: the incident's. */
  let incidentName: string | undefined;
  const aws: LocalAws = {
    dynamo: client,
    table: dynamo.table,
    executions: new Set<string>(),
    publish: (subject, message) => {
      faults?.published(subject, message);
      narration.published(subject);
    },
    onEvent: (e) => {
      faults?.runEvent('orchestrator', e);
      narration.orchestratorEvent(e);
    },
    // The incident starts at the alarm, in simulated time, like everything on its timeline.
    now: () => clock.epoch(),
    runPlan: async (arn, name, input) => {
      incidentName = name;
      child = await runLocally(sfn.definition(arn), input as never, handlers, {
        onEvent: (e) => {
          faults?.runEvent('plan', e);
          narration.planEvent(e);
        },
        waitMs: (_state, seconds) => clock.realMs(seconds / 60),
        ...(options.validate === false ? { validate: false } : {}),
      });
      return child;
    },
  };
  const event = alarmEvent(incident.alarm, new Date(options.now?.() ?? Date.now()).toISOString());
  const deliveries: Delivery[] = [];
  const deliver = async (e: typeof event): Promise<Delivery> => {
    const d = await deliverAlarmEvent(aws, e);
    deliveries.push(d);
    return d;
  };
  await (faults ? faults.deliver(event, deliver) : deliver(event));
  // One incident: the execution that ran the plan (a storm's other alarms joined it or were ignored).
  const started = deliveries.flatMap((d) => (d.duplicate ? [] : [d]));
  const delivery = started.find((d) => d.name === incidentName) ?? started[0];
  if (!delivery) throw new Error(`the alarm event for ${incident.alarm} was taken for a duplicate`);
  // At-least-once delivery: the same event again starts nothing.
  const again = await deliverAlarmEvent(aws, event);
  narration.redelivered(again.duplicate);

  const outcome = rehearsalOutcome(child, timeline, clock.now);
  tell({ kind: 'ended', outcome });
  // As in AWS when the incident's execution ends: the record from its timeline, the model refined from it.
  const learn = () => learnFromIncident(functions, delivery.name, delivery.run.status, clock.iso());
  const learned = await (faults ? faults.learn(learn) : learn());
  narration.learned(model, learned);

  const report: DemoReport = {
    title: `Backstep rehearsal: ${incident.alarm} on ${incident.scenario}`,
    scenario: incident.scenario,
    seed: incident.seed,
    generatedAt: new Date(options.now?.() ?? Date.now()).toISOString(),
    plan,
    definition,
    ...(incident.culprit ? { culprit: incident.culprit } : {}),
    timeline: timeline.items,
    gates: timeline.gates,
    outcome,
    baselines: baselines({
      fleet: () => fleet.clone(catalog, incident.changes),
      catalog,
      changes: incident.changes,
      alarm: incident.alarm,
      alarmed: incident.alarmed,
      at: incident.at,
      windowMs: incident.windowMs,
      bakeMinutes: BAKE_SECONDS / 60,
    }),
  };
  return {
    report,
    incidentId: delivery.name,
    endpoint: dynamo.endpoint,
    application: catalog.application,
    duplicateIgnored: again.duplicate,
    published,
    model: { before: model, after: learned.model ?? model, learned: learned.outcome },
  };
}

/** The deployments of the look-back window, oldest first, in simulated minutes (before the alarm: negative). */
function deployments(changes: readonly Change[], clock: SimClock, windowMs: number): Happening[] {
  return [...changes]
    .sort((a, b) => a.deployedAt - b.deployedAt)
    .map((change) => ({ kind: 'deploy' as const, change, at: (change.deployedAt - clock.origin) / 60_000 }))
    .filter((d) => d.at <= 0 && d.at >= -windowMs / 60_000);
}

/** The catalog with the incident's alarm on its service, so that a plan is published for it. */
export function withAlarm(catalog: Catalog, service: string, alarm: string): Catalog {
  const entry = own(catalog.services, service);
  if (entry?.alarms.includes(alarm)) return catalog;
  const alarms = [...(entry?.alarms ?? []), alarm];
  const services = {
    ...catalog.services,
    [service]: entry ? { ...entry, alarms } : { action: { type: 'manual' as const }, alarms, irreversibleData: false },
  };
  return { ...catalog, services };
}
