// The AWS rollback actions and the CloudWatch alarm reader, against aws-sdk-client-mock (these APIs
// have no local engine): the calls made, idempotence, missing targets, security checks, throttling.
import {
  AppConfigClient,
  GetHostedConfigurationVersionCommand,
  ListDeploymentsCommand as ListAppConfigDeployments,
  StartDeploymentCommand,
  StopDeploymentCommand as StopAppConfigDeployment,
} from '@aws-sdk/client-appconfig';
import { CloudWatchClient, DescribeAlarmsCommand } from '@aws-sdk/client-cloudwatch';
import {
  CodeDeployClient,
  CreateDeploymentCommand,
  GetDeploymentCommand,
  ListDeploymentsCommand,
  StopDeploymentCommand,
} from '@aws-sdk/client-codedeploy';
import { DescribeImageScanFindingsCommand, ECRClient } from '@aws-sdk/client-ecr';
import {
  DescribeServicesCommand,
  DescribeTaskDefinitionCommand,
  ECSClient,
  UpdateServiceCommand,
} from '@aws-sdk/client-ecs';
import {
  GetAliasCommand,
  InvokeCommand,
  GetFunctionCodeSigningConfigCommand,
  GetFunctionConfigurationCommand,
  LambdaClient,
  ResourceNotFoundException,
  TooManyRequestsException,
  UpdateAliasCommand,
} from '@aws-sdk/client-lambda';
import { mockClient } from 'aws-sdk-client-mock';
import { awsAlarms } from '../../lib/aws/alarms';
import { awsRollback } from '../../lib/aws/rollback';
import type { RollbackAction } from '../../lib/core/catalog';
import { TASK_ERRORS } from '../../lib/core/errors';
import type { PlanStep } from '../../lib/core/plan';
import type { StepRef } from '../../lib/core/tasks';

const codedeploy = mockClient(CodeDeployClient);
const lambda = mockClient(LambdaClient);
const ecs = mockClient(ECSClient);
const ecr = mockClient(ECRClient);
const appconfig = mockClient(AppConfigClient);
const cloudwatch = mockClient(CloudWatchClient);

const port = awsRollback({
  codedeploy: new CodeDeployClient({ region: 'eu-west-1' }),
  lambda: new LambdaClient({ region: 'eu-west-1' }),
  ecs: new ECSClient({ region: 'eu-west-1' }),
  ecr: new ECRClient({ region: 'eu-west-1' }),
  appconfig: new AppConfigClient({ region: 'eu-west-1' }),
});

beforeEach(() => {
  for (const m of [codedeploy, lambda, ecs, ecr, appconfig, cloudwatch]) m.reset();
});

const ref: StepRef = { planId: 'p', incidentId: 'i', stage: 'targeted', wave: 1, service: 'cart' };
function step(action: RollbackAction, fromVersion: string | null = 'cart:41'): PlanStep {
  return {
    service: 'cart',
    change: {
      ids: ['c'],
      deployedAt: '2026-11-27T09:00:00Z',
      lastDeployedAt: '2026-11-27T09:00:00Z',
      ...(fromVersion ? { fromVersion } : {}),
      toVersion: 'cart:42',
      kind: 'code',
      reversible: true,
    },
    action,
    approval: false,
    why: [],
  };
}

const ecsStep = step({ type: 'ecs', cluster: 'prod', service: 'cart' });
const IMAGE = '123456789012.dkr.ecr.eu-west-1.amazonaws.com/cart:1.4.1';

