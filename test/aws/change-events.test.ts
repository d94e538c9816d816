// The change recorder on real EventBridge samples: the pure mapping, the look-ups that complete a
// change (CodeDeploy, ECS on aws-sdk-client-mock), and the store on dynalite.
import { CodeDeployClient, GetDeploymentCommand, GetDeploymentGroupCommand } from '@aws-sdk/client-codedeploy';
import { DescribeServicesCommand, ECSClient } from '@aws-sdk/client-ecs';
import { mockClient } from 'aws-sdk-client-mock';
import fc from 'fast-check';
import { CHANGE_EVENT_PATTERNS, changeFromEvent, recordChange } from '../../lib/aws/change-events';
import { parseCatalog } from '../../lib/core/catalog';
import { fixture } from '../helpers';
import { useLocalDynamo } from '../local-dynamo';

const catalog = parseCatalog(
  {
    application: 'samples',
    services: {
      web: { action: { type: 'codedeploy', application: 'myApplication', deploymentGroup: 'myDeploymentGroup' } },
      demo: {
        action: { type: 'codedeploy', application: 'MyDemoApplication', deploymentGroup: 'MyDemoDeploymentGroup' },
      },
      servicetest: { action: { type: 'ecs', cluster: 'default', service: 'servicetest' } },
      settings: {
        action: {
          type: 'appconfig',
          application: 'ba8toh7',
          environment: 'pgil2o7',
          configurationProfile: 'MyConfigProfile',
        },
      },
      pricing: { action: { type: 'lambda-alias', functionName: 'pricing', alias: 'live' } },
    },
  },
  'test catalog',
);

const event = (name: string) => fixture(`events/${name}.json`);

