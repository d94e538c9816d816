// Discovery against aws-sdk-client-mock (X-Ray, CloudWatch, CodeDeploy, Lambda, ECS and AppConfig have
// no local engine): paging, time-range splitting, versions before each change, and every call failing
// (throttled, not found) as a warning while the rest of the snapshot still lands.
import { AppConfigClient, ListDeploymentsCommand as ListAppConfigDeployments } from '@aws-sdk/client-appconfig';
import { CloudWatchClient, DescribeAlarmsCommand } from '@aws-sdk/client-cloudwatch';
import {
  BatchGetDeploymentsCommand,
  CodeDeployClient,
  GetDeploymentGroupCommand,
  ListDeploymentsCommand,
} from '@aws-sdk/client-codedeploy';
import { DescribeServicesCommand, ECSClient } from '@aws-sdk/client-ecs';
import { GetAliasCommand, GetFunctionConfigurationCommand, LambdaClient } from '@aws-sdk/client-lambda';
import { GetServiceGraphCommand, XRayClient } from '@aws-sdk/client-xray';
import { mockClient } from 'aws-sdk-client-mock';
import { discover, discoverAndStore, type DiscoveryClients } from '../../lib/aws/discover';
import { parseCatalog } from '../../lib/core/catalog';
import type { DiscoverySnapshot } from '../../lib/core/snapshot';
import type { Change } from '../../lib/core/types';
import { fixture, T0 } from '../helpers';
import { useLocalDynamo } from '../local-dynamo';

const HOUR = 3_600_000;
const DAY = 24 * HOUR;
const at = (ms: number) => new Date(T0 - ms);

const xray = mockClient(XRayClient);
const cloudwatch = mockClient(CloudWatchClient);
const codedeploy = mockClient(CodeDeployClient);
const lambda = mockClient(LambdaClient);
const ecs = mockClient(ECSClient);
const appconfig = mockClient(AppConfigClient);
const mocks: { reset(): void }[] = [xray, cloudwatch, codedeploy, lambda, ecs, appconfig];

const clients: DiscoveryClients = {
  xray: new XRayClient({ region: 'eu-west-1' }),
  cloudwatch: new CloudWatchClient({ region: 'eu-west-1' }),
  codedeploy: new CodeDeployClient({ region: 'eu-west-1' }),
  lambda: new LambdaClient({ region: 'eu-west-1' }),
  ecs: new ECSClient({ region: 'eu-west-1' }),
  appconfig: new AppConfigClient({ region: 'eu-west-1' }),
};

const catalog = parseCatalog(
  {
    application: 'shop',
    services: {
      checkout: {
        action: { type: 'codedeploy', application: 'shop', deploymentGroup: 'checkout-prod' },
        alarms: ['checkout-5xx'],
      },
      pricing: { action: { type: 'lambda-alias', functionName: 'pricing', alias: 'live' }, alarms: ['pricing-errors'] },
      cart: { action: { type: 'ecs', cluster: 'prod', service: 'cart' }, alarms: ['cart-5xx', 'shop-health'] },
      flags: {
        action: { type: 'appconfig', application: 'app1', environment: 'env1', configurationProfile: 'prof1' },
      },
      docs: { action: { type: 'manual' } },
    },
  },
  'test catalog',
);

/** Two real GetServiceGraph responses as two pages, with the Date objects the SDK returns. */
const PAGES = [
  fixture('xray/grafana-x-ray-datasource_test-fixture_sqs-lambda_5svc.json'),
  fixture('xray/awsdocs-xray-devguide_gettingdata_example.json'),
] as { Services: object[] }[];

const TD = 'arn:aws:ecs:eu-west-1:123456789012:task-definition/cart';

