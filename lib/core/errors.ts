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
} as const;

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

export class TransientError extends BackstepError {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = TASK_ERRORS.transient;
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
