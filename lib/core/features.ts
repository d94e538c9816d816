// The evidence for one suspect change, as numbers (for the model) and details (for the words in `why`).
// From the incident graph and, when given, a baseline graph: what a service's callers see of it
// (incoming edges) against what it sees of its own callees (outgoing edges), and the failed calls that
// lead to it from the alarm.
import { CHAIN_BACKGROUND, endsAt, failureChains, type Chain } from './chain';
import { indexServices } from './topology';
import type { ServiceChange, Stats, Topology, TopologyEdge } from './types';
import { addStats, emptyStats, errorRate, faultRate, meanResponseTime } from './xray';

export const FEATURES = [
  'self',
  'callee',
  'calleeHops',
  'caller',
  'callerHops',
  'recency',
  'origin',
  'errorOrigin',
  'chain',
  'victim',
  'healthy',
  'latency',
  'config',
  'infra',
  'schema',
  'prior',
] as const;
export type FeatureName = (typeof FEATURES)[number];
export type Features = Readonly<Record<FeatureName, number>>;

/** The numbers behind the features, for explanations. */
export interface Evidence {
  readonly ageMin: number;
  readonly down: number;
  readonly up: number;
  readonly inFault: number;
  readonly baseInFault?: number;
  readonly inError: number;
  readonly baseInError?: number;
  readonly worstCallee?: { readonly name: string; readonly rate: number; readonly requests: number };
  readonly latency?: { readonly now: number; readonly before: number };
  /** The alarm's failed calls that reach it hop by hop, when it is where they end. */
  readonly chain?: { readonly from: string; readonly total: number; readonly faults: number; readonly hops: number };
  readonly kind: string;
}

export interface FeatureSettings {
  readonly recencyHalfLifeMin: number;
  /** Without a baseline, a rate below this is background noise. */
  readonly noise: number;
  /** Origin and victim signals are capped here: past it more failure says nothing new. */
  readonly cap: number;
}

export interface EdgeTotals {
  readonly incoming: Stats;
  readonly outgoing: Stats;
}

/** Per-graph lookups, computed once per ranking. */
export interface GraphContext {
  readonly topology: Topology;
  readonly chains: ReadonlyMap<number, Chain>;
  readonly baseline?: (name: string) => EdgeTotals | undefined;
}

export function graphContext(topology: Topology, alarmed: readonly number[], baseline?: Topology): GraphContext {
  const index = baseline ? indexServices(baseline) : undefined;
  const known = new Map<string, EdgeTotals | undefined>();
  const before = (name: string): EdgeTotals | undefined => {
    if (known.has(name)) return known.get(name);
    const v = index?.rollbackable(name);
    const totals = baseline && v !== undefined ? edgeTotals(baseline, v) : undefined;
    known.set(name, totals);
    return totals;
  };
  // A chain's hops corroborate each other: below the noise floor, a count that clears the background
  // rate at every hop still counts.
  const failing = (stats: Stats, node: number): boolean => {
    const was = before(topology.nodes[node]?.name ?? '');
    const base = was && was.incoming.requests > 0 ? faultRate(was.incoming) : undefined;
    return excess(faultRate(stats), base, stats.requests, CHAIN_BACKGROUND) > 0;
  };
  const callersSee = (a: number) => edgeTotals(topology, a).incoming;
  const chains = failureChains(topology, alarmed, callersSee, failing, baseline !== undefined);
  return baseline ? { topology, chains, baseline: before } : { topology, chains };
}

