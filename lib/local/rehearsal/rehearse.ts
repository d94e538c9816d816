// One incident rehearsed end to end on local engines, by the code paths that run in AWS: plans
// pre-built for every catalogued alarm and published as state machines (publishPlans), the alarm
// event through the intake and orchestrator state machines (dedupe, lease) with DynamoDB on
// dynalite, the plan's state machine on the local interpreter with the real task handlers over a
// simulated fleet, then the incident recorded and the model refined in the store.
import { randomUUID } from 'node:crypto';
import { DynamoStore } from '../../aws/store';
import { publishPlans, type SynthesisTarget } from '../../aws/synthesize';
import type { Catalog } from '../../core/catalog';
import { InputError } from '../../core/errors';
import { BUILTIN_MODEL, readStoredModel, refine, type CulpritModel } from '../../core/model';
import type { Plan } from '../../core/plan';
import { planRollback } from '../../core/planner';
import { own } from '../../core/records';
import { rankWith } from '../../core/suspects';
import { ESCALATION_ERRORS, type EscalationReason } from '../../core/tasks';
import { indexServices } from '../../core/topology';
import type { Change } from '../../core/types';
import { parseServiceGraphs } from '../../core/xray';
import type { DemoReport } from '../../report/types';
import { compilePlan } from '../../../statemachines/compile';
import type { ApprovalMode, ApprovalPortFactory, ApprovalService } from './approvals';
import { suggestCatalog } from './manual-approvals';
import { baselines } from '../sim/baselines';
import { SimClock } from '../sim/clock';
import { startLocalDynamo, type LocalDynamo } from '../engines/dynamo';
import { Fleet, type FleetModel } from '../sim/fleet';
import { deliverAlarmEvent } from '../engines/orchestrator';
import { Progress } from './progress';
import { BAKE_SECONDS, GATE_PERIOD_SECONDS, Recorder } from './recorder';
import { LOCAL_RESOURCES, runLocally, type LocalRunResult } from '../engines/runner';
import { LocalStepFunctions } from '../engines/sfn';

const REGION = 'us-east-1';
const ACCOUNT = '000000000000';
const TARGET: SynthesisTarget = {
  prefix: 'backstep-plan-',
  roleArn: `arn:aws:iam::${ACCOUNT}:role/backstep-plans`,
  logGroupArn: `arn:aws:logs:${REGION}:${ACCOUNT}:log-group:backstep-plans:*`,
  resources: LOCAL_RESOURCES,
  region: REGION,
  account: ACCOUNT,
};
export const DEFAULT_WINDOW_MS = 24 * 3_600_000;

