// What must hold after every run, however it went, read from the fleet's own log of what it applied and
// from the table, never from what the code said it did: no rollback twice, nothing done off the record,
// no lease left to a dead incident, no ending nobody hears of, one incident per storm, one learning record.
import type { TimelineEvent } from '../../core/store';
import type { FleetAction } from '../sim/fleet';

/** The four figures of the bench's last line; a second incident for one storm is a double action. */
export type ViolationKind = 'double_action' | 'lost_entry' | 'stuck_lease' | 'silent_end';

export interface Violation {
  readonly kind: ViolationKind;
  readonly what: string;
}

export interface IncidentSeen {
  readonly id: string;
  /** Its timeline as the table keeps it. */
  readonly timeline: readonly TimelineEvent[];
  /** Its orchestrator execution ended in the Recovered state. */
  readonly recovered: boolean;
  /** An escalation for it reached the notification channel: a publish to the topic succeeded (the plan's or the orchestrator's). */
  readonly notified: boolean;
  /** The failed-incident alarm fired for it and its notification reached the topic (lib/local/engines/incident-alarm.ts). */
  readonly alarmed?: boolean;
  /** A person stopped its execution: they know, and the lease is for the next alarm to take over. */
  readonly stoppedByHand: boolean;
  /** Learning records the table keeps for it; none expected when the alarm path failed before the incident was recorded. */
  readonly records?: number;
}

/** A person's approval over HTTP (the approval faults): what the table keeps of it and what they were answered. */
export interface DecisionSeen {
  readonly incidentId: string;
  readonly approvalId: string;
  /** The table's approval record is DECIDED. */
  readonly decided: boolean;
  /** The HTTP statuses the person got, the page first; 0 when nothing answered. */
  readonly answers: readonly number[];
  /** How many of those answers were the callback dying (the fault itself). */
  readonly crashed: number;
}

/** A reading a gate function returned, and the key its timeline entry has. */
export interface ReadingSeen {
  readonly incidentId: string;
  readonly key: string;
}

export interface Observation {
  /** Every rollback the fleet applied. */
  readonly actions: readonly FleetAction[];
  readonly readings: readonly ReadingSeen[];
  /** Approvals the approval task returned (a decision was made), per incident. */
  readonly approvals: readonly { readonly incidentId: string }[];
  /** Decisions people made over HTTP, when the run had them. */
  readonly decisions?: readonly DecisionSeen[];
  /** Every incident the table has (an incident item) and every alarm path that failed before it had one. */
  readonly incidents: readonly IncidentSeen[];
  /** The application's lease once everything ended (after a probe alarm where a holder was stopped). */
  readonly lease?: { readonly holder: string };
  /** The current model's version, and the version of the built-in model refined on every record the table has. */
  readonly model?: { readonly current: string | undefined; readonly expected: string };
  /** Executions still running: a lease they hold is theirs. */
  readonly live: ReadonlySet<string>;
  /** The alarm events were one storm (or one event delivered many times): one incident may run a plan. */
  readonly oneIncident: boolean;
}

/** Each rollback applied at most once per incident and step; one incident runs a plan per storm. */
export function doubleActions(o: Pick<Observation, 'actions' | 'oneIncident'>): Violation[] {
  const seen = new Map<string, number>();
  for (const a of o.actions) {
    const key = `${a.incidentId ?? '?'} wave ${a.wave ?? '?'} ${a.service}`;
    seen.set(key, (seen.get(key) ?? 0) + 1);
  }
  const out: Violation[] = [...seen]
    .filter(([, n]) => n > 1)
    .map(([key, n]) => ({ kind: 'double_action', what: `${key}: rolled back ${n} times` }));
  const acting = new Set(o.actions.map((a) => a.incidentId));
  if (o.oneIncident && acting.size > 1)
    out.push({
      kind: 'double_action',
      what: `one storm, ${acting.size} incidents rolled back: ${[...acting].join(', ')}`,
    });
  return out;
}

