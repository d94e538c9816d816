// Runs a compiled plan on one machine with aws-local-stepfunctions: every Task is bound to the same
// handler logic the Lambdas use, through adapters. Events stream out as they happen, so a terminal
// can show progress; the result carries the whole event log (to count history events) and the path.
import './polyfill';
import type { StateMachine as LocalStateMachine, StateMachineDefinition } from 'aws-local-stepfunctions' with {
  'resolution-mode': 'import',
};
import type { TaskHandlers } from '../../core/handlers';
import type { ApprovalInput, ExecutionInput, NotifyInput } from '../../core/tasks';
import { walkStates, type Asl } from '../../../statemachines/asl';
import { CALLBACK_RESOURCE, planSubstitutions, type TaskResources } from '../../../statemachines/compile';
import { substitute, substituteText } from '../../../statemachines/substitute';

// The package is an ES module with a CommonJS build for `require`; TypeScript only resolves its types
// as ESM, so the value is required explicitly.
// eslint-disable-next-line @typescript-eslint/no-require-imports
const { StateMachine } = require('aws-local-stepfunctions') as { StateMachine: typeof LocalStateMachine };

/** Fake ARNs for the placeholders: the definition runs exactly as compiled for AWS. */
export const LOCAL_RESOURCES: TaskResources = {
  act: 'arn:aws:lambda:us-east-1:000000000000:function:backstep-act',
  gate: 'arn:aws:lambda:us-east-1:000000000000:function:backstep-gate',
  approval: 'arn:aws:lambda:us-east-1:000000000000:function:backstep-approval',
  notify: 'arn:aws:lambda:us-east-1:000000000000:function:backstep-notify',
};

export interface RunEvent {
  readonly type: string;
  /** Milliseconds since the run started (wall time). */
  readonly at: number;
  readonly state?: string;
  readonly stateType?: string;
  readonly error?: string;
  readonly cause?: string;
  readonly output?: unknown;
}

export interface LocalRunOptions {
  /** Called for every event as it happens. */
  readonly onEvent?: (event: RunEvent) => void;
  /** Milliseconds a Wait state really waits (default 0: a rehearsal, not a clock). */
  readonly waitMs?: (state: string, seconds: number) => number;
  /** The task token the callback tasks see as `$$.Task.Token`. */
  readonly taskToken?: string;
  /** Validate the definition before running it (once per distinct definition). @default true */
  readonly validate?: boolean;
  /** Stops the execution, as StopExecution does (someone stopping it by hand): it ends ABORTED. */
  readonly signal?: AbortSignal;
}

export interface LocalRunResult {
  readonly status: 'SUCCEEDED' | 'FAILED' | 'ABORTED';
  readonly error?: string;
  readonly cause?: string;
  readonly output?: unknown;
  readonly events: readonly RunEvent[];
  /** Names of the states entered, in order (Parallel branches and Map iterations included). */
  readonly path: readonly string[];
}

export async function runLocally(
  compiled: Asl,
  input: ExecutionInput,
  handlers: TaskHandlers,
  options: LocalRunOptions = {},
): Promise<LocalRunResult> {
  // Local runs are in the commercial partition, like the fake ARNs of the functions.
  const values = planSubstitutions(LOCAL_RESOURCES, 'aws');
  const asl = substitute(compiled, values);
  const callback = substituteText(CALLBACK_RESOURCE, values);
  const byResource = new Map<string, (input: never) => Promise<unknown>>([
    [LOCAL_RESOURCES.act, handlers.act],
    [LOCAL_RESOURCES.gate, handlers.gate],
    [
      LOCAL_RESOURCES.notify,
      async (i: NotifyInput) => {
        await handlers.notify(i);
        return { notified: true };
      },
    ],
  ]);
  const taskHandlers: Record<string, (input: unknown) => Promise<unknown>> = {};
  const waits: Record<string, number> = {};
  const retries: Record<string, number> = {};
  for (const [name, state] of walkStates(asl)) {
    if (state.Type === 'Wait') waits[name] = options.waitMs?.(name, state.Seconds) ?? 0;
    if (state.Type !== 'Task') continue;
    retries[name] = 0;
    if (state.Resource === callback) {
      taskHandlers[name] = (i) => clean(() => handlers.approval((i as { Payload: ApprovalInput }).Payload));
    } else {
      const handler = byResource.get(state.Resource);
      if (!handler) throw new Error(`state "${name}": no local handler for ${state.Resource}`);
      taskHandlers[name] = (i) => clean(() => handler(i as never));
    }
  }

  return runDefinition(asl, input, taskHandlers, { ...options, waits, retries });
}

