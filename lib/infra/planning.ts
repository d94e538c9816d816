// Plans built ahead of any alarm. A refresh state machine runs on a schedule (discover, then synthesize)
// and on every deployment event (record the change, then synthesize), so a plan already knows about a
// deployment when the alarm it causes fires. Plan state machines run under their own role.
import { Arn, ArnFormat, CfnElement, Duration, Stack, Validations } from 'aws-cdk-lib';
import type * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as events from 'aws-cdk-lib/aws-events';
import * as targets from 'aws-cdk-lib/aws-events-targets';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import type * as sqs from 'aws-cdk-lib/aws-sqs';
import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import * as tasks from 'aws-cdk-lib/aws-stepfunctions-tasks';
import { Construct } from 'constructs';
import type { Catalog } from '../core/catalog';
import { CHANGE_EVENT_PATTERNS } from '../aws/change-events';
import { REFRESH_ERRORS, SYNTHESIS_TIMEOUT_MS } from '../aws/synthesis';
import { TRANSIENT_RETRY } from '../../statemachines/compile';
import { backstepFunction, stateMachineLogGroup, type LogSettings } from './functions';
import { discoveryStatements } from './permissions';

export interface PlanningProps {
  readonly table: dynamodb.ITable;
  readonly deadLetters: sqs.IQueue;
  readonly catalog: Catalog;
  readonly logs: LogSettings;
  readonly schedule: events.Schedule;
  /** The plans' state machine name prefix. */
  readonly planPrefix: string;
  readonly lookBackSeconds: number;
  readonly bakeSeconds: number;
  readonly approvalSeconds: number;
  /** The functions the plans' tasks call. */
  readonly act: lambda.IFunction;
  readonly gate: lambda.IFunction;
  readonly approval: lambda.IFunction;
  readonly notify: lambda.IFunction;
}

/** Log-delivery actions Step Functions needs to send a state machine's logs; they name no resource. */
const LOG_DELIVERY = [
  'logs:CreateLogDelivery',
  'logs:GetLogDelivery',
  'logs:UpdateLogDelivery',
  'logs:DeleteLogDelivery',
  'logs:ListLogDeliveries',
  'logs:PutResourcePolicy',
  'logs:DescribeResourcePolicies',
  'logs:DescribeLogGroups',
];

export class Planning extends Construct {
  public readonly refresh: sfn.StateMachine;
  public readonly planRole: iam.Role;
  public readonly discoverFunction: lambda.IFunction;
  public readonly recordFunction: lambda.IFunction;
  public readonly synthesizeFunction: lambda.IFunction;
  public readonly wildcards: readonly string[];

