// The incidents `backstep demo` and `backstep simulate` rehearse. The demo: a simulated incident on a
// real topology of examples/topologies (several deployments, one of them bad). A rehearsal: real
// inputs (an X-Ray graph, the recent changes, a catalog) with a fleet simulated from the graph.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { EMPTY_CATALOG, servicesForAlarm, type Catalog } from '../../core/catalog';
import { InputError } from '../../core/errors';
import { own } from '../../core/records';
import { indexServices } from '../../core/topology';
import type { Change } from '../../core/types';
import { parseServiceGraphs } from '../../core/xray';
import { alarmOf, fleetFromGraph, fleetFromScenario, simulatedCatalog, type FleetModel } from '../sim/fleet';
import { deployableServices, hash, makeScenario } from '../sim/incidents';
import type { TopologyFixture } from '../sim/xray-from-topology';

export const TOPOLOGIES_DIR = topologiesDir(__dirname);

/** examples/ is at the package's root: three folders above this file in the sources, four in dist/. */
function topologiesDir(from: string): string {
  for (let dir = from; dirname(dir) !== dir; dir = dirname(dir)) {
    const candidate = join(dir, 'examples', 'topologies');
    if (existsSync(candidate)) return candidate;
  }
  return join(from, '..', '..', '..', 'examples', 'topologies');
}
export const DEFAULT_SCENARIO = 'online-boutique';
/**
 * The default incident shows the most in one run: a latency-only failure alarmed on a caller, a benign
 * deployment after the culprit's that must be rolled back first, an approval, a gate that says not yet.
 */
export const DEFAULT_SEED = 8;

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

export function scenarioNames(): string[] {
  return readdirSync(TOPOLOGIES_DIR)
    .filter((f) => f.endsWith('.json'))
    .map((f) => f.slice(0, -'.json'.length))
    .sort();
}

export function loadTopology(name: string): TopologyFixture {
  const names = scenarioNames();
  if (!names.includes(name))
    throw new InputError('unknown scenario', `--scenario ${name}`, `one of ${names.join(', ')}`);
  return JSON.parse(readFileSync(join(TOPOLOGIES_DIR, `${name}.json`), 'utf8')) as TopologyFixture;
}

/** Version numbers for changes that name none: each service counts up from its own minor version. */
export function withVersions(changes: readonly Change[]): Change[] {
  const next = new Map<string, number>();
  return [...changes]
    .sort((a, b) => a.deployedAt - b.deployedAt)
    .map((c) => {
      const minor = next.get(c.service) ?? 1 + (hash(c.service) % 20);
      next.set(c.service, minor + 1);
      return { fromVersion: `v1.${minor}.0`, toVersion: `v1.${minor + 1}.0`, ...c };
    });
}

/** A simulated incident on a real topology: deterministic for a scenario and a seed. */
export function demoIncident(name: string, seed: number): RehearsalIncident {
  const fixture = loadTopology(name);
  const scenario = makeScenario(fixture, seed);
  const flags = new Set((fixture.service_details ?? []).filter((d) => d.kind === 'feature-flags').map((d) => d.name));
  const catalog = simulatedCatalog(fixture.name, deployableServices(fixture), flags, 'auto');
  const culprit = scenario.changes.find((c) => c.service === scenario.culprit);
  return {
    scenario: fixture.name,
    seed,
    fleet: fleetFromScenario(fixture, scenario),
    catalog,
    changes: withVersions(scenario.changes),
    graph: scenario.graph,
    ...(scenario.baseline !== undefined ? { baseline: scenario.baseline } : {}),
    alarmed: scenario.alarmed,
    alarm: alarmOf(scenario.alarmed),
    at: scenario.at,
    windowMs: DEFAULT_WINDOW_MS,
    ...(culprit ? { culprit: { service: culprit.service, changeId: culprit.id } } : {}),
  };
}

export interface GraphInputs {
  /** Where the graph came from (a file name): the report's scenario. */
  readonly source: string;
  readonly graph: unknown;
  readonly baseline?: unknown;
  readonly changes: readonly Change[];
  /** An alarmed service, or an alarm the catalog maps to one. */
  readonly alarm: string;
  readonly catalog?: Catalog;
  readonly seed: number;
  /** Incident time, epoch ms, when the graph does not say. */
  readonly now: number;
  readonly windowMs?: number;
}

/** A rehearsal of real inputs: the plan as the planner makes it, against a fleet simulated from the graph. */
export function graphIncident(inputs: GraphInputs): RehearsalIncident {
  const { topology, warnings } = parseServiceGraphs([{ source: inputs.source, json: inputs.graph }]);
  void warnings;
  const catalog = inputs.catalog ?? EMPTY_CATALOG;
  const index = indexServices(topology);
  const viaAlarm = index.watched(inputs.alarm) === undefined ? servicesForAlarm(catalog, inputs.alarm)[0] : undefined;
  const alarmed = viaAlarm ?? inputs.alarm;
  if (index.watched(alarmed) === undefined) {
    const known = topology.nodes.filter((n) => n.kind === 'service').map((n) => n.name);
    const sample = known.slice(0, 5).join(', ') + (known.length > 5 ? ', …' : '');
    throw new InputError(
      'service not in the graph',
      `--alarm ${inputs.alarm}`,
      `a service of the graph (${sample}) or a catalogued alarm`,
    );
  }
  const alarm = viaAlarm !== undefined ? inputs.alarm : (own(catalog.services, alarmed)?.alarms[0] ?? alarmOf(alarmed));
  const at = topology.endTime !== undefined ? Math.round(topology.endTime * 1000) : inputs.now;
  const windowMs = inputs.windowMs ?? DEFAULT_WINDOW_MS;
  const changes = withVersions(inputs.changes);
  const recent = changes.filter((c) => c.deployedAt <= at && c.deployedAt >= at - windowMs);
  return {
    scenario: inputs.source,
    seed: inputs.seed,
    fleet: fleetFromGraph(topology, recent),
    catalog,
    changes,
    graph: inputs.graph,
    ...(inputs.baseline !== undefined ? { baseline: inputs.baseline } : {}),
    alarmed,
    alarm,
    at,
    windowMs,
  };
}
