// The alarm path on one machine: the intake and orchestrator definitions, exactly as deployed, run on
// the local interpreter with their service integrations bound to local engines — DynamoDB calls go to
// dynalite with the same request, child executions to the local runner, SNS to a callback.
import { DeleteItemCommand, GetItemCommand, PutItemCommand, type DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { walkStates, type Asl } from '../../../statemachines/asl';
import {
  DDB_DELETE,
  DDB_GET,
  DDB_PUT,
  EXECUTION_EXISTS,
  intakeDefinition,
  orchestratorDefinition,
  COOLDOWN_STATES,
  INTAKE_STATES,
  EXECUTION_MISSING,
  incidentExecutionName,
  SFN_DESCRIBE,
  SFN_RUN_SYNC,
  SNS_PUBLISH,
} from '../../../statemachines/orchestrator';
import { PARTITION_KEY, substitute, substituteText } from '../../../statemachines/substitute';
import { runDefinition, type LocalRunResult, type RunEvent } from './runner';

export interface LocalAws {
  readonly dynamo: Pick<DynamoDBClient, 'send'>;
  readonly table: string;
  /** Runs a child execution of a plan's state machine to its end. */
  readonly runPlan: (stateMachineArn: string, name: string, input: unknown) => Promise<LocalRunResult>;
  readonly publish: (subject: string, message: string) => void;
  /** Execution names already started (Step Functions keeps them; so does this engine). */
  readonly executions: Set<string>;
  /** The mode while the kill switch is off (the construct's `mode`). @default 'auto' */
  readonly defaultMode?: 'auto' | 'suggest';
  /** Sees every event of the orchestrator execution, as it happens. */
  readonly onEvent?: (event: RunEvent) => void;
  /** Real milliseconds the cooldown after a rollback lasts here (its Wait states). @default 0 */
  readonly cooldownMs?: number;
  /** Stops an orchestrator execution by hand, as StopExecution does: the signal for an execution name. */
  readonly stopSignal?: (name: string) => AbortSignal | undefined;
  /** Epoch ms an execution starts at (`$$.Execution.StartTime`): a rehearsal's simulated clock. @default Date.now */
  readonly now?: () => number;
}

export type Delivery =
  { readonly duplicate: true } | { readonly duplicate: false; readonly name: string; readonly run: LocalRunResult };

/** Local runs are in the commercial partition, like the fake ARNs here. */
const LOCAL_PARTITION = 'aws';
const ORCHESTRATOR_ARN = 'arn:aws:states:us-east-1:000000000000:stateMachine:backstep-orchestrator';
/** An integration's resource as it reads in a definition substituted for a local run. */
const local = (resource: string) => substituteText(resource, { [PARTITION_KEY]: LOCAL_PARTITION });
const EXECUTION_PREFIX = 'arn:aws:states:us-east-1:000000000000:execution:backstep-orchestrator:';

/** Orchestrator executions still running, per local engine (what DescribeExecution reports). */
const running = new WeakMap<LocalAws, Set<string>>();

/** Delivers one CloudWatch Alarm State Change event, as EventBridge would. */
export async function deliverAlarmEvent(aws: LocalAws, event: unknown): Promise<Delivery> {
  const values = {
    TableName: aws.table,
    TopicArn: 'arn:aws:sns:us-east-1:000000000000:backstep',
    OrchestratorArn: ORCHESTRATOR_ARN,
    DefaultMode: aws.defaultMode ?? 'auto',
    [PARTITION_KEY]: LOCAL_PARTITION,
  };
  const intake = substitute(intakeDefinition(), values);
  const orchestrator = withLocalStartTime(substitute(orchestratorDefinition(), values));
  // StartExecution returns as soon as the execution exists (the intake's task has 30 s); the incident then
  // runs for as long as it takes (people deciding approvals included), exactly as in AWS.
  let started: { name: string; run: Promise<LocalRunResult> } | undefined;
  const intakeRun = await runDefinition(intake, event, {
    [INTAKE_STATES.startIncident]: (input) => {
      const { Input } = input as { Name: string; Input: string };
      const read = JSON.parse(Input) as { alarmArn: string; timestamp: string };
      // The interpreter's own SHA-256 is wrong past 64 bytes; name the execution as Step Functions would.
      const Name = incidentExecutionName(read.alarmArn, read.timestamp);
      if (aws.executions.has(Name)) return Promise.reject(named(EXECUTION_EXISTS, `execution ${Name} already exists`));
      aws.executions.add(Name);
      const live = running.get(aws) ?? new Set<string>();
      running.set(aws, live.add(Name));
      const signal = aws.stopSignal?.(Name);
      const run = runDefinition(orchestrator, read, integrations(orchestrator, aws), {
        context: {
          Execution: {
            Name,
            Id: `${EXECUTION_PREFIX}${Name}`,
            [LOCAL_START_TIME]: new Date(aws.now?.() ?? Date.now()).toISOString(),
          },
        },
        ...(aws.onEvent ? { onEvent: aws.onEvent } : {}),
        waits: Object.fromEntries(COOLDOWN_STATES.map((state) => [state, aws.cooldownMs ?? 0])),
        ...(signal ? { signal } : {}),
      }).finally(() => live.delete(Name));
      started = { name: Name, run };
      return Promise.resolve({ executionArn: `${ORCHESTRATOR_ARN}:${Name}` });
    },
  });
  if (intakeRun.status !== 'SUCCEEDED') {
    // The incident, if it started, still runs to its end before this says why the intake failed.
    await started?.run.catch(() => undefined);
    throw new Error(`intake failed: ${intakeRun.error ?? ''} ${intakeRun.cause ?? ''}`);
  }
  return started ? { duplicate: false, name: started.name, run: await started.run } : { duplicate: true };
}

/**
 * aws-local-stepfunctions 3 sets `$$.Execution.StartTime` to the wall clock whatever context it is given: the
 * definition reads the start time this engine was given (`LocalAws.now`) from a field of its own instead.
 */
const LOCAL_START_TIME = 'LocalStartTime';

function withLocalStartTime(asl: Asl): Asl {
  const text = JSON.stringify(asl).split('$$.Execution.StartTime').join(`$$.Execution.${LOCAL_START_TIME}`);
  return JSON.parse(text) as Asl;
}

/** Task handlers for the service integrations a definition uses, keyed by state name. */
function integrations(asl: Asl, aws: LocalAws): Record<string, (input: unknown) => Promise<unknown>> {
  const handlers: Record<string, (input: unknown) => Promise<unknown>> = {};
  for (const [name, state] of walkStates(asl)) {
    if (state.Type !== 'Task') continue;
    handlers[name] = async (input) => {
      switch (state.Resource) {
        case local(DDB_PUT):
          return dynamo(() => aws.dynamo.send(new PutItemCommand(input as never)));
        case local(DDB_GET): {
          const out = await dynamo(() => aws.dynamo.send(new GetItemCommand(input as never)));
          return out.Item ? { Item: out.Item } : {};
        }
        case local(DDB_DELETE):
          return dynamo(() => aws.dynamo.send(new DeleteItemCommand(input as never)));
        case local(SFN_RUN_SYNC): {
          const { StateMachineArn, Name, Input } = input as { StateMachineArn: string; Name: string; Input: unknown };
          const run = await aws.runPlan(StateMachineArn, Name, Input);
          if (run.status !== 'SUCCEEDED')
            throw named(run.error ?? 'States.TaskFailed', run.cause ?? 'the plan did not recover');
          return { Status: 'SUCCEEDED', Output: JSON.stringify(run.output ?? null) };
        }
        case local(SFN_DESCRIBE): {
          const { ExecutionArn } = input as { ExecutionArn: string };
          const name = ExecutionArn.startsWith(EXECUTION_PREFIX) ? ExecutionArn.slice(EXECUTION_PREFIX.length) : '';
          if (!aws.executions.has(name)) throw named(EXECUTION_MISSING, `execution ${ExecutionArn} does not exist`);
          // An execution this engine started and that is no longer running ended one way or another.
          return { Status: running.get(aws)?.has(name) ? 'RUNNING' : 'ABORTED' };
        }
        case local(SNS_PUBLISH): {
          const { Subject, Message } = input as { Subject: string; Message: string };
          await prefixed('SNS', () => Promise.resolve(aws.publish(Subject, Message)));
          return { MessageId: 'local' };
        }
        default:
          throw new Error(`state "${name}": no local engine for ${state.Resource}`);
      }
    };
  }
  return handlers;
}

/** Step Functions prefixes DynamoDB errors with the service name; so does this binding. */
function dynamo<T>(fn: () => Promise<T>): Promise<T> {
  return prefixed('DynamoDB', fn);
}

/** Errors of an optimized integration are named `<Service>.<exception>`, as the definitions' Retry reads them. */
async function prefixed<T>(service: string, fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (err) {
    if (err instanceof Error) throw named(`${service}.${err.name}`, err.message);
    throw err;
  }
}

function named(name: string, message: string): Error {
  const err = new Error(message);
  err.name = name;
  return err;
}