describe('ECS rollback', () => {
  it('updates the service to the previous task definition', async () => {
    ecs
      .on(DescribeServicesCommand)
      .resolves({ services: [{ taskDefinition: 'arn:aws:ecs:eu-west-1:1:task-definition/cart:42' }] });
    expect(await port.rollback(ecsStep, ref)).toStrictEqual({ version: 'cart:41' });
    expect(ecs.commandCalls(UpdateServiceCommand)[0]?.args[0].input).toStrictEqual({
      cluster: 'prod',
      service: 'cart',
      taskDefinition: 'cart:41',
    });
  });

  it('leaves a service already on its target alone', async () => {
    ecs
      .on(DescribeServicesCommand)
      .resolves({ services: [{ taskDefinition: 'arn:aws:ecs:eu-west-1:1:task-definition/cart:41' }] });
    expect(await port.rollback(ecsStep, ref)).toStrictEqual({ version: 'cart:41', already: true });
    expect(ecs.commandCalls(UpdateServiceCommand)).toHaveLength(0);
  });

  it('allows a target whose images have no blocking scan findings', async () => {
    ecs.on(DescribeTaskDefinitionCommand).resolves({ taskDefinition: { containerDefinitions: [{ image: IMAGE }] } });
    ecr.on(DescribeImageScanFindingsCommand).resolves({ imageScanFindings: { findingSeverityCounts: { MEDIUM: 3 } } });
    expect(await port.inspect(ecsStep, ref)).toStrictEqual({ ok: true });
    expect(ecr.commandCalls(DescribeImageScanFindingsCommand)[0]?.args[0].input).toStrictEqual({
      registryId: IMAGE.split('.')[0],
      repositoryName: 'cart',
      imageId: { imageTag: '1.4.1' },
    });
  });

  it('turns the step manual when the old image has a critical finding', async () => {
    ecs.on(DescribeTaskDefinitionCommand).resolves({ taskDefinition: { containerDefinitions: [{ image: IMAGE }] } });
    ecr
      .on(DescribeImageScanFindingsCommand)
      .resolves({ imageScanFindings: { findingSeverityCounts: { CRITICAL: 2 } } });
    expect(await port.inspect(ecsStep, ref)).toStrictEqual({
      ok: false,
      reason: `${IMAGE} has 2 CRITICAL scan finding(s)`,
    });
  });

  it('turns the step manual when the task definition no longer exists', async () => {
    ecs.on(DescribeTaskDefinitionCommand).rejects(Object.assign(new Error('not found'), { name: 'ClientException' }));
    expect(await port.inspect(ecsStep, ref)).toStrictEqual({
      ok: false,
      reason: 'cart: rollback target cart:41 no longer exists (ClientException)',
    });
  });

  it('asks for a retry when ECS throttles', async () => {
    ecs.on(DescribeServicesCommand).rejects(Object.assign(new Error('slow down'), { name: 'ThrottlingException' }));
    await expect(port.rollback(ecsStep, ref)).rejects.toMatchObject({ name: TASK_ERRORS.transient });
  });
});

