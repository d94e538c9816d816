// Errors of the core. An InputError is bad input, never a bug: the CLI prints it as
// `backstep: <what>: <where>: <expected>` and exits 2; handlers record it as an ignored input.

export class BackstepError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'BackstepError';
  }
}

export const INPUT_ERROR = 'BackstepInputError';

export class InputError extends BackstepError {
  /** What is wrong, e.g. `not JSON`. */
  readonly what: string;
  /** Where, e.g. `graph.json: Services[3].Edges[0].ReferenceId`. */
  readonly where: string;
  /** What was expected, e.g. `a number`. */
  readonly expected: string;

  constructor(what: string, where: string, expected: string, options?: { cause?: unknown }) {
    super(`${what}: ${where}: ${expected}`, options);
    this.name = INPUT_ERROR;
    this.what = what;
    this.where = where;
    this.expected = expected;
  }
}

/**
 * Error names that the compiled state machines match in Retry and Catch. The code that throws them
 * (Lambda handlers, local adapters) and the compiler both use these constants: one contract.
 */
export const TASK_ERRORS = {
  /** Throttling, a 5xx, a network blip: worth a retry with backoff. */
  transient: 'Backstep.Transient',
  /** A person rejected the approval. */
  approvalRejected: 'Backstep.ApprovalRejected',
  /** The rollback action could not be done (target missing, deployment failed, ...). */
  rollbackFailed: 'Backstep.RollbackFailed',
  /** Another invocation holds the step's claim: wait until it finished or its claim expired (rule 16). */
  stepInProgress: 'Backstep.StepInProgress',
} as const;

/**
 * How long the act function may run (its Lambda timeout, lib/infra/backstep.ts), so how long a step's
 * claim lives: no live invocation holds one longer, and a retry after that takes it over (rule 16).
 */
export const CLAIM_SECONDS = 300;

/** What Step Functions raises when a callback task outlives its heartbeat or its timeout. */
export const STATES_TIMEOUT = 'States.Timeout';
export const STATES_HEARTBEAT_TIMEOUT = 'States.HeartbeatTimeout';

/** Errors that the Lambda service integration raises for transient faults; retried like ours. */
export const LAMBDA_TRANSIENT_ERRORS = [
  'Lambda.ServiceException',
  'Lambda.AWSLambdaException',
  'Lambda.SdkClientException',
  'Lambda.TooManyRequestsException',
] as const;

/**
 * The errors SNS Publish returns for throttling (per account and Region:
 * https://repost.aws/knowledge-center/sns-throttling-exception-errors) and its own faults, which the
 * notify function lets through under the SDK's names.
 */
export const SNS_TRANSIENT_ERRORS = [
  'ThrottledException',
  'ThrottlingException',
  'KMSThrottlingException',
  'InternalErrorException',
] as const;

/**
 * What Step Functions reports for a function that died: an unhandled error, out of memory or timed out
 * (`Lambda.Unknown`: https://docs.aws.amazon.com/step-functions/latest/dg/bp-lambda-serviceexception.html),
 * or Lambda's own error type for a process that exited (`Runtime.ExitError`:
 * https://repost.aws/knowledge-center/lambda-runtime-error) or ran out of time (`Sandbox.Timedout`:
 * https://docs.aws.amazon.com/lambda/latest/dg/troubleshooting-invocation.html#troubleshooting-timeouts).
 * Retried only where a second run is safe: the act (its claim) and the gate (a read).
 */
export const LAMBDA_CRASH_ERRORS = ['Lambda.Unknown', 'Runtime.ExitError', 'Sandbox.Timedout'] as const;

export class TransientError extends BackstepError {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = TASK_ERRORS.transient;
  }
}

export class StepInProgressError extends BackstepError {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = TASK_ERRORS.stepInProgress;
  }
}

export class ApprovalRejectedError extends BackstepError {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = TASK_ERRORS.approvalRejected;
  }
}

export class RollbackFailedError extends BackstepError {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = TASK_ERRORS.rollbackFailed;
  }
}

/** A callback task's deadline passed; named as Step Functions names it, so one Catch handles both. */
export class ApprovalTimedOutError extends BackstepError {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = STATES_TIMEOUT;
  }
}
