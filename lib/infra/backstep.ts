// The reusable construct: what Backstep deploys into an account. The store, topic and dead-letter queue;
// the task functions the compiled plans call; the alarm path (alarm-path.ts); learning when an incident
// ends; the catalog and mode kept in the table; a dashboard. Each function has only the permissions it uses.
import { Arn, ArnFormat, Duration, RemovalPolicy, Stack, Token, Validations } from 'aws-cdk-lib';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as events from 'aws-cdk-lib/aws-events';
import * as targets from 'aws-cdk-lib/aws-events-targets';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import type * as apigateway from 'aws-cdk-lib/aws-apigateway';
import type * as cognito from 'aws-cdk-lib/aws-cognito';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import * as destinations from 'aws-cdk-lib/aws-lambda-destinations';
import * as logs from 'aws-cdk-lib/aws-logs';
import type * as s3 from 'aws-cdk-lib/aws-s3';
import * as sns from 'aws-cdk-lib/aws-sns';
import * as subscriptions from 'aws-cdk-lib/aws-sns-subscriptions';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import type * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import * as cr from 'aws-cdk-lib/custom-resources';
import { marshall } from '@aws-sdk/util-dynamodb';
import { Construct } from 'constructs';
import { createHash } from 'node:crypto';
import type { z } from 'zod';
import { catalogItem } from '../aws/config';
import { SETTINGS, type Setting } from '../core/contracts';
import { killSwitchItem } from '../core/table';
import { CLAIM_STALE_MS } from '../aws/store';
import { TABLE_KEYS } from '../aws/table';
import { SEVERITIES, type Severity } from '../aws/targets/target';
import type { Catalog, catalogSchema } from '../core/catalog';
import { AlarmPath } from './alarm-path';
import { alarmOnAny } from './alarms';
import { Approvals } from './approvals';
import { Planning } from './planning';
import { Reports } from './reports';
import { backstepDashboard } from './dashboard';
import { controlTowerAcknowledgements, type ControlTowerAcknowledgement } from './control-tower';
import { backstepFunction, logGroup, type FunctionSpec, type LogSettings } from './functions';
import { acknowledge, actionStatements, BASIC_EXECUTION_ROLE } from './permissions';
import { PropsError } from './errors';
import { durationSeconds, fieldPath, span, validateCatalog } from './validate';

import { PLAN_STATE_MACHINE_PREFIX } from './alarm-path';

export { PLAN_STATE_MACHINE_PREFIX };

/** A catalog as written (a parsed `catalog.json`): fields with defaults may be left out. */
export type CatalogInput = z.input<typeof catalogSchema>;

const EMAIL = /^[^@\s]+@[^@\s]+\.[^@\s]+$/;
const DAY = 86_400;

