// The alarm path, with no Lambda and no planning on it: two state machines built from typed ASL.
// Intake (Express, the EventBridge target) names the incident execution after the alarm ARN and the
// state-change time, so a duplicate event starts nothing new (rule 7). The orchestrator (Standard)
// ignores events older than the last one seen (rule 8), looks up the pre-built plan, takes the
// application's lease (a second alarm joins the running incident), runs the plan as a child execution,
// records the outcome, releases the lease, and escalates on failure (rule 13: one run, no loop).
import { createHash } from 'node:crypto';
import { SETTINGS } from '../lib/core/contracts';
import type { AlarmPlan, LeaseHolder } from '../lib/core/store';
import {
  ALARM_ORDER_CONDITION,
  alarmOrderItemAsl,
  alarmPlanKeyAsl,
  aslAttribute,
  at,
  eventItemAsl,
  incidentItemAsl,
  killSwitchKeyAsl,
  LEASE_CONDITIONS,
  leaseItemAsl,
  leaseKeyAsl,
  PUT_ONCE,
  text,
  type KillSwitch,
  type LeaseHolderPaths,
} from '../lib/core/table';
import type { Asl, Catcher, Retrier, State, TaskFields, TaskState } from './asl';
import { integrationArn, PARTITION_KEY } from './substitute';

/** Placeholders filled by CDK `definitionSubstitutions` (and by the local harness). */
export const ORCHESTRATOR_SUBSTITUTIONS = ['TableName', 'TopicArn', 'DefaultMode', PARTITION_KEY] as const;
export const INTAKE_SUBSTITUTIONS = ['OrchestratorArn', PARTITION_KEY] as const;

export const DDB_PUT = integrationArn('dynamodb:putItem');
export const DDB_GET = integrationArn('dynamodb:getItem');
export const DDB_DELETE = integrationArn('dynamodb:deleteItem');
export const SFN_START = integrationArn('aws-sdk:sfn:startExecution');
export const SFN_RUN_SYNC = integrationArn('states:startExecution.sync:2');
export const SFN_DESCRIBE = integrationArn('aws-sdk:sfn:describeExecution');
export const SNS_PUBLISH = integrationArn('sns:publish');

export const CONDITION_FAILED = 'DynamoDB.ConditionalCheckFailedException';
export const EXECUTION_EXISTS = 'Sfn.ExecutionAlreadyExistsException';
export const EXECUTION_MISSING = 'Sfn.ExecutionDoesNotExistException';

/** Throttling and service faults only: a failed condition or an existing execution is an answer, not a fault. */
const RETRY: Retrier = {
  ErrorEquals: [
    'DynamoDB.ProvisionedThroughputExceededException',
    'DynamoDB.ThrottlingException',
    'DynamoDB.InternalServerErrorException',
    // DynamoDB's name for a 500 (its API reference, e.g. PutItem's Errors): with the other, whichever way it comes.
    'DynamoDB.InternalServerError',
    'DynamoDB.RequestLimitExceeded',
    'Sfn.ThrottlingException',
    'SNS.ThrottledException',
    'SNS.InternalErrorException',
  ],
  IntervalSeconds: 1,
  MaxAttempts: 3,
  BackoffRate: 2,
  MaxDelaySeconds: 20,
  JitterStrategy: 'FULL',
};

const table = '${TableName}';
const S = (path: string) => ({ 'S.$': path });

/** The incident's lease holder: this execution (its name is the incident id). */
const EXECUTION_HOLDER: LeaseHolderPaths = {
  holder: '$$.Execution.Name',
  holderArn: '$$.Execution.Id',
  takenAt: '$$.Execution.StartTime',
};
/** What "Find plan" read: the alarm's pre-built plan. */
const found = (field: keyof AlarmPlan) => aslAttribute<AlarmPlan>('$.found', field);
/** What "Find running incident" read: the lease and its holder. */
const lease = (field: keyof LeaseHolder) => aslAttribute<LeaseHolder>('$.lease', field);

