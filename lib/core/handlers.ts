// The task handlers of a compiled plan, written once against ports: the Lambdas bind the ports to AWS
// (CodeDeploy, CloudWatch, DynamoDB, SNS), the local runner to local engines and a simulated fleet.
import { RollbackFailedError, StepInProgressError, TransientError } from './errors';
import type { Plan, PlanStep } from './plan';
import type { IncidentStore, TimelineEvent } from './store';
import type { RollbackMark } from './types';
import {
  findStep,
  baselineReading,
  judgeGate,
  watchedServices,
  type ActInput,
  type AlarmState,
  type ApprovalInput,
  type ApprovalResult,
  type GateInput,
  type GateResult,
  type NotifyInput,
  type StepRef,
  type StepResult,
} from './tasks';

export interface PlanPort {
  /** The stored plan with this id. */
  readonly load: (planId: string) => Promise<Plan | undefined>;
}

export interface RollbackCheck {
  /** False turns the step manual (rule 12): the target is gone, was never healthy, or failed a check. */
  readonly ok: boolean;
  readonly reason?: string;
}

export interface RollbackPort {
  /** Whether the rollback target exists, was healthy before, and passes the security checks. */
  readonly inspect: (step: PlanStep, ref: StepRef) => Promise<RollbackCheck>;
  /**
   * Rolls the step's service back; a service already on the target reports `already: true`. A running
   * deployment is stopped with its own rollback rather than raced. Throws TransientError for
   * retryable faults, RollbackFailedError otherwise.
   */
  readonly rollback: (
    step: PlanStep,
    ref: StepRef,
  ) => Promise<{ readonly version?: string; readonly already?: boolean }>;
}

export type IdempotencyPort = Pick<IncidentStore, 'claimIdempotency' | 'completeIdempotency' | 'releaseIdempotency'>;

export interface AlarmPort {
  /** The alarms that watch these services. */
  readonly alarmsOf: (services: readonly string[]) => Promise<readonly string[]>;
  /** Current states; an alarm it cannot read is INSUFFICIENT_DATA. */
  readonly read: (alarms: readonly string[]) => Promise<Readonly<Record<string, AlarmState>>>;
}

export interface ApprovalPort {
  /** Resolves when a person approves; rejects with ApprovalRejectedError or ApprovalTimedOutError. */
  readonly request: (input: ApprovalInput) => Promise<ApprovalResult>;
}

export interface NotifyPort {
  readonly escalate: (input: NotifyInput) => Promise<void>;
}

/** The incident's append-only timeline (rule 16): every step, gate reading and approval, as it happens. */
export interface TimelinePort {
  readonly append: (incidentId: string, event: TimelineEvent) => Promise<unknown>;
}

export interface RollbackMarkPort {
  readonly mark: (mark: RollbackMark) => Promise<unknown>;
}

export interface Ports {
  readonly plans: PlanPort;
  /** Where undone changes are remembered; absent in rehearsals that publish no plans afterwards. */
  readonly rollbackMarks?: RollbackMarkPort;
  /** Where steps and gate readings are recorded; absent in rehearsals that keep no incident. */
  readonly timeline?: TimelinePort;
  readonly rollback: RollbackPort;
  readonly idempotency: IdempotencyPort;
  readonly now: () => number;
  readonly alarms: AlarmPort;
  readonly approvals: ApprovalPort;
  readonly notify: NotifyPort;
}

/** The task handlers of a plan's state machine: the Lambdas run them in AWS, the local runner on one machine. */
export interface TaskHandlers {
  readonly act: (input: ActInput) => Promise<StepResult>;
  readonly gate: (input: GateInput) => Promise<GateResult>;
  /** Resolves on approval; rejects with ApprovalRejectedError or ApprovalTimedOutError. */
  readonly approval: (input: ApprovalInput) => Promise<ApprovalResult>;
  readonly notify: (input: NotifyInput) => Promise<void>;
}

export function makeHandlers(ports: Ports): TaskHandlers {
  return {
    act: actHandler(ports),
    gate: gateHandler(ports),
    approval: (input) => ports.approvals.request(input),
    notify: (input) => ports.notify.escalate(input),
  };
}

/**
 * One rollback per step and incident (rule 11): the first attempt claims the key; a retry after it
 * finished gets the recorded result; a retry while it still runs waits for it (StepInProgress). A claim
 * whose invocation died is taken over once it expired, and the retry continues: the target says whether
 * the rollback was applied already, so it is never applied twice (rule 16).
 */
