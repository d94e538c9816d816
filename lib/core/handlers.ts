// The task handlers of a compiled plan, written once against ports: the Lambdas bind the ports to AWS
// (CodeDeploy, CloudWatch, DynamoDB, SNS), the local runner to local engines and a simulated fleet.
import { RollbackFailedError } from './errors';
import type { Plan, PlanStep } from './plan';
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

export interface RollbackPort {
  /**
   * Rolls the step's service back, idempotently: a second call for the same step reports
   * `already: true`. Throws TransientError for retryable faults, RollbackFailedError otherwise.
   */
  readonly rollback: (
    step: PlanStep,
    ref: StepRef,
  ) => Promise<{ readonly version?: string; readonly already?: boolean }>;
}

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

export interface Ports {
  readonly plans: PlanPort;
  readonly rollback: RollbackPort;
  readonly alarms: AlarmPort;
  readonly approvals: ApprovalPort;
  readonly notify: NotifyPort;
}

export interface Handlers {
  readonly act: (input: ActInput) => Promise<StepResult>;
  readonly gate: (input: GateInput) => Promise<GateResult>;
  readonly approval: (input: ApprovalInput) => Promise<ApprovalResult>;
  readonly notify: (input: NotifyInput) => Promise<void>;
}

export function makeHandlers(ports: Ports): Handlers {
  return {
    async act(ref) {
      const plan = await ports.plans.load(ref.planId);
      const step = plan && findStep(plan, ref);
      if (!step) throw new RollbackFailedError(`no step ${ref.service} in wave ${ref.wave} of plan ${ref.planId}`);
      const done = await ports.rollback.rollback(step, ref);
      return {
        service: step.service,
        status: done.already ? 'ALREADY_ROLLED_BACK' : step.action.type === 'manual' ? 'MANUAL_DONE' : 'ROLLED_BACK',
        ...(done.version !== undefined ? { version: done.version } : {}),
      };
    },

    async gate(input) {
      // Every service of the plan: a rollback can make a service worse that was not rolled back.
      const plan = await ports.plans.load(input.planId);
      const services = plan ? planServices(plan) : watchedServices(input);
      const alarms = [...new Set([...input.incidentAlarms, ...(await ports.alarms.alarmsOf(services))])].sort();
      const now = await ports.alarms.read(alarms);
      return input.mode === 'baseline' ? baselineReading(now) : judgeGate(input, now);
    },

    approval: (input) => ports.approvals.request(input),
    notify: (input) => ports.notify.escalate(input),
  };
}

/** Every service a plan may roll back. */
export function planServices(plan: Plan): string[] {
  return [...new Set(plan.stages.flatMap((s) => s.waves.flatMap((w) => w.steps.map((step) => step.service))))];
}