export interface BackstepProps {
  /**
   * The services Backstep may roll back: actions, alarms, modes, as written in a `catalog.json` (fields with
   * defaults may be left out; a catalog from `parseCatalog` is accepted as it is). Validated when the
   * construct is created: a bad field throws a `PropsError` naming the construct's path and the field, e.g.
   * `Backstep at Platform/Backstep: catalog.services.web.action.type: expected one of codedeploy, ..., not "ec2"`.
   */
  readonly catalog: CatalogInput;
  /** Who gets escalations and approval requests by email. @default - no email subscriptions */
  readonly approverEmails?: readonly string[];
  /**
   * `auto` runs the pre-built plans, asking people only where the policy says; `suggest` makes every stage
   * wait for a person (start here in a new account). @default 'auto'
   */
  readonly mode?: 'auto' | 'suggest';
  /**
   * Sets the kill switch (an item in the table, which the orchestrator reads for every incident) when the
   * stack is deployed and whenever this prop changes: `true`, every new incident waits for people (suggest
   * mode); `false`, incidents run in `mode`. Operators flip it at run time without a deployment
   * (`backstep kill-switch on|off`); a deployment that leaves this prop as it was does not undo that.
   * @default - left as it is (off on a new stack)
   */
  readonly killSwitch?: boolean;
  /** How far back deployments count as suspects. @default Duration.hours(24) */
  readonly lookBack?: Duration;
  /**
   * After a rollback the incident keeps the application's lease this long: alarms that flap or follow join it
   * instead of starting another rollback. @default Duration.minutes(15)
   */
  readonly cooldown?: Duration;
  /** How long a wave settles before its health gate reads the alarms. @default Duration.minutes(5) */
  readonly bakeTime?: Duration;
  /**
   * When discovery runs (the service graph, alarms, deployments), and the plans are rebuilt.
   * @default Schedule.rate(Duration.minutes(10))
   */
  readonly discoverySchedule?: events.Schedule;
  /** How long a person has to decide on an approval. @default Duration.hours(1) */
  readonly approvalTimeout?: Duration;
  /**
   * Who may decide, per application (`{"shop": ["oncall@example.com"]}`), checked against the signed-in
   * identity. Needs `approvalUserPool`. @default - whoever holds a valid link
   */
  readonly approvers?: Readonly<Record<string, readonly string[]>>;
  /** Requires a sign-in (a Cognito user pool authorizer) on the approval pages. @default - the signed link only */
  readonly approvalUserPool?: cognito.IUserPool;
  /**
   * Encrypts the table, topic, queues and secret. An imported key needs a key policy that lets
   * events.amazonaws.com and cloudwatch.amazonaws.com use it (kms:Decrypt, kms:GenerateDataKey), or
   * dead-letter deliveries and alarm notifications fail. @default - a new key with rotation, granted both
   */
  readonly key?: kms.IKey;
  /** An image with a scan finding at or above this severity is not rolled back to. @default 'CRITICAL' */
  readonly blockingSeverity?: Severity;
  /**
   * Names of the plans' state machines start with this (the synthesize function creates them at run time;
   * the orchestrator may start only these). Give each Backstep stack in one account and region its own.
   * @default 'backstep-plan-'
   */
  readonly planPrefix?: string;
  /**
   * How long function and state machine logs are kept; with `compliance`, at least a year.
   * @default - one month; one year with `compliance`
   */
  readonly logRetention?: logs.RetentionDays;
  /**
   * Meets the AWS Control Tower proactive controls that Backstep's defaults do not: every log group kept a
   * year or more (CT.CLOUDWATCH.PR.2) and encrypted with the construct's key (CT.CLOUDWATCH.PR.3), whose
   * policy then lets CloudWatch Logs use it and denies grants that are not for AWS resources (CT.KMS.PR.3).
   * An imported `key` must allow `logs.<region>.amazonaws.com` and carry that deny itself. What remains is
   * acknowledged in `controlTowerAcknowledgements`. Reports are then locked for their retention (S3 Object
   * Lock, governance mode: CT.S3.PR.9). @default false
   */
  readonly compliance?: boolean;
  /** How long incident reports are kept in the reports bucket. @default Duration.days(365) */
  readonly reportRetention?: Duration;
  /** How long the link in an incident's final notification opens its report. @default Duration.days(7) */
  readonly reportLinkTtl?: Duration;
  /**
   * A bucket for the reports bucket's server access logs (under `backstep-reports/`); it must accept them
   * from the S3 logging service. @default - no server access logs (each read is in the API's access log)
   */
  readonly reportAccessLogs?: s3.IBucket;
}

/** The settings the construct resolved from its props, defaults applied: what the functions are given. */
export interface BackstepSettings {
  readonly mode: 'auto' | 'suggest';
  readonly blockingSeverity: Severity;
  readonly planPrefix: string;
  readonly lookBackSeconds: number;
  readonly bakeSeconds: number;
  readonly approvalSeconds: number;
  readonly cooldownSeconds: number;
  readonly logRetention: logs.RetentionDays;
  readonly reportRetentionDays: number;
  readonly reportLinkSeconds: number;
}

/**
 * Pre-built, staged rollbacks for the services in a catalog: an alarm going to ALARM starts an incident, which
 * runs the plan built for it ahead of time. Its members are what a stack wires to; all are interfaces.
 */
