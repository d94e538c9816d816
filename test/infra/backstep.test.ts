// The construct: the resources the platform must have, least privilege, and cdk-nag AwsSolutions with
// every finding either fixed or acknowledged with a reason.
import { App, Duration, Lazy, Stack } from 'aws-cdk-lib';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Match, Template } from 'aws-cdk-lib/assertions';
import * as cognito from 'aws-cdk-lib/aws-cognito';
import * as logs from 'aws-cdk-lib/aws-logs';
import { runSimulation } from '@cloud-copilot/iam-simulate';
import { AwsSolutionsChecks } from 'cdk-nag';
import { REFRESH_ERRORS, SYNTHESIS_TIMEOUT_MS } from '../../lib/aws/synthesis';
import { parseCatalog } from '../../lib/core/catalog';
import { InputError } from '../../lib/core/errors';
import { Backstep, type BackstepProps } from '../../lib/infra/backstep';
import { PropsError } from '../../lib/infra/errors';
import { fixture } from '../helpers';
import { ResolvedTemplate } from './cfn';

const catalog = parseCatalog(fixture('examples/online-boutique/catalog.json'), 'catalog.json');

const ACCOUNT = '123456789012';
const REGION = 'eu-west-1';

function build(props: Partial<BackstepProps> = {}, stackName = 'Test') {
  // Fast: no bundling, no CloudFormation validation (one full synth below keeps both).
  const app = new App({ builtinCloudFormationValidation: false, context: { 'aws:cdk:bundling-stacks': [] } });
  const stack = new Stack(app, stackName, { env: { account: ACCOUNT, region: REGION } });
  const backstep = new Backstep(stack, 'Backstep', { catalog, approverEmails: ['oncall@example.com'], ...props });
  return { stack, backstep, template: Template.fromStack(stack) };
}

/** What `fn` throws, or undefined. */
function thrown(fn: () => unknown): unknown {
  try {
    fn();
  } catch (err) {
    return err;
  }
  return undefined;
}

/** The error's name and message when the construct refuses these props. */
function refusal(props: Partial<BackstepProps>): { name: string; message: string } | undefined {
  const error = thrown(() => build(props));
  return error instanceof Error ? { name: error.name, message: error.message } : undefined;
}

type Resources = Record<string, { Type: string; Properties?: Record<string, unknown> }>;

function resourcesOf(template: Template, type: string): [string, Record<string, unknown>][] {
  return Object.entries(template.findResources(type) as Resources).map(([id, r]) => [id, r.Properties ?? {}]);
}

/** One request to iam-simulate (AWS's Service Authorization Reference as data): Allowed, or how it was denied. */
async function simulate(request: {
  principal: string;
  action: string;
  resource: string;
  context?: Record<string, string>;
  identityPolicies?: { name: string; policy: unknown }[];
  resourcePolicy?: unknown;
}): Promise<string> {
  const result = await runSimulation(
    {
      request: {
        principal: request.principal,
        action: request.action,
        resource: { resource: request.resource, accountId: ACCOUNT },
        contextVariables: { 'aws:SecureTransport': 'true', ...request.context },
      },
      identityPolicies: request.identityPolicies ?? [],
      serviceControlPolicies: [],
      resourceControlPolicies: [],
      ...(request.resourcePolicy ? { resourcePolicy: request.resourcePolicy } : {}),
    },
    {},
  );
  const errors = (result as { errors?: unknown }).errors;
  if (errors) throw new Error(`simulation refused the request: ${JSON.stringify(errors)}`);
  return (result as { overallResult: string }).overallResult;
}

