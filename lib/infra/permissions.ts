// Least privilege, written down: what the act function may touch (only what the catalog names), and
// every cdk-nag finding this construct accepts, each named exactly and with its reason.
import { Arn, Stack, Validations } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import type { Construct } from 'constructs';
import type { Catalog } from '../core/catalog';

export const BASIC_EXECUTION_ROLE =
  'AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole]';

/** Each rollback action may touch only the resources the catalog names. */
export function actionStatements(
  stack: Stack,
  catalog: Catalog,
): { statements: iam.PolicyStatement[]; wildcards: string[] } {
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
    if (entry.validation !== undefined) {
      const fn = entry.validation.startsWith('arn:') ? entry.validation : arn('lambda', `function:${entry.validation}`);
      add(['lambda:InvokeFunction'], [fn]);
    }
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
        // CreateDeployment reads the group's deployment configuration, named at run time.
        add(['codedeploy:GetDeploymentConfig'], [wildcard(arn('codedeploy', 'deploymentconfig:*'))]);
        break;
      case 'appconfig': {
        const app = `application/${a.application}`;
        add(
          ['appconfig:ListDeployments', 'appconfig:StopDeployment'],
          [
            arn('appconfig', `${app}/environment/${a.environment}`),
            wildcard(arn('appconfig', `${app}/environment/${a.environment}/deployment/*`)),
          ],
        );
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
export function acknowledge(scope: Construct, stack: Stack, wildcards: readonly string[]): void {
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

/** What discovery and the change recorder may read: only the catalogued services' deployments. */
export function discoveryStatements(
  stack: Stack,
  catalog: Catalog,
): { discover: iam.PolicyStatement[]; record: iam.PolicyStatement[]; wildcards: string[] } {
  const arn = (service: string, resource: string) => Arn.format({ service, resource }, stack);
  const groups: string[] = [];
  const functions: string[] = [];
  const services: string[] = [];
  const environments: string[] = [];
  const wildcards: string[] = [];
  for (const entry of Object.values(catalog.services)) {
    const a = entry.action;
    if (a.type === 'codedeploy')
      groups.push(arn('codedeploy', `deploymentgroup:${a.application}/${a.deploymentGroup}`));
    if (a.type === 'lambda-alias') {
      const versions = arn('lambda', `function:${a.functionName}:*`);
      wildcards.push(versions);
      functions.push(arn('lambda', `function:${a.functionName}`), versions);
    }
    if (a.type === 'ecs') services.push(arn('ecs', `service/${a.cluster}/${a.service}`));
    if (a.type === 'appconfig')
      environments.push(arn('appconfig', `application/${a.application}/environment/${a.environment}`));
  }
  const statement = (actions: string[], resources: string[]) =>
    resources.length > 0 ? [new iam.PolicyStatement({ actions, resources })] : [];
  const discover = [
    // Neither names a resource: the service graph is the account's, alarms are listed by name.
    new iam.PolicyStatement({ actions: ['xray:GetServiceGraph', 'cloudwatch:DescribeAlarms'], resources: ['*'] }),
    ...statement(
      ['codedeploy:ListDeployments', 'codedeploy:BatchGetDeployments', 'codedeploy:GetDeploymentGroup'],
      groups,
    ),
    ...statement(['lambda:GetAlias', 'lambda:GetFunctionConfiguration'], functions),
    ...statement(['ecs:DescribeServices'], services),
    ...statement(['appconfig:ListDeployments'], environments),
  ];
  const record = [
    ...statement(['codedeploy:GetDeployment', 'codedeploy:GetDeploymentGroup'], groups),
    ...statement(['ecs:DescribeServices'], services),
  ];
  return { discover, record, wildcards };
}