export class Backstep extends Construct {
  /** Encrypts the table, topic, queues, secret and reports (the `key` prop, or one the construct made). */
  public readonly key: kms.IKey;
  /** Incidents, plans, the catalog, the kill switch and the culprit model (kept when the stack is deleted). */
  public readonly table: dynamodb.ITable;
  /** Escalations, approval requests and final notifications; the construct's alarms publish here too. */
  public readonly topic: sns.ITopic;
  /** Events and invocations that could not be delivered or failed after their retries. */
  public readonly deadLetters: sqs.IQueue;
  /** Rolls one service back (the plans' rollback task). */
  public readonly actFunction: lambda.IFunction;
  /** Reads a wave's alarms after it settles (the plans' health gate). */
  public readonly gateFunction: lambda.IFunction;
  /** Publishes a plan's messages to the topic. */
  public readonly notifyFunction: lambda.IFunction;
  /** Records an incident when it ends and refines the culprit model. */
  public readonly learnFunction: lambda.IFunction;
  /** The plans' approval task: stores the task token, emails a signed link. */
  public readonly approvalFunction: lambda.IFunction;
  /** Serves the approval pages: GET and HEAD render, POST decides once. */
  public readonly approvalCallbackFunction: lambda.IFunction;
  /** The approval and report pages (API Gateway, stage `approve`). */
  public readonly approvalApi: apigateway.IRestApi;
  /** The URL that approval and report links start with (the API stage's URL, ending in `/`). */
  public readonly approvalUrl: string;
  /** The Standard state machine that handles an incident: lease, pre-built plan, record, escalate. */
  public readonly orchestrator: sfn.IStateMachine;
  /** The Express state machine that EventBridge starts for every alarm going to ALARM. */
  public readonly intake: sfn.IStateMachine;
  /** The EventBridge rule that sends alarms going to ALARM to the intake. */
  public readonly alarmRule: events.IRule;
  /** Rebuilds the plans: discovers on the discovery schedule, records every deployment event, synthesizes. */
  public readonly refresh: sfn.IStateMachine;
  /** The role every plan state machine runs under. */
  public readonly planRole: iam.IRole;
  /** Reads the X-Ray service graph, alarms and deployments (the refresh, on the discovery schedule). */
  public readonly discoverFunction: lambda.IFunction;
  /** Records a deployment event as a change (the refresh, on a deployment event). */
  public readonly recordFunction: lambda.IFunction;
  /** Builds the plans and creates their state machines (named `planPrefix`...). */
  public readonly synthesizeFunction: lambda.IFunction;
  /** Incident reports (under `reports/`; each new one is an EventBridge "Object Created" event). */
  public readonly reportBucket: s3.IBucket;
  /** Writes an incident's report when it ends and sends the final notification with its link. */
  public readonly reportFunction: lambda.IFunction;
  /** Serves a report to a signed link. */
  public readonly reportPageFunction: lambda.IFunction;
  /** The settings the props resolved to, defaults applied. */
  public readonly settings: BackstepSettings;
  /** The catalog as validated, defaults applied. */
  public readonly catalog: Catalog;
  /** Control Tower proactive-control findings this construct's template still has, each with its reason. */
  public readonly controlTowerAcknowledgements: readonly ControlTowerAcknowledgement[];

