// What every part of the compiler reads: the plan, the options with their defaults, the state namer
// and the escalations asked for so far.
import { SETTINGS } from '../../lib/core/contracts';
import type { Plan, PlanStep, StageName } from '../../lib/core/plan';
import type { EscalationReason } from '../../lib/core/tasks';
import { PARTITION_KEY, substituteText } from '../substitute';
import { CALLBACK_RESOURCE, PLACEHOLDER_RESOURCES, type TaskResources } from './resources';

export interface CompileOptions {
  readonly resources?: TaskResources;
  /**
   * The partition the plan runs in (aws, aws-cn, aws-us-gov), for the ARNs of service integrations.
   * @default - the `${Partition}` placeholder, filled with the task resources (planSubstitutions)
   */
  readonly partition?: string;
  /** At most this many rollbacks of one wave run at once. @default 10 */
  readonly maxConcurrency?: number;
  /** Plans with more steps compile every wave to a Map over its step list. @default 50 */
  readonly mapThreshold?: number;
  /** Wait after a wave before its gate reads the alarms. @default 300 */
  readonly bakeSeconds?: number;
  /** Wait between re-reads of a gate that saw INSUFFICIENT_DATA. @default 60 */
  readonly gatePeriodSeconds?: number;
  /** Reads of INSUFFICIENT_DATA in a row before escalating. @default 5 */
  readonly maxGateReads?: number;
  /** How long a person has to approve (the heartbeat; the link expires then). @default 3600 */
  readonly approvalSeconds?: number;
  /** @default 900 */
  readonly actTimeoutSeconds?: number;
  /** @default 120 */
  readonly gateTimeoutSeconds?: number;
  /** @default 60 */
  readonly notifyTimeoutSeconds?: number;
  /** The whole execution. @default 86400 */
  readonly executionTimeoutSeconds?: number;
}

const DEFAULTS = {
  maxConcurrency: 10,
  mapThreshold: 50,
  bakeSeconds: SETTINGS.bake.default as number,
  gatePeriodSeconds: 60,
  maxGateReads: 5,
  approvalSeconds: SETTINGS.approval.default as number,
  actTimeoutSeconds: 900,
  gateTimeoutSeconds: 120,
  notifyTimeoutSeconds: 60,
  executionTimeoutSeconds: 86_400,
};

export type Settings = typeof DEFAULTS & { readonly resources: TaskResources };

export interface Compilation {
  readonly plan: Plan;
  readonly o: Settings;
  /** The approval tasks' resource, its partition filled when the options name one. */
  readonly callback: string;
  /** A unique, readable state name for a text (names.ts). */
  readonly name: (text: string) => string;
  /** The name of the escalation for a reason; the definition gets its states (escalation.ts). */
  readonly escalate: (reason: EscalationReason) => string;
}

export function settle(options: CompileOptions): Settings {
  return { ...DEFAULTS, ...options, resources: options.resources ?? PLACEHOLDER_RESOURCES };
}

export function callbackResource(options: CompileOptions): string {
  return options.partition === undefined
    ? CALLBACK_RESOURCE
    : substituteText(CALLBACK_RESOURCE, { [PARTITION_KEY]: options.partition });
}

/** A wave of the plan, numbered across its stages. */
export interface Wave {
  /** From 1. */
  readonly number: number;
  readonly stage: StageName;
  readonly steps: readonly PlanStep[];
}
