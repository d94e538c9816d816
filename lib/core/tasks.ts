// The task contracts of a compiled plan: what each Task state sends to its handler and gets back.
// The same handler logic runs in a Lambda (lambdas/) and in the local runner (lib/local/engines/runner.ts).
import * as z from './zod-mini';
import { ESCALATION_REASONS, type EscalationReason } from './escalations';
import { STAGE_NAMES, type Plan, type PlanStep, type StageName } from './plan';

export {
  ESCALATION_CAUSES,
  ESCALATION_ERRORS,
  ESCALATION_REASONS,
  SUGGEST_MODE_WHY,
  type EscalationReason,
} from './escalations';

/** Where a step sits in its plan; the handler finds the full step (action, change) by it. */
export interface StepRef {
  readonly planId: string;
  /** The incident this run is for: with the step, the idempotency key of its rollback. */
  readonly incidentId: string;
  readonly stage: StageName;
  /** 1-based across the whole plan, as in the state names. */
  readonly wave: number;
  readonly service: string;
}

export type ActInput = StepRef;

export const STEP_STATUSES = [
  'ROLLED_BACK',
  'ALREADY_ROLLED_BACK',
  'MANUAL_DONE',
  /** The rollback target is gone, was never healthy, or failed a check: people take the step over. */
  'MANUAL_REQUIRED',
  'FAILED',
  'REJECTED',
  'TIMED_OUT',
] as const;
export type StepStatus = (typeof STEP_STATUSES)[number];

export interface StepResult {
  readonly service: string;
  readonly status: StepStatus;
  /** The version the service runs after the step. */
  readonly version?: string;
  /** The error name from the Catch, when the step did not succeed. */
  readonly error?: string;
}

export interface ApprovalInput {
  readonly planId: string;
  readonly incidentId: string;
  readonly kind: 'stage' | 'step';
  readonly stage: StageName;
  readonly wave?: number;
  readonly service?: string;
  readonly why: readonly string[];
  /** The callback task's heartbeat: the approval link must expire by then. */
  readonly expiresInSeconds?: number;
  /** `$$.Task.Token`: kept server-side by the approval request handler, never put in a link. */
  readonly taskToken: string;
}

export interface ApprovalResult {
  readonly decision: 'approve';
  readonly by?: string;
}

export const GATE_OUTCOMES = ['RECOVERED', 'NOT_YET', 'WORSE', 'INSUFFICIENT_DATA', 'ACTION_FAILED'] as const;
export type GateOutcome = (typeof GATE_OUTCOMES)[number];

export type AlarmState = 'OK' | 'ALARM' | 'INSUFFICIENT_DATA';

export interface GateInput {
  readonly planId: string;
  /** The incident whose timeline records the reading (absent in plans compiled before it was passed). */
  readonly incidentId?: string;
  /** `baseline` reads the alarms before anything is rolled back; `gate` judges a wave. */
  readonly mode: 'baseline' | 'gate';
  readonly stage?: StageName;
  readonly wave?: number;
  /** The alarms of the incident (execution input `incident.alarms`): recovered when all are OK. */
  readonly incidentAlarms: readonly string[];
  /** The results of the wave (an array from Parallel/Map, or one object). */
  readonly results?: unknown;
  /** Alarm states read before the first wave (the `baseline` output). */
  readonly baseline?: GateResult;
  /** The previous gate output, to count re-reads of INSUFFICIENT_DATA. */
  readonly previous?: GateResult;
}

export interface GateResult {
  readonly outcome: GateOutcome | 'BASELINE';
  readonly wave: number;
  /** How many reads of this wave's gate saw INSUFFICIENT_DATA in a row. */
  readonly reads: number;
  readonly alarms: Readonly<Record<string, AlarmState>>;
  /** Services whose rollback was attempted so far. */
  readonly watched: readonly string[];
  /** Alarms read as OK at the baseline or at any gate so far: ALARM on any of them later is worse. */
  readonly okSoFar: readonly string[];
  /** What each service runs after its step: the version, or the status of the step (rule 15). */
  readonly versions: Readonly<Record<string, string>>;
  readonly failed?: readonly StepResult[];
  readonly detail: string;
}