  constructor(scope: Construct, id: string, props: PlanningProps) {
    super(scope, id);
    const stack = Stack.of(this);
    const tableEnv = { table: props.table.tableName };

    // The role every plan state machine runs under: it may call the four task functions, trace and log.
    this.planRole = new iam.Role(this, 'PlanRole', {
      assumedBy: new iam.ServicePrincipal('states.amazonaws.com'),
      description: 'Backstep plan state machines: call the task functions, trace, log',
    });
    for (const f of [props.act, props.gate, props.approval, props.notify]) f.grantInvoke(this.planRole);
    this.planRole.addToPolicy(
      new iam.PolicyStatement({
        actions: [
          'xray:PutTraceSegments',
          'xray:PutTelemetryRecords',
          'xray:GetSamplingRules',
          'xray:GetSamplingTargets',
        ],
        resources: ['*'],
      }),
    );
    this.planRole.addToPolicy(new iam.PolicyStatement({ actions: LOG_DELIVERY, resources: ['*'] }));
    const planLogs = stateMachineLogGroup(this, 'PlanLogs', props.logs);

    const discover = backstepFunction(
      this,
      'Discover',
      {
        file: 'discover.ts',
        environment: {
          ...tableEnv,
          changeWindow: `${props.lookBackSeconds}s`,
          graphWindow: '1h',
          baselineWindow: '1h',
        },
        timeout: Duration.minutes(5),
        memorySize: 1024,
      },
      props.logs,
    );
    props.table.grantReadWriteData(discover);
    const reads = discoveryStatements(stack, props.catalog);
    for (const statement of reads.discover) discover.addToRolePolicy(statement);
    this.discoverFunction = discover;

    const record = backstepFunction(
      this,
      'RecordChange',
      { file: 'record-change.ts', environment: tableEnv, timeout: Duration.seconds(30) },
      props.logs,
    );
    props.table.grantReadWriteData(record);
    for (const statement of reads.record) record.addToRolePolicy(statement);
    this.recordFunction = record;

    const planArn = (resourceName: string) =>
      Arn.format(
        { service: 'states', resource: 'stateMachine', resourceName, arnFormat: ArnFormat.COLON_RESOURCE_NAME },
        stack,
      );
    const plans = planArn(`${props.planPrefix}*`);
    const synthesize = backstepFunction(
      this,
      'Synthesize',
      {
        file: 'synthesize.ts',
        environment: {
          ...tableEnv,
          planPrefix: props.planPrefix,
          planRole: this.planRole.roleArn,
          planLogGroup: planLogs.logGroupArn,
          actFunction: props.act.functionArn,
          gateFunction: props.gate.functionArn,
          approvalFunction: props.approval.functionArn,
          notifyFunction: props.notify.functionArn,
          account: stack.account,
          partition: stack.partition,
          lookBackSeconds: String(props.lookBackSeconds),
          bakeSeconds: String(props.bakeSeconds),
          approvalSeconds: String(props.approvalSeconds),
        },
        // The lock it holds expires with it (lib/aws/synthesis.ts): the two must stay equal.
        timeout: Duration.millis(SYNTHESIS_TIMEOUT_MS),
        memorySize: 1024,
      },
      props.logs,
    );
    props.table.grantReadWriteData(synthesize);
    synthesize.addToRolePolicy(
      new iam.PolicyStatement({
        actions: [
          'states:CreateStateMachine',
          'states:UpdateStateMachine',
          'states:DescribeStateMachine',
          'states:PublishStateMachineVersion',
          'states:CreateStateMachineAlias',
          'states:UpdateStateMachineAlias',
          'states:DescribeStateMachineAlias',
          // Deleting the versions no alias routes to (1,000 per state machine at most).
          'states:ListStateMachineVersions',
          'states:ListStateMachineAliases',
          'states:DeleteStateMachineVersion',
        ],
        // The machines, and their versions and aliases (`<machine>:<version or alias>`).
        resources: [plans, `${plans}:*`],
      }),
    );
    synthesize.addToRolePolicy(new iam.PolicyStatement({ actions: LOG_DELIVERY, resources: ['*'] }));
    this.planRole.grantPassRole(synthesize.grantPrincipal);
    this.synthesizeFunction = synthesize;

    // Refresh: scheduled -> discover; a deployment event -> record it; then synthesize (unless ignored).
    // Deployments come in bursts (ECS and CodeDeploy each send several events): a throttled invoke or a
    // synthesis already running is waited out, with jitter so that the waiting refreshes spread out.
    const invoke = (name: string, fn: lambda.IFunction, resultPath: string, payload?: sfn.TaskInput) =>
      new tasks.LambdaInvoke(this, name, {
        lambdaFunction: fn,
        payloadResponseOnly: true,
        ...(payload ? { payload } : {}),
        resultPath,
        taskTimeout: sfn.Timeout.duration(Duration.millis(SYNTHESIS_TIMEOUT_MS + 60_000)),
        retryOnServiceExceptions: false,
      }).addRetry({
        errors: [...TRANSIENT_RETRY.ErrorEquals, 'Lambda.ClientExecutionTimeoutException'],
        interval: Duration.seconds(2),
        backoffRate: 2,
        maxAttempts: 6,
        maxDelay: Duration.minutes(1),
        jitterStrategy: sfn.JitterType.FULL,
      });
    const synthesizeStep = invoke(
      'Synthesize plans',
      synthesize,
      '$.synthesis',
      // The execution holds the synthesis lock; a retry of its own takes it back.
      sfn.TaskInput.fromObject({ execution: sfn.JsonPath.executionId }),
    ).addRetry({
      errors: [REFRESH_ERRORS.busy],
      interval: Duration.seconds(20),
      backoffRate: 1.5,
      maxAttempts: 12,
      maxDelay: Duration.minutes(2),
      jitterStrategy: sfn.JitterType.FULL,
    });
    const definition = new sfn.Choice(this, 'Scheduled or a deployment?')
      .when(
        sfn.Condition.stringEquals('$.detail-type', 'Scheduled Event'),
        invoke('Discover services', discover, '$.discovery').next(synthesizeStep),
      )
      .otherwise(
        invoke('Record change', record, '$.recorded').next(
          new sfn.Choice(this, 'Recorded?')
            .when(sfn.Condition.isPresent('$.recorded.ignored'), new sfn.Succeed(this, 'Not a catalogued deployment'))
            .otherwise(synthesizeStep),
        ),
      );
    this.refresh = new sfn.StateMachine(this, 'Refresh', {
      definitionBody: sfn.DefinitionBody.fromChainable(definition),
      stateMachineType: sfn.StateMachineType.STANDARD,
      // Long enough to wait out a synthesis that died holding the lock, and then synthesize.
      timeout: Duration.minutes(30),
      tracingEnabled: true,
      logs: {
        destination: stateMachineLogGroup(this, 'RefreshLogs', props.logs),
        level: sfn.LogLevel.ALL,
      },
    });
    const target = () =>
      new targets.SfnStateMachine(this.refresh, {
        deadLetterQueue: props.deadLetters,
        retryAttempts: 8,
        maxEventAge: Duration.hours(1),
      });
    new events.Rule(this, 'Schedule', {
      description: 'Backstep discovery: the service graph, alarms and deployments, then the plans',
      schedule: props.schedule,
    }).addTarget(target());
    for (const [source, pattern] of Object.entries(CHANGE_EVENT_PATTERNS)) {
      const detail = pattern.detail ? { detail: { ...pattern.detail } } : {};
      new events.Rule(this, `Changes-${source}`, {
        description: `Backstep change recorder: ${source} deployments`,
        eventPattern: { source: [...pattern.source], detailType: [...pattern['detail-type']], ...detail },
      }).addTarget(target());
    }
    this.wildcards = [plans, `${plans}:*`, ...reads.wildcards];
    // grantInvoke names each function and `<function>:*`, its versions and aliases.
    Validations.of(this).acknowledge(
      ...[props.act, props.gate, props.approval, props.notify, discover, record, synthesize].map((fn) => ({
        id: `AwsSolutions-IAM5[Resource::<${stack.getLogicalId(fn.node.defaultChild as CfnElement)}.Arn>:*]`,
        reason: 'Invoking a function includes its versions and aliases (`<function>:*`), which CDK grants together.',
      })),
      {
        id: 'AwsSolutions-IAM5[Resource::*]',
        reason:
          'X-Ray trace writes, CloudWatch Logs delivery, xray:GetServiceGraph and cloudwatch:DescribeAlarms support no resource-level scoping.',
      },
    );
  }
}
