// Ranking suspect changes with the culprit model (docs/model.md). A `Ranker` is the seam the planner
// calls; `rankWith(model)` makes one from any model, `rankSuspects` uses the built-in one.
import { extractFeatures, graphContext, type Features } from './features';
import { distances } from './graph';
// The model's parts, not its index: the index loads the schema, and zod with it (lib/core/model/builtin.ts).
import { BUILTIN_MODEL } from './model/builtin';
import { explain } from './model/explain';
import { logit, priorLogOdds, sigmoid } from './model/score';
import type { CulpritModel } from './model/schema';
import type { ServiceChange, Suspect, Topology } from './types';

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
  readonly features: Features;
}

export interface Ranker {
  readonly modelVersion: string;
  readonly rank: (input: RankInput) => RankedSuspect[];
}

/**
 * Candidates: changed services the alarmed services reach (themselves and their callees, most likely)
 * or that reach them (callers, which can overload them). Best first; ties go to the later deployment.
 */
export function rankWith(model: CulpritModel): Ranker {
  return {
    modelVersion: model.version,
    rank(input) {
      const { topology, changed, alarmed, at } = input;
      const down = distances(topology, alarmed, 'callees');
      const up = distances(topology, alarmed, 'callers');
      const ctx = graphContext(topology, alarmed, input.baseline);
      const alarmedNames = alarmed.map((a) => topology.nodes[a]?.name).join(', ');
      const ranked: (RankedSuspect & { last: number })[] = [];
      for (const change of changed.values()) {
        const d = down[change.node] as number;
        const u = up[change.node] as number;
        if (d < 0 && u < 0) continue;
        const prior = priorLogOdds(model, change.service);
        const { features, evidence } = extractFeatures(ctx, change, d, u, at, prior, model.settings);
        const score = Math.round(sigmoid(logit(model.weights, features)) * 1000) / 1000;
        const why = explain(model, change.service, alarmedNames, features, evidence);
        ranked.push({ service: change.service, node: change.node, score, why, features, last: change.lastDeployedAt });
      }
      ranked.sort((a, b) => b.score - a.score || b.last - a.last || (a.service < b.service ? -1 : 1));
      return ranked.map(({ last: _last, ...suspect }) => suspect);
    },
  };
}

export const rankSuspects: Ranker = rankWith(BUILTIN_MODEL);