describe('the Backstep construct', () => {
  const { stack, template } = build();

  it('keeps incidents in an encrypted table with point-in-time recovery that outlives the stack', () => {
    template.hasResource('AWS::DynamoDB::Table', {
      DeletionPolicy: 'Retain',
      Properties: {
        PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true },
        SSESpecification: { SSEEnabled: true, SSEType: 'KMS', KMSMasterKeyId: Match.anyValue() },
        KeySchema: [
          { AttributeName: 'pk', KeyType: 'HASH' },
          { AttributeName: 'sk', KeyType: 'RANGE' },
        ],
      },
    });
    template.hasResourceProperties('AWS::KMS::Key', { EnableKeyRotation: true });
  });

  it('encrypts the topic and the dead-letter queue and refuses plain HTTP to both', () => {
    template.hasResourceProperties('AWS::SNS::Topic', { KmsMasterKeyId: Match.anyValue() });
    template.hasResourceProperties('AWS::SQS::Queue', {
      KmsMasterKeyId: Match.anyValue(),
      MessageRetentionPeriod: 1209600,
    });
    for (const type of ['AWS::SNS::TopicPolicy', 'AWS::SQS::QueuePolicy']) {
      template.hasResourceProperties(type, {
        PolicyDocument: {
          Statement: Match.arrayWith([
            Match.objectLike({ Effect: 'Deny', Condition: { Bool: { 'aws:SecureTransport': 'false' } } }),
          ]),
        },
      });
    }
    template.hasResourceProperties('AWS::SNS::Subscription', { Protocol: 'email', Endpoint: 'oncall@example.com' });
  });

  it('runs every function on Node.js 22 with tracing and kept logs', () => {
    // Ours; CDK's custom-resource provider (it writes the catalog into the table) is not.
    const functions = template.findResources('AWS::Lambda::Function', { Properties: { Architectures: ['arm64'] } });
    expect(
      Object.keys(functions)
        .map((id) => id.replace(/^Backstep([A-Za-z]+?)[0-9A-F]{8}$/, '$1'))
        .sort(),
    ).toStrictEqual([
      'Act',
      'ApprovalsCallback',
      'ApprovalsRequest',
      'Gate',
      'Learn',
      'Notify',
      'PlanningDiscover',
      'PlanningRecordChange',
      'PlanningSynthesize',
      'ReportsPage',
      'ReportsWrite',
    ]);
    for (const f of Object.values(functions) as { Properties: Record<string, unknown> }[]) {
      expect(f.Properties).toMatchObject({ Runtime: 'nodejs22.x', TracingConfig: { Mode: 'Active' } });
    }
    const groups = Object.values(template.findResources('AWS::Logs::LogGroup')) as { Properties: unknown }[];
    expect(groups.length).toBeGreaterThanOrEqual(6);
    for (const g of groups) expect(g.Properties).toMatchObject({ RetentionInDays: 30 });
  });

  it('writes the catalog into the table at deploy time, not into an environment', () => {
    const writes = Object.values(template.findResources('Custom::AWS')) as { Properties: { Create: unknown } }[];
    expect(writes).toHaveLength(1);
    expect(JSON.stringify(writes[0]?.Properties.Create)).toContain('putItem');
    expect(JSON.stringify(writes[0]?.Properties.Create)).toContain('CATALOG');
    expect(JSON.stringify(template.findResources('AWS::Lambda::Function'))).not.toContain('CATALOG');
  });

  it('records and reports every ended incident (stopped by hand too), each delivery with a dead-letter queue', () => {
    const target = (fn: string) =>
      Match.objectLike({
        Arn: { 'Fn::GetAtt': [Match.stringLikeRegexp(`^Backstep${fn}[0-9A-F]{8}$`), 'Arn'] },
        DeadLetterConfig: { Arn: Match.anyValue() },
        RetryPolicy: { MaximumRetryAttempts: 8, MaximumEventAgeInSeconds: 21_600 },
      });
    template.hasResourceProperties('AWS::Events::Rule', {
      EventPattern: {
        source: ['aws.states'],
        'detail-type': ['Step Functions Execution Status Change'],
        detail: { status: ['SUCCEEDED', 'FAILED', 'ABORTED', 'TIMED_OUT'], stateMachineArn: [Match.anyValue()] },
      },
      Targets: [target('Learn'), target('ReportsWrite')],
    });
  });

  it('keeps reports in a private bucket: KMS with its key, TLS only, no public access, a lifecycle, retained', () => {
    const buckets = template.findResources('AWS::S3::Bucket');
    expect(Object.keys(buckets)).toHaveLength(1);
    const [id, bucket] = Object.entries(buckets)[0] as [string, { Properties: unknown; DeletionPolicy: string }];
    expect(bucket.DeletionPolicy).toBe('Retain');
    expect(bucket.Properties).toMatchObject({
      BucketEncryption: {
        ServerSideEncryptionConfiguration: [
          {
            BucketKeyEnabled: true,
            ServerSideEncryptionByDefault: { SSEAlgorithm: 'aws:kms', KMSMasterKeyID: expect.anything() as unknown },
          },
        ],
      },
      PublicAccessBlockConfiguration: {
        BlockPublicAcls: true,
        BlockPublicPolicy: true,
        IgnorePublicAcls: true,
        RestrictPublicBuckets: true,
      },
      OwnershipControls: { Rules: [{ ObjectOwnership: 'BucketOwnerEnforced' }] },
      VersioningConfiguration: { Status: 'Enabled' },
      LifecycleConfiguration: {
        Rules: [
          expect.objectContaining({ ExpirationInDays: 365, NoncurrentVersionExpiration: { NoncurrentDays: 30 } }),
        ],
      },
    });
    template.hasResourceProperties('AWS::S3::BucketPolicy', {
      Bucket: { Ref: id },
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({ Effect: 'Deny', Condition: { Bool: { 'aws:SecureTransport': 'false' } } }),
        ]),
      },
    });
  });

  it('keeps what a function or the intake failed on: an async failure destination, an alarm on intake failures', () => {
    template.hasResourceProperties('AWS::Lambda::EventInvokeConfig', {
      MaximumRetryAttempts: 2,
      DestinationConfig: { OnFailure: { Destination: Match.anyValue() } },
    });
    const failures = Object.values(
      template.findResources('AWS::CloudWatch::Alarm', { Properties: { MetricName: 'ExecutionsFailed' } }),
    ) as { Properties: { Namespace: string; AlarmActions: unknown[] } }[];
    // The intake's and the refresh's: each tells people.
    expect(failures).toHaveLength(2);
    for (const alarm of failures)
      expect(alarm.Properties).toMatchObject({ Namespace: 'AWS/States', AlarmActions: [expect.anything()] });
  });

  it('alarms on every incident that ended failed or timed out, to the topic, which CloudWatch may publish to', () => {
    const [alarm, ...others] = Object.values(
      template.findResources('AWS::CloudWatch::Alarm', {
        Properties: { Metrics: Match.arrayWith([Match.objectLike({ Expression: Match.anyValue() })]) },
      }),
    ) as {
      Properties: {
        Metrics: { MetricStat?: { Metric: { MetricName: string; Dimensions: unknown[] } } }[];
        AlarmActions: unknown[];
      };
    }[];
    expect(others).toHaveLength(0);
    const metrics = alarm?.Properties.Metrics.flatMap((m) => (m.MetricStat ? [m.MetricStat.Metric] : [])) ?? [];
    expect(metrics.map((m) => m.MetricName).sort()).toStrictEqual(['ExecutionsFailed', 'ExecutionsTimedOut']);
    for (const m of metrics)
      expect(JSON.stringify(m.Dimensions)).toMatch(
        /"Name":"StateMachineArn","Value":\{"Ref":"BackstepAlarmPathOrchestrator/,
      );
    const topic = Object.keys(template.findResources('AWS::SNS::Topic'))[0];
    expect(alarm?.Properties.AlarmActions).toStrictEqual([{ Ref: topic }]);
    template.hasResourceProperties('AWS::SNS::TopicPolicy', {
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({ Sid: 'CloudWatchAlarmsPublish', Principal: { Service: 'cloudwatch.amazonaws.com' } }),
        ]),
      },
    });
  });

  it('has a dashboard of incidents, time to recovery, rollbacks by outcome and approvals', () => {
    const body = JSON.stringify(template.findResources('AWS::CloudWatch::Dashboard'));
    for (const title of ['Incidents', 'Time to recovery', 'Rollbacks by outcome', 'Approvals'])
      expect(body).toContain(title);
  });

  it('keeps the lease for the cooldown after a rollback (15 minutes unless set)', () => {
    const orchestrator = (t: Template) =>
      JSON.stringify(
        Object.entries(t.findResources('AWS::StepFunctions::StateMachine')).find(([id]) =>
          id.startsWith('BackstepAlarmPathOrchestrator'),
        ),
      );
    expect(orchestrator(template)).toContain('\\"Cool down\\":{\\"Type\\":\\"Wait\\",\\"Seconds\\":900');
    expect(orchestrator(build({ cooldown: Duration.minutes(2) }).template)).toContain('\\"Seconds\\":120');
  });

  it('lets the orchestrator see whether the holder of a lease still runs, and nothing wider', () => {
    const policies = JSON.stringify(template.findResources('AWS::IAM::Policy'));
    expect(policies).toMatch(/execution:Test[\w-]*-incidents:\*/);
  });

  it('starts the intake from every alarm going to ALARM, with a dead-letter queue and an alarm on it', () => {
    template.hasResourceProperties('AWS::Events::Rule', {
      EventPattern: {
        source: ['aws.cloudwatch'],
        'detail-type': ['CloudWatch Alarm State Change'],
        detail: { state: { value: ['ALARM'] } },
      },
      Targets: [Match.objectLike({ DeadLetterConfig: { Arn: Match.anyValue() }, RetryPolicy: Match.anyValue() })],
    });
    template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      MetricName: 'ApproximateNumberOfMessagesVisible',
      Threshold: 1,
      AlarmActions: [Match.anyValue()],
    });
  });

  it('runs the alarm path on two traced, fully logged state machines with no Lambda in them', () => {
    const all = template.findResources('AWS::StepFunctions::StateMachine');
    const machines = Object.fromEntries(
      Object.entries(all).filter(([id]) => id.startsWith('BackstepAlarmPath')),
    ) as Record<
      string,
      {
        Properties: {
          StateMachineType: string;
          DefinitionString: unknown;
          TracingConfiguration: unknown;
          LoggingConfiguration: { Level: string };
        };
      }
    >;
    expect(
      Object.values(machines)
        .map((m) => m.Properties.StateMachineType)
        .sort(),
    ).toStrictEqual(['EXPRESS', 'STANDARD']);
    for (const m of Object.values(machines)) {
      expect(m.Properties.TracingConfiguration).toStrictEqual({ Enabled: true });
      expect(m.Properties.LoggingConfiguration.Level).toBe('ALL');
      expect(JSON.stringify(m.Properties.DefinitionString)).not.toContain(':lambda:');
    }
  });

  it('lets the act function call the validation functions the catalog names, and no other', () => {
    const services = {
      ...catalog.services,
      cartservice: { ...catalog.services['cartservice']!, validation: 'vuln-check' },
    };
    const policies = JSON.stringify(
      build({ catalog: { ...catalog, services } }).template.findResources('AWS::IAM::Policy'),
    );
    const act = policies.slice(policies.indexOf('BackstepActServiceRoleDefaultPolicy'));
    expect(act.slice(0, act.indexOf('"Roles"'))).toContain(
      '{"Action":"lambda:InvokeFunction","Effect":"Allow","Resource":{"Fn::Join":["",["arn:",{"Ref":"AWS::Partition"},":lambda:eu-west-1:123456789012:function:vuln-check"]]}}',
    );
  });

  it('lets the act function touch only the services in the catalog', () => {
    const policies = JSON.stringify(template.findResources('AWS::IAM::Policy'));
    expect(policies).toContain('service/boutique/cartservice');
    expect(policies).toContain('deploymentgroup:boutique-checkout/prod');
    // Alias calls are authorized on the unqualified function (test/infra/iam-simulate.test.ts checks them).
    expect(policies).toContain('function:boutique-payment"');
    expect(policies).not.toContain('function:boutique-payment:live');
    expect(policies).not.toMatch(/"Action":"\*"|"Action":\["\*"\]/);
  });

  it('lets only the approval callback send task results, behind GET, HEAD and POST on /approvals/{id}; reports are GET and HEAD', () => {
    const policies = template.findResources('AWS::IAM::Policy') as Record<string, { Properties: unknown }>;
    const sending = Object.entries(policies)
      .filter(([, p]) => JSON.stringify(p.Properties).includes('states:SendTask'))
      .map(([id]) => id);
    expect(sending).toStrictEqual([expect.stringMatching(/^BackstepApprovalsCallbackServiceRoleDefaultPolicy/)]);
    const methods = Object.values(template.findResources('AWS::ApiGateway::Method')) as {
      Properties: { HttpMethod: string; AuthorizationType: string };
    }[];
    expect(methods.map((m) => m.Properties.HttpMethod).sort()).toStrictEqual(['GET', 'GET', 'HEAD', 'HEAD', 'POST']);
    const parts = Object.values(template.findResources('AWS::ApiGateway::Resource')) as {
      Properties: { PathPart: string };
    }[];
    expect(parts.map((r) => r.Properties.PathPart).sort()).toStrictEqual(['approvals', 'reports', '{id}', '{id}']);
    template.hasResourceProperties('AWS::SecretsManager::Secret', {
      GenerateSecretString: { PasswordLength: 64 },
      KmsKeyId: Match.anyValue(),
    });
    template.hasResourceProperties('AWS::ApiGateway::Stage', {
      TracingEnabled: true,
      AccessLogSetting: Match.anyValue(),
      MethodSettings: [Match.objectLike({ DataTraceEnabled: false, LoggingLevel: 'ERROR' })],
    });
  });

  it('rebuilds plans on a schedule and on every deployment event, each delivery with a dead-letter queue', () => {
    const rules = Object.values(template.findResources('AWS::Events::Rule')) as {
      Properties: { ScheduleExpression?: string; EventPattern?: { source: string[] }; Targets: unknown[] };
    }[];
    expect(rules.find((r) => r.Properties.ScheduleExpression)?.Properties.ScheduleExpression).toBe('rate(10 minutes)');
    const sources = rules.map((r) => r.Properties.EventPattern?.source[0]).filter((s) => s !== undefined);
    expect(sources.sort()).toStrictEqual([
      'aws.appconfig',
      'aws.cloudwatch',
      'aws.codedeploy',
      'aws.ecs',
      'aws.lambda',
      'aws.states',
    ]);
    for (const rule of rules) {
      expect(rule.Properties.Targets.length).toBeGreaterThanOrEqual(1);
      for (const target of rule.Properties.Targets)
        expect(target).toStrictEqual(expect.objectContaining({ DeadLetterConfig: expect.anything() as unknown }));
    }
  });

  it('reserves no concurrency, which an account at the default quota would refuse', () => {
    // Lambda keeps 100 executions unreserved; new accounts may have a quota of 10
    // (https://docs.aws.amazon.com/lambda/latest/dg/configuration-concurrency.html).
    for (const [id, f] of resourcesOf(template, 'AWS::Lambda::Function'))
      expect([id, f['ReservedConcurrentExecutions']]).toStrictEqual([id, undefined]);
  });

  it('waits out throttled invokes and a synthesis already running, with backoff and jitter, and fails on failed plans', () => {
    const [, refresh] = resourcesOf(template, 'AWS::StepFunctions::StateMachine').find(([id]) =>
      id.startsWith('BackstepPlanningRefresh'),
    )!;
    const definition = JSON.parse(String(new ResolvedTemplate(template).resolve(refresh['DefinitionString']))) as {
      States: Record<
        string,
        { Type: string; Retry?: Record<string, unknown>[]; Catch?: unknown; TimeoutSeconds?: number }
      >;
    };
    const tasks = Object.entries(definition.States).filter(([, s]) => s.Type === 'Task');
    expect(tasks.map(([name]) => name).sort()).toStrictEqual([
      'Discover services',
      'Record change',
      'Synthesize plans',
    ]);
    for (const [name, task] of tasks) {
      // Deployment events come in bursts: a throttled invoke is retried, never lost.
      expect([name, task.Retry?.[0]]).toStrictEqual([
        name,
        expect.objectContaining({
          ErrorEquals: expect.arrayContaining([
            'Lambda.TooManyRequestsException',
            'Lambda.ServiceException',
          ]) as unknown,
          BackoffRate: 2,
          JitterStrategy: 'FULL',
        }),
      ]);
      expect(task.Catch).toBeUndefined();
    }
    const synthesize = definition.States['Synthesize plans']!;
    expect(synthesize.Retry?.[1]).toMatchObject({ ErrorEquals: [REFRESH_ERRORS.busy], JitterStrategy: 'FULL' });
    // Waiting out a synthesis that died holding the lock fits in the execution's time.
    const busy = synthesize.Retry?.[1] as { IntervalSeconds: number; MaxAttempts: number; MaxDelaySeconds: number };
    let waited = 0;
    for (let i = 0; i < busy.MaxAttempts; i++)
      waited += Math.min(busy.IntervalSeconds * 1.5 ** i, busy.MaxDelaySeconds);
    expect(waited).toBeGreaterThan((2 * SYNTHESIS_TIMEOUT_MS) / 1000);
    expect(JSON.stringify(synthesize.Retry)).not.toContain(REFRESH_ERRORS.plansFailed);
    const [, synthFn] = resourcesOf(template, 'AWS::Lambda::Function').find(([id]) =>
      id.startsWith('BackstepPlanningSynthesize'),
    )!;
    expect(synthFn['Timeout']).toBe(SYNTHESIS_TIMEOUT_MS / 1000);
  });

  it('names every state machine log group under /aws/vendedlogs/states/, apart from any other stack', () => {
    // Step Functions adds each log group to the account's Logs resource policy unless it is under
    // /aws/vendedlogs/ (https://docs.aws.amazon.com/step-functions/latest/dg/bp-cwl.html).
    const stateMachineGroups = (t: Template) => {
      const groups = Object.fromEntries(resourcesOf(t, 'AWS::Logs::LogGroup'));
      const used = new Set<string>();
      for (const [, m] of resourcesOf(t, 'AWS::StepFunctions::StateMachine'))
        for (const match of JSON.stringify(m['LoggingConfiguration']).matchAll(/"Fn::GetAtt":\["(\w+)","Arn"\]/g))
          used.add(match[1]!);
      // The plans' state machines, which synthesize creates, log to the group it is given.
      for (const [id, f] of resourcesOf(t, 'AWS::Lambda::Function'))
        if (id.startsWith('BackstepPlanningSynthesize'))
          used.add(
            JSON.stringify(
              (f['Environment'] as { Variables: Record<string, unknown> }).Variables['PLAN_LOG_GROUP_ARN'],
            ).match(/"Fn::GetAtt":\["(\w+)","Arn"\]/)![1]!,
          );
      return [...used].map((id) => groups[id]?.['LogGroupName']);
    };
    const names = stateMachineGroups(template);
    expect(names).toHaveLength(4);
    for (const name of names) {
      // The stack id's GUID ends the name: a stack created again after a teardown (which keeps its log
      // groups) gets new names instead of failing on the old ones.
      const [prefix, parts] = (name as { 'Fn::Join': [string, [string, unknown]] })['Fn::Join'][1];
      expect(prefix).toMatch(/^\/aws\/vendedlogs\/states\/Test-[\w-]+-$/);
      expect(parts).toStrictEqual({ 'Fn::Select': [2, { 'Fn::Split': ['/', { Ref: 'AWS::StackId' }] }] });
    }
    const other = stateMachineGroups(build({}, 'Other').template);
    expect(new Set([...names, ...other].map((n) => JSON.stringify(n))).size).toBe(8);
  });

  it('takes email addresses known only at deploy time', () => {
    const { template } = build({ approverEmails: [Lazy.string({ produce: () => 'oncall@example.com' })] });
    template.hasResourceProperties('AWS::SNS::Subscription', { Protocol: 'email', Endpoint: 'oncall@example.com' });
  });

  it('accepts a catalog as written, with the defaults left out', () => {
    const { backstep } = build({ catalog: { services: { web: { action: { type: 'manual' }, alarms: ['web-5xx'] } } } });
    expect(backstep.catalog).toMatchObject({ application: 'default', mode: 'auto' });
    expect(backstep.catalog.services['web']).toMatchObject({ irreversibleData: false, alarms: ['web-5xx'] });
  });

  it.each([
    [
      { web: { action: { type: 'ec2', instance: 'i-1' } } },
      'catalog.services.web.action.type: expected one of codedeploy, lambda-alias, ecs, appconfig, feature-flag, manual, not "ec2"',
    ],
    [
      { 'web-api': { action: { type: 'ecs', cluster: 'prod' } } },
      'catalog.services["web-api"].action.service: missing; expected string',
    ],
    [
      { web: { action: { type: 'ecs', cluster: 'prod', service: 'web' }, alarms: ['web-5xx', 5] } },
      'catalog.services.web.alarms[1]: expected string, not 5',
    ],
    [{ web: { action: { type: 'manual' }, alarm: 'x' } }, 'catalog.services.web: unknown field "alarm"'],
    [[], 'catalog.services: expected an object, not []'],
  ])('fails when the catalog is invalid, naming the construct and the field (%j)', (services, field) => {
    const refused = refusal({ catalog: { services } as never });
    expect(refused).toStrictEqual({ name: 'BackstepPropsError', message: `Backstep at Test/Backstep: ${field}` });
  });

  it('fails with a PropsError that carries the construct path, the field and the parse error', () => {
    const error = thrown(() => build({ catalog: 'catalog.json' as never }));
    expect(error).toBeInstanceOf(PropsError);
    expect(error).toMatchObject({
      constructPath: 'Test/Backstep',
      field: 'catalog',
      problem: 'expected an object, not "catalog.json"',
      cause: expect.any(InputError) as unknown,
    });
  });

  it('lets the synthesize function create only backstep-plan-* state machines, passing only the plan role', () => {
    const policies = template.findResources('AWS::IAM::Policy') as Record<string, { Properties: unknown }>;
    const synth = JSON.stringify(
      Object.entries(policies).find(([id]) => id.startsWith('BackstepPlanningSynthesizeServiceRoleDefaultPolicy'))?.[1],
    );
    expect(synth).toContain('states:CreateStateMachine');
    expect(synth).toContain(':stateMachine:backstep-plan-*');
    expect(synth).toContain('iam:PassRole');
    expect(synth).toContain('BackstepPlanningPlanRole');
    const planRole = JSON.stringify(
      Object.entries(policies).find(([id]) => id.startsWith('BackstepPlanningPlanRoleDefaultPolicy'))?.[1],
    );
    for (const fn of ['BackstepAct', 'BackstepGate', 'BackstepNotify', 'BackstepApprovalsRequest'])
      expect(planRole).toContain(fn);
    expect(planRole).not.toContain('states:SendTask');
  });

  it('has no AwsSolutions finding that is not fixed or acknowledged with a reason', () => {
    const report = new AwsSolutionsChecks().validateScope(stack);
    const open = report.violations.filter((v) => v.severity !== undefined && v.severity !== 'info');
    expect(open.map((v) => `${v.ruleName}: ${v.description}`)).toStrictEqual([]);
  });

  it.each([
    [
      'approverEmails[1]: "not-an-email" is not an email address; expected name@example.com',
      { approverEmails: ['oncall@example.com', 'not-an-email'] },
    ],
    [
      'catalog.services: empty; expected at least one service with its rollback action',
      { catalog: { application: 'default', mode: 'auto' as const, services: {} } },
    ],
    ['mode: "manual"; expected "auto" or "suggest"', { mode: 'manual' as 'auto' }],
    [
      'blockingSeverity: "SEVERE"; expected one of CRITICAL, HIGH, MEDIUM, LOW',
      { blockingSeverity: 'SEVERE' as 'HIGH' },
    ],
    [
      'approvers: no list for application "default" (the catalog\'s); expected a key "default"',
      { approvers: { shop: ['oncall@example.com'] } },
    ],
    ['approvers["shop-eu"]: empty; expected at least one email address', { approvers: { 'shop-eu': [] } }],
    ['cooldown: 2 hours; expected 0 seconds to 1 hour', { cooldown: Duration.hours(2) }],
    ['planPrefix: "plans/"; expected 1 to 40 of A-Z, a-z, 0-9, - and _', { planPrefix: 'plans/' }],
    ['bakeTime: 2 hours; expected 0 seconds to 1 hour', { bakeTime: Duration.hours(2) }],
    ['bakeTime: 1 second 500 millis; expected whole seconds', { bakeTime: Duration.millis(1500) }],
    ['approvalTimeout: 10 seconds; expected 1 minute to 1 day', { approvalTimeout: Duration.seconds(10) }],
    ['lookBack: 400 days; expected 1 minute to 366 days', { lookBack: Duration.days(400) }],
    ['reportRetention: 1 day 12 hours; expected whole days', { reportRetention: Duration.hours(36) }],
    ['reportRetention: 40000 days; expected 1 day to 36500 days', { reportRetention: Duration.days(40_000) }],
    [
      'reportLinkTtl: 7 days; expected at most reportRetention (3 days)',
      { reportRetention: Duration.days(3), reportLinkTtl: Duration.days(7) },
    ],
    ['reportLinkTtl: 5 minutes; expected 1 hour to 366 days', { reportLinkTtl: Duration.minutes(5) }],
    [
      'reportLinkTtl: 400 days; expected 1 hour to 366 days',
      { reportRetention: Duration.days(3650), reportLinkTtl: Duration.days(400) },
    ],
  ])('fails when a prop is wrong, naming the construct and the prop: %s', (message, props: Partial<BackstepProps>) => {
    expect(refusal(props)).toStrictEqual({
      name: 'BackstepPropsError',
      message: `Backstep at Test/Backstep: ${message}`,
    });
  });
});