function healthy(): void {
  for (const m of mocks) m.reset();
  xray.on(GetServiceGraphCommand).callsFake((input: { StartTime: Date; EndTime: Date; NextToken?: string }) => {
    const page = input.NextToken === 'p2' ? PAGES[1] : PAGES[0];
    return {
      ...page,
      StartTime: input.StartTime,
      EndTime: input.EndTime,
      ...(input.NextToken ? {} : { NextToken: 'p2' }),
    };
  });
  cloudwatch
    .on(DescribeAlarmsCommand)
    .resolves({
      MetricAlarms: [
        {
          AlarmName: 'checkout-5xx',
          StateValue: 'ALARM',
          StateUpdatedTimestamp: at(HOUR),
          Namespace: 'AWS/ApplicationELB',
          MetricName: 'HTTPCode_Target_5XX_Count',
          Dimensions: [{ Name: 'LoadBalancer', Value: 'app/shop/1' }],
        },
      ],
      NextToken: 'more',
    })
    .on(DescribeAlarmsCommand, { NextToken: 'more' })
    .resolves({
      MetricAlarms: [{ AlarmName: 'cart-5xx', StateValue: 'OK' }],
      CompositeAlarms: [{ AlarmName: 'shop-health', StateValue: 'INSUFFICIENT_DATA', StateUpdatedTimestamp: at(DAY) }],
    });
  codedeploy
    .on(ListDeploymentsCommand)
    .resolves({ deployments: ['d-1', 'd-2'], nextToken: 't2' })
    .on(ListDeploymentsCommand, { nextToken: 't2' })
    .resolves({ deployments: ['d-3', 'd-4', 'd-5'] })
    .on(BatchGetDeploymentsCommand)
    .resolves({
      deploymentsInfo: [
        { deploymentId: 'd-4', status: 'InProgress', createTime: at(HOUR), creator: 'user' },
        { deploymentId: 'd-1', status: 'Succeeded', createTime: at(3 * DAY), creator: 'user' },
        { deploymentId: 'd-2', status: 'Succeeded', createTime: at(5 * HOUR), creator: 'user' },
        { deploymentId: 'd-3', status: 'Succeeded', createTime: at(4 * HOUR), creator: 'codeDeployRollback' },
        { deploymentId: 'd-5', status: 'Queued', createTime: at(HOUR / 2), creator: 'user' },
      ],
    });
  codedeploy.on(GetDeploymentGroupCommand).resolves({});
  lambda.on(GetAliasCommand).resolves({ FunctionVersion: '7' });
  lambda.on(GetFunctionConfigurationCommand).resolves({ LastModified: '2026-11-27T08:00:00.000+0000' });
  ecs.on(DescribeServicesCommand).resolves({
    services: [
      {
        serviceName: 'cart',
        deployments: [
          { id: 'ecs-svc/2', status: 'PRIMARY', taskDefinition: `${TD}:8`, createdAt: at(HOUR / 2) },
          { id: 'ecs-svc/1', status: 'ACTIVE', taskDefinition: `${TD}:7`, createdAt: at(3 * DAY) },
        ],
      },
    ],
  });
  appconfig
    .on(ListAppConfigDeployments)
    .resolves({
      Items: [
        {
          DeploymentNumber: 5,
          ConfigurationProfileId: 'prof1',
          ConfigurationVersion: '5',
          State: 'COMPLETE',
          StartedAt: at(HOUR),
        },
        {
          DeploymentNumber: 4,
          ConfigurationProfileId: 'other',
          ConfigurationVersion: '9',
          State: 'COMPLETE',
          StartedAt: at(2 * HOUR),
        },
        {
          DeploymentNumber: 3,
          ConfigurationProfileId: 'prof1',
          ConfigurationVersion: '3',
          State: 'COMPLETE',
          StartedAt: at(2 * DAY),
        },
      ],
      NextToken: 'older',
    })
    .on(ListAppConfigDeployments, { NextToken: 'older' })
    .resolves({
      Items: [
        {
          DeploymentNumber: 2,
          ConfigurationProfileId: 'prof1',
          ConfigurationVersion: '2',
          State: 'COMPLETE',
          StartedAt: at(10 * DAY),
        },
      ],
      NextToken: 'even-older',
    })
    .on(ListAppConfigDeployments, { NextToken: 'even-older' })
    .resolves({ Items: [] });
}

const run = (options: Partial<Parameters<typeof discover>[2]> = {}) =>
  discover(clients, catalog, { now: T0, ...options });

const EXPECTED_CHANGES: Change[] = [
  {
    id: 'codedeploy:d-2',
    service: 'checkout',
    deployedAt: T0 - 5 * HOUR,
    fromVersion: 'd-1',
    toVersion: 'd-2',
    kind: 'code',
    reversible: true,
    source: 'codedeploy',
  },
  {
    id: 'lambda:pricing:live:7',
    service: 'pricing',
    deployedAt: T0 - 2 * HOUR,
    toVersion: '7',
    kind: 'code',
    reversible: true,
    source: 'lambda',
  },
  {
    id: 'appconfig:app1/env1:5',
    service: 'flags',
    deployedAt: T0 - HOUR,
    fromVersion: '3',
    toVersion: '5',
    kind: 'config',
    reversible: true,
    source: 'appconfig',
  },
  {
    id: 'codedeploy:d-4',
    service: 'checkout',
    deployedAt: T0 - HOUR,
    fromVersion: 'd-3',
    toVersion: 'd-4',
    kind: 'code',
    reversible: true,
    source: 'codedeploy',
  },
  {
    id: 'ecs:prod/cart:ecs-svc/2',
    service: 'cart',
    deployedAt: T0 - HOUR / 2,
    fromVersion: `${TD}:7`,
    toVersion: `${TD}:8`,
    kind: 'code',
    reversible: true,
    source: 'ecs',
  },
];

