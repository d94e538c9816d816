// The registry's list of AWS calls is what the IAM simulation checks (test/infra/iam-simulate.test.ts),
// so it must be the code's own: every target's inspect, rollback (each branch), discovery and change
// completion run here on aws-sdk-client-mock, and each command sent must be listed for that function,
// and each listed command sent.
import {
  AppConfigClient,
  GetHostedConfigurationVersionCommand,
  ListDeploymentsCommand as ListAppConfigDeployments,
} from '@aws-sdk/client-appconfig';
import {
  BatchGetDeploymentsCommand,
  CodeDeployClient,
  GetDeploymentCommand,
  GetDeploymentGroupCommand,
  ListDeploymentsCommand,
} from '@aws-sdk/client-codedeploy';
import { DescribeImageScanFindingsCommand, ECRClient } from '@aws-sdk/client-ecr';
import { DescribeServicesCommand, DescribeTaskDefinitionCommand, ECSClient } from '@aws-sdk/client-ecs';
import {
  GetAliasCommand,
  GetFunctionCodeSigningConfigCommand,
  GetFunctionConfigurationCommand,
  LambdaClient,
} from '@aws-sdk/client-lambda';
import { mockClient } from 'aws-sdk-client-mock';
import { TARGETS, targetOf } from '../../lib/aws/targets';
import type { Action, Attempts, History, TargetClients, TargetRole } from '../../lib/aws/targets/target';
import type { ActionType } from '../../lib/core/catalog';
import type { PlanStep } from '../../lib/core/plan';
import type { Change } from '../../lib/core/types';

const region = { region: 'eu-west-1' };
const clients: TargetClients = {
  codedeploy: new CodeDeployClient(region),
  lambda: new LambdaClient(region),
  ecs: new ECSClient(region),
  ecr: new ECRClient(region),
  appconfig: new AppConfigClient(region),
};
const mocks = {
  codedeploy: mockClient(CodeDeployClient),
  lambda: mockClient(LambdaClient),
  ecs: mockClient(ECSClient),
  ecr: mockClient(ECRClient),
  appconfig: mockClient(AppConfigClient),
};
/** What this test needs of any client's mock. */
type AnyStub = { reset(): unknown; calls(): { args: unknown[] }[] };
const T = Date.parse('2026-11-27T10:00:00Z');

/** Answers for every command the targets send, enough to walk each branch. */
function answer(running: boolean) {
  for (const m of Object.values(mocks) as unknown as AnyStub[]) m.reset();
  mocks.ecs.on(DescribeTaskDefinitionCommand).resolves({
    taskDefinition: { containerDefinitions: [{ image: '123456789012.dkr.ecr.eu-west-1.amazonaws.com/shop/cart:1.4' }] },
  });
  mocks.ecr.on(DescribeImageScanFindingsCommand).resolves({ imageScanFindings: { findingSeverityCounts: {} } });
  mocks.ecs.on(DescribeServicesCommand).resolves({
    services: [
      {
        serviceName: 'cart',
        taskDefinition: 'cart:8',
        deployments: [
          { id: 'ecs-svc/2', status: 'PRIMARY', taskDefinition: 'cart:8', createdAt: new Date(T - 60_000) },
          { id: 'ecs-svc/1', status: 'ACTIVE', taskDefinition: 'cart:7', createdAt: new Date(T - 3_600_000) },
        ],
      },
    ],
  });
  mocks.lambda.on(GetFunctionConfigurationCommand).resolves({ LastModified: new Date(T - 60_000).toISOString() });
  mocks.lambda.on(GetFunctionCodeSigningConfigCommand).resolves({});
  mocks.lambda.on(GetAliasCommand).resolves({ FunctionVersion: '42' });
  mocks.codedeploy.on(GetDeploymentCommand).resolves({ deploymentInfo: { status: 'Succeeded', revision: {} } });
  mocks.codedeploy.on(ListDeploymentsCommand).resolves({ deployments: running ? ['d-RUNNING'] : [] });
  mocks.codedeploy.on(BatchGetDeploymentsCommand).resolves({
    deploymentsInfo: [{ deploymentId: 'd-RUNNING', createTime: new Date(T - 60_000), status: 'Succeeded' }],
  });
  mocks.codedeploy.on(GetDeploymentGroupCommand).resolves({
    deploymentGroupInfo: { lastSuccessfulDeployment: { deploymentId: 'd-OLD', createTime: new Date(T - 86_400_000) } },
  });
  mocks.appconfig.on(GetHostedConfigurationVersionCommand).resolves({});
  mocks.appconfig.on(ListAppConfigDeployments).resolves({
    Items: running ? [{ DeploymentNumber: 7, State: 'DEPLOYING' }] : [],
  });
}