/**
 * The incident's execution name, as the intake computes it in ASL (`States.Hash` of alarm ARN `#`
 * state-change time, SHA-256, hex). Local engines use this: aws-local-stepfunctions 3 hashes inputs
 * longer than one 64-byte block wrongly, which would give every event of an alarm the same name.
 */
export function incidentExecutionName(alarmArn: string, timestamp: string): string {
  return createHash('sha256').update(`${alarmArn}#${timestamp}`).digest('hex');
}

/** The intake's state names. */
export const INTAKE_STATES = {
  readEvent: 'Read event',
  startIncident: 'Start incident',
  duplicate: 'Duplicate · already started',
  started: 'Started',
} as const;

/** The Express intake: one Task that starts the orchestrator under a name derived from the event. */
export function intakeDefinition(): Asl {
  return {
    Comment: 'Backstep intake: one incident execution per alarm state change, however often the event arrives',
    StartAt: INTAKE_STATES.readEvent,
    TimeoutSeconds: 60,
    States: {
      // Only what the alarm path needs: a small input, and no nested JSON text to escape twice.
      [INTAKE_STATES.readEvent]: {
        Type: 'Pass',
        Parameters: {
          'alarmName.$': '$.detail.alarmName',
          'alarmArn.$': '$.resources[0]',
          'state.$': '$.detail.state.value',
          'timestamp.$': '$.detail.state.timestamp',
        },
        Next: INTAKE_STATES.startIncident,
      },
      [INTAKE_STATES.startIncident]: {
        Type: 'Task',
        Resource: SFN_START,
        Parameters: {
          StateMachineArn: '${OrchestratorArn}',
          // alarm ARN + state-change time -> 64 hex characters: a valid, deterministic execution name.
          'Name.$': "States.Hash(States.Format('{}#{}', $.alarmArn, $.timestamp), 'SHA-256')",
          'Input.$': 'States.JsonToString($)',
        },
        TimeoutSeconds: 30,
        Retry: [RETRY],
        Catch: [{ ErrorEquals: [EXECUTION_EXISTS], Next: INTAKE_STATES.duplicate, ResultPath: '$.duplicate' }],
        Next: INTAKE_STATES.started,
      },
      [INTAKE_STATES.duplicate]: { Type: 'Succeed', Comment: 'At-least-once delivery: this event was seen.' },
      [INTAKE_STATES.started]: { Type: 'Succeed' },
    },
  };
}

/** The Standard orchestrator. Its input is what the intake read: alarmName, alarmArn, state, timestamp. */
export interface OrchestratorOptions {
  /**
   * After a rollback (recovered or not) the incident keeps the application's lease this long: alarms that
   * flap or follow join it instead of starting another rollback (rule 8). @default 900
   */
  readonly cooldownSeconds?: number;
}

/** The orchestrator's state names: local runs and their narration follow an incident by them. */
export const ORCHESTRATOR_STATES = {
  findPlan: 'Find plan',
  planKnown: 'Plan known?',
  notManaged: 'Ignored · alarm not managed',
  checkOrder: 'Check order',
  olderEvent: 'Ignored · older event',
  takeLease: 'Take lease',
  findRunning: 'Find running incident',
  leaseHeld: 'Lease still held?',
  readHolder: 'Read holder status',
  holderRunning: 'Holder running?',
  takeOver: 'Take over lease',
  join: 'Join running incident',
  joined: 'Joined',
  recordIncident: 'Record incident',
  readKillSwitch: 'Read kill switch',
  killSwitchOn: 'Kill switch on?',
  suggestMode: 'Suggest mode',
  configuredMode: 'Configured mode',
  runPlan: 'Run plan',
  recordRecovery: 'Record recovery',
  coolDown: 'Cool down',
  releaseLease: 'Release lease',
  recovered: 'Recovered',
  recordFailure: 'Record failure',
  escalateNotRecovered: 'Escalate · not recovered',
  coolDownFailed: 'Cool down · failed',
  releaseLeaseFailed: 'Release lease · failed',
  escalateError: 'Escalate · error',
  halted: 'Halted',
} as const;