describe('changeFromEvent', () => {
  it('maps a CodeDeploy deployment state change, asking what it replaced', () => {
    expect(changeFromEvent(event('aws-lambda-go_codedeploy-deployment-event'), catalog)).toStrictEqual({
      change: {
        id: 'codedeploy:d-123456789',
        service: 'web',
        deployedAt: Date.parse('2016-06-30T22:06:31Z'),
        toVersion: 'd-123456789',
        kind: 'code',
        reversible: true,
        source: 'codedeploy',
      },
      lookup: {
        application: 'myApplication',
        deploymentGroup: 'myDeploymentGroup',
        deploymentId: 'd-123456789',
      },
    });
    expect(
      changeFromEvent(event('aws-devops-monitoring-dashboard_codedeploy-deployment-failure'), catalog),
    ).toMatchObject({ change: { id: 'codedeploy:someId', service: 'demo' } });
  });

  it('maps an ECS deployment, asking for its task definitions', () => {
    for (const name of ['in-progress', 'completed', 'failed']) {
      expect(changeFromEvent(event(`awsdocs-ecs_deployment-state-change_${name}`), catalog)).toStrictEqual({
        change: {
          id: 'ecs:default/servicetest:ecs-svc/123',
          service: 'servicetest',
          deployedAt: Date.parse('2020-05-23T12:31:14Z'),
          kind: 'code',
          reversible: true,
          source: 'ecs',
        },
        lookup: { cluster: 'default', service: 'servicetest', deploymentId: 'ecs-svc/123' },
      });
    }
  });

  it('ignores the ECS circuit breaker rolling back by itself', () => {
    expect(changeFromEvent(event('awsdocs-ecs_deployment-state-change_rollback-in-progress'), catalog)).toStrictEqual({
      ignored:
        'ECS is rolling back by itself: ECS deployment circuit breaker: rolling back to deploymentId deploymentID.',
    });
  });

  it('maps an AppConfig deployment, matching the catalog by id or by name', () => {
    expect(changeFromEvent(event('awsdocs-appconfig_on-deployment-complete'), catalog)).toStrictEqual({
      change: {
        id: 'appconfig:ba8toh7/pgil2o7:1',
        service: 'settings',
        deployedAt: Date.parse('2022-07-09T01:44:15Z'),
        toVersion: '1',
        kind: 'config',
        reversible: true,
        source: 'appconfig',
      },
    });
  });

  it('maps a Lambda alias update from CloudTrail, by function ARN or name', () => {
    expect(changeFromEvent(event('ours_cloudtrail-lambda-update-alias'), catalog)).toStrictEqual({
      change: {
        id: 'lambda:pricing:live:8',
        service: 'pricing',
        deployedAt: Date.parse('2026-11-27T09:40:11Z'),
        toVersion: '8',
        kind: 'code',
        reversible: true,
        source: 'lambda',
      },
    });
  });

  it('reads a canary from the weighted alias: the new version is the change, the old one what it replaced', () => {
    expect(changeFromEvent(event('ours_cloudtrail-lambda-update-alias-canary'), catalog)).toMatchObject({
      change: { id: 'lambda:pricing:live:8', fromVersion: '7', toVersion: '8' },
    });
  });

  it('records a new alias as a change with nothing before it', () => {
    expect(changeFromEvent(event('ours_cloudtrail-lambda-create-alias'), catalog)).toMatchObject({
      change: { id: 'lambda:pricing:live:1', toVersion: '1', reversible: false },
    });
  });

  it.each([
    ['ours_cloudtrail-lambda-update-alias-failed', 'UpdateAlias20150331 failed (ResourceConflictException)'],
    [
      'aws-lambda-go_codedeploy-instance-event',
      'not a deployment event (aws.codedeploy / CodeDeploy Instance State-change Notification)',
    ],
    [
      'cloudwatch-alarm_01_state-change-for-a-single-metric-alarm',
      'not a deployment event (aws.cloudwatch / CloudWatch Alarm State Change)',
    ],
  ])('ignores %s, saying why', (name, why) => {
    expect(changeFromEvent(event(name), catalog)).toStrictEqual({ ignored: why });
  });

  it('ignores a deployment of a service the catalog does not have', () => {
    const other = parseCatalog({ services: {} }, 'empty');
    expect(changeFromEvent(event('aws-lambda-go_codedeploy-deployment-event'), other)).toStrictEqual({
      ignored: 'CodeDeploy myApplication/myDeploymentGroup is not in the catalog',
    });
    expect(changeFromEvent(event('awsdocs-ecs_deployment-state-change_completed'), other)).toStrictEqual({
      ignored: 'ECS service default/servicetest is not in the catalog',
    });
  });

  it.each([
    [null, 'bad event: event: expected an object'],
    [
      { source: 'aws.codedeploy', 'detail-type': 'CodeDeploy Deployment State-change Notification' },
      'bad event: detail: expected an object',
    ],
    [
      {
        source: 'aws.codedeploy',
        'detail-type': 'CodeDeploy Deployment State-change Notification',
        detail: { application: 'a', deploymentGroup: 'g', state: 'START' },
      },
      'bad event: detail.deploymentId: expected a non-empty string',
    ],
    [
      {
        source: 'aws.codedeploy',
        'detail-type': 'CodeDeploy Deployment State-change Notification',
        time: 'yesterday',
        detail: {
          application: 'myApplication',
          deploymentGroup: 'myDeploymentGroup',
          deploymentId: 'd-1',
          state: 'START',
        },
      },
      'bad event: time: expected an ISO 8601 time',
    ],
    [
      { source: 'aws.ecs', 'detail-type': 'ECS Deployment State Change', detail: { deploymentId: 'x' }, resources: [] },
      'bad event: resources: expected an ECS service ARN',
    ],
    [
      { source: 'aws.appconfig', 'detail-type': 'On Deployment Start', detail: { Application: 'a' } },
      'bad event: Application: expected an object with Id and Name',
    ],
  ])('ignores a malformed event with a short message: %j', (bad, why) => {
    expect(changeFromEvent(bad, catalog)).toStrictEqual({ ignored: why });
  });

  it('never throws, whatever arrives', () => {
    const sources = fc.constantFrom('aws.codedeploy', 'aws.ecs', 'aws.appconfig', 'aws.lambda', 'other');
    const types = fc.constantFrom(
      ...Object.values(CHANGE_EVENT_PATTERNS).flatMap((p) => [...p['detail-type']]),
      'On Deployment Rolled Back',
    );
    const arbitrary = fc.oneof(
      fc.anything(),
      fc.record({
        source: sources,
        'detail-type': types,
        time: fc.anything(),
        resources: fc.anything(),
        detail: fc.anything(),
      }),
      fc.record({
        source: sources,
        'detail-type': types,
        time: fc.constant('2026-11-27T10:00:00Z'),
        resources: fc.array(fc.oneof(fc.string(), fc.constant('arn:aws:ecs:r:1:service/default/servicetest'))),
        detail: fc.dictionary(
          fc.constantFrom(
            'application',
            'deploymentGroup',
            'deploymentId',
            'state',
            'eventName',
            'requestParameters',
            'responseElements',
            'Application',
            'DeploymentNumber',
            'eventTime',
            'reason',
          ),
          fc.anything(),
        ),
      }),
    );
    fc.assert(
      fc.property(arbitrary, (e) => {
        const mapped = changeFromEvent(e, catalog);
        return 'ignored' in mapped || typeof mapped.change.id === 'string';
      }),
      { numRuns: 500 },
    );
  });
});