function sent(): Set<string> {
  const names = (Object.values(mocks) as unknown as AnyStub[]).flatMap((m) =>
    m.calls().map((c) => (c.args[0] as object).constructor.name.replace(/Command$/, '')),
  );
  return new Set(names);
}

const ACTIONS: { [T in ActionType]: Action<T> } = {
  ecs: { type: 'ecs', cluster: 'prod', service: 'cart' },
  'lambda-alias': { type: 'lambda-alias', functionName: 'payment', alias: 'live' },
  codedeploy: { type: 'codedeploy', application: 'checkout', deploymentGroup: 'prod' },
  appconfig: { type: 'appconfig', application: 'abc1234', environment: 'env5678', configurationProfile: 'prof901' },
  'feature-flag': { type: 'feature-flag', flag: 'new-search' },
  manual: { type: 'manual' },
};

function step(action: Action<ActionType>): PlanStep {
  return {
    service: 'svc',
    action,
    change: {
      id: 'c1',
      service: 'svc',
      deployedAt: T - 60_000,
      fromVersion: '7',
      toVersion: '8',
      kind: 'code',
      reversible: true,
      source: 'manual',
    },
  } as unknown as PlanStep;
}

const attempts: Attempts = {
  warnings: [],
  failed: [],
  attempt: async (_s, _w, read) => read(),
};
const history: History = { window: { start: T - 86_400_000, end: T }, historyMs: 7 * 86_400_000, previous: undefined };

/** Runs what one function does with a target, and returns the commands it sent. */
async function run(type: ActionType, role: TargetRole): Promise<Set<string>> {
  const target = targetOf(type);
  const action = ACTIONS[type] as never;
  const all = new Set<string>();
  for (const running of [true, false]) {
    answer(running);
    if (role === 'act') {
      await target.inspect(clients, action, step(action), {});
      await target.rollback(clients, action, step(action), {});
    } else if (role === 'discover') {
      await target.discover(clients, [{ service: 'svc', action }], history, attempts);
    } else if (target.events?.complete) {
      const change: Change = {
        id: 'c1',
        service: 'svc',
        deployedAt: T,
        kind: 'code',
        reversible: true,
        source: 'manual',
      };
      const lookup = {
        application: 'checkout',
        deploymentGroup: 'prod',
        deploymentId: 'd-RUNNING',
        cluster: 'prod',
        service: 'cart',
      };
      if (type === 'ecs') lookup.deploymentId = 'ecs-svc/2';
      await target.events.complete(clients, change, lookup);
    }
    for (const name of sent()) all.add(name);
  }
  return all;
}

describe('the AWS calls each target lists', () => {
  const cases = (Object.keys(TARGETS) as ActionType[]).flatMap((type) =>
    (['act', 'discover', 'record'] as const).map((role) => [type, role] as const),
  );

  it.each(cases)('are exactly the commands %s sends from the %s function', async (type, role) => {
    const listed = new Set(
      targetOf(type)
        .calls(ACTIONS[type] as never)
        [role].map((c) => c.command),
    );
    expect([...(await run(type, role))].sort()).toStrictEqual([...listed].sort());
  });
});