export interface NotifyInput {
  readonly planId: string;
  readonly reason: EscalationReason;
  /** The last gate reading, when a gate outcome escalated: what each service runs, what failed. */
  readonly gate?: GateResult;
  /** The caught error, when a task failed or an approval was rejected or timed out. */
  readonly error?: { readonly Error?: string; readonly Cause?: string };
}

/**
 * Judges a wave, in this order: a failed step; an alarm that was OK at the baseline or any earlier
 * gate and is ALARM now (worse); every incident alarm OK (recovered); any incident alarm still in
 * ALARM (not yet); some incident alarm without data (insufficient: never read as healthy).
 */
export function judgeGate(input: GateInput, now: Readonly<Record<string, AlarmState>>): GateResult {
  const incidentAlarms = input.incidentAlarms;
  const wave = input.wave ?? 0;
  const results = waveResults(input);
  const failed = results.filter((r) => !succeeded(r));
  const versions: Record<string, string> = { ...(input.previous?.versions ?? {}) };
  for (const r of results) versions[r.service] = succeeded(r) ? (r.version ?? r.status) : r.status;
  const wasOk = new Set([...(input.baseline?.okSoFar ?? []), ...(input.previous?.okSoFar ?? [])]);
  const okSoFar = [...new Set([...wasOk, ...Object.keys(now).filter((a) => now[a] === 'OK')])].sort();
  const base = { wave, alarms: now, watched: watchedServices(input), okSoFar, versions };
  if (failed.length > 0) {
    const list = failed.map((f) => `${f.service} ${f.status.toLowerCase().replace('_', ' ')}`).join(', ');
    return { ...base, outcome: 'ACTION_FAILED', reads: 0, failed, detail: `wave ${wave}: ${list}` };
  }
  const worse = Object.keys(now)
    .filter((a) => now[a] === 'ALARM' && wasOk.has(a))
    .sort();
  if (worse.length > 0) {
    return { ...base, outcome: 'WORSE', reads: 0, detail: `now in ALARM after being OK: ${worse.join(', ')}` };
  }
  const incident = incidentAlarms.map((a) => [a, now[a] ?? 'INSUFFICIENT_DATA'] as const);
  if (incident.length > 0 && incident.every(([, state]) => state === 'OK')) {
    return { ...base, outcome: 'RECOVERED', reads: 0, detail: `incident alarms OK: ${incidentAlarms.join(', ')}` };
  }
  const still = incident.filter(([, state]) => state === 'ALARM').map(([a]) => a);
  if (still.length > 0) {
    return { ...base, outcome: 'NOT_YET', reads: 0, detail: `still in ALARM: ${still.join(', ')}` };
  }
  const missing = incident.filter(([, state]) => state === 'INSUFFICIENT_DATA').map(([a]) => a);
  const reads =
    input.previous && input.previous.wave === wave && input.previous.outcome === 'INSUFFICIENT_DATA'
      ? input.previous.reads + 1
      : 1;
  const what = missing.length > 0 ? `no data for ${missing.join(', ')}` : 'no incident alarm to judge recovery by';
  return { ...base, outcome: 'INSUFFICIENT_DATA', reads, detail: `${what} (read ${reads})` };
}

/** The step statuses that mean the service is back on the older version. */
export const ROLLED_BACK_STATUSES = [
  'ROLLED_BACK',
  'ALREADY_ROLLED_BACK',
  'MANUAL_DONE',
] as const satisfies readonly StepStatus[];
const SUCCEEDED: ReadonlySet<string> = new Set<string>(ROLLED_BACK_STATUSES);

/** Whether a step's status means its service is back on the older version (the one definition). */
export function rolledBack(status: string | undefined): boolean {
  return status !== undefined && SUCCEEDED.has(status);
}

function succeeded(r: StepResult): boolean {
  return rolledBack(r.status);
}

