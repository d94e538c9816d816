// What discovery hands to synthesis: the service graph now and in a healthy period before the change
// window, the alarms, the deployments in the window, and what failed to be read. Plain JSON data.
import type { AlarmState } from './tasks';
import type { Change, Topology } from './types';

/** [start, end] in epoch milliseconds. */
export interface TimeWindow {
  readonly start: number;
  readonly end: number;
}

export interface AlarmSnapshot {
  readonly name: string;
  readonly type: 'metric' | 'composite';
  readonly state: AlarmState;
  /** When the alarm entered its state, epoch ms. */
  readonly since?: number;
  readonly namespace?: string;
  readonly metricName?: string;
  readonly dimensions?: Readonly<Record<string, string>>;
}

export interface DiscoverySnapshot {
  readonly application: string;
  readonly takenAt: number;
  /** The look-back window of `changes`. */
  readonly window: TimeWindow;
  readonly graphWindow: TimeWindow;
  /** Just before `window`: a period before every change in it, so presumably healthy. */
  readonly baselineWindow: TimeWindow;
  /** Absent when X-Ray could not be read: keep the plans built from an earlier snapshot. */
  readonly graph?: Topology;
  readonly baseline?: Topology;
  readonly alarms: readonly AlarmSnapshot[];
  readonly changes: readonly Change[];
  /** The version each catalogued service runs now (alias version, task definition, deployment id, ...). */
  readonly versions: Readonly<Record<string, string>>;
  /** Sources (or `source:service`) that could not be read; their part of the snapshot is incomplete. */
  readonly failed: readonly string[];
  readonly warnings: readonly string[];
}