export interface DefinitionRunOptions extends LocalRunOptions {
  readonly waits?: Record<string, number>;
  readonly retries?: Record<string, number>;
  /** The context object (`$$`): execution name and start time, task token. */
  readonly context?: Record<string, unknown>;
}

/** Definitions (as JSON text) that passed validation in this process. */
const VALIDATED = new Set<string>();

/** Runs any definition with the given Task handlers (keyed by state name), collecting its events. */
export async function runDefinition(
  asl: Asl,
  input: unknown,
  taskHandlers: Record<string, (input: unknown) => Promise<unknown>>,
  options: DefinitionRunOptions = {},
): Promise<LocalRunResult> {
  const retries =
    options.retries ??
    Object.fromEntries([...walkStates(asl)].filter(([, st]) => st.Type === 'Task').map(([n]) => [n, 0]));
  const waits =
    options.waits ??
    Object.fromEntries([...walkStates(asl)].filter(([, st]) => st.Type === 'Wait').map(([n]) => [n, 0]));
  // Validating compiles the whole ASL schema (half a second): each distinct definition is checked once.
  const text = JSON.stringify(asl);
  const machine = new StateMachine(asl as unknown as StateMachineDefinition, {
    validationOptions:
      VALIDATED.has(text) || options.validate === false ? { noValidate: true } : { checkPaths: true, checkArn: true },
  });
  if (options.validate !== false) VALIDATED.add(text);
  const started = Date.now();
  const execution = machine.run(input as never, {
    overrides: {
      taskResourceLocalHandlers: taskHandlers as never,
      waitTimeOverrides: waits,
      retryIntervalOverrides: retries,
    },
    context: { Task: { Token: options.taskToken ?? 'local-task-token' }, ...options.context },
  });
  const stop = () => execution.abort();
  if (options.signal?.aborted) stop();
  else options.signal?.addEventListener('abort', stop, { once: true });
  const events: RunEvent[] = [];
  const path: string[] = [];
  const collect = (async () => {
    for await (const raw of execution.eventLogs) {
      const e = raw as {
        type: string;
        state?: { name: string; type: string; output?: unknown };
        Error?: string;
        Cause?: unknown;
        output?: unknown;
      };
      const event: RunEvent = {
        type: e.type,
        at: Date.now() - started,
        ...(e.state ? { state: e.state.name, stateType: e.state.type } : {}),
        ...(e.Error !== undefined ? { error: e.Error } : {}),
        ...(e.Cause !== undefined ? { cause: typeof e.Cause === 'string' ? e.Cause : JSON.stringify(e.Cause) } : {}),
        ...(e.type === 'StateExited' && e.state?.type === 'Task' ? { output: e.state.output } : {}),
      };
      if (e.type === 'StateEntered' && e.state) path.push(e.state.name);
      events.push(event);
      options.onEvent?.(event);
    }
  })();
  let output: unknown;
  try {
    output = await execution.result;
  } catch {
    // The failure is in the event log (ExecutionFailed); read it from there.
  }
  await collect;
  options.signal?.removeEventListener('abort', stop);
  if (options.signal?.aborted && events.some((e) => e.type === 'ExecutionAborted'))
    return { status: 'ABORTED', error: 'States.Aborted', cause: 'stopped by hand', events, path };
  const failed = [...events].reverse().find((e) => e.type === 'ExecutionFailed');
  if (failed) {
    return {
      status: 'FAILED',
      ...(failed.error !== undefined ? { error: failed.error } : {}),
      ...(failed.cause !== undefined ? { cause: failed.cause } : {}),
      events,
      path,
    };
  }
  return { status: 'SUCCEEDED', output, events, path };
}

/**
 * The interpreter reads `error.cause ?? error.message` as the Cause and `error.name` as the Error:
 * hand it a plain error with just those two, whatever the handler threw.
 */
async function clean<T>(fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (err) {
    const plain = new Error(err instanceof Error ? err.message : String(err));
    plain.name = err instanceof Error ? err.name : 'Error';
    throw plain;
  }
}