  constructor(scope: Construct, id: string, props: BackstepProps) {
    super(scope, id);
    this.catalog = validateCatalog(this, props.catalog);
    this.settings = validate(this, props, this.catalog);
    const stack = Stack.of(this);
    const compliance = props.compliance === true;
    this.key = props.key ?? new kms.Key(this, 'Key', { enableKeyRotation: true, description: 'Backstep data at rest' });
    const logSettings: LogSettings = {
      retention: this.settings.logRetention,
      ...(compliance ? { encryptionKey: this.key } : {}),
    };

    // `as`: under exactOptionalPropertyTypes CDK's classes are not assignable to their own interfaces
    // (https://github.com/aws/aws-cdk/issues/37996); the members are the interfaces all the same.
    this.table = new dynamodb.Table(this, 'Table', {
      partitionKey: { name: TABLE_KEYS.partitionKey, type: dynamodb.AttributeType.STRING },
      sortKey: { name: TABLE_KEYS.sortKey, type: dynamodb.AttributeType.STRING },
      billingMode: dynamodb.BillingMode.PAY_PER_REQUEST,
      encryption: dynamodb.TableEncryption.CUSTOMER_MANAGED,
      encryptionKey: this.key,
      pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
      // Chunks of replaced discovery snapshots expire a day later.
      timeToLiveAttribute: 'ttl',
      // Incident history is the record of what was done: never deleted with the stack.
      removalPolicy: RemovalPolicy.RETAIN,
    }) as dynamodb.ITable;
    this.writeCatalog(this.catalog, logSettings);
    if (props.killSwitch !== undefined) this.writeKillSwitch(props.killSwitch);

    this.topic = new sns.Topic(this, 'Topic', { masterKey: this.key, enforceSSL: true, displayName: 'Backstep' });
    // A topic policy replaces the default one that lets CloudWatch alarms publish: say it again, for this
    // account's alarms only (https://repost.aws/knowledge-center/cloudwatch-receive-sns-for-alarm-trigger).
    this.topic.addToResourcePolicy(
      new iam.PolicyStatement({
        sid: 'CloudWatchAlarmsPublish',
        principals: [new iam.ServicePrincipal('cloudwatch.amazonaws.com')],
        actions: ['sns:Publish'],
        resources: [this.topic.topicArn],
        conditions: {
          StringEquals: { 'aws:SourceAccount': stack.account },
          ArnLike: {
            'aws:SourceArn': Arn.format(
              { service: 'cloudwatch', resource: 'alarm', resourceName: '*', arnFormat: ArnFormat.COLON_RESOURCE_NAME },
              stack,
            ),
          },
        },
      }),
    );
    for (const email of props.approverEmails ?? [])
      this.topic.addSubscription(new subscriptions.EmailSubscription(email));

    this.deadLetters = new sqs.Queue(this, 'DeadLetters', {
      encryption: sqs.QueueEncryption.KMS,
      encryptionMasterKey: this.key,
      enforceSSL: true,
      retentionPeriod: Duration.days(14),
      // It is a dead-letter queue (Control Tower's CT.SQS.PR.1 tells one by this); any queue may use it,
      // which is SQS's default.
      redriveAllowPolicy: { redrivePermission: sqs.RedrivePermission.ALLOW_ALL },
    });

    const fn = (name: string, spec: FunctionSpec) => backstepFunction(this, name, spec, logSettings);
    const tableEnv = { table: this.table.tableName };

    const act = fn('Act', {
      file: 'act.ts',
      environment: { ...tableEnv, blockingSeverity: this.settings.blockingSeverity },
      // A claim older than this is a dead function's (lib/aws/store.ts): the two must stay equal.
      timeout: Duration.millis(CLAIM_STALE_MS),
    });
    this.table.grantReadWriteData(act);
    const actions = actionStatements(stack, this.catalog);
    for (const statement of actions.statements) act.addToRolePolicy(statement);
    this.actFunction = act;

    const gate = fn('Gate', { file: 'gate.ts', environment: tableEnv, timeout: Duration.minutes(1) });
    // Reads plans and the catalog; appends readings to incident timelines.
    this.table.grantReadWriteData(gate);
    gate.addToRolePolicy(new iam.PolicyStatement({ actions: ['cloudwatch:DescribeAlarms'], resources: ['*'] }));
    this.gateFunction = gate;

    const notify = fn('Notify', {
      file: 'notify.ts',
      environment: { topic: this.topic.topicArn },
      timeout: Duration.seconds(30),
    });
    this.topic.grantPublish(notify);
    this.notifyFunction = notify;

    const approvals = new Approvals(this, 'Approvals', {
      table: this.table,
      topic: this.topic,
      key: this.key,
      logs: logSettings,
      application: this.catalog.application,
      ...(props.approvers ? { approvers: props.approvers } : {}),
      ...(props.approvalUserPool ? { userPool: props.approvalUserPool } : {}),
    });
    this.approvalFunction = approvals.requestFunction;
    this.approvalCallbackFunction = approvals.callbackFunction;
    this.approvalApi = approvals.api as apigateway.IRestApi;
    this.approvalUrl = approvals.api.url;

    const alarmPath = new AlarmPath(this, 'AlarmPath', {
      table: this.table,
      topic: this.topic,
      deadLetters: this.deadLetters,
      mode: this.settings.mode,
      logs: logSettings,
      planPrefix: this.settings.planPrefix,
      cooldownSeconds: this.settings.cooldownSeconds,
    });
    this.orchestrator = alarmPath.orchestrator;
    this.intake = alarmPath.intake;
    this.alarmRule = alarmPath.rule;

    // When an incident ends, any way (stopped by hand included): record it and refine the model.
    const learn = fn('Learn', {
      file: 'learn.ts',
      environment: tableEnv,
      timeout: Duration.minutes(2),
      memorySize: 1024,
    });
    this.table.grantReadWriteData(learn);
    // A function error after EventBridge handed the event over is not a failed delivery: keep it too.
    learn.configureAsyncInvoke({ onFailure: new destinations.SqsDestination(this.deadLetters), retryAttempts: 2 });
    this.learnFunction = learn;
    const reports = new Reports(this, 'Reports', {
      table: this.table,
      topic: this.topic,
      key: this.key,
      secret: approvals.secret,
      approvals,
      logs: logSettings,
      planPrefix: this.settings.planPrefix,
      retention: Duration.days(this.settings.reportRetentionDays),
      linkTtl: Duration.seconds(this.settings.reportLinkSeconds),
      lock: compliance,
      ...(props.reportAccessLogs ? { accessLogs: props.reportAccessLogs } : {}),
    });
    this.reportBucket = reports.bucket as s3.IBucket;
    this.reportFunction = reports.writer;
    this.reportPageFunction = reports.page;
    reports.writer.configureAsyncInvoke({
      onFailure: new destinations.SqsDestination(this.deadLetters),
      retryAttempts: 2,
    });
    const delivery = { deadLetterQueue: this.deadLetters, retryAttempts: 8, maxEventAge: Duration.hours(6) };
    const ended = new events.Rule(this, 'IncidentEnded', {
      description: 'An incident execution ended: Backstep records it, refines its model and reports it',
      eventPattern: {
        source: ['aws.states'],
        detailType: ['Step Functions Execution Status Change'],
        detail: {
          stateMachineArn: [this.orchestrator.stateMachineArn],
          status: ['SUCCEEDED', 'FAILED', 'ABORTED', 'TIMED_OUT'],
        },
      },
    });
    ended.addTarget(new targets.LambdaFunction(learn, delivery));
    ended.addTarget(new targets.LambdaFunction(reports.writer, delivery));

    const planning = new Planning(this, 'Planning', {
      table: this.table,
      deadLetters: this.deadLetters,
      catalog: this.catalog,
      logs: logSettings,
      schedule: props.discoverySchedule ?? events.Schedule.rate(Duration.minutes(10)),
      planPrefix: this.settings.planPrefix,
      lookBackSeconds: this.settings.lookBackSeconds,
      bakeSeconds: this.settings.bakeSeconds,
      approvalSeconds: this.settings.approvalSeconds,
      act,
      gate,
      approval: approvals.requestFunction,
      notify,
    });
    this.refresh = planning.refresh;
    this.planRole = planning.planRole;
    this.discoverFunction = planning.discoverFunction;
    this.recordFunction = planning.recordFunction;
    this.synthesizeFunction = planning.synthesizeFunction;

    // The intake is Express: an event it failed on counts as delivered, so its failures raise their own alarm.
    alarmOnAny(
      this,
      'IntakeFailures',
      'The Backstep intake failed on an alarm event: check its logs',
      this.intake.metricFailed({ period: Duration.minutes(1), statistic: 'Sum' }),
      this.topic,
    );
    // A refresh that failed leaves plans as they were (an alarm still finds one), but people should know.
    alarmOnAny(
      this,
      'RefreshFailures',
      'Backstep could not refresh its plans (discovery, a recorded change or synthesis failed)',
      planning.refresh.metricFailed({ period: Duration.minutes(5), statistic: 'Sum' }),
      this.topic,
    );

    backstepDashboard(this, 'Dashboard', { orchestrator: this.orchestrator, deadLetters: this.deadLetters });

    if (this.key instanceof kms.Key) {
      // EventBridge writes to the encrypted queue; CloudWatch publishes to the encrypted topic.
      this.key.grant(new iam.ServicePrincipal('events.amazonaws.com'), 'kms:Decrypt', 'kms:GenerateDataKey');
      this.key.grant(new iam.ServicePrincipal('cloudwatch.amazonaws.com'), 'kms:Decrypt', 'kms:GenerateDataKey');
      if (compliance) this.meetControlTowerKeyControls(this.key, stack);
    }
    this.controlTowerAcknowledgements = controlTowerAcknowledgements({
      compliance,
      ownKey: this.key instanceof kms.Key,
      reportAccessLogs: props.reportAccessLogs !== undefined,
    });
    acknowledge(this, stack, [
      ...actions.wildcards,
      ...alarmPath.wildcards,
      ...planning.wildcards,
      ...reports.wildcards,
    ]);
  }