export function extractFeatures(
  ctx: GraphContext,
  change: ServiceChange,
  down: number,
  up: number,
  at: number,
  priorLogOdds: number,
  s: FeatureSettings,
): { features: Features; evidence: Evidence } {
  const { topology } = ctx;
  const v = change.node;
  const seen = edgeTotals(topology, v);
  const before = ctx.baseline?.(change.service);
  const ageMin = Math.max(0, (at - change.lastDeployedAt) / 60_000);

  const inFault = faultRate(seen.incoming);
  const baseInFault = before ? faultRate(before.incoming) : undefined;
  const inError = errorRate(seen.incoming);
  const baseInError = before ? errorRate(before.incoming) : undefined;
  const n = seen.incoming.requests;
  const excessFault = excess(inFault, baseInFault, n, s.noise);
  const excessError = excess(inError, baseInError, n, s.noise);
  const worst = worstCallee(topology, v);
  const worstBefore = worst ? ctx.baseline?.(worst.name) : undefined;
  const excessWorst = worst
    ? excess(worst.rate, worstBefore ? faultRate(worstBefore.incoming) : undefined, worst.requests, s.noise)
    : 0;
  const explained = excessWorst >= excessFault / 2 && excessWorst > 0;

  let latency: Evidence['latency'];
  let latencySignal = 0;
  if (before && before.incoming.requests > 0 && seen.incoming.requests > 0) {
    const now = meanResponseTime(seen.incoming);
    const was = meanResponseTime(before.incoming);
    const ratio = now / Math.max(was, 1e-6);
    const outRatio =
      before.outgoing.requests > 0 && seen.outgoing.requests > 0
        ? meanResponseTime(seen.outgoing) / Math.max(meanResponseTime(before.outgoing), 1e-6)
        : 1;
    // Slower for callers while its own callees are not: the delay starts here.
    if (ratio >= 1.5 && outRatio < 1.5) {
      latency = { now, before: was };
      latencySignal = Math.min(Math.log2(ratio), 3);
    }
  }
  const chain = down > 0 ? ctx.chains.get(v) : undefined;
  const chainEnd = chain ? endsAt(topology, v, chain) : 0;
  const origin = !explained ? Math.min(excessFault - excessWorst, s.cap) : 0;
  const errorOrigin = !explained ? Math.min(excessError, s.cap) : 0;
  const kind = change.kinds[0] ?? 'code';
  const features: Features = {
    self: down === 0 ? 1 : 0,
    callee: down > 0 ? 1 : 0,
    calleeHops: down > 0 ? down - 1 : 0,
    caller: down < 0 && up > 0 ? 1 : 0,
    callerHops: down < 0 && up > 0 ? up - 1 : 0,
    recency: Math.pow(0.5, ageMin / s.recencyHalfLifeMin),
    origin: Math.max(0, origin),
    errorOrigin: Math.max(0, errorOrigin),
    chain: chainEnd,
    victim: explained ? Math.min(excessWorst, s.cap) : 0,
    healthy:
      seen.incoming.requests > 0 &&
      excessFault === 0 &&
      excessError === 0 &&
      latencySignal === 0 &&
      chainEnd === 0 &&
      !explained
        ? 1
        : 0,
    latency: latencySignal,
    config: change.kinds.includes('config') ? 1 : 0,
    infra: change.kinds.includes('infra') ? 1 : 0,
    schema: change.kinds.includes('schema') ? 1 : 0,
    prior: priorLogOdds,
  };
  return {
    features,
    evidence: {
      ageMin,
      down,
      up,
      inFault,
      inError,
      kind,
      ...(baseInFault !== undefined ? { baseInFault } : {}),
      ...(baseInError !== undefined ? { baseInError } : {}),
      ...(worst ? { worstCallee: worst } : {}),
      ...(latency ? { latency } : {}),
      ...(chain && chainEnd > 0
        ? {
            chain: {
              from: topology.nodes[chain.source]?.name ?? '?',
              total: chain.total,
              faults: chain.faults,
              hops: chain.hops,
            },
          }
        : {}),
    },
  };
}

/** What callers see of v (its incoming edges, else its own summary) and what v sees of its callees. */
export function edgeTotals(topology: Topology, v: number): EdgeTotals {
  const sum = (edgeIds: readonly number[]): Stats => {
    const total = emptyStats();
    for (const e of edgeIds) {
      const edge = topology.edges[e];
      if (edge && edge.from !== edge.to) addStats(total, edge.stats);
    }
    return total;
  };
  const incoming = sum(topology.in[v] ?? []);
  const node = topology.nodes[v];
  return { incoming: incoming.requests > 0 || !node ? incoming : node.stats, outgoing: sum(topology.out[v] ?? []) };
}

/**
 * How far a rate is above its baseline (or, without one, above background noise), beyond what the
 * sample size explains: less than three standard errors reads as no change.
 */
function excess(rate: number, base: number | undefined, requests: number, noise: number): number {
  const reference = base ?? noise;
  const p = Math.max(reference, 0.001);
  const margin = requests > 0 ? 3 * Math.sqrt((p * (1 - p)) / requests) : 1;
  return Math.max(0, rate - reference - margin);
}

/**
 * The callee whose calls from v fail most often. A callee that also calls v (a cycle) is left out:
 * its failures may be v's own, echoed back.
 */
function worstCallee(topology: Topology, v: number): { name: string; rate: number; requests: number } | undefined {
  let worst: { name: string; rate: number; requests: number } | undefined;
  for (const edge of calleeEdges(topology, v)) {
    const rate = faultRate(edge.stats);
    if (!worst || rate > worst.rate)
      worst = { name: topology.nodes[edge.to]?.name ?? '?', rate, requests: edge.stats.requests };
  }
  return worst;
}

function calleeEdges(topology: Topology, v: number): TopologyEdge[] {
  const edges: TopologyEdge[] = [];
  for (const e of topology.out[v] ?? []) {
    const edge = topology.edges[e];
    if (!edge || edge.to === v || edge.stats.requests === 0) continue;
    if ((topology.out[edge.to] ?? []).some((back) => topology.edges[back]?.to === v)) continue;
    edges.push(edge);
  }
  return edges;
}