/** What is rehearsed: a fleet, what the planner reads of it, and the alarm that fires. */
export interface RehearsalIncident {
  /** A topology name, or the graph file a rehearsal read. */
  readonly scenario: string;
  readonly seed: number;
  readonly fleet: FleetModel;
  readonly catalog: Catalog;
  readonly changes: readonly Change[];
  /** X-Ray GetServiceGraph responses: the incident window and, when there is one, a healthy baseline. */
  readonly graph: unknown;
  readonly baseline?: unknown;
  /** The alarmed service and the alarm that fires on it. */
  readonly alarmed: string;
  readonly alarm: string;
  /** Epoch ms the alarm fired (the end of the graph's window). */
  readonly at: number;
  readonly windowMs: number;
  /** The change the simulation made bad, when it is known. */
  readonly culprit?: { readonly service: string; readonly changeId: string };
}

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
  readonly model: { readonly before: string; readonly after: string; readonly stored: 'stored' | 'conflict' };
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
  const current = await store.currentModel();
  const model: CulpritModel = current ?? BUILTIN_MODEL;
  // Manual approvals and the halt path run in suggest mode: every stage waits for a person.
  const catalog = withAlarm(
    options.approve === 'auto' ? incident.catalog : suggestCatalog(incident.catalog),
    incident.alarmed,
    incident.alarm,
  );
  const fleet = new Fleet(incident.fleet, catalog, incident.changes, incident.seed);
  const clock = new SimClock(incident.at, options.pace ?? 0);
  const recorder = new Recorder(clock, progress, fleet, catalog, store, options.approve, approvals?.port);
  recorder.deployments(incident.changes, incident.windowMs);
  recorder.alarmFired(incident.alarm, incident.alarmed);

  // Plans are pre-built: one per catalogued alarm, from the graph as it stands, published as state machines.
  const graph = parseServiceGraphs([{ source: 'graph', json: incident.graph }]);
  const baseline =
    incident.baseline === undefined ? undefined : parseServiceGraphs([{ source: 'baseline', json: incident.baseline }]);
  const planFor = (service: string): Plan =>
    planRollback(
      {
        topology: graph.topology,
        ...(baseline ? { baseline: baseline.topology } : {}),
        changes: incident.changes,
        alarmed: [service],
        at: incident.at,
        windowMs: incident.windowMs,
        catalog,
        warnings: graph.warnings,
      },
      { ranker: rankWith(model) },
    );
  const index = indexServices(graph.topology);
  const publishable = Object.fromEntries(
    Object.entries(catalog.services).filter(
      ([service]) =>
        index.watched(service) !== undefined && (options.publish !== 'incident' || service === incident.alarmed),
    ),
  );
  const sfn = new LocalStepFunctions(REGION, ACCOUNT);
  // This run's Step Functions starts empty (a kept store may point at machines of an earlier run): publish all.
  const fresh: Parameters<typeof publishPlans>[1] = {
    getAlarmPlan: () => Promise.resolve(undefined),
    putPlan: (p) => store.putPlan(p),
    putAlarmPlan: (a) => store.putAlarmPlan(a),
  };
  const published = await publishPlans(sfn.client, fresh, TARGET, { ...catalog, services: publishable }, planFor, {
    bakeSeconds: BAKE_SECONDS,
    gatePeriodSeconds: GATE_PERIOD_SECONDS,
    ...(options.approvalSeconds !== undefined ? { approvalSeconds: options.approvalSeconds } : {}),
  });
  const pointer = await store.getAlarmPlan(incident.alarm);
  const plan = (pointer && (await store.getPlan(pointer.planId))) ?? planFor(incident.alarmed);
  recorder.planned(plan, published.filter((p) => p.alias !== undefined).length, model.version);

  let child: LocalRunResult | undefined;
  const handlers = recorder.handlers(plan);
  const aws = {
    dynamo: dynamo.client,
    table: dynamo.table,
    executions: new Set<string>(),
    publish: (subject: string) => recorder.published(subject),
    onEvent: recorder.orchestratorEvent,
    runPlan: async (arn: string, _name: string, input: unknown) => {
      child = await runLocally(sfn.definition(arn), input as never, handlers, {
        onEvent: recorder.planEvent,
        waitMs: (_state, seconds) => clock.realMs(seconds / 60),
        ...(options.validate === false ? { validate: false } : {}),
      });
      return child;
    },
  };
  const event = alarmEvent(incident.alarm, new Date(options.now?.() ?? Date.now()).toISOString());
  const delivery = await deliverAlarmEvent(aws, event);
  if (delivery.duplicate) throw new Error(`the alarm event for ${incident.alarm} was taken for a duplicate`);
  // At-least-once delivery: the same event again starts nothing.
  const again = await deliverAlarmEvent(aws, event);
  recorder.redelivered(again.duplicate);

  const outcome = recorder.outcome(child, reasonOf(child));
  const incidentId = delivery.name;
  const record = recorder.record(incidentId, plan, incident.alarm, outcome, incident.culprit?.service);
  // Keys carry the event time: aws-local-stepfunctions 3 computes States.Hash's SHA-256 wrongly past
  // 64 bytes, so two events of one alarm share an execution name (an incident id) locally.
  await recorder.keep(incidentId, record, event.detail.state.timestamp);
  const refined = refine(model, [record]);
  const stored = await store.putModel(refined, current?.version);
  recorder.refined(model.version, refined.version, stored);

  const report: DemoReport = {
    title: `Backstep rehearsal: ${incident.alarm} on ${incident.scenario}`,
    scenario: incident.scenario,
    seed: incident.seed,
    generatedAt: new Date(options.now?.() ?? Date.now()).toISOString(),
    plan,
    definition: pointer ? sfn.definition(pointer.stateMachine) : compilePlan(plan),
    ...(incident.culprit ? { culprit: incident.culprit } : {}),
    timeline: recorder.timeline,
    gates: recorder.gates,
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
    incidentId,
    endpoint: dynamo.endpoint,
    application: catalog.application,
    duplicateIgnored: again.duplicate,
    published: published.filter((p) => p.alias !== undefined).length,
    model: { before: model.version, after: refined.version, stored },
  };
}

/** The catalog with the incident's alarm on its service, so that a plan is published for it. */
function withAlarm(catalog: Catalog, service: string, alarm: string): Catalog {
  const entry = own(catalog.services, service);
  if (entry?.alarms.includes(alarm)) return catalog;
  const alarms = [...(entry?.alarms ?? []), alarm];
  const services = {
    ...catalog.services,
    [service]: entry ? { ...entry, alarms } : { action: { type: 'manual' as const }, alarms, irreversibleData: false },
  };
  return { ...catalog, services };
}

/** The escalation a failed plan run ended in, from the Fail state's error. */
function reasonOf(run: LocalRunResult | undefined): EscalationReason | undefined {
  if (!run || run.status === 'SUCCEEDED') return undefined;
  const found = (Object.keys(ESCALATION_ERRORS) as EscalationReason[]).find((r) => ESCALATION_ERRORS[r] === run.error);
  return found ?? 'task-error';
}

/** A CloudWatch Alarm State Change event, as EventBridge delivers it. */
export function alarmEvent(alarm: string, at: string) {
  return {
    version: '0',
    id: randomUUID(),
    'detail-type': 'CloudWatch Alarm State Change',
    source: 'aws.cloudwatch',
    account: ACCOUNT,
    time: at,
    region: REGION,
    resources: [`arn:aws:cloudwatch:${REGION}:${ACCOUNT}:alarm:${alarm}`],
    detail: {
      alarmName: alarm,
      state: { value: 'ALARM', reason: 'Threshold Crossed (simulated fleet)', timestamp: at },
      previousState: { value: 'OK', reason: 'Threshold not crossed (simulated fleet)', timestamp: at },
    },
  };
}
