// IAM and Step Functions quotas at catalog scale, measured on the synthesized template with every
// intrinsic resolved (as IAM counts it: the policy JSON without whitespace). Quotas:
// https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_iam-quotas.html (10 managed policies per
// role, 6,144 characters per managed policy, 10,240 for all of a role's inline policies);
// https://docs.aws.amazon.com/step-functions/latest/dg/service-quotas.html (names of 1-80 characters);
// https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/cloudformation-limits.html (500 resources).
import { App, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { planStateMachineName } from '../../lib/aws/synthesize';
import { parseCatalog, type RollbackAction } from '../../lib/core/catalog';
import { Backstep } from '../../lib/infra/backstep';
import { packPermissions } from '../../lib/infra/permissions';
import { incidentExecutionName } from '../../statemachines/orchestrator';
import { ResolvedTemplate, rolePolicies } from './cfn';

const QUOTA = { managedPerRole: 10, managedChars: 6_144, inlineChars: 10_240, resources: 500, name: 80 };

/** A catalog of `n` services; `kind` picks their actions (mixed: ECS, Lambda, CodeDeploy, AppConfig). */
export function generatedCatalog(n: number, kind: RollbackAction['type'] | 'mixed' = 'mixed') {
  const kinds = ['ecs', 'ecs', 'lambda-alias', 'codedeploy', 'appconfig'] as const;
  const services: Record<string, unknown> = {};
  for (let i = 0; i < n; i++) {
    const name = `svc-${String(i).padStart(3, '0')}-${['orders', 'payments', 'catalog', 'search', 'users'][i % 5]}`;
    const type = kind === 'mixed' ? kinds[i % kinds.length] : kind;
    const team = `team-${i % 8}`;
    const action =
      type === 'ecs'
        ? { type, cluster: `prod-${team}`, service: name }
        : type === 'lambda-alias'
          ? { type, functionName: `${name}-handler`, alias: 'live' }
          : type === 'codedeploy'
            ? { type, application: `${team}-app`, deploymentGroup: `${name}-prod` }
            : type === 'appconfig'
              ? { type, application: `app${i % 8}abc`, environment: `env${i}prd`, configurationProfile: `cfg${i}xyz` }
              : { type: 'manual' };
    services[name] = { action, alarms: [`${name}-5xx`, `${name}-latency-p99`] };
  }
  return parseCatalog({ application: 'estate', services }, `generated ${n}-service catalog`);
}

interface Measured {
  role: string;
  managed: number;
  largestManaged: number;
  inline: number;
}

function measure(kind: Parameters<typeof generatedCatalog>[1]) {
  const catalog = generatedCatalog(500, kind);
  const app = new App({ builtinCloudFormationValidation: false, context: { 'aws:cdk:bundling-stacks': [] } });
  const stack = new Stack(app, 'Test', { env: { account: '123456789012', region: 'eu-west-1' } });
  new Backstep(stack, 'Backstep', { catalog, approverEmails: ['oncall@example.com'] });
  const t = new ResolvedTemplate(Template.fromStack(stack));
  const size = (doc: unknown) => JSON.stringify(doc).length;
  const roles: Measured[] = t.ofType('AWS::IAM::Role').map(([id, role]) => {
    const all = rolePolicies(t, id);
    const managedIds = new Set(t.ofType('AWS::IAM::ManagedPolicy').map(([m]) => m));
    const managed = all.filter((p) => managedIds.has(p.name));
    const awsManaged = ((role.Properties?.['ManagedPolicyArns'] as unknown[] | undefined) ?? []).length;
    return {
      role: id,
      managed: managed.length + awsManaged,
      largestManaged: Math.max(0, ...managed.map((p) => size(p.policy))),
      inline: all.filter((p) => !managedIds.has(p.name)).reduce((sum, p) => sum + size(p.policy), 0),
    };
  });
  return { catalog, t, roles, resources: Object.keys(t.resources).length };
}

describe('quotas with 500 catalogued services', () => {
  const kinds = ['mixed', 'ecs', 'lambda-alias', 'codedeploy', 'appconfig'] as const;
  const measured = new Map(kinds.map((k) => [k, measure(k)]));

  afterAll(() => {
    if (!process.env['QUOTA_TABLE']) return;
    for (const [kind, m] of measured) {
      const worst = [...m.roles].sort((a, b) => b.inline - a.inline)[0];
      console.log(
        `${kind}: ${m.resources} resources; largest inline ${worst?.inline} chars (${worst?.role}); ` +
          `most managed ${Math.max(...m.roles.map((r) => r.managed))}; largest managed ${Math.max(...m.roles.map((r) => r.largestManaged))} ` +
          m.roles
            .filter((r) => r.largestManaged > 0)
            .map((r) => r.role)
            .join(','),
      );
    }
  });

  it.each(kinds)('keeps every role of a %s catalog inside the IAM quotas', (kind) => {
    for (const r of measured.get(kind)?.roles ?? []) {
      expect({ role: r.role, managed: r.managed <= QUOTA.managedPerRole }).toStrictEqual({
        role: r.role,
        managed: true,
      });
      expect({ role: r.role, largest: r.largestManaged }).toStrictEqual({
        role: r.role,
        largest: expect.any(Number) as number,
      });
      expect(r.largestManaged).toBeLessThanOrEqual(QUOTA.managedChars);
      expect({ role: r.role, inline: r.inline <= QUOTA.inlineChars }).toStrictEqual({ role: r.role, inline: true });
    }
  });

  it.each(kinds)('keeps a %s stack within 500 CloudFormation resources', (kind) => {
    expect(measured.get(kind)?.resources).toBeLessThanOrEqual(QUOTA.resources);
  });

  it('names every plan state machine and incident execution within 80 characters, no two alike', () => {
    const { catalog } = measured.get('mixed') as ReturnType<typeof measure>;
    const names = Object.keys(catalog.services).map((s) => planStateMachineName('backstep-plan-', s));
    expect(new Set(names).size).toBe(names.length);
    expect(Math.max(...names.map((n) => n.length))).toBeLessThanOrEqual(QUOTA.name);
    const longest = `arn:aws-us-gov:cloudwatch:us-gov-west-1:123456789012:alarm:${'x'.repeat(255)}`;
    expect(incidentExecutionName(longest, '2026-11-27T10:00:00.000+0000')).toMatch(/^[0-9a-f]{64}$/);
  });

  it('names each state machine the stack creates within 80 characters', () => {
    const { t } = measured.get('mixed') as ReturnType<typeof measure>;
    for (const [, r] of t.ofType('AWS::StepFunctions::StateMachine')) {
      const name = r.Properties?.['StateMachineName'];
      if (name !== undefined) expect(String(t.resolve(name)).length).toBeLessThanOrEqual(QUOTA.name);
    }
  });
});

describe('packPermissions', () => {
  const ecs = (cluster: string, service: string) => ({
    actions: ['ecs:UpdateService', 'ecs:DescribeServices'],
    resource: { service: 'ecs', resource: `service/${cluster}/${service}` },
    scope: { service: 'ecs', resource: `service/${cluster}/*` },
  });

  it('grants each service exactly, one statement per set of actions, while the catalog fits', () => {
    const packed = packPermissions([ecs('prod', 'cart'), ecs('prod', 'orders'), ecs('prod', 'cart')]);
    expect([...packed.entries()]).toStrictEqual([
      [
        'ecs:DescribeServices,ecs:UpdateService',
        [
          { service: 'ecs', resource: 'service/prod/cart' },
          { service: 'ecs', resource: 'service/prod/orders' },
        ],
      ],
    ]);
  });

  it('grants the busiest scopes whole when the exact list would not fit, and no more of them than needed', () => {
    const many = Array.from({ length: 60 }, (_, i) => ecs(i < 50 ? 'big' : 'small', `service-number-${i}`));
    const [resources] = [...packPermissions(many, 2_000).values()];
    expect(resources).toContainEqual({ service: 'ecs', resource: 'service/big/*' });
    expect(resources).toContainEqual({ service: 'ecs', resource: 'service/small/service-number-55' });
    expect(resources).not.toContainEqual({ service: 'ecs', resource: 'service/small/*' });
  });

  it('widens a cluster before granting every function of the account', () => {
    const lambdas = Array.from({ length: 20 }, (_, i) => ({
      actions: ['lambda:UpdateAlias'],
      resource: { service: 'lambda', resource: `function:handler-${i}` },
      scope: { service: 'lambda', resource: 'function:*' },
    }));
    const services = Array.from({ length: 39 }, (_, i) => ecs('prod', `service-number-${i}`));
    const packed = [...packPermissions([...lambdas, ...services], 3_500).values()].flat();
    expect(packed).toContainEqual({ service: 'ecs', resource: 'service/prod/*' });
    expect(packed).not.toContainEqual({ service: 'lambda', resource: 'function:*' });
    expect(packed).toContainEqual({ service: 'lambda', resource: 'function:handler-7' });
  });

  it('fails when even the scopes do not fit, naming what to do', () => {
    const unscoped = Array.from({ length: 100 }, (_, i) => ({
      actions: ['lambda:InvokeFunction'],
      resource: { service: 'lambda', resource: `function:validator-${i}` },
    }));
    expect(() => packPermissions(unscoped, 1_000)).toThrow(/over the 1000 a role can hold; split the catalog/);
  });
});
