// Least privilege, written down: what the act, discover and record functions may touch (each target type
// says it in lib/aws/targets/), packed into as few statements as IAM's quotas need, and every cdk-nag
// finding this construct accepts, each named exactly and with its reason.
import { Arn, Stack, Validations } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import type { Construct } from 'constructs';
import { catalogPermissions } from '../aws/targets';
import type { ArnParts, FullArn, Permission, TargetRole } from '../aws/targets/target';
import type { Catalog } from '../core/catalog';

export const BASIC_EXECUTION_ROLE =
  'AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole]';

/**
 * Characters of resource ARNs one role may carry for the catalog. A role's inline policies share 10,240
 * characters (https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_iam-quotas.html); the rest of
 * the role's grants (table, key, logs, tracing) take about 3,000.
 */
export const RESOURCE_BUDGET = 6_000;
/** The longest partition, region and account, for sizing ARNs before the stack resolves them. */
const SIZING = { partition: 'aws-us-gov', region: 'ap-southeast-2', account: '123456789012' };

type Resource = ArnParts | FullArn | '*';

function sizingArn(r: Resource): string {
  if (r === '*') return '*';
  if ('arn' in r) return r.arn;
  return `arn:${SIZING.partition}:${r.service}:${SIZING.region}:${SIZING.account}:${r.resource}`;
}

/**
 * One statement per set of actions, over every resource the catalog names for it. Past the budget, the
 * resources that share a scope (a cluster's services, an application's groups) are granted by that scope,
 * narrow scopes before account-wide ones and the biggest saving first, until the role fits; a catalog that
 * still does not fit is refused at synth.
 */
export function packPermissions(permissions: readonly Permission[], budget = RESOURCE_BUDGET): Map<string, Resource[]> {
  const groups = new Map<string, Map<string, { resource: Resource; scope?: ArnParts }>>();
  for (const p of permissions) {
    const key = [...new Set(p.actions)].sort().join(',');
    const group = groups.get(key) ?? new Map<string, { resource: Resource; scope?: ArnParts }>();
    group.set(sizingArn(p.resource), { resource: p.resource, ...(p.scope ? { scope: p.scope } : {}) });
    groups.set(key, group);
  }
  const size = () =>
    [...groups.values()].reduce((sum, g) => sum + [...g.keys()].reduce((s, arn) => s + arn.length + 3, 0), 0);
  while (size() > budget) {
    // The narrowest kind of scope first (a cluster's services before every function of the account), and
    // among those the one that saves the most characters.
    const saved = new Map<string, { scope: ArnParts; chars: number }>();
    for (const g of groups.values()) {
      // In one statement, the scope replaces the resources it covers and is written once.
      const covered = new Map<string, { scope: ArnParts; chars: number }>();
      for (const [arn, { scope }] of g) {
        const k = scope ? sizingArn(scope) : arn;
        if (!scope || k === arn) continue;
        const entry = covered.get(k) ?? { scope, chars: -(k.length + 3) };
        entry.chars += arn.length + 3;
        covered.set(k, entry);
      }
      for (const [k, e] of covered) saved.set(k, { scope: e.scope, chars: (saved.get(k)?.chars ?? 0) + e.chars });
    }
    const depth = (scope: ArnParts) => scope.resource.split(/[/:]/).length;
    const widest = [...saved.entries()]
      .filter(([, e]) => e.chars > 0)
      .sort((a, b) => depth(b[1].scope) - depth(a[1].scope) || b[1].chars - a[1].chars || (a[0] < b[0] ? -1 : 1))[0];
    if (!widest) {
      throw new Error(
        `catalog: its rollback targets need ${size()} characters of IAM resources, over the ${budget} a role can hold; split the catalog over two Backstep stacks`,
      );
    }
    const [scopeArn, { scope }] = widest;
    for (const g of groups.values()) {
      let covered = false;
      for (const [arn, entry] of [...g]) {
        if (entry.scope && sizingArn(entry.scope) === scopeArn) {
          g.delete(arn);
          covered = true;
        }
      }
      if (covered) g.set(scopeArn, { resource: scope });
    }
  }
  return new Map([...groups].map(([key, g]) => [key, [...g.values()].map((e) => e.resource)]));
}

