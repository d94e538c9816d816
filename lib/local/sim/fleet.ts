// A simulated fleet: the services of a real topology with their versions and health, a fault model
// (each change's own faults and latency, unrelated noise, retry amplification) that propagates to
// callers, alarms computed from the X-Ray statistics it emits (read back with the real parser), and
// rollback actions that take simulated time and can fail. Deterministic for a model and a seed.
import type { ActionType, Catalog } from '../../core/catalog';
import type { AlarmState } from '../../core/tasks';
import type { Change, Topology } from '../../core/types';
import { faultRate, meanResponseTime, parseServiceGraphs } from '../../core/xray';
import { hash, rng, type Scenario } from './incidents';
import { xrayFromTopology, type TopologyFixture } from './xray-from-topology';

/** Background fault rate of every service (as in xrayFromTopology). */
const BACKGROUND = 0.001;
/** Share of a callee's faults its callers see (as in xrayFromTopology). */
const ATTENUATION = 0.6;
/** Own latency of every service, seconds (as in xrayFromTopology). */
const BASE_LATENCY = 0.015;

/** An alarm fires when its service fails this much more than when healthy (share of requests)... */
export const FAULT_MARGIN = 0.02;
/** ...or answers this much slower (seconds of mean response time). */
export const LATENCY_MARGIN = 0.04;

export interface FaultEffect {
  /** The service's own fault rate while its change runs (instead of the background rate); 0: unchanged. */
  readonly fault: number;
  /** Seconds the change adds to every response. */
  readonly latency: number;
}

export interface FleetModel {
  readonly topology: TopologyFixture;
  /** What no rollback removes: unrelated noise per service and retry amplification. */
  readonly noise: Readonly<Record<string, number>>;
  readonly amplify: Readonly<Record<string, number>>;
  /** What each service's recent changes added to it: gone once the service is rolled back. */
  readonly effects: Readonly<Record<string, FaultEffect>>;
}

/** The fleet behind a simulated incident: a service's own faults and latency come from its change, if it has one. */
export function fleetFromScenario(fixture: TopologyFixture, scenario: Scenario): FleetModel {
  const changed = new Set(scenario.changes.map((c) => c.service));
  const noise: Record<string, number> = {};
  const effects: Record<string, FaultEffect> = {};
  for (const service of fixture.services) {
    const fault = scenario.faults.faults[service] ?? 0;
    const latency = scenario.faults.latency[service] ?? 0;
    if (changed.has(service)) effects[service] = { fault, latency };
    else if (fault > 0) noise[service] = fault;
  }
  return { topology: fixture, noise, amplify: scenario.faults.amplify, effects };
}

/**
 * The fleet behind a real graph (a rehearsal): each service's own fault rate and latency are what its
 * callers see minus what its callees explain (the propagation model inverted); a changed service's
 * excess is taken to come from its change, an unchanged one's is noise.
 */
export function fleetFromGraph(topology: Topology, changes: readonly Change[]): FleetModel {
  const names = new Map<number, string>();
  const taken = new Set<string>();
  for (const node of topology.nodes) {
    if (node.kind === 'client') continue;
    const name = taken.has(node.name) ? `${node.name} (${node.type})` : node.name;
    taken.add(name);
    names.set(node.index, name);
  }
  const fixture: TopologyFixture = {
    name: 'graph',
    services: [...names.values()],
    service_details: [...names].map(([i, name]) => {
      const node = topology.nodes[i];
      const kind = node?.kind === 'service' ? (node.type.includes('::') ? node.type : 'service') : (node?.type ?? '');
      return { name, kind: kind === '' ? 'remote' : kind };
    }),
    edges: topology.edges.flatMap((e) => {
      const from = names.get(e.from);
      const to = names.get(e.to);
      return from !== undefined && to !== undefined ? [{ from, to }] : [];
    }),
  };
  const changed = new Set(changes.map((c) => c.service));
  const noise: Record<string, number> = {};
  const effects: Record<string, FaultEffect> = {};
  for (const [v, name] of names) {
    const node = topology.nodes[v];
    if (!node) continue;
    const seen = faultRate(node.stats);
    let explained = 1;
    let waited = 0;
    for (const e of topology.out[v] ?? []) {
      const edge = topology.edges[e];
      if (!edge || edge.to === v || !names.has(edge.to)) continue;
      explained *= 1 - ATTENUATION * faultRate(edge.stats);
      waited += 0.5 * meanResponseTime(edge.stats);
    }
    const fault = clamp(1 - (1 - seen) / Math.max(explained, 1e-9));
    const latency = node.stats.requests > 0 ? Math.max(0, meanResponseTime(node.stats) - BASE_LATENCY - waited) : 0;
    if (changed.has(name)) effects[name] = { fault: fault > BACKGROUND ? fault : 0, latency };
    else if (fault > BACKGROUND) noise[name] = fault;
  }
  return { topology: fixture, noise, amplify: {}, effects };
}

