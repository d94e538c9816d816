// The pipeline: topology + changes + alarm -> suspects -> graduated stages of closed, ordered waves.
import { createHash } from 'node:crypto';
import type { Catalog } from './catalog';
import { EMPTY_CATALOG, servicesForAlarm } from './catalog-lookup';
import { isValidTime, selectChanges } from './changes';
import { rollbackClosure } from './closure';
import { InputError } from './errors';
import { assignWaves, stronglyConnected, type Components } from './graph';
import {
  canonicalJson,
  PLAN_SCHEMA_VERSION,
  type Plan,
  type PlanChange,
  type PlanStage,
  type PlanStep,
  type StageName,
} from './plan';
import { blastContext, decideStep, DEFAULT_POLICY, modeOf, type PolicyOptions } from './policy';
import { rankSuspects, type RankedSuspect, type Ranker } from './suspects';
import { indexServices } from './topology';
import type { Change, ServiceChange, Topology } from './types';

export interface PlanInput {
  readonly topology: Topology;
  readonly baseline?: Topology;
  readonly changes: readonly Change[];
  /** Alarmed services (X-Ray names) or alarm names that the catalog maps to services. */
  readonly alarmed: readonly string[];
  /** Incident time, epoch ms. */
  readonly at: number;
  readonly windowMs: number;
  readonly catalog?: Catalog;
  /** Warnings from reading the inputs, carried into the plan. */
  readonly warnings?: readonly string[];
}

export interface PlanOptions {
  readonly ranker?: Ranker;
  /** Suspects at or above this score join the expanded stage. */
  readonly expandThreshold?: number;
  readonly policy?: PolicyOptions;
}

export const DEFAULT_EXPAND_THRESHOLD = 0.3;

export function planRollback(input: PlanInput, options: PlanOptions = {}): Plan {
  const { topology, at } = input;
  const catalog = input.catalog ?? EMPTY_CATALOG;
  const policy = options.policy ?? DEFAULT_POLICY;
  if (!isValidTime(at) || !isValidTime(at - input.windowMs) || !(input.windowMs > 0)) {
    throw new InputError('bad time', 'incident time and window', 'a representable date and a positive window');
  }
  const services = indexServices(topology);
  const warnings = [...(input.warnings ?? [])];

  const alarmed = resolveAlarmed(input.alarmed, catalog, services, topology);
  const selected = selectChanges(input.changes, services, at, input.windowMs);
  warnings.push(...selected.warnings);
  const changed = selected.byNode;

  const ranker = options.ranker ?? rankSuspects;
  const suspects = ranker.rank({
    topology,
    ...(input.baseline ? { baseline: input.baseline } : {}),
    changed,
    alarmed,
    at,
  });
  if (suspects.length === 0) {
    const names = alarmed.map((a) => topology.nodes[a]?.name).join(', ');
    warnings.push(`no change in the window is within reach of ${names}: nothing to roll back`);
  }

  const components = stronglyConnected(topology);
  const blast = blastContext(topology);
  const threshold = options.expandThreshold ?? DEFAULT_EXPAND_THRESHOLD;
  const top = suspects[0];
  const expanded = suspects.filter((s) => s.score >= threshold);
  const seedWhy = new Map<number, string>();
  for (const s of suspects) {
    seedWhy.set(s.node, s === top ? `top suspect (score ${s.score})` : `suspect (score ${s.score})`);
  }

  const stageSeeds: [StageName, RankedSuspect[]][] = [
    ['targeted', top ? [top] : []],
    ['expanded', expanded],
    ['full', suspects],
  ];
  const done = new Set<number>();
  const stages: PlanStage[] = [];
  for (const [name, seeds] of stageSeeds) {
    const closure = rollbackClosure(
      topology,
      changed,
      seeds.map((s) => s.node),
    );
    const fresh = [...closure.values()].filter((m) => !done.has(m.node));
    if (fresh.length === 0) continue;
    for (const m of fresh) done.add(m.node);
    const whyOf = (node: number, because: number | undefined): string => {
      if (because === undefined) return seedWhy.get(node) ?? 'changed in the window within reach of the alarm';
      const cause = changed.get(because) as ServiceChange;
      return `changed after ${cause.service} (${new Date(cause.firstDeployedAt).toISOString()}) and depends on it: rolled back before it`;
    };
    const steps = fresh.map((m) => {
      const change = changed.get(m.node) as ServiceChange;
      const decision = decideStep(topology, blast, catalog, change, policy);
      const step: PlanStep = {
        service: change.service,
        change: planChange(change),
        action: decision.action,
        approval: decision.approval,
        why: [whyOf(m.node, m.because), ...decision.why],
        ...(decision.validation !== undefined ? { validation: decision.validation } : {}),
      };
      return { node: m.node, step };
    });
    stages.push({
      name,
      ...stageApproval(
        name,
        seeds.filter((s) => fresh.some((m) => m.node === s.node)),
        fresh.map((m) => (changed.get(m.node) as ServiceChange).service),
        catalog,
        policy,
      ),
      waves: orderInWaves(components, steps),
    });
  }

  const body = {
    schemaVersion: PLAN_SCHEMA_VERSION,
    incident: {
      at: new Date(at).toISOString(),
      alarmed: alarmed.map((a) => topology.nodes[a]?.name as string),
      windowStart: new Date(at - input.windowMs).toISOString(),
    },
    model: ranker.modelVersion,
    suspects: suspects.map(({ service, score, why, features }) => ({ service, score, why, features })),
    stages,
    warnings,
  };
  const planId = createHash('sha256').update(canonicalJson(body)).digest('hex');
  const { schemaVersion, ...rest } = body;
  return { schemaVersion, planId, ...rest };
}

