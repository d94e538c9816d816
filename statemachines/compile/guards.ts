// Every Task is guarded: a timeout, retries of transient faults, and a Catch that sends the rest where
// a person hears of it (an escalation, or a step's failure that its gate reads).
import {
  CLAIM_SECONDS,
  LAMBDA_CRASH_ERRORS,
  LAMBDA_TRANSIENT_ERRORS,
  SNS_TRANSIENT_ERRORS,
  STATES_HEARTBEAT_TIMEOUT,
  STATES_TIMEOUT,
  TASK_ERRORS,
} from '../../lib/core/errors';
import type { Catcher, Retrier } from '../asl';

/** Transient faults: retried with exponential backoff and full jitter. */
export const TRANSIENT_RETRY: Retrier = {
  ErrorEquals: [TASK_ERRORS.transient, ...LAMBDA_TRANSIENT_ERRORS],
  IntervalSeconds: 2,
  MaxAttempts: 3,
  BackoffRate: 2,
  MaxDelaySeconds: 30,
  JitterStrategy: 'FULL',
};

/**
 * A function that died (its process exited, it ran out of memory or time): run it again, where that is
 * safe. A gate only reads; an act that died after acting left its claim, which the retry waits out.
 */
export const CRASH_RETRY: Retrier = {
  ErrorEquals: [...LAMBDA_CRASH_ERRORS],
  IntervalSeconds: 2,
  MaxAttempts: 2,
  BackoffRate: 2,
  JitterStrategy: 'FULL',
};

/**
 * A step whose claim another invocation holds: it finishes, or (it died) its claim expires after
 * CLAIM_SECONDS and this retry takes it over (rule 16). Even waits, no jitter, that outlast the claim.
 */
export const IN_PROGRESS_RETRY: Retrier = {
  ErrorEquals: [TASK_ERRORS.stepInProgress],
  IntervalSeconds: CLAIM_SECONDS / 5,
  MaxAttempts: 6,
  BackoffRate: 1,
};

/**
 * The escalation's publish: SNS throttles per account and Region, and an escalation nobody hears is the
 * worst ending, so it tries for minutes, not seconds, with backoff and jitter. If it still fails, the
 * plan ends failed: the orchestrator publishes, and the failed-execution alarm tells the same people.
 */
export const ESCALATION_RETRY: Retrier = {
  ErrorEquals: [TASK_ERRORS.transient, ...SNS_TRANSIENT_ERRORS, ...LAMBDA_TRANSIENT_ERRORS],
  IntervalSeconds: 5,
  MaxAttempts: 8,
  BackoffRate: 2,
  MaxDelaySeconds: 60,
  JitterStrategy: 'FULL',
};

/** How a Task is retried: transient faults always; crashes where a second run is safe. */
export type RetryKind = 'transient' | 'act' | 'gate' | 'escalation';

const RETRIES: Readonly<Record<RetryKind, readonly Retrier[]>> = {
  transient: [TRANSIENT_RETRY],
  act: [TRANSIENT_RETRY, CRASH_RETRY, IN_PROGRESS_RETRY],
  gate: [TRANSIENT_RETRY, CRASH_RETRY],
  escalation: [ESCALATION_RETRY],
};

/** A Task's timeout, retry and catches, in the order the definition lists them. */
export function guard(
  timeoutSeconds: number,
  catches: readonly Catcher[],
  retry: RetryKind = 'transient',
): { readonly TimeoutSeconds: number; readonly Retry: readonly Retrier[]; readonly Catch: readonly Catcher[] } {
  return { TimeoutSeconds: timeoutSeconds, Retry: RETRIES[retry], Catch: catches };
}

/** Any error, kept at `$.error` for whoever reads it next. */
export function catchAll(next: string): Catcher {
  return { ErrorEquals: ['States.ALL'], Next: next, ResultPath: '$.error' };
}

/** Where an approval's outcomes go: rejected, not decided in time, or any other error. */
export interface ApprovalExits {
  readonly rejected: string;
  readonly timedOut: string;
  readonly failed: string;
}

export function approvalCatches(exits: ApprovalExits): Catcher[] {
  return [
    { ErrorEquals: [TASK_ERRORS.approvalRejected], Next: exits.rejected, ResultPath: '$.error' },
    { ErrorEquals: [STATES_TIMEOUT, STATES_HEARTBEAT_TIMEOUT], Next: exits.timedOut, ResultPath: '$.error' },
    catchAll(exits.failed),
  ];
}