export interface ServiceHealth {
  readonly requests: number;
  readonly faultRate: number;
  /** Mean response time, seconds. */
  readonly latency: number;
}

/** What one attempt of a rollback did, in simulated minutes. */
export interface RollbackAttempt {
  readonly minutes: number;
  /** `transient`: worth a retry (throttled, a deployment slot busy); `failed`: it will not work. */
  readonly result: 'ok' | 'transient' | 'failed';
}

/** Simulated minutes a rollback takes, by action: [fastest, slowest]. */
const ACTION_MINUTES: Readonly<Record<ActionType, readonly [number, number]>> = {
  ecs: [3, 6],
  codedeploy: [5, 9],
  'lambda-alias': [0.3, 1],
  appconfig: [1, 3],
  'feature-flag': [0.1, 0.5],
  manual: [10, 20],
};
/** Chance that one attempt fails transiently, and that a rollback cannot be done at all. */
export const TRANSIENT_FAILURE = 0.08;
export const PERMANENT_FAILURE = 0.01;

/** One rollback the fleet applied: its own log, the ground truth a fault injector checks the records against. */
export interface FleetAction {
  readonly service: string;
  readonly toVersion?: string;
  /** Who asked: the incident and the wave of the step. */
  readonly incidentId?: string;
  readonly wave?: number;
}

export class Fleet {
  private readonly rolledBack = new Set<string>();
  private readonly applied: FleetAction[] = [];
  private readonly versions = new Map<string, string>();
  private readonly alarmService: ReadonlyMap<string, string>;
  private readonly healthy: ReadonlyMap<string, ServiceHealth>;
  private current: ReadonlyMap<string, ServiceHealth> | undefined;

  constructor(
    readonly model: FleetModel,
    catalog: Catalog,
    changes: readonly Change[],
    private readonly seed: number,
  ) {
    this.alarmService = new Map(
      Object.entries(catalog.services).flatMap(([service, entry]) => entry.alarms.map((a) => [a, service] as const)),
    );
    for (const c of [...changes].sort((a, b) => a.deployedAt - b.deployedAt)) {
      if (c.toVersion !== undefined) this.versions.set(c.service, c.toVersion);
    }
    this.healthy = this.measure(true);
  }

  /** The version a service runs now (undefined when no change named one). */
  version(service: string): string | undefined {
    return this.versions.get(service);
  }

  isRolledBack(service: string): boolean {
    return this.rolledBack.has(service);
  }

  /** X-Ray GetServiceGraph statistics for a window ending at `end` (epoch s); sampled when given a random source. */
  graph(start: number, end: number, random?: () => number): unknown {
    return xrayFromTopology(this.model.topology, { ...this.traffic(false), start, end, ...(random ? { random } : {}) });
  }

  health(service: string): ServiceHealth | undefined {
    this.current ??= this.measure(false);
    return this.current.get(service);
  }

  /** CloudWatch's view: ALARM above the service's healthy level plus a margin; no traffic, no data; unknown alarm, no data. */
  alarmStates(alarms: readonly string[]): Record<string, AlarmState> {
    const states: Record<string, AlarmState> = {};
    for (const alarm of alarms) {
      const service = this.alarmService.get(alarm);
      const now = service === undefined ? undefined : this.health(service);
      const normal = service === undefined ? undefined : this.healthy.get(service);
      if (!now || !normal || now.requests === 0) states[alarm] = 'INSUFFICIENT_DATA';
      else {
        const bad = now.faultRate > normal.faultRate + FAULT_MARGIN || now.latency > normal.latency + LATENCY_MARGIN;
        states[alarm] = bad ? 'ALARM' : 'OK';
      }
    }
    return states;
  }