describe('compliance', () => {
  const { template } = build({ compliance: true });

  it('keeps every log group a year, encrypted with the construct key', () => {
    const [[keyId]] = resourcesOf(template, 'AWS::KMS::Key') as [[string, unknown]];
    const groups = resourcesOf(template, 'AWS::Logs::LogGroup');
    expect(groups.length).toBeGreaterThanOrEqual(15);
    for (const [id, group] of groups) {
      expect([id, group['RetentionInDays'], group['KmsKeyId']]).toStrictEqual([
        id,
        365,
        { 'Fn::GetAtt': [keyId, 'Arn'] },
      ]);
    }
    // By default: a month, and CloudWatch Logs' own encryption.
    for (const [, group] of resourcesOf(build().template, 'AWS::Logs::LogGroup')) {
      expect([group['RetentionInDays'], group['KmsKeyId']]).toStrictEqual([30, undefined]);
    }
  });

  it("lets CloudWatch Logs use the key for this account's log groups, and only AWS resources have grants", async () => {
    const [[, key]] = resourcesOf(template, 'AWS::KMS::Key') as [[string, Record<string, unknown>]];
    const keyPolicy = new ResolvedTemplate(template).resolve(key['KeyPolicy']);
    const keyArn = `arn:aws:kms:${REGION}:${ACCOUNT}:key/0000`;
    // The statement AWS documents (https://docs.aws.amazon.com/AmazonCloudWatch/latest/logs/encrypt-log-data-kms.html).
    // Checked as written: iam-simulate ignores the kms:EncryptionContext:aws:logs:arn key.
    expect((keyPolicy as { Statement: unknown[] }).Statement).toContainEqual({
      Sid: 'CloudWatchLogsEncrypt',
      Effect: 'Allow',
      Principal: { Service: `logs.${REGION}.amazonaws.com` },
      Action: ['kms:Encrypt*', 'kms:Decrypt*', 'kms:ReEncrypt*', 'kms:GenerateDataKey*', 'kms:Describe*'],
      Resource: '*',
      Condition: { ArnLike: { 'kms:EncryptionContext:aws:logs:arn': `arn:aws:logs:${REGION}:${ACCOUNT}:log-group:*` } },
    });
    // An administrator allowed every KMS action still cannot grant the key to anything but an AWS resource.
    const admin = {
      name: 'admin',
      policy: { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: 'kms:*', Resource: '*' }] },
    };
    const grant = (forAwsResource: string) =>
      simulate({
        principal: `arn:aws:iam::${ACCOUNT}:role/admin`,
        action: 'kms:CreateGrant',
        resource: keyArn,
        context: { 'kms:GrantIsForAWSResource': forAwsResource, 'aws:PrincipalIsAWSService': 'false' },
        identityPolicies: [admin],
        resourcePolicy: keyPolicy,
      });
    expect(await grant('false')).toBe('ExplicitlyDenied');
    expect(await grant('true')).toBe('Allowed');
  });

  it('marks the dead-letter queue as one (a redrive allow policy), by default too', () => {
    for (const t of [template, build().template])
      t.hasResourceProperties('AWS::SQS::Queue', { RedriveAllowPolicy: { redrivePermission: 'allowAll' } });
  });

  it('fails when compliance is asked with logs kept less than a year', () => {
    expect(refusal({ compliance: true, logRetention: logs.RetentionDays.SIX_MONTHS })?.message).toBe(
      'Backstep at Test/Backstep: logRetention: 180 days; compliance needs at least 365 days (RetentionDays.ONE_YEAR)',
    );
    expect(() => build({ compliance: true, logRetention: logs.RetentionDays.INFINITE })).not.toThrow();
  });
});

