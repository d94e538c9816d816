// What an incident report shows: the contract between a local run (`backstep demo`, `backstep simulate`)
// and the HTML renderer. Times are simulated minutes since the alarm fired, so a report reads like the
// incident it rehearses, whatever the wall time of the run.
import type { Asl } from '../../statemachines/asl';
import type { Plan } from '../core/plan';
import type { AlarmState } from '../core/tasks';

export type TimelineKind =
  'deploy' | 'alarm' | 'plan' | 'approval' | 'act' | 'bake' | 'gate' | 'escalate' | 'recovered';

/** One bar (or, when `endMin` equals `startMin`, one mark) of the Gantt-like execution timeline. */
export interface ReportTimelineItem {
  /** The row it is drawn on: "Incident", "Stage targeted", "Wave 1", ... */
  readonly lane: string;
  readonly kind: TimelineKind;
  readonly label: string;
  readonly startMin: number;
  readonly endMin: number;
  /** RECOVERED, NOT_YET, approved, rejected, SUCCEEDED, MANUAL_REQUIRED, ... */
  readonly outcome?: string;
  /** The service a deployment or a rollback is of; without it, a service named in the label counts. */
  readonly service?: string;
}

/** One health-gate reading: what each watched alarm said after a wave's bake time. */
export interface ReportGateReading {
  readonly atMin: number;
  readonly stage: string;
  readonly wave: number;
  readonly outcome: string;
  readonly alarms: Readonly<Record<string, AlarmState>>;
  readonly detail: string;
}

/** The same incident handled another way, for comparison. */
export interface ReportBaseline {
  readonly name: string;
  readonly description: string;
  readonly recovered: boolean;
  /** Simulated minutes from the alarm to recovery, when it recovered. */
  readonly minutes?: number;
  readonly rollbacks: number;
}

/** One fault a chaos demo injected (`backstep demo --chaos SEED`), and how the run survived it. */
export interface ReportFault {
  /** The fault kind, e.g. "rollback-throttle" (docs/reliability.md, Faults survived). */
  readonly kind: string;
  /** Where it was injected: the call and the function or state machine that made it. */
  readonly where: string;
  readonly atMin: number;
  /** The error injected (as AWS names it), or the event delivered. */
  readonly error: string;
  /** Which call of its burst: "call 1 of 2". */
  readonly call: string;
  /** What happened next, read from the executions' events, the fleet's action log and the table. */
  readonly survived: readonly string[];
}

/** A chaos demo's faults, and the invariants checked after the run (lib/local/chaos/invariants.ts). */
export interface ReportChaos {
  readonly seed: number;
  readonly faults: readonly ReportFault[];
  /** Each invariant with what broke it; none broken when every list is empty. */
  readonly invariants: readonly { readonly name: string; readonly broken: readonly string[] }[];
}

export interface DemoReport {
  readonly title: string;
  /**
   * A rehearsal (simulated minutes, a seed, other ways compared) or an incident that happened (wall-clock
   * minutes since it started). @default 'rehearsal'
   */
  readonly origin?: 'rehearsal' | 'incident';
  /** Topology name, e.g. "online-boutique", the graph file `simulate` read, or the incident's application. */
  readonly scenario: string;
  /** The simulation's seed; absent for an incident that happened. */
  readonly seed?: number;
  readonly generatedAt: string;
  readonly plan: Plan;
  /** The compiled state machine definition that ran. */
  readonly definition: Asl;
  /** The change the simulation made bad; absent when it is not known (a rehearsal of real inputs). */
  readonly culprit?: { readonly service: string; readonly changeId: string };
  readonly timeline: readonly ReportTimelineItem[];
  readonly gates: readonly ReportGateReading[];
  readonly outcome: {
    readonly status: 'RECOVERED' | 'HALTED' | 'ESCALATED';
    /** Simulated minutes from the alarm to recovery (or to the halt). */
    readonly minutes: number;
    readonly detail: string;
  };
  readonly baselines: readonly ReportBaseline[];
  /** The faults a chaos demo ran under; absent for a plain rehearsal and an incident. */
  readonly chaos?: ReportChaos;
}