  /**
   * With `compliance` the log groups are encrypted with the key: CloudWatch Logs may use it for this account's
   * log groups (https://docs.aws.amazon.com/AmazonCloudWatch/latest/logs/encrypt-log-data-kms.html); and only
   * AWS services may create grants on it (Control Tower CT.KMS.PR.3).
   */
  private meetControlTowerKeyControls(key: kms.Key, stack: Stack): void {
    key.addToResourcePolicy(
      new iam.PolicyStatement({
        sid: 'CloudWatchLogsEncrypt',
        principals: [new iam.ServicePrincipal(`logs.${stack.region}.amazonaws.com`)],
        actions: ['kms:Encrypt*', 'kms:Decrypt*', 'kms:ReEncrypt*', 'kms:GenerateDataKey*', 'kms:Describe*'],
        resources: ['*'],
        conditions: {
          ArnLike: {
            'kms:EncryptionContext:aws:logs:arn': Arn.format(
              { service: 'logs', resource: 'log-group', resourceName: '*', arnFormat: ArnFormat.COLON_RESOURCE_NAME },
              stack,
            ),
          },
        },
      }),
    );
    key.addToResourcePolicy(
      new iam.PolicyStatement({
        sid: 'GrantsOnlyForAwsResources',
        effect: iam.Effect.DENY,
        principals: [new iam.AnyPrincipal()],
        actions: ['kms:CreateGrant'],
        resources: ['*'],
        conditions: {
          BoolIfExists: { 'kms:GrantIsForAWSResource': 'false', 'aws:PrincipalIsAWSService': 'false' },
        },
      }),
    );
  }