beforeEach(healthy);

describe('discover', () => {
  it('reads every source into one snapshot', async () => {
    const snapshot = await run();
    expect(snapshot.application).toBe('shop');
    expect(snapshot.window).toStrictEqual({ start: T0 - DAY, end: T0 });
    expect(snapshot.graphWindow).toStrictEqual({ start: T0 - HOUR, end: T0 });
    expect(snapshot.baselineWindow).toStrictEqual({ start: T0 - DAY - HOUR, end: T0 - DAY });
    expect(snapshot.changes).toStrictEqual(EXPECTED_CHANGES);
    expect(snapshot.versions).toStrictEqual({ checkout: 'd-3', pricing: '7', cart: `${TD}:8`, flags: '5' });
    expect(snapshot.alarms).toStrictEqual([
      { name: 'cart-5xx', type: 'metric', state: 'OK' },
      {
        name: 'checkout-5xx',
        type: 'metric',
        state: 'ALARM',
        since: T0 - HOUR,
        namespace: 'AWS/ApplicationELB',
        metricName: 'HTTPCode_Target_5XX_Count',
        dimensions: { LoadBalancer: 'app/shop/1' },
      },
      { name: 'shop-health', type: 'composite', state: 'INSUFFICIENT_DATA', since: T0 - DAY },
    ]);
    expect(snapshot.failed).toStrictEqual([]);
    expect(snapshot.warnings).toStrictEqual([
      'alarm pricing-errors (of pricing) does not exist in CloudWatch',
      'change lambda:pricing:live:7: the version it replaced is unknown; its rollback will be manual',
    ]);
  });

  it('merges every page of the service graph, current and baseline, parsed by the core parser', async () => {
    const snapshot = await run();
    const names = (s: DiscoverySnapshot['graph']) => s?.nodes.map((n) => `${n.kind}:${n.name}`).sort();
    const expected = [
      'client:SampleSite',
      'client:xray-sample.elasticbeanstalk.com',
      'resource:SNS',
      'resource:awseb-e-dixzws4s9p-stack-StartupSignupsTable-4IMSMHAYX2BA',
      'resource:https://sqs.us-east-1.amazonaws.com/123456789012/SampleQueue',
      'service:ProcessSQSRecord',
      'service:SampleSite',
      'service:xray-sample.elasticbeanstalk.com',
    ];
    expect(names(snapshot.graph)).toStrictEqual(expected);
    expect(names(snapshot.baseline)).toStrictEqual(expected);
    // The SDK's Date objects became the graph's time range, in seconds.
    expect(snapshot.graph?.startTime).toBe((T0 - HOUR) / 1000);
    expect(snapshot.baseline?.endTime).toBe((T0 - DAY) / 1000);
    expect(xray.commandCalls(GetServiceGraphCommand).map((c) => c.args[0].input.NextToken)).toStrictEqual([
      undefined,
      'p2',
      undefined,
      'p2',
    ]);
  });

  it('splits a graph window longer than one call may ask for', async () => {
    await run({ graphMs: 13 * HOUR, maxGraphRangeMs: 6 * HOUR, windowMs: 2 * HOUR });
    const ranges = xray
      .commandCalls(GetServiceGraphCommand)
      .filter((c) => !c.args[0].input.NextToken)
      .map((c) => [c.args[0].input.StartTime?.getTime(), c.args[0].input.EndTime?.getTime()]);
    expect(ranges).toStrictEqual([
      [T0 - 13 * HOUR, T0 - 7 * HOUR],
      [T0 - 7 * HOUR, T0 - HOUR],
      [T0 - HOUR, T0],
      [T0 - 3 * HOUR, T0 - 2 * HOUR],
    ]);
  });

  it('leaves out a baseline older than X-Ray keeps, saying so', async () => {
    const snapshot = await run({ windowMs: 30 * DAY });
    expect(snapshot.baseline).toBeUndefined();
    expect(snapshot.failed).toStrictEqual(['xray-baseline']);
    expect(snapshot.warnings).toContain(
      'X-Ray baseline graph: the window starts before the 30 days X-Ray keeps; left out',
    );
    expect(xray.commandCalls(GetServiceGraphCommand)).toHaveLength(2);
  });

  it('reports a malformed service graph as a warning, not a crash', async () => {
    xray.on(GetServiceGraphCommand).resolves({ Services: [{ ReferenceId: 'one' }] as never });
    const snapshot = await run();
    expect(snapshot.graph).toBeUndefined();
    expect(snapshot.failed).toStrictEqual(['xray-graph', 'xray-baseline']);
    expect(snapshot.warnings[0]).toMatch(
      /^X-Ray service graph: BackstepInputError: bad service graph: .*ReferenceId: an integer$/,
    );
    expect(snapshot.changes).toStrictEqual(EXPECTED_CHANGES);
  });

  it('asks CloudWatch for at most 100 alarms a call', async () => {
    const many = parseCatalog(
      { services: { big: { action: { type: 'manual' }, alarms: Array.from({ length: 150 }, (_, i) => `a${i}`) } } },
      'many',
    );
    cloudwatch.reset();
    cloudwatch.on(DescribeAlarmsCommand).resolves({});
    const snapshot = await discover(clients, many, { now: T0 });
    expect(cloudwatch.commandCalls(DescribeAlarmsCommand).map((c) => c.args[0].input.AlarmNames?.length)).toStrictEqual(
      [100, 50],
    );
    expect(snapshot.warnings.filter((w) => w.startsWith('alarm '))).toHaveLength(150);
  });

  it('takes the version before a Lambda or ECS change from the previous snapshot', async () => {
    ecs.on(DescribeServicesCommand).resolves({
      services: [
        {
          serviceName: 'cart',
          deployments: [{ id: 'ecs-svc/2', status: 'PRIMARY', taskDefinition: `${TD}:8`, createdAt: at(HOUR / 2) }],
        },
      ],
    });
    const previous = { takenAt: T0 - HOUR, versions: { pricing: '6', cart: `${TD}:5` } };
    const snapshot = await run({ previous });
    const [pricing] = snapshot.changes.filter((c) => c.service === 'pricing');
    // Version 7 was published at 08:00, but the alias still named 6 at 09:00.
    expect(pricing).toMatchObject({ fromVersion: '6', toVersion: '7', deployedAt: T0 - HOUR });
    expect(snapshot.changes.find((c) => c.service === 'cart')).toMatchObject({ fromVersion: `${TD}:5` });
  });

  it('reads a Lambda canary from the weighted alias', async () => {
    lambda
      .on(GetAliasCommand)
      .resolves({ FunctionVersion: '7', RoutingConfig: { AdditionalVersionWeights: { '8': 0.1 } } });
    const snapshot = await run();
    expect(snapshot.changes.find((c) => c.service === 'pricing')).toMatchObject({
      id: 'lambda:pricing:live:8',
      fromVersion: '7',
      toVersion: '8',
    });
    expect(lambda.commandCalls(GetFunctionConfigurationCommand)[0]?.args[0].input.Qualifier).toBe('8');
  });

  it('records nothing for an alias on $LATEST, saying why', async () => {
    lambda.on(GetAliasCommand).resolves({ FunctionVersion: '$LATEST' });
    const snapshot = await run();
    expect(snapshot.changes.filter((c) => c.service === 'pricing')).toStrictEqual([]);
    expect(snapshot.warnings).toContain(
      'Lambda alias of pricing: points at $LATEST, whose deployments cannot be told apart',
    );
  });

  it("falls back to the deployment group's last success when the history holds none", async () => {
    codedeploy.on(ListDeploymentsCommand).resolves({ deployments: ['d-4'] });
    codedeploy
      .on(BatchGetDeploymentsCommand)
      .resolves({ deploymentsInfo: [{ deploymentId: 'd-4', status: 'InProgress', createTime: at(HOUR) }] });
    codedeploy.on(GetDeploymentGroupCommand).resolves({
      deploymentGroupInfo: { lastSuccessfulDeployment: { deploymentId: 'd-0', createTime: at(20 * DAY) } },
    });
    const snapshot = await run();
    expect(snapshot.changes.filter((c) => c.service === 'checkout')).toMatchObject([
      { id: 'codedeploy:d-4', fromVersion: 'd-0' },
    ]);
    expect(snapshot.versions['checkout']).toBe('d-0');
  });

  it('asks BatchGetDeployments for at most 25 deployments a call', async () => {
    const ids = Array.from({ length: 60 }, (_, i) => `d-${i}`);
    codedeploy.on(ListDeploymentsCommand).resolves({ deployments: ids });
    codedeploy.on(BatchGetDeploymentsCommand).resolves({ deploymentsInfo: [] });
    codedeploy.on(GetDeploymentGroupCommand).resolves({});
    await run();
    expect(
      codedeploy.commandCalls(BatchGetDeploymentsCommand).map((c) => c.args[0].input.deploymentIds?.length),
    ).toStrictEqual([25, 25, 10]);
  });

  it('stops paging AppConfig deployments once past the history', async () => {
    await run();
    expect(appconfig.commandCalls(ListAppConfigDeployments).map((c) => c.args[0].input.NextToken)).toStrictEqual([
      undefined,
      'older',
    ]);
  });

  it('says which ECS service the cluster does not have', async () => {
    ecs.on(DescribeServicesCommand).resolves({
      services: [],
      failures: [{ arn: 'arn:aws:ecs:eu-west-1:123456789012:service/prod/cart', reason: 'MISSING' }],
    });
    const snapshot = await run();
    expect(snapshot.failed).toStrictEqual(['ecs:cart']);
    expect(snapshot.warnings).toContain('ECS service cart: not found in cluster prod (MISSING)');
  });
});