/** Every rollback applied, gate reading returned and approval decided is on its incident's timeline; one learning record, learnt from. */
export function lostEntries(
  o: Pick<Observation, 'actions' | 'readings' | 'approvals' | 'incidents' | 'model'>,
): Violation[] {
  const timelines = new Map(o.incidents.map((i) => [i.id, i.timeline]));
  const has = (incidentId: string | undefined, key: string) =>
    (timelines.get(incidentId ?? '') ?? []).some((e) => e.key === key);
  const out: Violation[] = [];
  for (const a of o.actions) {
    const key = `step-${a.wave ?? '?'}-${a.service}`;
    // Its result, or at least that it started (a function that died after acting wrote no result).
    if (!has(a.incidentId, key) && !has(a.incidentId, `${key}-started`))
      out.push({ kind: 'lost_entry', what: `${a.incidentId ?? '?'}: no ${key} for a rollback applied` });
  }
  for (const r of o.readings)
    if (!has(r.incidentId, r.key))
      out.push({ kind: 'lost_entry', what: `${r.incidentId}: no ${r.key} for a gate reading` });
  const decided = new Map<string, number>();
  for (const a of o.approvals) decided.set(a.incidentId, (decided.get(a.incidentId) ?? 0) + 1);
  for (const [id, n] of decided) {
    const kept = (timelines.get(id) ?? []).filter((e) => e.type === 'approval-decided').length;
    if (kept < n) out.push({ kind: 'lost_entry', what: `${id}: ${n} approvals decided, ${kept} on the timeline` });
  }
  for (const i of o.incidents)
    if (i.records !== undefined && i.records !== 1)
      out.push({ kind: 'lost_entry', what: `${i.id}: ${i.records} learning records` });
  // A record the model never learnt from: learning died between the two writes and its retry gave up.
  if (o.model && o.model.current !== o.model.expected)
    out.push({
      kind: 'lost_entry',
      what: `the model is ${o.model.current ?? 'none'}, not ${o.model.expected} (refined on every record)`,
    });
  return out;
}

/**
 * A person's decision is on the timeline once and applied once (as many approval tasks went on as the table
 * has decisions), and every answer they got was no 5xx, but where the callback died.
 */
export function lostDecisions(o: Pick<Observation, 'decisions' | 'approvals' | 'incidents'>): Violation[] {
  if (!o.decisions) return [];
  const out: Violation[] = [];
  const timelines = new Map(o.incidents.map((i) => [i.id, i.timeline]));
  const perIncident = new Map<string, number>();
  for (const d of o.decisions) {
    const kept = (timelines.get(d.incidentId) ?? []).filter(
      (e) => e.type === 'approval-decided' && (e.data as { approvalId?: unknown }).approvalId === d.approvalId,
    ).length;
    const what = `${d.incidentId}: approval ${d.approvalId}`;
    if (d.decided) perIncident.set(d.incidentId, (perIncident.get(d.incidentId) ?? 0) + 1);
    if (d.decided && kept === 0) out.push({ kind: 'lost_entry', what: `${what} decided, not on the timeline` });
    if (kept > 1) out.push({ kind: 'double_action', what: `${what} on the timeline ${kept} times` });
    const failed = d.answers.filter((s) => s === 0 || s >= 500).length - d.crashed;
    if (failed > 0)
      out.push({ kind: 'lost_entry', what: `${what}: ${failed} of [${d.answers.join(', ')}] no answer or 5xx` });
  }
  const applied = new Map<string, number>();
  for (const a of o.approvals) applied.set(a.incidentId, (applied.get(a.incidentId) ?? 0) + 1);
  for (const id of new Set([...perIncident.keys(), ...applied.keys()])) {
    const decided = perIncident.get(id) ?? 0;
    const went = applied.get(id) ?? 0;
    if (went < decided) out.push({ kind: 'lost_entry', what: `${id}: ${decided} decisions, ${went} applied` });
    if (went > decided) out.push({ kind: 'double_action', what: `${id}: ${decided} decisions, ${went} applied` });
  }
  return out;
}

/** The lease is free, or held by an execution still running. */
export function stuckLeases(o: Pick<Observation, 'lease' | 'live'>): Violation[] {
  if (!o.lease || o.live.has(o.lease.holder)) return [];
  return [{ kind: 'stuck_lease', what: `lease held by ${o.lease.holder}, which ended` }];
}

/**
 * Every incident recovered, or people heard that it did not: its escalation or the failed-incident alarm
 * reached the channel (or a person stopped it by hand).
 */
export function silentEnds(o: Pick<Observation, 'incidents'>): Violation[] {
  return o.incidents
    .filter((i) => !i.recovered && !i.notified && !i.alarmed && !i.stoppedByHand)
    .map((i) => ({
      kind: 'silent_end',
      what: `${i.id}: ended neither recovered nor with an escalation or an alarm that reached the channel`,
    }));
}

export function checkInvariants(o: Observation): Violation[] {
  return [...doubleActions(o), ...lostEntries(o), ...lostDecisions(o), ...stuckLeases(o), ...silentEnds(o)];
}
