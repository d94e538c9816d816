// Backstep as a library: what a platform team imports into its own CDK app or tooling. Everything else
// under lib/ is internal and may change between versions.

// The construct.
export { Backstep, PLAN_STATE_MACHINE_PREFIX } from './infra/backstep';
export type { BackstepProps, BackstepSettings, CatalogInput } from './infra/backstep';
export type { ControlTowerAcknowledgement } from './infra/control-tower';
export type { Severity } from './aws/targets/target';

// What it throws: a prop the construct refused (PropsError), an input a parser refused (InputError).
export { BackstepError, InputError } from './core/errors';
export { PropsError } from './infra/errors';

// The inputs of a plan: a catalog, X-Ray service graphs, deployments.
export { parseCatalog } from './core/catalog';
export type { Catalog, ActionType } from './core/catalog';
export { parseServiceGraphs } from './core/xray';
export type { GraphInput, ParsedGraph } from './core/xray';
export { parseChanges, parseDuration } from './core/changes';
export type { Change, Topology } from './core/types';

// The plan and its state machine.
export { planRollback } from './core/planner';
export type { PlanInput, PlanOptions } from './core/planner';
export { PLAN_SCHEMA_VERSION, STAGE_NAMES } from './core/plan';
export type { Plan, PlanStage, PlanWave, PlanStep, PlanChange, StageName } from './core/plan';
export { compilePlan } from '../statemachines/compile';
export type { CompileOptions, TaskResources } from '../statemachines/compile';
export type { Asl } from '../statemachines/asl';