describe('the plan name prefix', () => {
  it('scopes what the orchestrator may start and what synthesize may create to its own prefix', () => {
    const policies = JSON.stringify(build({ planPrefix: 'shop-a-plan-' }).template.findResources('AWS::IAM::Policy'));
    expect(policies).toContain(':stateMachine:shop-a-plan-*');
    expect(policies).toContain(':execution:shop-a-plan-*');
    expect(policies).not.toContain('backstep-plan-');
  });
});

describe('approval sign-in', () => {
  it('puts a Cognito authorizer on every approval and report method and gives the callback the approver lists', () => {
    const app = new App({ builtinCloudFormationValidation: false, context: { 'aws:cdk:bundling-stacks': [] } });
    const stack = new Stack(app, 'Auth', { env: { account: '123456789012', region: 'eu-west-1' } });
    const approvalUserPool = new cognito.UserPool(stack, 'Pool');
    new Backstep(stack, 'Backstep', { catalog, approvalUserPool, approvers: { default: ['oncall@example.com'] } });
    const template = Template.fromStack(stack);
    const methods = Object.values(template.findResources('AWS::ApiGateway::Method')) as {
      Properties: { AuthorizationType: string };
    }[];
    expect(methods.map((m) => m.Properties.AuthorizationType)).toStrictEqual(Array(5).fill('COGNITO_USER_POOLS'));
    template.hasResourceProperties('AWS::Lambda::Function', {
      Environment: { Variables: Match.objectLike({ APPROVERS: '{"default":["oncall@example.com"]}' }) },
    });
  });

  it('refuses approver lists without a sign-in to check them against', () => {
    expect(refusal({ approvers: { default: ['oncall@example.com'] } })?.message).toBe(
      'Backstep at Test/Backstep: approvers: set approvalUserPool too; without a sign-in no identity can be checked',
    );
  });
});