const error = (name: string, message = `${name} happened`) => Object.assign(new Error(message), { name });

describe('discover when a call fails after the SDK retries', () => {
  const cases: [string, () => void, string[], string][] = [
    [
      'GetServiceGraph throttled',
      () => xray.on(GetServiceGraphCommand).rejects(error('ThrottlingException')),
      ['xray-graph', 'xray-baseline'],
      "X-Ray service graph: throttled (ThrottlingException), still after the SDK's retries",
    ],
    [
      'GetServiceGraph refused',
      () => xray.on(GetServiceGraphCommand).rejects(error('InvalidRequestException', 'Time range too long')),
      ['xray-graph', 'xray-baseline'],
      'X-Ray service graph: InvalidRequestException: Time range too long',
    ],
    [
      'DescribeAlarms throttled',
      () => cloudwatch.on(DescribeAlarmsCommand).rejects(error('Throttling')),
      ['alarms'],
      "CloudWatch alarms: throttled (Throttling), still after the SDK's retries",
    ],
    [
      'DescribeAlarms denied',
      () => cloudwatch.on(DescribeAlarmsCommand).rejects(error('AccessDenied', 'not allowed')),
      ['alarms'],
      'CloudWatch alarms: access denied (AccessDenied): not allowed',
    ],
    [
      'CodeDeploy ListDeployments not found',
      () => codedeploy.on(ListDeploymentsCommand).rejects(error('DeploymentGroupDoesNotExistException', 'no group')),
      ['codedeploy:checkout'],
      'CodeDeploy checkout: not found (DeploymentGroupDoesNotExistException): no group',
    ],
    [
      'CodeDeploy ListDeployments throttled',
      () => codedeploy.on(ListDeploymentsCommand).rejects(error('ThrottlingException')),
      ['codedeploy:checkout'],
      "CodeDeploy checkout: throttled (ThrottlingException), still after the SDK's retries",
    ],
    [
      'CodeDeploy BatchGetDeployments throttled',
      () => codedeploy.on(BatchGetDeploymentsCommand).rejects(error('ThrottlingException')),
      ['codedeploy:checkout'],
      "CodeDeploy checkout: throttled (ThrottlingException), still after the SDK's retries",
    ],
    [
      'CodeDeploy GetDeploymentGroup not found',
      () =>
        codedeploy
          .on(ListDeploymentsCommand)
          .resolves({ deployments: ['d-4'] })
          .on(BatchGetDeploymentsCommand)
          .resolves({ deploymentsInfo: [{ deploymentId: 'd-4', status: 'InProgress', createTime: at(HOUR) }] })
          .on(GetDeploymentGroupCommand)
          .rejects(error('DeploymentGroupDoesNotExistException', 'gone')),
      ['codedeploy:checkout'],
      'CodeDeploy checkout: not found (DeploymentGroupDoesNotExistException): gone',
    ],
    [
      'Lambda GetAlias not found',
      () => lambda.on(GetAliasCommand).rejects(error('ResourceNotFoundException', 'Alias not found')),
      ['lambda:pricing'],
      'Lambda alias of pricing: not found (ResourceNotFoundException): Alias not found',
    ],
    [
      'Lambda GetAlias throttled',
      () => lambda.on(GetAliasCommand).rejects(error('TooManyRequestsException')),
      ['lambda:pricing'],
      "Lambda alias of pricing: throttled (TooManyRequestsException), still after the SDK's retries",
    ],
    [
      'Lambda GetFunctionConfiguration not found',
      () => lambda.on(GetFunctionConfigurationCommand).rejects(error('ResourceNotFoundException', 'no version 7')),
      ['lambda:pricing'],
      'Lambda alias of pricing: not found (ResourceNotFoundException): no version 7',
    ],
    [
      'ECS DescribeServices cluster not found',
      () => ecs.on(DescribeServicesCommand).rejects(error('ClusterNotFoundException', 'Cluster not found.')),
      ['ecs:prod'],
      'ECS services cart in cluster prod: not found (ClusterNotFoundException): Cluster not found.',
    ],
    [
      'ECS DescribeServices throttled',
      () => ecs.on(DescribeServicesCommand).rejects(error('ThrottlingException')),
      ['ecs:prod'],
      "ECS services cart in cluster prod: throttled (ThrottlingException), still after the SDK's retries",
    ],
    [
      'AppConfig ListDeployments not found',
      () => appconfig.on(ListAppConfigDeployments).rejects(error('ResourceNotFoundException', 'no env')),
      ['appconfig:flags'],
      'AppConfig flags: not found (ResourceNotFoundException): no env',
    ],
    [
      'AppConfig ListDeployments throttled',
      () => appconfig.on(ListAppConfigDeployments).rejects(error('ThrottlingException')),
      ['appconfig:flags'],
      "AppConfig flags: throttled (ThrottlingException), still after the SDK's retries",
    ],
  ];

  it.each(cases)('%s: a warning, and the rest still lands', async (_name, fail, failed, warning) => {
    fail();
    const snapshot = await run();
    expect(snapshot.failed).toStrictEqual(failed);
    expect(snapshot.warnings).toContain(warning);
    const lost = new Set(failed.map((f) => f.split(':')[0]));
    const kept = (c: Change) => !lost.has(c.source ?? '');
    expect(snapshot.changes.filter(kept)).toStrictEqual(EXPECTED_CHANGES.filter(kept));
    if (!lost.has('alarms')) expect(snapshot.alarms).toHaveLength(3);
    if (!lost.has('xray-graph')) expect(snapshot.graph?.nodes).toHaveLength(8);
  });
});

