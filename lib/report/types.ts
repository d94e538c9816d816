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
}
