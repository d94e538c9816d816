// Simulated incidents on real topologies, for the model's evaluation (and the local demo): one bad
// deployment among several, faults that propagate to callers with attenuation or amplified by
// retries, latency-only failures, benign regressions, unrelated noise, alarms on the culprit or on a
// caller, deployments after the culprit's. Deterministic for a topology and a seed.
import type { Change, ChangeKind } from '../../core/types';
import { xrayFromTopology, type TopologyFixture } from './xray-from-topology';

export type FailureMode = 'faults' | 'latency' | 'amplified';

export interface Scenario {
  readonly topology: string;
  readonly seed: number;
  readonly mode: FailureMode;
  readonly culprit: string;
  readonly alarmed: string;
  /** Incident time, epoch ms. */
  readonly at: number;
  readonly changes: readonly Change[];
  readonly graph: unknown;
  /** A graph from an hour earlier; absent in a fifth of the incidents, as when nobody kept one. */
  readonly baseline?: unknown;
  /** The fault model behind `graph`: what a simulated fleet replays (a service's own rates come from its change, if it has one). */
  readonly faults: FaultModel;
}

export interface FaultModel {
  readonly faults: Readonly<Record<string, number>>;
  readonly latency: Readonly<Record<string, number>>;
  readonly amplify: Readonly<Record<string, number>>;
}

/** A small, fast, seedable PRNG (mulberry32). */
export function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** FNV-1a: a stable 32-bit seed from a text. */
export function hash(text: string): number {
  let h = 2166136261;
  for (let i = 0; i < text.length; i++) h = Math.imul(h ^ text.charCodeAt(i), 16777619);
  return h >>> 0;
}

const DEPLOYABLE = new Set(['service', 'feature-flags']);

export function deployableServices(fixture: TopologyFixture): string[] {
  const kinds = new Map((fixture.service_details ?? []).map((d) => [d.name, d.kind]));
  return fixture.services.filter((s) => DEPLOYABLE.has(kinds.get(s) ?? 'service'));
}

/**
 * How often each service's changes break things in this simulated organisation: about a quarter of
 * the services are fragile (six times likelier). Fixed per topology, so history has something to teach.
 */
export function fragility(fixture: TopologyFixture): Record<string, number> {
  const random = rng(hash(fixture.name));
  return Object.fromEntries(deployableServices(fixture).map((s) => [s, random() < 0.25 ? 6 : 1]));
}

export const T0 = Date.parse('2026-11-27T10:00:00Z');

export function makeScenario(fixture: TopologyFixture, seed: number): Scenario {
  const random = rng(hash(`${fixture.name}:${seed}`));
  const pick = <T>(list: readonly T[]): T => list[Math.floor(random() * list.length)] as T;
  const between = (lo: number, hi: number) => lo + random() * (hi - lo);
  const services = deployableServices(fixture);
  const callers = new Map<string, string[]>(services.map((s) => [s, []]));
  for (const e of fixture.edges) if (callers.has(e.to) && services.includes(e.from)) callers.get(e.to)?.push(e.from);

  const weights = fragility(fixture);
  const total = services.reduce((sum, s) => sum + (weights[s] ?? 1), 0);
  let r = random() * total;
  const first = services[0];
  if (first === undefined) throw new Error(`${fixture.name}: no deployable services`);
  const culprit = services.find((s) => (r -= weights[s] ?? 1) < 0) ?? first;

  const m = random();
  const mode: FailureMode = m < 0.55 ? 'faults' : m < 0.8 ? 'latency' : 'amplified';
  const faults: Record<string, number> = {};
  const latency: Record<string, number> = {};
  const amplify: Record<string, number> = {};
  if (mode === 'faults') faults[culprit] = between(0.08, 0.5);
  if (mode === 'latency') latency[culprit] = between(0.2, 1.5);
  if (mode === 'amplified') {
    faults[culprit] = between(0.05, 0.2);
    for (const c of callers.get(culprit) ?? []) amplify[c] = between(1.6, 3);
  }

  const kind = (): ChangeKind => {
    const k = random();
    return k < 0.7 ? 'code' : k < 0.9 ? 'config' : k < 0.95 ? 'infra' : 'schema';
  };
  const culpritAt = T0 - between(5, 180) * 60_000;
  const changes: Change[] = [
    { id: `bad-${culprit}`, service: culprit, deployedAt: Math.round(culpritAt), kind: kind(), reversible: true },
  ];
  const others = services.filter((s) => s !== culprit);
  for (let i = others.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [others[i], others[j]] = [others[j] as string, others[i] as string];
  }
  const benign = others.slice(0, 2 + Math.floor(random() * 4));
  benign.forEach((service, i) => {
    // Some benign changes come after the culprit's: "the most recent deployment" is then wrong.
    const after = i === 0 && random() < 0.5;
    const at = after ? between(culpritAt, T0 - 60_000) : T0 - between(1, 1400) * 60_000;
    changes.push({ id: `ok-${service}`, service, deployedAt: Math.round(at), kind: kind(), reversible: true });
  });
  // A benign regression: a changed service that got a little worse, but did not cause the incident.
  if (benign[0] && random() < 0.4) {
    if (random() < 0.5) faults[benign[0]] = between(0.003, 0.015);
    else latency[benign[0]] = between(0.002, 0.006);
  }
  // Unrelated noise and transient errors.
  for (const service of others.slice(benign.length, benign.length + 2)) faults[service] = between(0.001, 0.012);

  let alarmed = culprit;
  if (random() < 0.6) {
    for (let hops = 1 + Math.floor(random() * 2); hops > 0; hops--) {
      const up = callers.get(alarmed) ?? [];
      if (up.length === 0) break;
      alarmed = pick(up);
    }
  }
  const start = T0 / 1000 - 900;
  // Quiet systems give small samples: traffic between a few hundred and a few thousand requests.
  const entryRequests = Math.round(between(300, 5000));
  const withBaseline = random() >= 0.2;
  return {
    topology: fixture.name,
    seed,
    mode,
    culprit,
    alarmed,
    at: T0,
    changes,
    graph: xrayFromTopology(fixture, { start, end: T0 / 1000, faults, latency, amplify, entryRequests, random }),
    faults: { faults, latency, amplify },
    ...(withBaseline
      ? { baseline: xrayFromTopology(fixture, { start: start - 3600, end: T0 / 1000 - 3600, entryRequests, random }) }
      : {}),
  };
}
