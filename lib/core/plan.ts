// Plan JSON: the one contract between the planner, the compiler, the store and the CLI.
import type { Features } from './features';
import type { ChangeKind, Suspect } from './types';
import type { RollbackAction } from './catalog';

/**
 * Raised whenever the plan's shape changes, a feature of the culprit model included: every suspect
 * carries the features it was scored on (test/core/plan-schema.test.ts pins each version's set).
 * 2: the `chain` feature. A stored plan of an earlier version still reads: its stages and steps keep
 * their shape, and a feature its suspects lack counts as no evidence where records are learned from.
 */
export const PLAN_SCHEMA_VERSION = 2 as const;

export const STAGE_NAMES = ['targeted', 'expanded', 'full'] as const;
export type StageName = (typeof STAGE_NAMES)[number];

/** What a step undoes: every in-window change of the service, back to `fromVersion`. */
export interface PlanChange {
  readonly ids: readonly string[];
  /** ISO time of the first change undone. */
  readonly deployedAt: string;
  /** ISO time of the last change undone. */
  readonly lastDeployedAt: string;
  readonly fromVersion?: string;
  readonly toVersion?: string;
  readonly kind: ChangeKind;
  readonly reversible: boolean;
}

export interface PlanStep {
  readonly service: string;
  readonly change: PlanChange;
  readonly action: RollbackAction;
  readonly approval: boolean;
  readonly why: readonly string[];
  /** The catalog's validation function for this service, called before the rollback runs. */
  readonly validation?: string;
}

export interface PlanWave {
  readonly steps: readonly PlanStep[];
}

export interface PlanStage {
  readonly name: StageName;
  readonly approval: boolean;
  readonly why: readonly string[];
  readonly waves: readonly PlanWave[];
}

export interface Plan {
  readonly schemaVersion: typeof PLAN_SCHEMA_VERSION;
  /** sha256 (hex) of the canonical JSON of the plan without `planId`. */
  readonly planId: string;
  readonly incident: {
    readonly at: string;
    readonly alarmed: readonly string[];
    readonly windowStart: string;
  };
  /** The version of the culprit model that ranked the suspects. */
  readonly model: string;
  /** Best first, with the features the model scored (what an incident record keeps). */
  readonly suspects: readonly (Suspect & { readonly features: Features })[];
  readonly stages: readonly PlanStage[];
  readonly warnings: readonly string[];
}

/**
 * What a plan would do, without why: the stages, waves and steps (service, action, target version,
 * approval). X-Ray statistics move every few minutes and with them the scores; the state machine is
 * replaced only when what it would do changes.
 */
export function planShape(plan: Plan): string {
  return canonicalJson(
    plan.stages.map((stage) => ({
      name: stage.name,
      approval: stage.approval,
      waves: stage.waves.map((w) =>
        w.steps.map((s) => ({
          service: s.service,
          action: s.action,
          approval: s.approval,
          from: s.change.fromVersion,
          ids: s.change.ids,
        })),
      ),
    })),
  );
}

/** JSON with object keys sorted at every level: the same plan always hashes the same. */
export function canonicalJson(value: unknown): string {
  if (value === null || typeof value !== 'object') return JSON.stringify(value) ?? 'null';
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  const entries = Object.entries(value as Record<string, unknown>)
    .filter(([, v]) => v !== undefined)
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(',')}}`;
}
