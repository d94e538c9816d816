// Amazon States Language, typed: a union of states keyed on `Type`, built from small capability
// interfaces (after aws-local-stepfunctions' typings). Only what the compiler emits is modelled.

export interface Retrier {
  readonly ErrorEquals: readonly string[];
  readonly IntervalSeconds?: number;
  readonly MaxAttempts?: number;
  readonly BackoffRate?: number;
  readonly MaxDelaySeconds?: number;
  readonly JitterStrategy?: 'FULL' | 'NONE';
}

export interface Catcher {
  readonly ErrorEquals: readonly string[];
  readonly Next: string;
  readonly ResultPath?: string | null;
}

interface Common {
  readonly Comment?: string;
}

/** A state either goes on to another (`Next`) or ends its machine or branch (`End`), never both. */
export type Transition =
  { readonly Next: string; readonly End?: never } | { readonly End: true; readonly Next?: never };

interface InputOutput {
  readonly InputPath?: string | null;
  readonly OutputPath?: string | null;
}

interface ResultShaping {
  readonly Parameters?: Readonly<Record<string, unknown>>;
  readonly ResultSelector?: Readonly<Record<string, unknown>>;
  readonly ResultPath?: string | null;
}

interface Guarded {
  readonly Retry?: readonly Retrier[];
  readonly Catch?: readonly Catcher[];
}

export interface TaskFields extends Common, InputOutput, ResultShaping, Guarded {
  readonly Type: 'Task';
  readonly Resource: string;
  readonly TimeoutSeconds: number;
  readonly HeartbeatSeconds?: number;
}
export type TaskState = TaskFields & Transition;

interface PassFields extends Common, InputOutput {
  readonly Type: 'Pass';
  readonly Result?: unknown;
  readonly Parameters?: Readonly<Record<string, unknown>>;
  readonly ResultPath?: string | null;
}
export type PassState = PassFields & Transition;

interface WaitFields extends Common, InputOutput {
  readonly Type: 'Wait';
  readonly Seconds: number;
}
export type WaitState = WaitFields & Transition;

export type ChoiceRule =
  | { readonly Variable: string; readonly StringEquals: string; readonly Next: string }
  | { readonly Variable: string; readonly IsPresent: boolean; readonly Next: string }
  | { readonly Variable: string; readonly BooleanEquals: boolean; readonly Next: string }
  | { readonly Not: { readonly Variable: string; readonly IsPresent: boolean }; readonly Next: string }
  | {
      readonly And: readonly (
        | { readonly Variable: string; readonly StringEquals: string }
        | { readonly Variable: string; readonly NumericGreaterThanEquals: number }
      )[];
      readonly Next: string;
    };

export interface ChoiceState extends Common, InputOutput {
  readonly Type: 'Choice';
  readonly Choices: readonly ChoiceRule[];
  readonly Default: string;
}

interface ParallelFields extends Common, InputOutput, ResultShaping, Guarded {
  readonly Type: 'Parallel';
  readonly Branches: readonly StateMachineBody[];
}
export type ParallelState = ParallelFields & Transition;

interface MapFields extends Common, InputOutput, ResultShaping, Guarded {
  readonly Type: 'Map';
  readonly ItemsPath: string;
  readonly ItemSelector?: Readonly<Record<string, unknown>>;
  readonly MaxConcurrency: number;
  readonly ItemProcessor: StateMachineBody & { readonly ProcessorConfig: { readonly Mode: 'INLINE' } };
}
export type MapState = MapFields & Transition;

export interface SucceedState extends Common, InputOutput {
  readonly Type: 'Succeed';
}

export interface FailState extends Common {
  readonly Type: 'Fail';
  readonly Error: string;
  readonly Cause: string;
}

export type State =
  TaskState | PassState | WaitState | ChoiceState | ParallelState | MapState | SucceedState | FailState;

export interface StateMachineBody {
  readonly StartAt: string;
  readonly States: Readonly<Record<string, State>>;
}

export interface Asl extends StateMachineBody {
  readonly Comment: string;
  readonly TimeoutSeconds?: number;
}

/** Every state of a definition with its name, branches and Map processors included. */
export function* walkStates(body: StateMachineBody): Generator<[string, State]> {
  for (const [name, state] of Object.entries(body.States)) {
    yield [name, state];
    if (state.Type === 'Parallel') for (const branch of state.Branches) yield* walkStates(branch);
    if (state.Type === 'Map') yield* walkStates(state.ItemProcessor);
  }
}
