// Every Task is guarded: a timeout, retries of transient faults, and a Catch that sends the rest where
// a person hears of it (an escalation, or a step's failure that its gate reads).
import { LAMBDA_TRANSIENT_ERRORS, STATES_HEARTBEAT_TIMEOUT, STATES_TIMEOUT, TASK_ERRORS } from '../../lib/core/errors';
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

/** A Task's timeout, retry and catches, in the order the definition lists them. */
export function guard(
  timeoutSeconds: number,
  catches: readonly Catcher[],
): { readonly TimeoutSeconds: number; readonly Retry: readonly Retrier[]; readonly Catch: readonly Catcher[] } {
  return { TimeoutSeconds: timeoutSeconds, Retry: [TRANSIENT_RETRY], Catch: catches };
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
