// The construct: the resources the platform must have, least privilege, and cdk-nag AwsSolutions with
// every finding either fixed or acknowledged with a reason.
import { App, Stack } from 'aws-cdk-lib';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Match, Template } from 'aws-cdk-lib/assertions';
import { AwsSolutionsChecks } from 'cdk-nag';
import { parseCatalog } from '../../lib/core/catalog';
import { Backstep, type BackstepProps } from '../../lib/infra/backstep';
import { fixture } from '../helpers';

const catalog = parseCatalog(fixture('examples/online-boutique/catalog.json'), 'catalog.json');

function build(props: Partial<BackstepProps> = {}) {
  // Fast: no bundling, no CloudFormation validation (one full synth below keeps both).
  const app = new App({ builtinCloudFormationValidation: false, context: { 'aws:cdk:bundling-stacks': [] } });
  const stack = new Stack(app, 'Test', { env: { account: '123456789012', region: 'eu-west-1' } });
  const backstep = new Backstep(stack, 'Backstep', { catalog, approverEmails: ['oncall@example.com'], ...props });
  return { stack, backstep, template: Template.fromStack(stack) };
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
    const functions = template.findResources('AWS::Lambda::Function');
    expect(Object.keys(functions)).toHaveLength(3);
    for (const f of Object.values(functions) as { Properties: Record<string, unknown> }[]) {
      expect(f.Properties).toMatchObject({ Runtime: 'nodejs22.x', TracingConfig: { Mode: 'Active' } });
    }
    template.resourcePropertiesCountIs('AWS::Logs::LogGroup', { RetentionInDays: 30 }, 5);
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
    const machines = template.findResources('AWS::StepFunctions::StateMachine') as Record<
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

  it('lets the act function touch only the services in the catalog', () => {
    const policies = JSON.stringify(template.findResources('AWS::IAM::Policy'));
    expect(policies).toContain('service/boutique/cartservice');
    expect(policies).toContain('deploymentgroup:boutique-checkout/prod');
    expect(policies).toContain('function:boutique-payment:live');
    expect(policies).not.toMatch(/"Action":"\*"|"Action":\["\*"\]/);
  });

  it('has no AwsSolutions finding that is not fixed or acknowledged with a reason', () => {
    const report = new AwsSolutionsChecks().validateScope(stack);
    const open = report.violations.filter((v) => v.severity !== undefined && v.severity !== 'info');
    expect(open.map((v) => `${v.ruleName}: ${v.description}`)).toStrictEqual([]);
  });

  it.each([
    [
      { approverEmails: ['not-an-email'] },
      'approverEmails: "not-an-email" is not an email address; expected name@example.com',
    ],
    [
      { catalog: { application: 'default', mode: 'auto' as const, services: {} } },
      'catalog: no services; expected at least one service with its rollback action',
    ],
  ])('fails when the props are wrong (%j)', (props, message) => {
    expect(() => build(props)).toThrow(message);
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