const codedeploy = mockClient(CodeDeployClient);
const ecs = mockClient(ECSClient);
const clients = {
  codedeploy: new CodeDeployClient({ region: 'us-east-1' }),
  ecs: new ECSClient({ region: 'us-west-2' }),
};
const TD = 'arn:aws:ecs:us-west-2:111122223333:task-definition/servicetest';

describe('recordChange on dynalite', () => {
  const local = useLocalDynamo();
  beforeEach(() => {
    codedeploy.reset();
    ecs.reset();
  });

  it('records a CodeDeploy deployment with its creation time and the deployment it replaces', async () => {
    codedeploy
      .on(GetDeploymentCommand)
      .resolves({
        deploymentInfo: { deploymentId: 'd-123456789', creator: 'user', createTime: new Date('2016-06-30T22:00:00Z') },
      })
      .on(GetDeploymentGroupCommand)
      .resolves({
        deploymentGroupInfo: {
          lastSuccessfulDeployment: { deploymentId: 'd-1', createTime: new Date('2016-06-01T00:00:00Z') },
        },
      });
    const result = await recordChange(
      clients,
      local.store,
      catalog,
      event('aws-lambda-go_codedeploy-deployment-event'),
    );
    const change = {
      id: 'codedeploy:d-123456789',
      service: 'web',
      deployedAt: Date.parse('2016-06-30T22:00:00Z'),
      fromVersion: 'd-1',
      toVersion: 'd-123456789',
      kind: 'code',
      reversible: true,
      source: 'codedeploy',
    };
    expect(result).toStrictEqual({ recorded: 'stored', change, warnings: [] });
    expect(
      await recordChange(clients, local.store, catalog, event('aws-lambda-go_codedeploy-deployment-event')),
    ).toMatchObject({ recorded: 'duplicate' });
    expect(await local.store.changesSince(change.deployedAt, change.deployedAt)).toStrictEqual([change]);
  });

  it("ignores CodeDeploy's own rollback deployments", async () => {
    codedeploy.on(GetDeploymentCommand).resolves({ deploymentInfo: { creator: 'codeDeployRollback' } });
    expect(
      await recordChange(
        clients,
        local.store,
        catalog,
        event('aws-devops-monitoring-dashboard_codedeploy-deployment-failure'),
      ),
    ).toStrictEqual({
      ignored: 'deployment someId is a rollback by codeDeployRollback, not a change',
    });
  });

  it('records an ECS deployment with the task definition it moves from and to', async () => {
    ecs.on(DescribeServicesCommand).resolves({
      services: [
        {
          deployments: [
            {
              id: 'ecs-svc/123',
              status: 'PRIMARY',
              taskDefinition: `${TD}:8`,
              createdAt: new Date('2020-05-23T12:30:00Z'),
            },
            {
              id: 'ecs-svc/122',
              status: 'ACTIVE',
              taskDefinition: `${TD}:7`,
              createdAt: new Date('2020-05-01T00:00:00Z'),
            },
          ],
        },
      ],
    });
    const result = await recordChange(
      clients,
      local.store,
      catalog,
      event('awsdocs-ecs_deployment-state-change_in-progress'),
    );
    expect(result).toMatchObject({
      recorded: 'stored',
      change: { deployedAt: Date.parse('2020-05-23T12:30:00Z'), fromVersion: `${TD}:7`, toVersion: `${TD}:8` },
    });
    expect(ecs.commandCalls(DescribeServicesCommand)[0]?.args[0].input).toStrictEqual({
      cluster: 'default',
      services: ['servicetest'],
    });
  });

  it.each([
    [
      'throttled',
      () =>
        ecs
          .on(DescribeServicesCommand)
          .rejects(Object.assign(new Error('Rate exceeded'), { name: 'ThrottlingException' })),
      "throttled (ThrottlingException), still after the SDK's retries",
    ],
    [
      'not found',
      () =>
        ecs
          .on(DescribeServicesCommand)
          .rejects(Object.assign(new Error('Cluster not found.'), { name: 'ClusterNotFoundException' })),
      'not found (ClusterNotFoundException): Cluster not found.',
    ],
    [
      'gone',
      () => ecs.on(DescribeServicesCommand).resolves({ services: [{ deployments: [] }] }),
      'Error: servicetest has no deployment ecs-svc/123 any more',
    ],
  ])('records an ECS change without versions when the look-up fails (%s)', async (_name, fail, why) => {
    fail();
    const result = await recordChange(
      clients,
      local.store,
      catalog,
      event('awsdocs-ecs_deployment-state-change_failed'),
    );
    expect(result).toMatchObject({
      change: { id: 'ecs:default/servicetest:ecs-svc/123', deployedAt: Date.parse('2020-05-23T12:31:14Z') },
      warnings: [`change ecs:default/servicetest:ecs-svc/123: its versions could not be looked up (${why})`],
    });
    expect(result).not.toHaveProperty('change.toVersion');
  });

  it.each([
    ['throttled', 'ThrottlingException', "throttled (ThrottlingException), still after the SDK's retries"],
    ['not found', 'DeploymentDoesNotExistException', 'DeploymentDoesNotExistException: gone'],
  ])('records a CodeDeploy change without what it replaced when the look-up fails (%s)', async (_name, error, why) => {
    codedeploy.on(GetDeploymentCommand).rejects(Object.assign(new Error('gone'), { name: error }));
    const result = await recordChange(
      clients,
      local.store,
      catalog,
      event('aws-devops-monitoring-dashboard_codedeploy-deployment-failure'),
    );
    expect(result).toMatchObject({
      change: { id: 'codedeploy:someId', toVersion: 'someId' },
      warnings: [`change codedeploy:someId: its versions could not be looked up (${why})`],
    });
  });

  it('records events that need no look-up as they are, and ignores the rest without touching AWS', async () => {
    expect(
      await recordChange(clients, local.store, catalog, event('awsdocs-appconfig_on-deployment-complete')),
    ).toMatchObject({ recorded: 'stored' });
    expect(await recordChange(clients, local.store, catalog, 'not an event')).toStrictEqual({
      ignored: 'bad event: event: expected an object',
    });
    expect(codedeploy.calls()).toHaveLength(0);
    expect(ecs.calls()).toHaveLength(0);
  });
});