/** The states where an alarm ends without an incident of its own. */
export const IGNORED_STATES: ReadonlySet<string> = new Set([
  ORCHESTRATOR_STATES.olderEvent,
  ORCHESTRATOR_STATES.notManaged,
]);
/** The states that give the application's lease back. */
export const RELEASE_STATES: ReadonlySet<string> = new Set([
  ORCHESTRATOR_STATES.releaseLease,
  ORCHESTRATOR_STATES.releaseLeaseFailed,
]);
export const COOLDOWN_STATES = [ORCHESTRATOR_STATES.coolDown, ORCHESTRATOR_STATES.coolDownFailed] as const;

export function orchestratorDefinition(options: OrchestratorOptions = {}): Asl {
  const cooldownSeconds = options.cooldownSeconds ?? SETTINGS.cooldown.default;
  const names = ORCHESTRATOR_STATES;
  const states: Record<string, State> = {};
  const fail = (next: string): Catcher => ({ ErrorEquals: ['States.ALL'], Next: next, ResultPath: '$.error' });
  const task = (
    resource: string,
    parameters: Record<string, unknown>,
    next: string,
    extra: Partial<
      Pick<TaskFields, 'Comment' | 'ResultSelector' | 'ResultPath' | 'TimeoutSeconds' | 'Retry' | 'Catch'>
    > = {},
  ): TaskState => ({
    Type: 'Task',
    Resource: resource,
    Parameters: parameters,
    TimeoutSeconds: 30,
    Retry: [RETRY],
    ResultPath: null,
    Next: next,
    ...extra,
  });

  /** The application's lease item, and a consistent read of any item. */
  const leaseKey = leaseKeyAsl(at(found('application')));
  const read = (key: object, next: string, resultPath: string): State =>
    task(DDB_GET, { TableName: table, Key: key, ConsistentRead: true }, next, {
      ResultPath: resultPath,
      Catch: [fail(names.escalateError)],
    });

  states[names.checkOrder] = task(
    DDB_PUT,
    {
      TableName: table,
      Item: alarmOrderItemAsl(at('$.alarmName'), '$.timestamp'),
      ConditionExpression: ALARM_ORDER_CONDITION.expression,
      ExpressionAttributeNames: ALARM_ORDER_CONDITION.names,
      ExpressionAttributeValues: { ':at': S('$.timestamp') },
    },
    names.takeLease,
    {
      Comment: 'An event as old as, or older than, the last one seen for this alarm is ignored.',
      Catch: [
        { ErrorEquals: [CONDITION_FAILED], Next: names.olderEvent, ResultPath: '$.error' },
        fail(names.escalateError),
      ],
    },
  );
  states[names.olderEvent] = { Type: 'Succeed' };
  states[names.findPlan] = read(alarmPlanKeyAsl(at('$.alarmName')), names.planKnown, '$.found');
  states[names.planKnown] = {
    Type: 'Choice',
    // Alarms no plan watches end here, before anything is written for them.
    Choices: [{ Variable: '$.found.Item', IsPresent: true, Next: names.checkOrder }],
    Default: names.notManaged,
  };
  states[names.notManaged] = { Type: 'Succeed', Comment: 'No pre-built plan watches this alarm.' };
  /** The lease names its holder's execution, so that a holder that ended without releasing it can be seen. */
  states[names.takeLease] = task(
    DDB_PUT,
    {
      TableName: table,
      Item: leaseItemAsl(at(found('application')), EXECUTION_HOLDER),
      ConditionExpression: LEASE_CONDITIONS.acquire,
      ExpressionAttributeValues: { ':me': S(EXECUTION_HOLDER.holder) },
    },
    names.recordIncident,
    {
      Comment: 'One running rollback per application: a second alarm joins the incident that holds the lease.',
      Catch: [
        { ErrorEquals: [CONDITION_FAILED], Next: names.findRunning, ResultPath: '$.error' },
        fail(names.escalateError),
      ],
    },
  );
  states[names.findRunning] = read(leaseKey, names.leaseHeld, '$.lease');
  states[names.leaseHeld] = {
    Type: 'Choice',
    Choices: [{ Variable: '$.lease.Item', IsPresent: true, Next: names.readHolder }],
    Default: names.takeLease,
    Comment: 'Released in the meantime: try again.',
  };
  // An execution stopped by hand, or timed out, never releases its lease; without this check every later
  // alarm of the application would join a dead incident.
  states[names.readHolder] = task(SFN_DESCRIBE, { 'ExecutionArn.$': lease('holderArn') }, names.holderRunning, {
    ResultSelector: { 'status.$': '$.Status' },
    ResultPath: '$.holder',
    Catch: [
      { ErrorEquals: [EXECUTION_MISSING], Next: names.takeOver, ResultPath: '$.error' },
      fail(names.escalateError),
    ],
  });
  states[names.holderRunning] = {
    Type: 'Choice',
    Choices: [{ Variable: '$.holder.status', StringEquals: 'RUNNING', Next: names.join }],
    Default: names.takeOver,
  };
  states[names.takeOver] = task(
    DDB_PUT,
    {
      TableName: table,
      Item: leaseItemAsl(at(found('application')), EXECUTION_HOLDER, lease('holder')),
      ConditionExpression: LEASE_CONDITIONS.takeOver,
      ExpressionAttributeValues: { ':ended': S(lease('holder')) },
    },
    names.recordIncident,
    {
      Comment: 'The holder ended without releasing the lease. If another alarm took it over first, look again.',
      Catch: [
        { ErrorEquals: [CONDITION_FAILED], Next: names.findRunning, ResultPath: '$.error' },
        fail(names.escalateError),
      ],
    },
  );
  states[names.join] = task(
    DDB_PUT,
    {
      TableName: table,
      Item: eventItemAsl(at(lease('holder')), {
        key: at('$$.Execution.Name', 'joined-'),
        at: '$$.Execution.StartTime',
        type: 'joined',
        data: 'States.JsonToString($)',
      }),
      // Append-only (rule 16): a replayed write finds its entry there and changes nothing.
      ConditionExpression: PUT_ONCE,
    },
    names.joined,
    {
      Catch: [
        { ErrorEquals: [CONDITION_FAILED], Next: names.joined, ResultPath: '$.error' },
        fail(names.escalateError),
      ],
    },
  );
  states[names.joined] = { Type: 'Succeed', Comment: 'Recorded with the running incident; no second rollback.' };
  states[names.recordIncident] = task(
    DDB_PUT,
    {
      TableName: table,
      Item: incidentItemAsl({
        incidentId: '$$.Execution.Name',
        application: found('application'),
        alarm: '$.alarmName',
        startedAt: '$$.Execution.StartTime',
        planId: found('planId'),
      }),
      ConditionExpression: PUT_ONCE,
    },
    names.readKillSwitch,
    {
      Catch: [
        { ErrorEquals: [CONDITION_FAILED], Next: names.readKillSwitch, ResultPath: '$.error' },
        fail(names.releaseLeaseFailed),
      ],
    },
  );
  states[names.readKillSwitch] = task(
    DDB_GET,
    { TableName: table, Key: killSwitchKeyAsl(), ConsistentRead: true },
    names.killSwitchOn,
    {
      ResultPath: '$.killSwitch',
      Comment: 'When the switch cannot be read, people decide: suggest mode.',
      Catch: [{ ErrorEquals: ['States.ALL'], Next: names.suggestMode, ResultPath: '$.error' }],
    },
  );
  const switchOn = aslAttribute<KillSwitch>('$.killSwitch', 'on', 'BOOL');
  states[names.killSwitchOn] = {
    Type: 'Choice',
    // Rules apply in order, so no rule reads a path that is missing.
    Choices: [
      { Not: { Variable: '$.killSwitch.Item', IsPresent: true }, Next: names.configuredMode },
      { Not: { Variable: switchOn, IsPresent: true }, Next: names.suggestMode },
      { Variable: switchOn, BooleanEquals: true, Next: names.suggestMode },
    ],
    Default: names.configuredMode,
  };
  states[names.suggestMode] = { Type: 'Pass', Result: 'suggest', ResultPath: '$.mode', Next: names.runPlan };
  states[names.configuredMode] = { Type: 'Pass', Result: '${DefaultMode}', ResultPath: '$.mode', Next: names.runPlan };
  states[names.runPlan] = task(
    SFN_RUN_SYNC,
    {
      'StateMachineArn.$': found('stateMachine'),
      'Name.$': '$$.Execution.Name',
      Input: {
        incident: {
          'id.$': '$$.Execution.Name',
          'alarms.$': 'States.Array($.alarmName)',
          'at.$': '$.timestamp',
        },
        'mode.$': '$.mode',
      },
    },
    names.recordRecovery,
    {
      TimeoutSeconds: 86_400,
      Retry: [{ ...RETRY, ErrorEquals: ['Sfn.ThrottlingException'] }],
      ResultPath: '$.run',
      Catch: [fail(names.recordFailure)],
    },
  );
  const outcome = (next: string, type: string, path: string): State =>
    task(
      DDB_PUT,
      {
        TableName: table,
        Item: eventItemAsl(at('$$.Execution.Name'), {
          key: text(type),
          at: '$$.Execution.StartTime',
          type,
          data: `States.JsonToString(${path})`,
        }),
        ConditionExpression: PUT_ONCE,
      },
      next,
      { Catch: [fail(next)] },
    );
  /** Gives the application's lease back, only if this incident still holds it. */
  const releaseLease = (next: string, onError: string): State =>
    task(
      DDB_DELETE,
      {
        TableName: table,
        Key: leaseKey,
        ConditionExpression: LEASE_CONDITIONS.release,
        ExpressionAttributeValues: { ':me': S(EXECUTION_HOLDER.holder) },
      },
      next,
      { Catch: [fail(onError)] },
    );
  const coolDown = (next: string): State => ({
    Type: 'Wait',
    Seconds: cooldownSeconds,
    Comment: 'Keeps the lease: alarms that flap or follow now join this incident instead of rolling back again.',
    Next: next,
  });
  const escalate = (next: string): State =>
    task(
      SNS_PUBLISH,
      {
        TopicArn: '${TopicArn}',
        Subject: 'Backstep: the rollback did not recover the incident',
        'Message.$':
          "States.Format('Incident {} for alarm {}: people take over. Error: {}', $$.Execution.Name, $.alarmName, States.JsonToString($.error))",
      },
      next,
      { Catch: [{ ErrorEquals: ['States.ALL'], Next: next, ResultPath: '$.notifyError' }] },
    );
  states[names.recordRecovery] = outcome(names.coolDown, 'recovered', '$.run.Status');
  states[names.coolDown] = coolDown(names.releaseLease);
  states[names.releaseLease] = releaseLease(names.recovered, names.escalateError);
  states[names.recovered] = { Type: 'Succeed' };
  // People hear at once; the lease is kept for the cooldown all the same (rule 13: no second run).
  states[names.recordFailure] = outcome(names.escalateNotRecovered, 'halted', '$.error');
  states[names.escalateNotRecovered] = escalate(names.coolDownFailed);
  states[names.coolDownFailed] = coolDown(names.releaseLeaseFailed);
  states[names.releaseLeaseFailed] = releaseLease(names.halted, names.halted);
  states[names.escalateError] = escalate(names.halted);
  states[names.halted] = {
    Type: 'Fail',
    Error: 'Backstep.NotRecovered',
    Cause: 'The plan ran once and did not recover the incident, or a step of the alarm path failed; people take over.',
  };
  return {
    Comment: 'Backstep incident orchestrator: alarm -> lease -> pre-built plan -> record; no Lambda on this path',
    StartAt: names.findPlan,
    TimeoutSeconds: 90_000,
    States: states,
  };
}