describe('Lambda alias rollback', () => {
  const lambdaStep = step({ type: 'lambda-alias', functionName: 'pay', alias: 'live' }, '7');

  it('moves the alias back to the previous version, once', async () => {
    lambda.on(GetAliasCommand).resolvesOnce({ FunctionVersion: '8' }).resolves({ FunctionVersion: '7' });
    expect(await port.rollback(lambdaStep, ref)).toStrictEqual({ version: '7' });
    expect(await port.rollback(lambdaStep, ref)).toStrictEqual({ version: '7', already: true });
    expect(lambda.commandCalls(UpdateAliasCommand).map((c) => c.args[0].input)).toStrictEqual([
      { FunctionName: 'pay', Name: 'live', FunctionVersion: '7', RoutingConfig: { AdditionalVersionWeights: {} } },
    ]);
  });

  it('takes the traffic off a canary: a weighted alias on the old version is not rolled back yet', async () => {
    lambda
      .on(GetAliasCommand)
      .resolvesOnce({ FunctionVersion: '7', RoutingConfig: { AdditionalVersionWeights: { '8': 0.1 } } })
      .resolves({ FunctionVersion: '7' });
    expect(await port.rollback(lambdaStep, ref)).toStrictEqual({ version: '7' });
    expect(await port.rollback(lambdaStep, ref)).toStrictEqual({ version: '7', already: true });
    expect(lambda.commandCalls(UpdateAliasCommand)[0]?.args[0].input.RoutingConfig).toStrictEqual({
      AdditionalVersionWeights: {},
    });
  });

  it("asks the catalog's validation function before a rollback, and turns the step manual when it refuses", async () => {
    const validated = { ...lambdaStep, validation: 'vuln-check' };
    lambda.on(GetFunctionConfigurationCommand).resolves({ Version: '7' });
    lambda.on(GetFunctionCodeSigningConfigCommand).resolves({});
    const payload = (body: unknown) => Buffer.from(JSON.stringify(body)) as never;
    lambda
      .on(InvokeCommand)
      .resolvesOnce({ Payload: payload({ ok: true }) })
      .resolvesOnce({ Payload: payload({ ok: false, reason: 'CVE-2026-1234 in version 7' }) })
      .resolvesOnce({ Payload: payload({ errorMessage: 'boom' }), FunctionError: 'Unhandled' })
      .rejectsOnce(Object.assign(new Error('no such function'), { name: 'ResourceNotFoundException' }));
    expect(await port.inspect(validated, ref)).toStrictEqual({ ok: true });
    expect(
      JSON.parse(Buffer.from(lambda.commandCalls(InvokeCommand)[0]?.args[0].input.Payload as Uint8Array).toString()),
    ).toMatchObject({
      service: 'cart',
      toVersion: '7',
    });
    expect(await port.inspect(validated, ref)).toStrictEqual({
      ok: false,
      reason: 'validation vuln-check refused cart 7: CVE-2026-1234 in version 7',
    });
    expect(await port.inspect(validated, ref)).toMatchObject({
      ok: false,
      reason: expect.stringMatching(/^validation vuln-check failed: /) as unknown,
    });
    expect(await port.inspect(validated, ref)).toStrictEqual({
      ok: false,
      reason: 'validation vuln-check could not be called (ResourceNotFoundException)',
    });
  });

  it('turns the step manual when the old version is not signed but the function requires it', async () => {
    lambda.on(GetFunctionConfigurationCommand).resolves({ Version: '7' });
    lambda
      .on(GetFunctionCodeSigningConfigCommand)
      .resolves({ CodeSigningConfigArn: 'arn:aws:lambda:eu-west-1:1:code-signing-config:csc-1' });
    expect(await port.inspect(lambdaStep, ref)).toStrictEqual({
      ok: false,
      reason: 'pay:7 is not signed, and the function requires signed code',
    });
  });

  it('turns the step manual when the old version is gone, and retries throttling', async () => {
    lambda
      .on(GetFunctionConfigurationCommand)
      .rejectsOnce(new ResourceNotFoundException({ message: 'gone', $metadata: {} }));
    expect((await port.inspect(lambdaStep, ref)).ok).toBe(false);
    lambda.on(GetAliasCommand).rejects(new TooManyRequestsException({ message: 'slow', $metadata: {} }));
    await expect(port.rollback(lambdaStep, ref)).rejects.toMatchObject({ name: TASK_ERRORS.transient });
  });
});

describe('CodeDeploy rollback', () => {
  const cdStep = step({ type: 'codedeploy', application: 'shop', deploymentGroup: 'prod' }, 'd-GOOD');

  it('stops a running deployment with its own rollback instead of racing it', async () => {
    codedeploy.on(ListDeploymentsCommand).resolves({ deployments: ['d-RUNNING'] });
    await port.rollback(cdStep, ref);
    expect(codedeploy.commandCalls(StopDeploymentCommand)[0]?.args[0].input).toStrictEqual({
      deploymentId: 'd-RUNNING',
      autoRollbackEnabled: true,
    });
    expect(codedeploy.commandCalls(CreateDeploymentCommand)).toHaveLength(0);
  });

  it('redeploys the revision of the last good deployment', async () => {
    const revision = {
      revisionType: 'S3' as const,
      s3Location: { bucket: 'b', key: 'shop-1.zip', bundleType: 'zip' as const },
    };
    codedeploy.on(ListDeploymentsCommand).resolves({ deployments: [] });
    codedeploy.on(GetDeploymentCommand).resolves({ deploymentInfo: { status: 'Succeeded', revision } });
    await port.rollback(cdStep, ref);
    expect(codedeploy.commandCalls(CreateDeploymentCommand)[0]?.args[0].input).toMatchObject({
      applicationName: 'shop',
      deploymentGroupName: 'prod',
      revision,
    });
  });

  it('turns the step manual when the target deployment was never healthy', async () => {
    codedeploy.on(GetDeploymentCommand).resolves({ deploymentInfo: { status: 'Failed' } });
    expect(await port.inspect(cdStep, ref)).toStrictEqual({
      ok: false,
      reason: 'deployment d-GOOD was never healthy (Failed)',
    });
  });
});