/** The alarms before anything is rolled back: the reference that "worse" is judged against. */
export function baselineReading(now: Readonly<Record<string, AlarmState>>): GateResult {
  const okSoFar = Object.keys(now)
    .filter((a) => now[a] === 'OK')
    .sort();
  return {
    outcome: 'BASELINE',
    wave: 0,
    reads: 0,
    alarms: now,
    watched: [],
    okSoFar,
    versions: {},
    detail: `read ${Object.keys(now).length} alarm(s), ${okSoFar.length} OK`,
  };
}

/** Finds a step of a plan by its reference. */
export function findStep(plan: Plan, ref: StepRef): PlanStep | undefined {
  if (ref.planId !== plan.planId) return undefined;
  let wave = 0;
  for (const stage of plan.stages) {
    for (const w of stage.waves) {
      wave++;
      if (wave === ref.wave && stage.name === ref.stage) return w.steps.find((s) => s.service === ref.service);
    }
  }
  return undefined;
}

/** The input of every execution of a compiled plan. */
export interface ExecutionInput {
  readonly incident: {
    readonly id: string;
    readonly alarms: readonly string[];
    readonly at: string;
  };
  /** `suggest` (the kill switch, or a rehearsal): every stage waits for a person. @default 'auto' */
  readonly mode?: 'auto' | 'suggest';
}

/** Services rolled back so far: the previous gate's list and this wave's results. */
export function watchedServices(input: GateInput): string[] {
  const services = waveResults(input)
    .map((r) => r.service)
    .filter((s): s is string => typeof s === 'string');
  return [...new Set([...(input.previous?.watched ?? []), ...services])];
}

/**
 * The step results of a wave: an array from a Parallel, or `{ auto, approve }` lists from Maps.
 * Anything without a status is not a result.
 */
export function waveResults(input: GateInput): StepResult[] {
  const raw = input.results;
  const list: unknown[] = Array.isArray(raw)
    ? raw
    : raw !== null && typeof raw === 'object'
      ? Object.values(raw).flatMap((v: unknown) => (Array.isArray(v) ? (v as unknown[]) : [v]))
      : [];
  return list.filter(
    (r): r is StepResult =>
      typeof r === 'object' && r !== null && typeof (r as { status?: unknown }).status === 'string',
  );
}

// Schemas for what arrives at the Lambda handlers: an event that does not fit fails loudly, once.

/**
 * A schema, built where it is declared. Building zod schemas takes start-up time, and esbuild drops this
 * call from a bundle that does not use its result (the annotation, which esbuild honours within a file, says
 * the call has no side effects): each function builds only the schema it parses with.
 */
/* @__NO_SIDE_EFFECTS__ */
function schema<T>(build: () => T): T {
  return build();
}

const stageName = schema(() => z.enum(STAGE_NAMES));
const id = schema(() => z.string().check(z.minLength(1)));
const positiveInt = schema(() => z.number().check(z.int(), z.positive()));

export const actInputSchema = schema(() =>
  z.object({
    planId: id,
    incidentId: id,
    stage: stageName,
    wave: positiveInt,
    service: id,
  }),
);

export const gateInputSchema = schema(() =>
  z.object({
    planId: id,
    incidentId: z.optional(id),
    mode: z.enum(['baseline', 'gate']),
    stage: z.optional(stageName),
    wave: z.optional(positiveInt),
    incidentAlarms: z.array(z.string()),
    results: z.optional(z.unknown()),
    baseline: z.optional(z.unknown()),
    previous: z.optional(z.unknown()),
  }),
);

export const approvalInputSchema = schema(() =>
  z.object({
    planId: id,
    incidentId: id,
    kind: z.enum(['stage', 'step']),
    stage: stageName,
    wave: z.optional(positiveInt),
    service: z.optional(z.string()),
    why: z.array(z.string()),
    expiresInSeconds: z.optional(positiveInt),
    taskToken: id,
  }),
);

export const notifyInputSchema = schema(() =>
  z.object({
    planId: z.string(),
    reason: z.enum(ESCALATION_REASONS),
    gate: z.optional(z.unknown()),
    error: z.optional(z.object({ Error: z.optional(z.string()), Cause: z.optional(z.string()) })),
  }),
);
