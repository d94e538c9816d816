// The reusable construct: what Backstep deploys into an account. This first part holds the store, the
// topic, the dead-letter queue and the task functions the compiled plans call, each with only the
// permissions it uses. (The discovery, synthesis and incident-orchestration parts come next.)
import { Arn, ArnFormat, Duration, RemovalPolicy, Stack, Validations } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as cwActions from 'aws-cdk-lib/aws-cloudwatch-actions';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as events from 'aws-cdk-lib/aws-events';
import * as targets from 'aws-cdk-lib/aws-events-targets';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as lambdaNode from 'aws-cdk-lib/aws-lambda-nodejs';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as sns from 'aws-cdk-lib/aws-sns';
import * as subscriptions from 'aws-cdk-lib/aws-sns-subscriptions';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import { Construct } from 'constructs';
import { join } from 'node:path';
import { TABLE_KEYS } from '../aws/table';
import type { Catalog } from '../core/catalog';
import { intakeDefinition, orchestratorDefinition } from '../../statemachines/orchestrator';

/** Plan state machines are created at run time by the synthesize function, under this name prefix. */
export const PLAN_STATE_MACHINE_PREFIX = 'backstep-plan-';

export interface BackstepProps {
  /** The services Backstep may roll back: actions, alarms, modes (validated like `--catalog`). */
  readonly catalog: Catalog;
  /** Who gets escalations and approval requests by email. @default - no email subscriptions */
  readonly approverEmails?: readonly string[];
  /** Encrypts the table, topic and queues. @default - a new key with rotation */
  readonly key?: kms.IKey;
  /** An image with a scan finding at or above this severity is not rolled back to. @default 'CRITICAL' */
  readonly blockingSeverity?: 'CRITICAL' | 'HIGH' | 'MEDIUM' | 'LOW';
  /** How long task-function logs are kept. @default one month */
  readonly logRetention?: logs.RetentionDays;
}

const EMAIL = /^[^@\s]+@[^@\s]+\.[^@\s]+$/;
const LAMBDAS = join(__dirname, '..', '..', 'lambdas');

export class Backstep extends Construct {
  public readonly key: kms.IKey;
  public readonly table: dynamodb.Table;
  public readonly topic: sns.Topic;
  public readonly deadLetters: sqs.Queue;
  public readonly actFunction: lambda.IFunction;
  public readonly gateFunction: lambda.IFunction;
  public readonly notifyFunction: lambda.IFunction;
  /** The Standard state machine that handles an incident: lease, pre-built plan, record, escalate. */
  public readonly orchestrator: sfn.StateMachine;
  /** The Express state machine that EventBridge starts for every alarm going to ALARM. */
  public readonly intake: sfn.StateMachine;
  public readonly alarmRule: events.Rule;