describe('the mode', () => {
  const defaultMode = (props: Partial<BackstepProps>) => {
    const machines = build(props).template.findResources('AWS::StepFunctions::StateMachine') as Record<
      string,
      { Properties: { DefinitionSubstitutions?: { DefaultMode?: string } } }
    >;
    const orchestrator = Object.entries(machines).find(([id]) => id.startsWith('BackstepAlarmPathOrchestrator'));
    return orchestrator?.[1].Properties.DefinitionSubstitutions?.DefaultMode;
  };
  it.each([
    [{}, 'auto'],
    [{ mode: 'suggest' as const }, 'suggest'],
    // The kill switch is an item the orchestrator reads, not the mode: turning it off later needs no deploy.
    [{ mode: 'auto' as const, killSwitch: true }, 'auto'],
  ])('deploys %j as %s', (props, mode) => {
    expect(defaultMode(props)).toBe(mode);
  });
});

describe('the kill switch prop', () => {
  /** The kill switch items the stack writes at deploy time (custom resources' PutItem calls). */
  const writes = (props: Partial<BackstepProps>) =>
    Object.values(build(props).template.findResources('Custom::AWS'))
      .map((r) => JSON.stringify((r as { Properties: unknown }).Properties))
      .filter((text) => text.includes('KILLSWITCH'))
      .map((text) => (text.includes('\\"on\\":{\\"BOOL\\":true}') ? 'on' : 'off'));

  it('writes the switch as the prop says, and leaves it alone when the prop is not given', () => {
    expect(writes({ killSwitch: true })).toStrictEqual(['on']);
    expect(writes({ killSwitch: false })).toStrictEqual(['off']);
    expect(writes({})).toStrictEqual([]);
  });
});

describe('cdk synth', () => {
  it('synthesizes the demo app offline, bundling with the local esbuild, with CloudFormation validation and cdk-nag on', () => {
    const out = mkdtempSync(join(tmpdir(), 'backstep-synth-'));
    const run = spawnSync('npx', ['cdk', 'synth', '--quiet', '--output', out], {
      cwd: join(__dirname, '..', '..'),
      encoding: 'utf8',
      timeout: 170_000,
    });
    expect([run.status, run.stderr.match(/ERROR.*/g) ?? []]).toStrictEqual([0, []]);
    expect(existsSync(join(out, 'BackstepDemo.template.json'))).toBe(true);
  }, 180_000);
});