describe('AppConfig, feature flags and manual steps', () => {
  it('deploys the previous configuration version', async () => {
    const appStep = step(
      { type: 'appconfig', application: 'app', environment: 'prod', configurationProfile: 'email' },
      '16',
    );
    appconfig.on(GetHostedConfigurationVersionCommand).resolves({ VersionNumber: 16 });
    appconfig.on(ListAppConfigDeployments).resolves({ Items: [{ DeploymentNumber: 4, State: 'COMPLETE' }] });
    expect(await port.inspect(appStep, ref)).toStrictEqual({ ok: true });
    await port.rollback(appStep, ref);
    expect(appconfig.commandCalls(StartDeploymentCommand)[0]?.args[0].input).toMatchObject({
      ApplicationId: 'app',
      EnvironmentId: 'prod',
      ConfigurationProfileId: 'email',
      ConfigurationVersion: '16',
      DeploymentStrategyId: 'AppConfig.AllAtOnce',
    });
  });

  it('stops a configuration deployment still running (AppConfig rolls it back) instead of racing it', async () => {
    appconfig.reset();
    const appStep = step(
      { type: 'appconfig', application: 'app', environment: 'prod', configurationProfile: 'email' },
      '16',
    );
    appconfig.on(ListAppConfigDeployments).resolves({ Items: [{ DeploymentNumber: 5, State: 'BAKING' }] });
    expect(await port.rollback(appStep, ref)).toStrictEqual({ version: '16' });
    expect(appconfig.commandCalls(StopAppConfigDeployment).map((c) => c.args[0].input)).toStrictEqual([
      { ApplicationId: 'app', EnvironmentId: 'prod', DeploymentNumber: 5 },
    ]);
    expect(appconfig.commandCalls(StartDeploymentCommand)).toHaveLength(0);
  });

  it('lets approved manual and feature-flag steps through (a person did them), and hands unknown targets to people', async () => {
    for (const action of [
      { type: 'feature-flag' as const, flag: 'new-cart' },
      { type: 'manual' as const, runbook: 'https://runbooks.example.com/cart' },
    ]) {
      expect(await port.inspect(step(action), ref)).toStrictEqual({ ok: true });
      expect(await port.rollback(step(action), ref)).toStrictEqual({});
    }
    expect(await port.inspect(step({ type: 'ecs', cluster: 'c', service: 's' }, null), ref)).toStrictEqual({
      ok: false,
      reason: 'cart: the change does not say which version to go back to',
    });
  });
});

describe('CloudWatch alarms', () => {
  const catalog = {
    application: 'shop',
    mode: 'auto' as const,
    services: {
      cart: { action: { type: 'manual' as const }, alarms: ['cart-5xx', 'cart-p99'], irreversibleData: false },
    },
  };
  const alarms = awsAlarms(new CloudWatchClient({ region: 'eu-west-1' }), catalog);

  it('maps services to their catalogued alarms', async () => {
    expect(await alarms.alarmsOf(['cart', 'unknown', 'constructor'])).toStrictEqual(['cart-5xx', 'cart-p99']);
  });

  it('reads alarm states in pages of 100 names; an alarm it cannot find has no data', async () => {
    cloudwatch.on(DescribeAlarmsCommand).callsFake((input: { AlarmNames: string[] }) => ({
      MetricAlarms: input.AlarmNames.filter((n) => n !== 'gone').map((n) => ({
        AlarmName: n,
        StateValue: n === 'a-1' ? 'ALARM' : 'OK',
      })),
    }));
    const names = [...Array.from({ length: 150 }, (_, i) => `a-${i}`), 'gone'];
    const states = await alarms.read(names);
    expect(cloudwatch.commandCalls(DescribeAlarmsCommand).map((c) => c.args[0].input.AlarmNames?.length)).toStrictEqual(
      [100, 51],
    );
    expect([states['a-1'], states['a-2'], states['gone']]).toStrictEqual(['ALARM', 'OK', 'INSUFFICIENT_DATA']);
  });

  it('asks for a retry when CloudWatch throttles', async () => {
    cloudwatch.on(DescribeAlarmsCommand).rejects(Object.assign(new Error('Rate exceeded'), { name: 'Throttling' }));
    await expect(alarms.read(['a'])).rejects.toMatchObject({ name: TASK_ERRORS.transient });
  });
});
