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