describe('discoverAndStore on dynalite', () => {
  const local = useLocalDynamo();

  it('stores the snapshot and its changes, and the next run knows the versions before', async () => {
    const first = await discoverAndStore(clients, local.store, catalog, { now: T0 });
    expect(first).toMatchObject({
      snapshot: 'stored',
      nodes: 8,
      alarms: 3,
      changes: { stored: 5, duplicate: 0, completed: 0 },
    });
    expect(await local.store.changesSince(T0 - DAY, T0)).toStrictEqual(EXPECTED_CHANGES);

    lambda.on(GetAliasCommand).resolves({ FunctionVersion: '8' });
    const second = await discoverAndStore(clients, local.store, catalog, { now: T0 + HOUR });
    expect(second.changes).toStrictEqual({ stored: 1, duplicate: 4, completed: 0 });
    const stored = await local.store.changesSince(T0 - DAY, T0 + HOUR);
    expect(stored.find((c) => c.id === 'lambda:pricing:live:8')).toMatchObject({ fromVersion: '7', deployedAt: T0 });
    expect((await local.store.latestSnapshot('shop'))?.takenAt).toBe(T0 + HOUR);
  });
});

describe('discoverAndStore when the previous snapshot cannot be read', () => {
  it('still runs, and says what it could not know', async () => {
    const puts: string[] = [];
    const store = {
      latestSnapshot: () => Promise.reject(Object.assign(new Error('slow down'), { name: 'ThrottlingException' })),
      putSnapshot: () => Promise.resolve('stored' as const),
      putChange: (c: Change) => {
        puts.push(c.id);
        return Promise.resolve('stored' as const);
      },
    };
    const summary = await discoverAndStore(clients, store, catalog, { now: T0 });
    expect(summary.warnings[0]).toBe(
      "previous snapshot: throttled (ThrottlingException), still after the SDK's retries; versions before Lambda and ECS changes may be unknown",
    );
    expect(puts).toStrictEqual(EXPECTED_CHANGES.map((c) => c.id));
  });
});
