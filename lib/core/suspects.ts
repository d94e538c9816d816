// A first ranking of suspect changes (design.md §2). A `Ranker` is the seam: the learned culprit model
// replaces `rankSuspects` without touching the planner.
import { distances } from './graph';
import { indexServices } from './topology';
import type { ServiceChange, Stats, Suspect, Topology } from './types';
import { addStats, emptyStats, faultRate, meanResponseTime } from './xray';

export interface RankInput {
  readonly topology: Topology;
  /** A graph from a healthy period, when the operator has one. */
  readonly baseline?: Topology;
  readonly changed: ReadonlyMap<number, ServiceChange>;
  readonly alarmed: readonly number[];
  /** Incident time, epoch ms. */
  readonly at: number;
}

export interface RankedSuspect extends Suspect {
  readonly node: number;
}

export type Ranker = (input: RankInput) => RankedSuspect[];

/** Logit contributions of the heuristic; the learned model replaces these with fitted weights. */
export const HEURISTIC_WEIGHTS = {
  bias: -1.5,
  self: 1.0,
  callee: 1.2,
  caller: -0.3,
  perHop: -0.3,
  recency: 2.0,
  recencyHalfLifeMin: 90,
  origin: 8.0,
  originCap: 0.4,
  victim: -1.0,
  /** Callers see nothing new: the change shows no effect where it would. */
  healthy: -1.2,
  latency: 0.8,
  kind: { code: 0, config: 0.3, infra: 0.2, schema: 0.4 },
  /** A fault rate below this, with no baseline, is background noise. */
  noise: 0.01,
} as const;

interface Reason {
  readonly weight: number;
  readonly text: string;
}

/**
 * Candidates: changed services the alarmed services reach (themselves and their callees, most likely)
 * or that reach them (callers, which can overload them). Best first.
 */
export const rankSuspects: Ranker = (input) => {
  const { topology, changed, alarmed, at } = input;
  const w = HEURISTIC_WEIGHTS;
  const down = distances(topology, alarmed, 'callees');
  const up = distances(topology, alarmed, 'callers');
  const baseline = input.baseline ? baselineLookup(input.baseline) : undefined;
  const alarmedNames = alarmed.map((a) => topology.nodes[a]?.name).join(', ');

  const suspects: (RankedSuspect & { last: number })[] = [];
  for (const change of changed.values()) {
    const v = change.node;
    const d = down[v] as number;
    const u = up[v] as number;
    if (d < 0 && u < 0) continue;
    const name = change.service;
    const reasons: Reason[] = [];

    if (d === 0) reasons.push({ weight: w.self, text: `${name} is the alarmed service` });
    else if (d > 0) {
      reasons.push({
        weight: Math.max(0.3, w.callee + w.perHop * (d - 1)),
        text: `${alarmedNames} ${d === 1 ? 'calls it directly' : `depends on it through ${d} hops`}`,
      });
    } else {
      reasons.push({
        weight: w.caller + w.perHop * (u - 1),
        text: `it calls ${alarmedNames} (${u === 1 ? 'directly' : `${u} hops`}): a changed caller can overload it`,
      });
    }

    const ageMin = (at - change.lastDeployedAt) / 60_000;
    reasons.push({
      weight: w.recency * Math.pow(0.5, ageMin / w.recencyHalfLifeMin),
      text: `deployed ${formatAge(ageMin)} before the alarm`,
    });

    const seen = edgeTotals(topology, v);
    const before = baseline?.(name);
    const baseIn = before ? faultRate(before.incoming) : undefined;
    const inRate = faultRate(seen.incoming);
    const excessIn = Math.max(0, inRate - (baseIn ?? w.noise));
    // A failing callee explains the failures its callers see: then v is more likely a victim.
    const worst = worstCallee(topology, v);
    const worstBefore = worst && baseline ? baseline(worst.name) : undefined;
    const excessWorst = worst ? Math.max(0, worst.rate - (worstBefore ? faultRate(worstBefore.incoming) : w.noise)) : 0;
    const baselineText = baseIn === undefined ? '' : ` (baseline ${pct(baseIn)})`;
    if (excessIn > 0 && excessWorst < excessIn / 2) {
      reasons.push({
        weight: w.origin * Math.min(excessIn - excessWorst, w.originCap),
        text: `callers of ${name} see ${pct(inRate)} faults${baselineText}; its callees are ${worst ? `healthy (worst ${pct(worst.rate)})` : 'not failing (none traced)'}`,
      });
    } else if (excessWorst > 0 && worst) {
      reasons.push({
        weight: w.victim,
        text: `its callee ${worst.name} fails ${pct(worst.rate)} of calls: more likely a victim than the origin`,
      });
    } else if (seen.incoming.requests > 0 && !slower(seen, before)) {
      reasons.push({
        weight: w.healthy,
        text: `callers of ${name} see no new faults (${pct(inRate)}${baseIn === undefined ? '' : `, baseline ${pct(baseIn)}`})`,
      });
    }
    if (before && before.incoming.requests > 0 && seen.incoming.requests > 0) {
      const ratio = meanResponseTime(seen.incoming) / Math.max(meanResponseTime(before.incoming), 1e-6);
      const outRatio =
        before.outgoing.requests > 0 && seen.outgoing.requests > 0
          ? meanResponseTime(seen.outgoing) / Math.max(meanResponseTime(before.outgoing), 1e-6)
          : 1;
      if (ratio >= 1.5 && outRatio < 1.5) {
        reasons.push({
          weight: w.latency * Math.min(Math.log2(ratio), 3),
          text: `callers of ${name} wait ${ratio.toFixed(1)}× longer than in the baseline (${ms(meanResponseTime(seen.incoming))} vs ${ms(meanResponseTime(before.incoming))})`,
        });
      }
    }
    const kindWeight = Math.max(...change.kinds.map((k) => w.kind[k]));
    if (kindWeight > 0) reasons.push({ weight: kindWeight, text: `${change.kinds[0]} change` });

    const z = w.bias + reasons.reduce((sum, r) => sum + r.weight, 0);
    const why = [...reasons]
      .sort((a, b) => Math.abs(b.weight) - Math.abs(a.weight))
      .slice(0, 3)
      .map((r) => r.text);
    suspects.push({ service: name, node: v, score: round(1 / (1 + Math.exp(-z))), why, last: change.lastDeployedAt });
  }
  suspects.sort((a, b) => b.score - a.score || b.last - a.last || (a.service < b.service ? -1 : 1));
  return suspects.map(({ service, node, score, why }) => ({ service, node, score, why }));
};