  /** The kill switch as the prop says, written when the prop changes (the physical id is its value). */
  private writeKillSwitch(on: boolean): void {
    const write: cr.AwsSdkCall = {
      service: 'DynamoDB',
      action: 'putItem',
      parameters: {
        TableName: this.table.tableName,
        Item: marshall(killSwitchItem({ on, by: 'deployment', at: '', reason: "the stack's killSwitch prop" })),
      },
      physicalResourceId: cr.PhysicalResourceId.of(`kill-switch-${on ? 'on' : 'off'}`),
    };
    // The provider function and its log group are the catalog writer's (one per stack).
    const writer = new cr.AwsCustomResource(this, 'KillSwitchItem', {
      onCreate: write,
      onUpdate: write,
      policy: cr.AwsCustomResourcePolicy.fromSdkCalls({ resources: [this.table.tableArn] }),
      installLatestAwsSdk: false,
    });
    this.key.grantEncryptDecrypt(writer);
  }

  /** The catalog goes into the table at deploy time (no 4 KB environment limit); a new catalog, a new write. */
  private writeCatalog(catalog: Catalog, logSettings: LogSettings): void {
    const item = catalogItem(catalog);
    const write: cr.AwsSdkCall = {
      service: 'DynamoDB',
      action: 'putItem',
      parameters: { TableName: this.table.tableName, Item: marshall(item) },
      physicalResourceId: cr.PhysicalResourceId.of(
        createHash('sha256').update(item.catalog).digest('hex').slice(0, 32),
      ),
    };
    const writer = new cr.AwsCustomResource(this, 'CatalogItem', {
      onCreate: write,
      onUpdate: write,
      policy: cr.AwsCustomResourcePolicy.fromSdkCalls({ resources: [this.table.tableArn] }),
      installLatestAwsSdk: false,
      // CDK's provider function is shared by the stack; its logs are kept like the construct's own.
      logGroup: logGroup(this, 'CatalogItemLogs', logSettings),
    });
    this.key.grantEncryptDecrypt(writer);
    // CDK's provider for such calls is one function per stack, outside this construct: its findings too.
    const provider = Stack.of(this).node.tryFindChild(
      `AWS${cr.AwsCustomResource.PROVIDER_FUNCTION_UUID.replace(/-/g, '')}`,
    );
    if (provider) {
      Validations.of(provider).acknowledge(
        { id: BASIC_EXECUTION_ROLE, reason: "CDK's custom-resource provider writes only its own logs with it." },
        { id: 'AwsSolutions-IAM5[Action::kms:ReEncrypt*]', reason: "CDK's grant on this construct's own key." },
        { id: 'AwsSolutions-IAM5[Action::kms:GenerateDataKey*]', reason: "CDK's grant on this construct's own key." },
      );
    }
  }
}