export function actHandler(
  ports: Pick<Ports, 'plans' | 'rollback' | 'idempotency' | 'now' | 'timeline' | 'rollbackMarks'>,
): TaskHandlers['act'] {
  return async (ref) => {
    const plan = await ports.plans.load(ref.planId);
    const step = plan && findStep(plan, ref);
    if (!step) throw new RollbackFailedError(`no step ${ref.service} in wave ${ref.wave} of plan ${ref.planId}`);
    const key = `act:${ref.incidentId}:${ref.planId}:${ref.wave}:${ref.service}`;
    const startedAt = new Date(ports.now()).toISOString();
    const record = (result: StepResult) =>
      ports.timeline?.append(ref.incidentId, {
        key: `step-${ref.wave}-${ref.service}`,
        at: new Date(ports.now()).toISOString(),
        type: 'step',
        data: { ...result, stage: ref.stage, wave: ref.wave, action: step.action.type, startedAt },
      });
    /** Undone changes are not suspects any more (a mark is a put by key: once, however often). */
    const remember = async (result: StepResult) => {
      if (result.status !== 'ROLLED_BACK' && result.status !== 'MANUAL_DONE') return;
      const version = result.version ?? step.change.fromVersion;
      await ports.rollbackMarks?.mark({
        service: step.service,
        ...(version !== undefined ? { version } : {}),
        changeIds: step.change.ids,
        at: startedAt,
        incidentId: ref.incidentId,
      });
    };
    const claim = await ports.idempotency.claimIdempotency(key, startedAt);
    if (!claim.claimed) {
      if (!claim.done) throw new StepInProgressError(`${ref.service}: the rollback is already running`);
      // A retry after the step finished: the timeline may have missed it (the append is keyed, so once).
      await record(claim.result as StepResult);
      await remember(claim.result as StepResult);
      return claim.result as StepResult;
    }
    try {
      // Before the side effect: a function that dies after it and before recording the result leaves the
      // step on the record all the same (rule 16), as started.
      await ports.timeline?.append(ref.incidentId, {
        key: `step-${ref.wave}-${ref.service}-started`,
        at: startedAt,
        type: 'step-started',
        data: { service: step.service, stage: ref.stage, wave: ref.wave, action: step.action.type },
      });
      const result = await rollbackStep(ports.rollback, step, ref);
      await ports.idempotency.completeIdempotency(key, result);
      await record(result);
      await remember(result);
      return result;
    } catch (err) {
      // A transient failure may be retried: give the key back. A permanent one stays claimed.
      if (err instanceof TransientError) {
        await giveBack(ports.idempotency, key);
      } else {
        const failed = failedResult(step.service, err);
        await ports.idempotency.completeIdempotency(key, failed);
        await record(failed);
      }
      throw err;
    }
  };
}

/** Attempts at giving a claim back before the step fails. */
const RELEASE_ATTEMPTS = 3;

/**
 * Gives a claim back after a transient failure before acting, trying again when the store is throttled:
 * a claim left behind makes every retry of the step wait for it (until it is stale), so the step fails.
 */
async function giveBack(port: IdempotencyPort, key: string): Promise<void> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await port.releaseIdempotency(key);
    } catch (err) {
      if (!(err instanceof TransientError) || attempt >= RELEASE_ATTEMPTS) throw err;
    }
  }
}

/** Reads the alarms of the incident and of every service in the plan, then judges (or records the baseline). */
export function gateHandler(
  ports: Pick<Ports, 'plans' | 'alarms' | 'timeline'> & Partial<Pick<Ports, 'now'>>,
): TaskHandlers['gate'] {
  return async (input) => {
    // Every service of the plan: a rollback can make a service worse that was not rolled back.
    const plan = await ports.plans.load(input.planId);
    const services = plan ? planServices(plan) : watchedServices(input);
    const alarms = [...new Set([...input.incidentAlarms, ...(await ports.alarms.alarmsOf(services))])].sort();
    const now = await ports.alarms.read(alarms);
    const reading = input.mode === 'baseline' ? baselineReading(now) : judgeGate(input, now);
    if (input.incidentId !== undefined) {
      // One entry per read: a retried read of the same gate keeps the first (the key is the same).
      const previousReads = input.previous?.wave === reading.wave ? input.previous.reads : 0;
      await ports.timeline?.append(input.incidentId, {
        key: input.mode === 'baseline' ? 'baseline' : `gate-${reading.wave}-${previousReads}`,
        at: new Date(ports.now?.() ?? Date.now()).toISOString(),
        type: input.mode === 'baseline' ? 'baseline' : 'gate',
        data: { stage: input.stage, ...reading },
      });
    }
    return reading;
  };
}

async function rollbackStep(port: RollbackPort, step: PlanStep, ref: StepRef): Promise<StepResult> {
  const check = await port.inspect(step, ref);
  if (!check.ok) {
    return {
      service: step.service,
      status: 'MANUAL_REQUIRED',
      error: check.reason ?? 'the rollback target failed its checks',
    };
  }
  const done = await port.rollback(step, ref);
  return {
    service: step.service,
    status: done.already
      ? 'ALREADY_ROLLED_BACK'
      : step.action.type === 'manual' || step.action.type === 'feature-flag'
        ? 'MANUAL_DONE'
        : 'ROLLED_BACK',
    ...(done.version !== undefined ? { version: done.version } : {}),
  };
}

function failedResult(service: string, err: unknown): StepResult {
  return { service, status: 'FAILED', error: err instanceof Error ? err.name : 'Error' };
}

/** Every service a plan may roll back. */
export function planServices(plan: Plan): string[] {
  return [...new Set(plan.stages.flatMap((s) => s.waves.flatMap((w) => w.steps.map((step) => step.service))))];
}
