// Scores rankers on simulated incidents: Backstep's model against the two answers of today's practice.
import { selectChanges } from '../../core/changes';
import { BUILTIN_MODEL, refine, type CulpritModel, type IncidentRecord } from '../../core/model';
import { rankWith } from '../../core/suspects';
import { indexServices } from '../../core/topology';
import type { Change } from '../../core/types';
import { parseServiceGraphs } from '../../core/xray';
import { makeScenario, type Scenario } from './incidents';
import type { TopologyFixture } from './xray-from-topology';

const WINDOW_MS = 24 * 3_600_000;

/** Best first: the services each strategy would roll back. */
export interface Picks {
  readonly backstep: readonly string[];
  /** CodeDeploy's alarm rollback: the alarmed service's own last deployment, if it has one. */
  readonly alarmedOwn: readonly string[];
  /** Under pressure: the most recent deployments first. */
  readonly mostRecent: readonly string[];
}

export function picksFor(scenario: Scenario, model: CulpritModel): Picks & { record: IncidentRecord } {
  const topology = parseServiceGraphs([{ source: 'graph', json: scenario.graph }]).topology;
  const baseline =
    scenario.baseline === undefined
      ? undefined
      : parseServiceGraphs([{ source: 'baseline', json: scenario.baseline }]).topology;
  const index = indexServices(topology);
  const alarmedNode = index.watched(scenario.alarmed);
  if (alarmedNode === undefined) throw new Error(`${scenario.topology}: no node ${scenario.alarmed}`);
  const { byNode } = selectChanges(scenario.changes, index, scenario.at, WINDOW_MS);
  const ranked = rankWith(model).rank({
    topology,
    ...(baseline ? { baseline } : {}),
    changed: byNode,
    alarmed: [alarmedNode],
    at: scenario.at,
  });
  const inWindow = scenario.changes.filter(
    (c) => c.deployedAt <= scenario.at && c.deployedAt >= scenario.at - WINDOW_MS,
  );
  const recent = [...inWindow].sort((a: Change, b: Change) => b.deployedAt - a.deployedAt).map((c) => c.service);
  const record: IncidentRecord = {
    schemaVersion: 1,
    incidentId: `${scenario.topology}-${scenario.seed}`,
    at: new Date(scenario.at).toISOString(),
    alarms: [`${scenario.alarmed}-alarm`],
    planId: '',
    modelVersion: model.version,
    suspects: ranked.map(({ service, score, features }) => ({ service, score, features })),
    realIncident: true,
    culprit: scenario.culprit,
    steps: [],
  };
  return {
    backstep: ranked.map((s) => s.service),
    alarmedOwn: inWindow.some((c) => c.service === scenario.alarmed) ? [scenario.alarmed] : [],
    mostRecent: [...new Set(recent)],
    record,
  };
}

export interface Accuracy {
  readonly n: number;
  readonly top1: number;
  readonly top3: number;
}

export interface TopologyReport {
  readonly topology: string;
  readonly split: string;
  readonly backstep: Accuracy;
  readonly alarmedOwn: Accuracy;
  readonly mostRecent: Accuracy;
  /** Backstep's top-1 after refining on this many earlier incidents of the same system. */
  readonly learned: Readonly<Record<number, number>>;
}

export function accuracy(results: readonly { picks: readonly string[]; culprit: string }[]): Accuracy {
  const n = results.length;
  const hit = (k: number) => results.filter((r) => r.picks.slice(0, k).includes(r.culprit)).length / Math.max(n, 1);
  return { n, top1: hit(1), top3: hit(3) };
}

/** Evaluates one topology on `seeds`, learning from `history` earlier incidents for the curve. */
export function evaluateTopology(
  fixture: TopologyFixture,
  split: string,
  seeds: readonly number[],
  historySeeds: readonly number[],
  historySizes: readonly number[],
  model: CulpritModel = BUILTIN_MODEL,
): TopologyReport {
  const scenarios = seeds.map((seed) => makeScenario(fixture, seed));
  const runs = scenarios.map((s) => ({ s, picks: picksFor(s, model) }));
  const history = historySeeds.map((seed) => picksFor(makeScenario(fixture, seed), model).record);
  const learned: Record<number, number> = {};
  for (const size of historySizes) {
    const refined = size === 0 ? model : refine(model, history.slice(0, size));
    learned[size] = accuracy(scenarios.map((s) => ({ picks: picksFor(s, refined).backstep, culprit: s.culprit }))).top1;
  }
  const of = (key: keyof Picks) => accuracy(runs.map((r) => ({ picks: r.picks[key], culprit: r.s.culprit })));
  return {
    topology: fixture.name,
    split,
    backstep: of('backstep'),
    alarmedOwn: of('alarmedOwn'),
    mostRecent: of('mostRecent'),
    learned,
  };
}