  /** One attempt at rolling a service back: the same service, seed and attempt always do the same. */
  attempt(service: string, action: ActionType, attempt: number): RollbackAttempt {
    const random = rng(hash(`${this.seed}:${service}:${attempt}`));
    const [lo, hi] = ACTION_MINUTES[action];
    const r = random();
    if (r < PERMANENT_FAILURE) return { minutes: round(lo / 2 + random() * lo), result: 'failed' };
    if (r < PERMANENT_FAILURE + TRANSIENT_FAILURE) return { minutes: round(0.3 + random() * 0.7), result: 'transient' };
    return { minutes: round(lo + random() * (hi - lo)), result: 'ok' };
  }

  /** Every rollback applied, in order. */
  get actions(): readonly FleetAction[] {
    return this.applied;
  }

  /** The service runs its version from before the window again; its changes' faults are gone. */
  rollBack(service: string, toVersion: string | undefined, by?: { incidentId: string; wave: number }): void {
    this.applied.push({ service, ...(toVersion !== undefined ? { toVersion } : {}), ...by });
    this.rolledBack.add(service);
    if (toVersion !== undefined) this.versions.set(service, toVersion);
    else this.versions.delete(service);
    this.current = undefined;
  }

  /** A fresh fleet in the same state as this one was built: for the baselines. */
  clone(catalog: Catalog, changes: readonly Change[]): Fleet {
    return new Fleet(this.model, catalog, changes, this.seed);
  }

  private traffic(healthy: boolean) {
    const faults: Record<string, number> = { ...this.model.noise };
    const latency: Record<string, number> = {};
    if (!healthy) {
      for (const [service, effect] of Object.entries(this.model.effects)) {
        if (this.rolledBack.has(service)) continue;
        if (effect.fault > 0) faults[service] = effect.fault;
        if (effect.latency > 0) latency[service] = effect.latency;
      }
    }
    return { faults, latency, amplify: this.model.amplify, background: BACKGROUND, attenuation: ATTENUATION };
  }

  /** Exact statistics (no sampling), read back by the real X-Ray parser. */
  private measure(healthy: boolean): Map<string, ServiceHealth> {
    const json = xrayFromTopology(this.model.topology, { ...this.traffic(healthy), start: 0, end: 900 });
    const { topology } = parseServiceGraphs([{ source: 'fleet', json }]);
    const health = new Map<string, ServiceHealth>();
    for (const node of topology.nodes) {
      if (node.kind === 'client' || health.has(node.name)) continue;
      health.set(node.name, {
        requests: node.stats.requests,
        faultRate: faultRate(node.stats),
        latency: meanResponseTime(node.stats),
      });
    }
    return health;
  }
}

function clamp(x: number): number {
  return Math.min(1, Math.max(0, x));
}

function round(minutes: number): number {
  return Math.round(minutes * 100) / 100;
}

/** The alarm a simulated catalog gives each service. */
export function alarmOf(service: string): string {
  return `${service}-alarm`;
}

/**
 * A catalog for a simulated fleet: one alarm per service; ECS services mostly, some on CodeDeploy or
 * behind a Lambda alias, feature flags in AppConfig (fixed per service name).
 */
export function simulatedCatalog(
  application: string,
  services: readonly string[],
  flags: ReadonlySet<string>,
  mode: Catalog['mode'],
): Catalog {
  const entries: Catalog['services'] = {};
  for (const service of services) {
    const r = rng(hash(service))();
    const action: Catalog['services'][string]['action'] = flags.has(service)
      ? { type: 'appconfig', application, environment: 'prod', configurationProfile: service }
      : r < 0.7
        ? { type: 'ecs', cluster: application, service }
        : r < 0.9
          ? { type: 'codedeploy', application: service, deploymentGroup: 'prod' }
          : { type: 'lambda-alias', functionName: service, alias: 'live' };
    entries[service] = { action, alarms: [alarmOf(service)], irreversibleData: false };
  }
  return { application, mode, services: entries };
}
