// The discovery and change-recorder functions end to end: the store on dynalite (through the SDK's
// endpoint variable), the AWS APIs without a local engine on aws-sdk-client-mock.
import { lambdaEnv, lambda } from '../lambda-env';
import { AppConfigClient, ListDeploymentsCommand as ListAppConfigDeployments } from '@aws-sdk/client-appconfig';
import { CloudWatchClient, DescribeAlarmsCommand } from '@aws-sdk/client-cloudwatch';
import {
  BatchGetDeploymentsCommand,
  CodeDeployClient,
  GetDeploymentCommand,
  GetDeploymentGroupCommand,
  ListDeploymentsCommand,
} from '@aws-sdk/client-codedeploy';
import { ECSClient } from '@aws-sdk/client-ecs';
import { LambdaClient } from '@aws-sdk/client-lambda';
import { GetServiceGraphCommand, XRayClient } from '@aws-sdk/client-xray';
import { PutItemCommand } from '@aws-sdk/client-dynamodb';
import { marshall } from '@aws-sdk/util-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import { catalogItem } from '../../lib/aws/config';
import { parseCatalog } from '../../lib/core/catalog';
import { DynamoStore } from '../../lib/aws/store';
import { openWorkerDynamo, type LocalDynamo } from '../local-dynamo';
import { fixture } from '../helpers';

const xray = mockClient(XRayClient);
const cloudwatch = mockClient(CloudWatchClient);
const codedeploy = mockClient(CodeDeployClient);
mockClient(LambdaClient);
mockClient(ECSClient);
const appconfig = mockClient(AppConfigClient);
let dynamo: LocalDynamo;
let store: DynamoStore;

const CATALOG = {
  application: 'samples',
  services: {
    web: {
      action: { type: 'codedeploy', application: 'myApplication', deploymentGroup: 'myDeploymentGroup' },
      alarms: ['web-5xx'],
    },
  },
};

beforeAll(async () => {
  dynamo = await openWorkerDynamo();
  store = new DynamoStore(dynamo.client, dynamo.table);
  Object.assign(process.env, {
    ...lambdaEnv(dynamo, {}, 'us-east-1'),
  });
  const catalog = parseCatalog(CATALOG, 'catalog');
  await dynamo.client.send(new PutItemCommand({ TableName: dynamo.table, Item: marshall(catalogItem(catalog)) }));
});

afterAll(async () => {
  await dynamo.close();
  delete process.env['AWS_ENDPOINT_URL_DYNAMODB'];
});

describe('the record-change function', () => {
  it('records a CodeDeploy deployment event once, and ignores what is not one', async () => {
    const handler = lambda('record-change');
    codedeploy
      .on(GetDeploymentCommand)
      .resolves({ deploymentInfo: { creator: 'user', createTime: new Date('2016-06-30T22:00:00Z') } })
      .on(GetDeploymentGroupCommand)
      .resolves({});
    const event = fixture('events/aws-lambda-go_codedeploy-deployment-event.json');
    expect(await handler(event)).toMatchObject({ recorded: 'stored', change: { id: 'codedeploy:d-123456789' } });
    expect(await handler(event)).toMatchObject({ recorded: 'duplicate' });
    expect(await handler({ hello: 'world' })).toStrictEqual({
      ignored: 'bad event: source, detail-type: expected an EventBridge event',
    });
    const at = Date.parse('2016-06-30T22:00:00Z');
    expect((await store.changesSince(at, at)).map((c) => c.service)).toStrictEqual(['web']);
  });
});

describe('the discover function', () => {
  it('stores a snapshot and the changes of the window, and sums up what it did', async () => {
    const now = Date.now();
    xray.on(GetServiceGraphCommand).resolves(fixture('xray/awsdocs-xray-devguide_gettingdata_example.json') as never);
    cloudwatch.on(DescribeAlarmsCommand).resolves({ MetricAlarms: [{ AlarmName: 'web-5xx', StateValue: 'OK' }] });
    codedeploy
      .on(ListDeploymentsCommand)
      .resolves({ deployments: ['d-2'] })
      .on(BatchGetDeploymentsCommand)
      .resolves({ deploymentsInfo: [{ deploymentId: 'd-2', status: 'Succeeded', createTime: new Date(now - 60_000) }] })
      .on(GetDeploymentGroupCommand)
      .resolves({
        deploymentGroupInfo: {
          lastSuccessfulDeployment: { deploymentId: 'd-1', createTime: new Date(now - 86_400_000 * 3) },
        },
      });
    appconfig.on(ListAppConfigDeployments).resolves({ Items: [] });
    const summary = await lambda('discover')({});
    expect(summary).toMatchObject({
      application: 'samples',
      snapshot: 'stored',
      nodes: 4,
      alarms: 1,
      changes: { stored: 1, duplicate: 0, completed: 0 },
      failed: [],
    });
    const snapshot = await store.latestSnapshot('samples');
    expect(snapshot?.changes).toMatchObject([{ id: 'codedeploy:d-2', fromVersion: 'd-1', toVersion: 'd-2' }]);
    expect(snapshot?.versions).toStrictEqual({ web: 'd-2' });
  });
});
