// The alarm path: EventBridge -> intake (Express) -> orchestrator (Standard) -> the plan's state machine.
// No Lambda on it: the definitions are typed ASL from statemachines/orchestrator.ts.
import { Arn, ArnFormat, Duration, Names, Stack } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import type * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as events from 'aws-cdk-lib/aws-events';
import * as targets from 'aws-cdk-lib/aws-events-targets';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as sns from 'aws-cdk-lib/aws-sns';
import type * as sqs from 'aws-cdk-lib/aws-sqs';
import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import { Construct } from 'constructs';
import { intakeDefinition, orchestratorDefinition } from '../../statemachines/orchestrator';
import { alarmOnAny } from './alarms';
import { stateMachineLogGroup, type LogSettings } from './functions';

/** Plan state machines are created at run time by the synthesize function, under this name prefix. */
export const PLAN_STATE_MACHINE_PREFIX = 'backstep-plan-';

export interface AlarmPathProps {
  readonly table: dynamodb.ITable;
  readonly topic: sns.ITopic;
  readonly deadLetters: sqs.IQueue;
  readonly mode: 'auto' | 'suggest';
  readonly logs: LogSettings;
  /** The plans' state machine name prefix: the orchestrator may start only these. */
  readonly planPrefix: string;
  readonly cooldownSeconds: number;
}

export class AlarmPath extends Construct {
  public readonly orchestrator: sfn.StateMachine;
  public readonly intake: sfn.StateMachine;
  public readonly rule: events.Rule;
  public readonly failedDeliveries: cloudwatch.Alarm;
  /**
   * An incident that ended failed or timed out: every escalation ends so (the orchestrator's Halted state),
   * so people hear of it even when every publish of the escalation was throttled (docs/reliability.md).
   */
  public readonly failedIncidents: cloudwatch.Alarm;
  /** Resources named with a wildcard in the orchestrator's policy, for the cdk-nag acknowledgements. */
  public readonly wildcards: readonly string[];

  constructor(scope: Construct, id: string, props: AlarmPathProps) {
    super(scope, id);
    const stack = Stack.of(this);
    // A name known before the machine exists, so that its policy can name its own executions.
    const name = `${Names.uniqueResourceName(this, { maxLength: 60, separator: '-' })}-incidents`;
    const arn = (resource: string, resourceName: string) =>
      Arn.format({ service: 'states', resource, resourceName, arnFormat: ArnFormat.COLON_RESOURCE_NAME }, stack);
    this.orchestrator = new sfn.StateMachine(this, 'Orchestrator', {
      stateMachineName: name,
      definitionBody: sfn.DefinitionBody.fromString(
        JSON.stringify(orchestratorDefinition({ cooldownSeconds: props.cooldownSeconds })),
      ),
      definitionSubstitutions: {
        TableName: props.table.tableName,
        TopicArn: props.topic.topicArn,
        DefaultMode: props.mode,
        Partition: stack.partition,
      },
      stateMachineType: sfn.StateMachineType.STANDARD,
      tracingEnabled: true,
      logs: {
        destination: stateMachineLogGroup(this, 'OrchestratorLogs', props.logs),
        level: sfn.LogLevel.ALL,
      },
    });
    props.table.grantReadWriteData(this.orchestrator);
    props.topic.grantPublish(this.orchestrator);
    const plans = arn('stateMachine', `${props.planPrefix}*`);
    const planExecutions = arn('execution', `${props.planPrefix}*`);
    const ownExecutions = arn('execution', `${name}:*`);
    this.orchestrator.addToRolePolicy(
      new iam.PolicyStatement({ actions: ['states:StartExecution'], resources: [plans] }),
    );
    this.orchestrator.addToRolePolicy(
      new iam.PolicyStatement({
        actions: ['states:DescribeExecution', 'states:StopExecution'],
        resources: [planExecutions],
      }),
    );
    // A lease held by an execution that ended (stopped by hand, timed out) is taken over.
    this.orchestrator.addToRolePolicy(
      new iam.PolicyStatement({ actions: ['states:DescribeExecution'], resources: [ownExecutions] }),
    );
    // startExecution.sync:2 follows the child through this managed rule.
    this.orchestrator.addToRolePolicy(
      new iam.PolicyStatement({
        actions: ['events:PutTargets', 'events:PutRule', 'events:DescribeRule'],
        resources: [
          Arn.format(
            {
              service: 'events',
              resource: 'rule',
              resourceName: 'StepFunctionsGetEventsForStepFunctionsExecutionRule',
              arnFormat: ArnFormat.SLASH_RESOURCE_NAME,
            },
            stack,
          ),
        ],
      }),
    );
    this.wildcards = [plans, planExecutions, ownExecutions];

    this.intake = new sfn.StateMachine(this, 'Intake', {
      definitionBody: sfn.DefinitionBody.fromString(JSON.stringify(intakeDefinition())),
      definitionSubstitutions: { OrchestratorArn: this.orchestrator.stateMachineArn, Partition: stack.partition },
      stateMachineType: sfn.StateMachineType.EXPRESS,
      tracingEnabled: true,
      logs: {
        destination: stateMachineLogGroup(this, 'IntakeLogs', props.logs),
        level: sfn.LogLevel.ALL,
      },
    });
    this.orchestrator.grantStartExecution(this.intake);

    this.rule = new events.Rule(this, 'AlarmRule', {
      description: 'Every CloudWatch alarm that goes to ALARM starts the Backstep intake',
      eventPattern: {
        source: ['aws.cloudwatch'],
        detailType: ['CloudWatch Alarm State Change'],
        detail: { state: { value: ['ALARM'] } },
      },
    });
    this.rule.addTarget(
      new targets.SfnStateMachine(this.intake, {
        deadLetterQueue: props.deadLetters,
        retryAttempts: 8,
        maxEventAge: Duration.hours(1),
      }),
    );
    // The plans run as the orchestrator's children (startExecution.sync:2): their failures end it failed too.
    this.failedIncidents = alarmOnAny(
      this,
      'FailedIncidents',
      'A Backstep incident ended without recovering (escalated, or a step of the alarm path failed): people take over',
      new cloudwatch.MathExpression({
        expression: 'FILL(failed, 0) + FILL(timedOut, 0)',
        usingMetrics: {
          failed: this.orchestrator.metricFailed({ statistic: 'Sum' }),
          timedOut: this.orchestrator.metricTimedOut({ statistic: 'Sum' }),
        },
        period: Duration.minutes(1),
      }),
      props.topic,
    );
    // A delivery that failed for good raises an alarm to the same people (rule 9).
    this.failedDeliveries = alarmOnAny(
      this,
      'FailedDeliveries',
      'An event could not be delivered to Backstep: check the dead-letter queue',
      props.deadLetters.metricApproximateNumberOfMessagesVisible({ period: Duration.minutes(1) }),
      props.topic,
    );
  }
}
