// When a person must approve (docs/cli.md): suggest mode, irreversible or schema changes, high blast
// radius, low model confidence, manual actions, and always the full stage. Reasons go into `why`.
import type { Catalog, CatalogEntry, Mode, RollbackAction } from './catalog';
import { pct } from './model/explain';
import { own } from './records';
import type { ServiceChange, Topology } from './types';

export interface PolicyOptions {
  /** Below this top-suspect score the targeted stage waits for a person. */
  readonly lowConfidence: number;
  /** Share of entry traffic through a service above which its rollback waits for a person. */
  readonly blastTrafficShare: number;
  /** This many dependent services (capped at half the services) makes the blast radius high. */
  readonly blastCallers: number;
}

export const DEFAULT_POLICY: PolicyOptions = { lowConfidence: 0.5, blastTrafficShare: 0.5, blastCallers: 10 };

export interface StepDecision {
  readonly action: RollbackAction;
  readonly approval: boolean;
  readonly why: string[];
  readonly validation?: string;
}

/** Precomputed once per plan: what the blast-radius checks need. */
export interface BlastContext {
  readonly entryRequests: number;
  readonly serviceCount: number;
}

export function blastContext(topology: Topology): BlastContext {
  let entryRequests = 0;
  let serviceCount = 0;
  for (const node of topology.nodes) {
    if (node.kind === 'service') serviceCount++;
    if (!isEntry(topology, node.index)) continue;
    for (const e of topology.out[node.index] ?? []) {
      const edge = topology.edges[e];
      if (edge && edge.to !== node.index) entryRequests += edge.stats.requests;
    }
  }
  return { entryRequests, serviceCount };
}

/** Where traffic enters: clients, and nodes nothing else calls. */
function isEntry(topology: Topology, v: number): boolean {
  if (topology.nodes[v]?.kind === 'client') return true;
  return (topology.in[v] ?? []).every((e) => topology.edges[e]?.from === v);
}

export function modeOf(catalog: Catalog, service: string): Mode {
  return own(catalog.services, service)?.mode ?? catalog.mode;
}

export function decideStep(
  topology: Topology,
  blast: BlastContext,
  catalog: Catalog,
  change: ServiceChange,
  options: PolicyOptions,
): StepDecision {
  const entry: CatalogEntry | undefined = own(catalog.services, change.service);
  const why: string[] = [];
  const approvals: string[] = [];
  let action: RollbackAction = entry?.action ?? { type: 'manual' };
  const mode = modeOf(catalog, change.service);

  if (!entry) why.push('not in the catalog: rolled back by hand');
  if (mode === 'off') {
    action = { type: 'manual', ...(entry?.runbook ? { runbook: entry.runbook } : {}) };
    approvals.push(`automation is off for ${change.service}: a person rolls it back`);
  } else if (action.type === 'manual') {
    approvals.push('manual action: a person rolls it back and confirms');
  } else if (action.type === 'feature-flag') {
    approvals.push(`feature flag ${action.flag}: a person turns it off and confirms`);
  }
  if (mode === 'suggest') approvals.push('suggest mode: a person approves each step');
  if (!change.reversible) approvals.push('the change is marked irreversible');
  if (change.kinds.includes('schema')) approvals.push('schema change: the old version may not read new data');
  if (entry?.irreversibleData) approvals.push(`${change.service} writes data a rollback cannot restore`);
  const blastReason = blastRadius(topology, blast, change.node, options);
  if (blastReason) approvals.push(`high blast radius: ${blastReason}`);

  // People doing a step by hand check it themselves; an automated one asks the catalog's validation too.
  const validation = action.type === 'manual' ? undefined : entry?.validation;
  return {
    action,
    approval: approvals.length > 0,
    why: [...why, ...approvals],
    ...(validation !== undefined ? { validation } : {}),
  };
}

/** Says why the blast radius is high, or undefined when it is not. */
function blastRadius(topology: Topology, blast: BlastContext, v: number, options: PolicyOptions): string | undefined {
  // The front door: the share of entering traffic that comes straight to v.
  let entering = 0;
  for (const e of topology.in[v] ?? []) {
    const edge = topology.edges[e];
    if (edge && edge.from !== v && isEntry(topology, edge.from)) entering += edge.stats.requests;
  }
  if (blast.entryRequests > 0) {
    const share = entering / blast.entryRequests;
    if (share >= options.blastTrafficShare)
      return `${pct(Math.min(share, 1))} of the incoming traffic enters through it`;
  }
  const limit = Math.max(2, Math.min(options.blastCallers, Math.ceil(blast.serviceCount / 2)));
  const dependents = countDependents(topology, v, limit);
  return dependents >= limit
    ? `${dependents}${dependents === options.blastCallers ? '+' : ''} services depend on it`
    : undefined;
}

/** Services that reach v, counted up to `limit` (the search stops there, so it stays cheap). */
function countDependents(topology: Topology, v: number, limit: number): number {
  const seen = new Set<number>([v]);
  const queue = [v];
  let found = 0;
  for (let head = 0; head < queue.length && found < limit; head++) {
    for (const e of topology.in[queue[head] as number] ?? []) {
      const u = topology.edges[e]?.from as number;
      if (seen.has(u)) continue;
      seen.add(u);
      queue.push(u);
      if (topology.nodes[u]?.kind === 'service' && ++found >= limit) break;
    }
  }
  return found;
}
