// A rehearsal's plans, made as a synthesis run makes them (lib/aws/synthesis.ts): the rehearsal's inputs
// are its discovery snapshot, the changes that earlier rollbacks undid are left out, the current model
// ranks; every plan is published as a state machine behind its `live` alias.
import { synthesisPlanner } from '../../aws/synthesis';
import { publishPlans, type SynthesisResult, type SynthesisTarget } from '../../aws/synthesize';
import type { Catalog } from '../../core/catalog';
import type { Plan } from '../../core/plan';
import type { DiscoverySnapshot, TimeWindow } from '../../core/snapshot';
import type { AlarmPlan, IncidentStore } from '../../core/store';
import { indexServices } from '../../core/topology';
import type { Change, RollbackMark, Topology } from '../../core/types';
import { parseServiceGraphs } from '../../core/xray';
import type { Asl } from '../../../statemachines/asl';
import { compilePlan, type CompileOptions } from '../../../statemachines/compile';
import type { LocalStepFunctions } from '../engines/sfn';

/** What a rehearsal knows before the alarm: the graphs (the window's and a healthy one), the changes. */
export interface RehearsalInputs {
  readonly graph: unknown;
  readonly baseline?: unknown;
  readonly changes: readonly Change[];
  readonly alarmed: string;
  /** Epoch ms the alarm fired, and the look-back window of the changes. */
  readonly at: number;
  readonly windowMs: number;
}

export interface RehearsalPlans {
  /** The incident's plan, as synthesis made and published it. */
  readonly plan: Plan;
  /** Its state machine's definition: as published, or compiled when nothing was. */
  readonly definition: Asl;
  /** The model version that ranked the suspects. */
  readonly model: string;
  readonly results: readonly SynthesisResult[];
}

export interface PublishOptions {
  readonly sfn: LocalStepFunctions;
  readonly target: SynthesisTarget;
  readonly store: Pick<IncidentStore, 'currentModel' | 'putPlan' | 'putAlarmPlan'> & {
    readonly rollbackMarks: () => Promise<readonly RollbackMark[]>;
  };
  readonly catalog: Catalog;
  /** Plans for every catalogued alarm in the graph (as in AWS), or only for the incident's. */
  readonly publish: 'all' | 'incident';
  readonly compile: CompileOptions;
}

export async function publishRehearsalPlans(
  incident: RehearsalInputs,
  options: PublishOptions,
): Promise<RehearsalPlans> {
  const { catalog, store } = options;
  const snapshot = rehearsalSnapshot(incident, catalog.application);
  const planner = await synthesisPlanner({
    // The rehearsal's own discovery: a kept store may hold another rehearsal's snapshot and changes.
    store: {
      latestSnapshot: () => Promise.resolve(snapshot),
      changesSince: () => Promise.resolve([]),
      currentModel: () => store.currentModel(),
    },
    catalog,
    now: incident.at,
    lookBackMs: incident.windowMs,
    rollbackMarks: () => store.rollbackMarks(),
  });
  if ('skipped' in planner) throw new Error(`no plans: ${planner.skipped}`);
  const made = new Map<string, Plan>();
  const planFor = (service: string): Plan => {
    const plan = planner.planFor(service);
    made.set(service, plan);
    return plan;
  };
  const index = indexServices(snapshot.graph);
  const publishable = Object.fromEntries(
    Object.entries(catalog.services).filter(
      ([service]) =>
        index.watched(service) !== undefined && (options.publish === 'all' || service === incident.alarmed),
    ),
  );
  // This run's Step Functions starts empty (a kept store may point at machines of an earlier run): publish all.
  const fresh = {
    getAlarmPlan: () => Promise.resolve(undefined),
    putPlan: (plan: Plan) => store.putPlan(plan),
    putAlarmPlan: (pointer: AlarmPlan) => store.putAlarmPlan(pointer),
  };
  const results = await publishPlans(
    options.sfn.client,
    fresh,
    options.target,
    { ...catalog, services: publishable },
    planFor,
    options.compile,
  );
  const plan = made.get(incident.alarmed);
  const result = results.find((r) => r.service === incident.alarmed);
  if (!plan)
    throw new Error(`no plan for ${incident.alarmed}: ${result?.reason ?? 'not in the catalog with an alarm'}`);
  const definition = result?.alias ? options.sfn.definition(result.alias) : compilePlan(plan);
  return { plan, definition, model: planner.model, results };
}

/** The snapshot discovery would have taken at the alarm: the rehearsal's graphs and changes. */
export function rehearsalSnapshot(
  incident: RehearsalInputs,
  application: string,
): DiscoverySnapshot & { graph: Topology } {
  const graph = parseServiceGraphs([{ source: 'graph', json: incident.graph }]);
  const baseline =
    incident.baseline === undefined ? undefined : parseServiceGraphs([{ source: 'baseline', json: incident.baseline }]);
  const window = { start: incident.at - incident.windowMs, end: incident.at };
  return {
    application,
    takenAt: incident.at,
    window,
    graphWindow: windowOf(graph.topology, window),
    baselineWindow: baseline ? windowOf(baseline.topology, window) : { start: window.start, end: window.start },
    graph: graph.topology,
    ...(baseline ? { baseline: baseline.topology } : {}),
    alarms: [],
    changes: incident.changes,
    versions: {},
    failed: [],
    warnings: graph.warnings,
  };
}

/** The time a graph covers (X-Ray gives seconds), or the fallback when it does not say. */
function windowOf(topology: Topology, fallback: TimeWindow): TimeWindow {
  const { startTime, endTime } = topology;
  if (startTime === undefined || endTime === undefined) return fallback;
  return { start: Math.round(startTime * 1000), end: Math.round(endTime * 1000) };
}
