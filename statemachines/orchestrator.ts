// The alarm path, with no Lambda and no planning on it: two state machines built from typed ASL.
// Intake (Express, the EventBridge target) names the incident execution after the alarm ARN and the
// state-change time, so a duplicate event starts nothing new (rule 7). The orchestrator (Standard)
// ignores events older than the last one seen (rule 8), looks up the pre-built plan, takes the
// application's lease (a second alarm joins the running incident), runs the plan as a child execution,
// records the outcome, releases the lease, and escalates on failure (rule 13: one run, no loop).
import { createHash } from 'node:crypto';
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
import type { Asl, Catcher, Retrier, State } from './asl';
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

/** The Express intake: one Task that starts the orchestrator under a name derived from the event. */
export function intakeDefinition(): Asl {
  return {
    Comment: 'Backstep intake: one incident execution per alarm state change, however often the event arrives',
    StartAt: 'Read event',
    TimeoutSeconds: 60,
    States: {
      // Only what the alarm path needs: a small input, and no nested JSON text to escape twice.
      'Read event': {
        Type: 'Pass',
        Parameters: {
          'alarmName.$': '$.detail.alarmName',
          'alarmArn.$': '$.resources[0]',
          'state.$': '$.detail.state.value',
          'timestamp.$': '$.detail.state.timestamp',
        },
        Next: 'Start incident',
      },
      'Start incident': {
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
        Catch: [{ ErrorEquals: [EXECUTION_EXISTS], Next: 'Duplicate · already started', ResultPath: '$.duplicate' }],
        Next: 'Started',
      },
      'Duplicate · already started': { Type: 'Succeed', Comment: 'At-least-once delivery: this event was seen.' },
      Started: { Type: 'Succeed' },
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

export const COOLDOWN_STATES = ['Cool down', 'Cool down · failed'] as const;

export function orchestratorDefinition(options: OrchestratorOptions = {}): Asl {
  const cooldownSeconds = options.cooldownSeconds ?? 900;
  const states: Record<string, State> = {};
  const fail = (next: string): Catcher => ({ ErrorEquals: ['States.ALL'], Next: next, ResultPath: '$.error' });
  const task = (
    resource: string,
    parameters: Record<string, unknown>,
    next: string,
    extra: Partial<State> = {},
  ): State =>
    ({
      Type: 'Task',
      Resource: resource,
      Parameters: parameters,
      TimeoutSeconds: 30,
      Retry: [RETRY],
      ResultPath: null,
      Next: next,
      ...extra,
    }) as State;

  /** The application's lease item, and a consistent read of any item. */
  const leaseKey = leaseKeyAsl(at(found('application')));
  const read = (key: object, next: string, resultPath: string): State =>
    task(DDB_GET, { TableName: table, Key: key, ConsistentRead: true }, next, {
      ResultPath: resultPath,
      Catch: [fail('Escalate · error')],
    });

  states['Check order'] = task(
    DDB_PUT,
    {
      TableName: table,
      Item: alarmOrderItemAsl(at('$.alarmName'), '$.timestamp'),
      ConditionExpression: ALARM_ORDER_CONDITION.expression,
      ExpressionAttributeNames: ALARM_ORDER_CONDITION.names,
      ExpressionAttributeValues: { ':at': S('$.timestamp') },
    },
    'Take lease',
    {
      Comment: 'An event as old as, or older than, the last one seen for this alarm is ignored.',
      Catch: [
        { ErrorEquals: [CONDITION_FAILED], Next: 'Ignored · older event', ResultPath: '$.error' },
        fail('Escalate · error'),
      ],
    },
  );
  states['Ignored · older event'] = { Type: 'Succeed' };
  states['Find plan'] = read(alarmPlanKeyAsl(at('$.alarmName')), 'Plan known?', '$.found');
  states['Plan known?'] = {
    Type: 'Choice',
    // Alarms no plan watches end here, before anything is written for them.
    Choices: [{ Variable: '$.found.Item', IsPresent: true, Next: 'Check order' }],
    Default: 'Ignored · alarm not managed',
  };
  states['Ignored · alarm not managed'] = { Type: 'Succeed', Comment: 'No pre-built plan watches this alarm.' };
  /** The lease names its holder's execution, so that a holder that ended without releasing it can be seen. */
  states['Take lease'] = task(
    DDB_PUT,
    {
      TableName: table,
      Item: leaseItemAsl(at(found('application')), EXECUTION_HOLDER),
      ConditionExpression: LEASE_CONDITIONS.acquire,
      ExpressionAttributeValues: { ':me': S(EXECUTION_HOLDER.holder) },
    },
    'Record incident',
    {
      Comment: 'One running rollback per application: a second alarm joins the incident that holds the lease.',
      Catch: [
        { ErrorEquals: [CONDITION_FAILED], Next: 'Find running incident', ResultPath: '$.error' },
        fail('Escalate · error'),
      ],
    },
  );
  states['Find running incident'] = read(leaseKey, 'Lease still held?', '$.lease');
  states['Lease still held?'] = {
    Type: 'Choice',
    Choices: [{ Variable: '$.lease.Item', IsPresent: true, Next: 'Read holder status' }],
    Default: 'Take lease',
    Comment: 'Released in the meantime: try again.',
  };
  // An execution stopped by hand, or timed out, never releases its lease; without this check every later
  // alarm of the application would join a dead incident.
  states['Read holder status'] = task(SFN_DESCRIBE, { 'ExecutionArn.$': lease('holderArn') }, 'Holder running?', {
    ResultSelector: { 'status.$': '$.Status' },
    ResultPath: '$.holder',
    Catch: [
      { ErrorEquals: [EXECUTION_MISSING], Next: 'Take over lease', ResultPath: '$.error' },
      fail('Escalate · error'),
    ],
  });
  states['Holder running?'] = {
    Type: 'Choice',
    Choices: [{ Variable: '$.holder.status', StringEquals: 'RUNNING', Next: 'Join running incident' }],
    Default: 'Take over lease',
  };
  states['Take over lease'] = task(
    DDB_PUT,
    {
      TableName: table,
      Item: leaseItemAsl(at(found('application')), EXECUTION_HOLDER, lease('holder')),
      ConditionExpression: LEASE_CONDITIONS.takeOver,
      ExpressionAttributeValues: { ':ended': S(lease('holder')) },
    },
    'Record incident',
    {
      Comment: 'The holder ended without releasing the lease. If another alarm took it over first, look again.',
      Catch: [
        { ErrorEquals: [CONDITION_FAILED], Next: 'Find running incident', ResultPath: '$.error' },
        fail('Escalate · error'),
      ],
    },
  );
  states['Join running incident'] = task(
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
    'Joined',
    {
      Catch: [{ ErrorEquals: [CONDITION_FAILED], Next: 'Joined', ResultPath: '$.error' }, fail('Escalate · error')],
    },
  );
  states['Joined'] = { Type: 'Succeed', Comment: 'Recorded with the running incident; no second rollback.' };
  states['Record incident'] = task(
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
    'Read kill switch',
    {
      Catch: [
        { ErrorEquals: [CONDITION_FAILED], Next: 'Read kill switch', ResultPath: '$.error' },
        fail('Release lease · failed'),
      ],
    },
  );
  states['Read kill switch'] = task(
    DDB_GET,
    { TableName: table, Key: killSwitchKeyAsl(), ConsistentRead: true },
    'Kill switch on?',
    {
      ResultPath: '$.killSwitch',
      Comment: 'When the switch cannot be read, people decide: suggest mode.',
      Catch: [{ ErrorEquals: ['States.ALL'], Next: 'Suggest mode', ResultPath: '$.error' }],
    },
  );
  const switchOn = aslAttribute<KillSwitch>('$.killSwitch', 'on', 'BOOL');
  states['Kill switch on?'] = {
    Type: 'Choice',
    // Rules apply in order, so no rule reads a path that is missing.
    Choices: [
      { Not: { Variable: '$.killSwitch.Item', IsPresent: true }, Next: 'Configured mode' },
      { Not: { Variable: switchOn, IsPresent: true }, Next: 'Suggest mode' },
      { Variable: switchOn, BooleanEquals: true, Next: 'Suggest mode' },
    ],
    Default: 'Configured mode',
  };
  states['Suggest mode'] = { Type: 'Pass', Result: 'suggest', ResultPath: '$.mode', Next: 'Run plan' };
  states['Configured mode'] = { Type: 'Pass', Result: '${DefaultMode}', ResultPath: '$.mode', Next: 'Run plan' };
  states['Run plan'] = task(
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
    'Record recovery',
    {
      TimeoutSeconds: 86_400,
      Retry: [{ ...RETRY, ErrorEquals: ['Sfn.ThrottlingException'] }],
      ResultPath: '$.run',
      Catch: [fail('Record failure')],
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
  const releaseLease = (next: string): State =>
    task(
      DDB_DELETE,
      {
        TableName: table,
        Key: leaseKey,
        ConditionExpression: LEASE_CONDITIONS.release,
        ExpressionAttributeValues: { ':me': S(EXECUTION_HOLDER.holder) },
      },
      next,
      { Catch: [fail('Escalate · error')] },
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
  states['Record recovery'] = outcome('Cool down', 'recovered', '$.run.Status');
  states['Cool down'] = coolDown('Release lease');
  states['Release lease'] = releaseLease('Recovered');
  states['Recovered'] = { Type: 'Succeed' };
  // People hear at once; the lease is kept for the cooldown all the same (rule 13: no second run).
  states['Record failure'] = outcome('Escalate · not recovered', 'halted', '$.error');
  states['Escalate · not recovered'] = escalate('Cool down · failed');
  states['Cool down · failed'] = coolDown('Release lease · failed');
  states['Release lease · failed'] = { ...releaseLease('Halted'), Catch: [fail('Halted')] } as State;
  states['Escalate · error'] = escalate('Halted');
  states['Halted'] = {
    Type: 'Fail',
    Error: 'Backstep.NotRecovered',
    Cause: 'The plan ran once and did not recover the incident, or a step of the alarm path failed; people take over.',
  };
  return {
    Comment: 'Backstep incident orchestrator: alarm -> lease -> pre-built plan -> record; no Lambda on this path',
    StartAt: 'Find plan',
    TimeoutSeconds: 90_000,
    States: states,
  };
}