  constructor(scope: Construct, id: string, props: BackstepProps) {
    super(scope, id);
    validate(props);
    const stack = Stack.of(this);
    this.key = props.key ?? new kms.Key(this, 'Key', { enableKeyRotation: true, description: 'Backstep data at rest' });

    this.table = new dynamodb.Table(this, 'Table', {
      partitionKey: { name: TABLE_KEYS.partitionKey, type: dynamodb.AttributeType.STRING },
      sortKey: { name: TABLE_KEYS.sortKey, type: dynamodb.AttributeType.STRING },
      billingMode: dynamodb.BillingMode.PAY_PER_REQUEST,
      encryption: dynamodb.TableEncryption.CUSTOMER_MANAGED,
      encryptionKey: this.key,
      pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
      // Incident history is the record of what was done: never deleted with the stack.
      removalPolicy: RemovalPolicy.RETAIN,
    });

    this.topic = new sns.Topic(this, 'Topic', { masterKey: this.key, enforceSSL: true, displayName: 'Backstep' });
    for (const email of props.approverEmails ?? [])
      this.topic.addSubscription(new subscriptions.EmailSubscription(email));

    this.deadLetters = new sqs.Queue(this, 'DeadLetters', {
      encryption: sqs.QueueEncryption.KMS,
      encryptionMasterKey: this.key,
      enforceSSL: true,
      retentionPeriod: Duration.days(14),
    });

    const fn = (name: string, file: string, environment: Record<string, string>, timeout: Duration) => {
      const f = new lambdaNode.NodejsFunction(this, name, {
        entry: join(LAMBDAS, file),
        runtime: lambda.Runtime.NODEJS_22_X,
        architecture: lambda.Architecture.ARM_64,
        tracing: lambda.Tracing.ACTIVE,
        timeout,
        memorySize: 512,
        environment: { POWERTOOLS_SERVICE_NAME: 'backstep', ...environment },
        logGroup: new logs.LogGroup(this, `${name}Logs`, {
          retention: props.logRetention ?? logs.RetentionDays.ONE_MONTH,
        }),
        bundling: { minify: true, sourceMap: true, externalModules: ['@aws-sdk/*'] },
      });
      return f;
    };

    const act = fn(
      'Act',
      'act.ts',
      { TABLE_NAME: this.table.tableName, BLOCKING_SEVERITY: props.blockingSeverity ?? 'CRITICAL' },
      Duration.minutes(5),
    );
    this.table.grantReadWriteData(act);
    const actions = actionStatements(stack, props.catalog);
    for (const statement of actions.statements) act.addToRolePolicy(statement);
    this.actFunction = act;

    const gate = fn(
      'Gate',
      'gate.ts',
      { TABLE_NAME: this.table.tableName, CATALOG: JSON.stringify(props.catalog) },
      Duration.minutes(1),
    );
    this.table.grantReadData(gate);
    gate.addToRolePolicy(new iam.PolicyStatement({ actions: ['cloudwatch:DescribeAlarms'], resources: ['*'] }));
    this.gateFunction = gate;

    const notify = fn('Notify', 'notify.ts', { TOPIC_ARN: this.topic.topicArn }, Duration.seconds(30));
    this.topic.grantPublish(notify);
    this.notifyFunction = notify;

    // The alarm path: EventBridge -> intake -> orchestrator -> the plan's state machine. No Lambda on it.
    const retention = props.logRetention ?? logs.RetentionDays.ONE_MONTH;
    this.orchestrator = new sfn.StateMachine(this, 'Orchestrator', {
      definitionBody: sfn.DefinitionBody.fromString(JSON.stringify(orchestratorDefinition())),
      definitionSubstitutions: { TableName: this.table.tableName, TopicArn: this.topic.topicArn },
      stateMachineType: sfn.StateMachineType.STANDARD,
      tracingEnabled: true,
      logs: { destination: new logs.LogGroup(this, 'OrchestratorLogs', { retention }), level: sfn.LogLevel.ALL },
    });
    this.table.grantReadWriteData(this.orchestrator);
    this.topic.grantPublish(this.orchestrator);
    const plans = Arn.format(
      {
        service: 'states',
        resource: 'stateMachine',
        resourceName: `${PLAN_STATE_MACHINE_PREFIX}*`,
        arnFormat: ArnFormat.COLON_RESOURCE_NAME,
      },
      stack,
    );
    const planExecutions = Arn.format(
      {
        service: 'states',
        resource: 'execution',
        resourceName: `${PLAN_STATE_MACHINE_PREFIX}*`,
        arnFormat: ArnFormat.COLON_RESOURCE_NAME,
      },
      stack,
    );
    this.orchestrator.addToRolePolicy(
      new iam.PolicyStatement({ actions: ['states:StartExecution'], resources: [plans] }),
    );
    this.orchestrator.addToRolePolicy(
      new iam.PolicyStatement({
        actions: ['states:DescribeExecution', 'states:StopExecution'],
        resources: [planExecutions],
      }),
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

    this.intake = new sfn.StateMachine(this, 'Intake', {
      definitionBody: sfn.DefinitionBody.fromString(JSON.stringify(intakeDefinition())),
      definitionSubstitutions: { OrchestratorArn: this.orchestrator.stateMachineArn },
      stateMachineType: sfn.StateMachineType.EXPRESS,
      tracingEnabled: true,
      logs: { destination: new logs.LogGroup(this, 'IntakeLogs', { retention }), level: sfn.LogLevel.ALL },
    });
    this.orchestrator.grantStartExecution(this.intake);

    this.alarmRule = new events.Rule(this, 'AlarmRule', {
      description: 'Every CloudWatch alarm that goes to ALARM starts the Backstep intake',
      eventPattern: {
        source: ['aws.cloudwatch'],
        detailType: ['CloudWatch Alarm State Change'],
        detail: { state: { value: ['ALARM'] } },
      },
    });
    this.alarmRule.addTarget(
      new targets.SfnStateMachine(this.intake, {
        deadLetterQueue: this.deadLetters,
        retryAttempts: 8,
        maxEventAge: Duration.hours(1),
      }),
    );
    // A delivery that failed for good raises an alarm to the same people (rule 9).
    const failedDeliveries = new cloudwatch.Alarm(this, 'FailedDeliveries', {
      alarmDescription: 'An alarm event could not be delivered to Backstep: check the dead-letter queue',
      metric: this.deadLetters.metricApproximateNumberOfMessagesVisible({ period: Duration.minutes(1) }),
      threshold: 1,
      evaluationPeriods: 1,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
    });
    failedDeliveries.addAlarmAction(new cwActions.SnsAction(this.topic));
    if (this.key instanceof kms.Key) {
      // EventBridge writes to the encrypted queue; CloudWatch publishes to the encrypted topic.
      this.key.grant(new iam.ServicePrincipal('events.amazonaws.com'), 'kms:Decrypt', 'kms:GenerateDataKey');
      this.key.grant(new iam.ServicePrincipal('cloudwatch.amazonaws.com'), 'kms:Decrypt', 'kms:GenerateDataKey');
    }

    acknowledge(this, stack, [...actions.wildcards, plans, planExecutions]);
  }
}

function validate(props: BackstepProps): void {
  const emails = props.approverEmails ?? [];
  for (const email of emails) {
    if (!EMAIL.test(email))
      throw new Error(`approverEmails: "${email}" is not an email address; expected name@example.com`);
  }
  if (Object.keys(props.catalog.services).length === 0) {
    throw new Error('catalog: no services; expected at least one service with its rollback action');
  }
  if (JSON.stringify(props.catalog).length > 3000) {
    throw new Error('catalog: more than 3,000 characters of JSON; the gate reads it from its environment (4 KB)');
  }
}

/** Each rollback action may touch only the resources the catalog names. */
function actionStatements(stack: Stack, catalog: Catalog): { statements: iam.PolicyStatement[]; wildcards: string[] } {
  const arn = (service: string, resource: string) => Arn.format({ service, resource }, stack);
  // Wildcard resources, for the cdk-nag acknowledgements: each one named, none blanket.
  const wildcards: string[] = [];
  const wildcard = (resource: string) => {
    wildcards.push(resource);
    return resource;
  };
  const statements: iam.PolicyStatement[] = [];
  const add = (actions: string[], resources: string[]) =>
    statements.push(new iam.PolicyStatement({ actions, resources }));
  for (const entry of Object.values(catalog.services)) {
    const a = entry.action;
    switch (a.type) {
      case 'ecs':
        add(['ecs:DescribeServices', 'ecs:UpdateService'], [arn('ecs', `service/${a.cluster}/${a.service}`)]);
        break;
      case 'lambda-alias':
        add(['lambda:GetAlias', 'lambda:UpdateAlias'], [arn('lambda', `function:${a.functionName}:${a.alias}`)]);
        add(
          ['lambda:GetFunctionConfiguration', 'lambda:GetFunctionCodeSigningConfig'],
          [arn('lambda', `function:${a.functionName}`), wildcard(arn('lambda', `function:${a.functionName}:*`))],
        );
        break;
      case 'codedeploy':
        add(
          ['codedeploy:ListDeployments', 'codedeploy:CreateDeployment'],
          [arn('codedeploy', `deploymentgroup:${a.application}/${a.deploymentGroup}`)],
        );
        add(
          ['codedeploy:GetDeployment', 'codedeploy:StopDeployment'],
          [arn('codedeploy', `deploymentgroup:${a.application}/${a.deploymentGroup}`)],
        );
        add(
          ['codedeploy:GetApplicationRevision', 'codedeploy:RegisterApplicationRevision'],
          [arn('codedeploy', `application:${a.application}`)],
        );
        break;
      case 'appconfig': {
        const app = `application/${a.application}`;
        add(
          ['appconfig:StartDeployment', 'appconfig:GetHostedConfigurationVersion'],
          [
            arn('appconfig', `${app}/environment/${a.environment}`),
            arn('appconfig', `${app}/configurationprofile/${a.configurationProfile}`),
            wildcard(
              arn('appconfig', `${app}/configurationprofile/${a.configurationProfile}/hostedconfigurationversion/*`),
            ),
            wildcard(arn('appconfig', 'deploymentstrategy/*')),
          ],
        );
        break;
      }
      case 'feature-flag':
      case 'manual':
        break;
    }
  }
  if (Object.values(catalog.services).some((e) => e.action.type === 'ecs')) {
    // DescribeTaskDefinition and ECR scan findings have no resource-level scoping worth naming here.
    add(['ecs:DescribeTaskDefinition', 'ecr:DescribeImageScanFindings'], ['*']);
  }
  return { statements, wildcards };
}

/** Every cdk-nag finding this construct accepts, each with its reason. */
function acknowledge(scope: Construct, stack: Stack, wildcards: readonly string[]): void {
  // cdk-nag names findings by the resolved resource, with <AWS::Partition> for the partition token.
  const finding = (resource: string) => stack.resolve(resource) as unknown;
  const nagName = (resource: string) => {
    const resolved = finding(resource);
    const parts = (resolved as { 'Fn::Join'?: [string, unknown[]] })['Fn::Join']?.[1];
    const text = (p: unknown) => (typeof p === 'string' ? p : `<${String((p as { Ref?: unknown }).Ref)}>`);
    return parts ? parts.map(text).join('') : String(resolved);
  };
  Validations.of(scope).acknowledge(
    {
      id: 'AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole]',
      reason: 'AWSLambdaBasicExecutionRole only lets a function write its own logs; a custom copy adds nothing.',
    },
    {
      id: 'AwsSolutions-IAM5[Resource::*]',
      reason:
        'cloudwatch:DescribeAlarms, ecs:DescribeTaskDefinition, ecr:DescribeImageScanFindings and xray:PutTraceSegments support no resource-level scoping.',
    },
    { id: 'AwsSolutions-IAM5[Action::kms:ReEncrypt*]', reason: "CDK's grant on this construct's own key." },
    { id: 'AwsSolutions-IAM5[Action::kms:GenerateDataKey*]', reason: "CDK's grant on this construct's own key." },
    ...wildcards.map((w) => ({
      id: `AwsSolutions-IAM5[Resource::${nagName(w)}]`,
      reason:
        'The versions, hosted configuration versions or deployment strategies a rollback goes back to are not known before the incident.',
    })),
    {
      id: 'AwsSolutions-L1',
      reason:
        'Node.js 22 is the runtime the bundles are built and tested for (toolchain.md); a newer one is untested here.',
    },
    { id: 'AwsSolutions-SQS3', reason: 'This queue is the dead-letter queue.' },
  );
}