/** The settings the props resolve to, defaults applied; the first prop that does not fit is refused. */
function validate(scope: Construct, props: BackstepProps, catalog: Catalog): BackstepSettings {
  const fail = (field: string, problem: string): never => {
    throw new PropsError(scope, field, problem);
  };
  const checkEmails = (field: string, emails: readonly string[]) => {
    emails.forEach((email, i) => {
      // An address known only at deploy time (a parameter, an SSM value) is the service's to check.
      if (!Token.isUnresolved(email) && !EMAIL.test(email))
        fail(`${field}[${i}]`, `"${email}" is not an email address; expected name@example.com`);
    });
  };
  checkEmails('approverEmails', props.approverEmails ?? []);
  for (const [application, emails] of Object.entries(props.approvers ?? {})) {
    const field = fieldPath('approvers', [application]);
    if (emails.length === 0) fail(field, 'empty; expected at least one email address');
    checkEmails(field, emails);
  }
  if (props.approvers && !Object.hasOwn(props.approvers, catalog.application)) {
    fail(
      'approvers',
      `no list for application "${catalog.application}" (the catalog's); expected a key "${catalog.application}"`,
    );
  }
  if (props.approvers && !props.approvalUserPool) {
    fail('approvers', 'set approvalUserPool too; without a sign-in no identity can be checked');
  }
  if (props.mode !== undefined && props.mode !== 'auto' && props.mode !== 'suggest') {
    fail('mode', `"${String(props.mode)}"; expected "auto" or "suggest"`);
  }
  const blockingSeverity = props.blockingSeverity ?? 'CRITICAL';
  if (!SEVERITIES.includes(blockingSeverity)) {
    fail('blockingSeverity', `"${String(blockingSeverity)}"; expected one of ${SEVERITIES.join(', ')}`);
  }
  const planPrefix = props.planPrefix ?? PLAN_STATE_MACHINE_PREFIX;
  if (!/^[A-Za-z0-9_-]{1,40}$/.test(planPrefix)) {
    fail('planPrefix', `"${planPrefix}"; expected 1 to 40 of A-Z, a-z, 0-9, - and _`);
  }
  const logRetention =
    props.logRetention ?? (props.compliance ? logs.RetentionDays.ONE_YEAR : logs.RetentionDays.ONE_MONTH);
  // RetentionDays.INFINITE (never expire) keeps logs longest of all.
  if (props.compliance && logRetention < logs.RetentionDays.ONE_YEAR) {
    fail('logRetention', `${logRetention} days; compliance needs at least 365 days (RetentionDays.ONE_YEAR)`);
  }
  const seconds = (prop: keyof BackstepProps, value: Duration | undefined, setting: Setting) =>
    durationSeconds(scope, prop, value, setting);
  const retention = seconds('reportRetention', props.reportRetention, SETTINGS.reportRetention);
  if (retention % DAY !== 0) fail('reportRetention', `${span(retention)}; expected whole days`);
  // A link that outlives its report would open a 404.
  const link = seconds('reportLinkTtl', props.reportLinkTtl, SETTINGS.reportLink);
  if (link > retention) fail('reportLinkTtl', `${span(link)}; expected at most reportRetention (${span(retention)})`);
  return {
    logRetention,
    mode: props.mode ?? 'auto',
    blockingSeverity,
    planPrefix,
    lookBackSeconds: seconds('lookBack', props.lookBack, SETTINGS.lookBack),
    bakeSeconds: seconds('bakeTime', props.bakeTime, SETTINGS.bake),
    approvalSeconds: seconds('approvalTimeout', props.approvalTimeout, SETTINGS.approval),
    cooldownSeconds: seconds('cooldown', props.cooldown, SETTINGS.cooldown),
    reportRetentionDays: retention / DAY,
    reportLinkSeconds: link,
  };
}