interface EdgeTotals {
  readonly incoming: Stats;
  readonly outgoing: Stats;
}

/** What callers see of v (its incoming edges, else its own summary) and what v sees of its callees. */
function edgeTotals(topology: Topology, v: number): EdgeTotals {
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

/** True when callers wait markedly longer than in the baseline (unknown without one). */
function slower(seen: EdgeTotals, before: EdgeTotals | undefined): boolean {
  if (!before || before.incoming.requests === 0 || seen.incoming.requests === 0) return false;
  return meanResponseTime(seen.incoming) >= 1.5 * meanResponseTime(before.incoming);
}

/** The callee whose calls from v fail most often. */
function worstCallee(topology: Topology, v: number): { name: string; rate: number } | undefined {
  let worst: { name: string; rate: number } | undefined;
  for (const e of topology.out[v] ?? []) {
    const edge = topology.edges[e];
    if (!edge || edge.to === v || edge.stats.requests === 0) continue;
    const rate = faultRate(edge.stats);
    if (!worst || rate > worst.rate) worst = { name: topology.nodes[edge.to]?.name ?? '?', rate };
  }
  return worst;
}

function baselineLookup(baseline: Topology): (name: string) => EdgeTotals | undefined {
  const index = indexServices(baseline);
  return (name) => {
    const v = index.rollbackable(name);
    return v === undefined ? undefined : edgeTotals(baseline, v);
  };
}

function round(x: number): number {
  return Math.round(x * 1000) / 1000;
}

export function pct(rate: number): string {
  const p = rate * 100;
  return `${p >= 10 || p === 0 ? p.toFixed(0) : p.toFixed(1)}%`;
}

function ms(seconds: number): string {
  return `${Math.round(seconds * 1000)} ms`;
}

export function formatAge(minutes: number): string {
  if (minutes < 90) return `${Math.round(minutes)} min`;
  if (minutes < 48 * 60) return `${(minutes / 60).toFixed(1).replace(/\.0$/, '')} h`;
  return `${Math.round(minutes / 1440)} d`;
}