function resolveAlarmed(
  names: readonly string[],
  catalog: Catalog,
  services: ReturnType<typeof indexServices>,
  topology: Topology,
): number[] {
  if (names.length === 0) throw new InputError('no alarmed service', 'alarm', 'at least one service name');
  const nodes = new Set<number>();
  for (const name of names) {
    const direct = services.watched(name);
    const viaAlarm = direct === undefined ? servicesForAlarm(catalog, name).map((s) => services.watched(s)) : [direct];
    const found = viaAlarm.filter((v): v is number => v !== undefined);
    if (found.length === 0) {
      const known = topology.nodes.filter((n) => n.kind === 'service').map((n) => n.name);
      const sample = known.slice(0, 5).join(', ') + (known.length > 5 ? ', …' : '');
      throw new InputError(
        'service not in the graph',
        `alarm "${name}"`,
        `a service of the graph (${sample}) or a catalogued alarm`,
      );
    }
    for (const v of found) nodes.add(v);
  }
  return [...nodes];
}

function stageApproval(
  name: StageName,
  seeds: readonly RankedSuspect[],
  services: readonly string[],
  catalog: Catalog,
  policy: PolicyOptions,
): { approval: boolean; why: string[] } {
  const why: string[] = [];
  if (name === 'full') why.push('the full stage always waits for a person');
  if (catalog.mode === 'suggest') why.push('suggest mode: every stage waits for a person');
  const weakest = seeds.reduce((min, s) => Math.min(min, s.score), 1);
  if (name !== 'full' && weakest < policy.lowConfidence) {
    why.push(`low confidence: a suspect in this stage scores ${weakest} (< ${policy.lowConfidence})`);
  }
  const suggested = services.filter((s) => modeOf(catalog, s) === 'suggest');
  if (suggested.length > 0 && catalog.mode !== 'suggest') why.push(`suggest mode for ${suggested.join(', ')}`);
  return { approval: why.length > 0, why };
}

function orderInWaves(components: Components, steps: { node: number; step: PlanStep }[]): { steps: PlanStep[] }[] {
  const waveOf = assignWaves(
    components,
    steps.map((s) => s.node),
  );
  const waves: PlanStep[][] = [];
  for (const { node, step } of steps) {
    const w = waveOf.get(node) as number;
    while (waves.length <= w) waves.push([]);
    (waves[w] as PlanStep[]).push(step);
  }
  return waves.map((list) => ({
    steps: list.sort((a, b) => (a.service < b.service ? -1 : a.service > b.service ? 1 : 0)),
  }));
}

function planChange(change: ServiceChange): PlanChange {
  return {
    ids: change.ids,
    deployedAt: new Date(change.firstDeployedAt).toISOString(),
    lastDeployedAt: new Date(change.lastDeployedAt).toISOString(),
    ...(change.fromVersion !== undefined ? { fromVersion: change.fromVersion } : {}),
    ...(change.toVersion !== undefined ? { toVersion: change.toVersion } : {}),
    kind: change.kinds[0] ?? 'code',
    reversible: change.reversible,
  };
}