/** The statements for one role's share of the catalog, and the wildcard resources among them (for cdk-nag). */
export function roleStatements(
  stack: Stack,
  permissions: readonly Permission[],
): { statements: iam.PolicyStatement[]; wildcards: string[] } {
  const format = (r: Resource) =>
    r === '*' ? '*' : 'arn' in r ? r.arn : Arn.format({ service: r.service, resource: r.resource }, stack);
  const statements: iam.PolicyStatement[] = [];
  const wildcards: string[] = [];
  for (const [actions, resources] of packPermissions(permissions)) {
    const arns = resources.map(format);
    wildcards.push(...arns.filter((a) => a !== '*' && a.includes('*')));
    statements.push(new iam.PolicyStatement({ actions: actions.split(','), resources: arns }));
  }
  return { statements, wildcards: [...new Set(wildcards)] };
}

/** What the act function may touch: each target's rollback calls, and the catalog's validation functions. */
export function actionStatements(
  stack: Stack,
  catalog: Catalog,
): { statements: iam.PolicyStatement[]; wildcards: string[] } {
  const validations: Permission[] = Object.values(catalog.services).flatMap((entry) =>
    entry.validation === undefined
      ? []
      : [
          {
            actions: ['lambda:InvokeFunction'],
            resource: entry.validation.startsWith('arn:')
              ? { arn: entry.validation }
              : { service: 'lambda', resource: `function:${entry.validation}` },
          },
        ],
  );
  return roleStatements(stack, [...catalogPermissions(catalog).act, ...validations]);
}

/** What discovery and the change recorder may read: only the catalogued services' deployments. */
export function discoveryStatements(
  stack: Stack,
  catalog: Catalog,
): { discover: iam.PolicyStatement[]; record: iam.PolicyStatement[]; wildcards: string[] } {
  const all = catalogPermissions(catalog);
  const of = (role: TargetRole) => roleStatements(stack, all[role]);
  const discover = of('discover');
  const record = of('record');
  return {
    discover: [
      // Neither names a resource: the service graph is the account's, alarms are listed by name.
      new iam.PolicyStatement({ actions: ['xray:GetServiceGraph', 'cloudwatch:DescribeAlarms'], resources: ['*'] }),
      ...discover.statements,
    ],
    record: record.statements,
    wildcards: [...new Set([...discover.wildcards, ...record.wildcards])],
  };
}

/** Every cdk-nag finding this construct accepts, each with its reason. */
export function acknowledge(scope: Construct, stack: Stack, wildcards: readonly string[]): void {
  // cdk-nag names findings by the resolved resource, with <AWS::Partition> for the partition token.
  const finding = (resource: string) => stack.resolve(resource) as unknown;
  const nagName = (resource: string) => {
    const resolved = finding(resource);
    const parts = (resolved as { 'Fn::Join'?: [string, unknown[]] })['Fn::Join']?.[1];
    const text = (p: unknown) => {
      if (typeof p === 'string') return p;
      const { Ref: ref, 'Fn::GetAtt': att } = p as { Ref?: unknown; 'Fn::GetAtt'?: unknown[] };
      return `<${att ? att.map(String).join('.') : String(ref)}>`;
    };
    return parts ? parts.map(text).join('') : String(resolved);
  };
  Validations.of(scope).acknowledge(
    {
      id: BASIC_EXECUTION_ROLE,
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
        'Named at run time (versions, deployments, strategies, deployment configs, incident reports and executions), or a large catalog granted per cluster or application to stay inside the IAM quotas; each is defined in lib/aws/targets or lib/infra/reports.ts.',
    })),
    {
      id: 'AwsSolutions-L1',
      reason: 'Node.js 22 is the runtime the bundles are built and tested for; a newer one is untested here.',
    },
    { id: 'AwsSolutions-SQS3', reason: 'This queue is the dead-letter queue.' },
  );
}
