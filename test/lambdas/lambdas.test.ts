// The thin Lambda handlers end to end: the store on dynalite (through the SDK's endpoint variable),
// the AWS APIs without a local engine on aws-sdk-client-mock.
import { lambdaEnv, lambda } from '../lambda-env';
import { CloudWatchClient, DescribeAlarmsCommand } from '@aws-sdk/client-cloudwatch';
import {
  DescribeServicesCommand,
  DescribeTaskDefinitionCommand,
  ECSClient,
  UpdateServiceCommand,
} from '@aws-sdk/client-ecs';
import { PublishCommand, SNSClient } from '@aws-sdk/client-sns';
import { mockClient } from 'aws-sdk-client-mock';
import { PutItemCommand } from '@aws-sdk/client-dynamodb';
import { marshall } from '@aws-sdk/util-dynamodb';
import { SYNTHESIZE_ENV } from '../../bench/bundles';
import { catalogItem } from '../../lib/aws/config';
import { DynamoStore } from '../../lib/aws/store';
import { parseCatalog } from '../../lib/core/catalog';
import { openWorkerDynamo, type LocalDynamo } from '../local-dynamo';
import { examplePlan, fixture } from '../helpers';

const ecs = mockClient(ECSClient);
const cloudwatch = mockClient(CloudWatchClient);
const sns = mockClient(SNSClient);
let dynamo: LocalDynamo;
const plan = examplePlan();

beforeAll(async () => {
  dynamo = await openWorkerDynamo();
  Object.assign(
    process.env,
    lambdaEnv(dynamo, {
      topic: 'arn:aws:sns:eu-west-1:123456789012:backstep',
    }),
  );
  await new DynamoStore(dynamo.client, dynamo.table).putPlan(plan);
  const catalog = parseCatalog(fixture('examples/online-boutique/catalog.json'), 'catalog.json');
  await dynamo.client.send(new PutItemCommand({ TableName: dynamo.table, Item: marshall(catalogItem(catalog)) }));
});

afterAll(async () => {
  await dynamo.close();
  delete process.env['AWS_ENDPOINT_URL_DYNAMODB'];
});

describe('the act function', () => {
  it('rolls the ECS service back once, however often it is invoked', async () => {
    const handler = lambda('act');
    ecs
      .on(DescribeTaskDefinitionCommand)
      .resolves({ taskDefinition: { containerDefinitions: [{ image: 'nginx:1' }] } });
    ecs.on(DescribeServicesCommand).resolves({ services: [{ taskDefinition: 'cartservice:v2.4.0' }] });
    const event = { planId: plan.planId, incidentId: 'inc-l1', stage: 'targeted', wave: 2, service: 'cartservice' };
    expect(await handler(event)).toStrictEqual({ service: 'cartservice', status: 'ROLLED_BACK', version: 'v2.3.0' });
    expect(await handler(event)).toStrictEqual({ service: 'cartservice', status: 'ROLLED_BACK', version: 'v2.3.0' });
    expect(ecs.commandCalls(UpdateServiceCommand).map((c) => c.args[0].input)).toStrictEqual([
      { cluster: 'boutique', service: 'cartservice', taskDefinition: 'v2.3.0' },
    ]);
    const timeline = await new DynamoStore(dynamo.client, dynamo.table).events('inc-l1');
    // The step is on the record before the rollback (a function that dies after acting leaves it there).
    expect(timeline).toMatchObject([
      { key: 'step-2-cartservice-started', type: 'step-started', data: { service: 'cartservice', action: 'ecs' } },
      {
        key: 'step-2-cartservice',
        type: 'step',
        data: { service: 'cartservice', status: 'ROLLED_BACK', action: 'ecs' },
      },
    ]);
  });

  it('fails when the event is not a step reference, saying where', async () => {
    const handler = lambda('act');
    await expect(handler({ planId: plan.planId })).rejects.toThrow('bad act event: incidentId:');
  });
});

describe('the gate function', () => {
  it('reads the catalogued alarms of the plan and judges the wave', async () => {
    const handler = lambda('gate');
    cloudwatch.on(DescribeAlarmsCommand).resolves({
      MetricAlarms: [
        { AlarmName: 'frontend-5xx', StateValue: 'OK' },
        { AlarmName: 'cart-5xx', StateValue: 'OK' },
      ],
    });
    const incidentId = 'inc-g1';
    const baseline = await handler({
      planId: plan.planId,
      incidentId,
      mode: 'baseline',
      incidentAlarms: ['frontend-5xx'],
    });
    const reading = await handler({
      planId: plan.planId,
      incidentId,
      mode: 'gate',
      stage: 'targeted',
      wave: 2,
      incidentAlarms: ['frontend-5xx'],
      results: [{ service: 'cartservice', status: 'ROLLED_BACK', version: 'v2.3.0' }],
      baseline,
      previous: baseline,
    });
    expect(reading).toMatchObject({ outcome: 'RECOVERED', versions: { cartservice: 'v2.3.0' } });
    const asked = cloudwatch.commandCalls(DescribeAlarmsCommand)[0]?.args[0].input.AlarmNames;
    expect(asked).toStrictEqual(['cart-5xx', 'checkout-5xx', 'frontend-5xx', 'frontend-latency-p99']);
    const timeline = await new DynamoStore(dynamo.client, dynamo.table).events(incidentId);
    expect(timeline.map((e) => [e.key, e.type])).toStrictEqual([
      ['baseline', 'baseline'],
      ['gate-2-0', 'gate'],
    ]);
    expect(timeline[1]?.data).toMatchObject({
      stage: 'targeted',
      outcome: 'RECOVERED',
      versions: { cartservice: 'v2.3.0' },
    });
  });
});

describe('the notify function', () => {
  it('tells people what halted and what each service runs now', async () => {
    const handler = lambda('notify');
    sns.on(PublishCommand).resolves({ MessageId: 'm' });
    await handler({
      planId: plan.planId,
      reason: 'worse',
      gate: { detail: 'now in ALARM after being OK: checkout-5xx', versions: { frontend: 'v1.9.2' } },
    });
    const input = sns.commandCalls(PublishCommand)[0]?.args[0].input;
    expect(input?.Subject).toBe('Backstep escalation: worse');
    expect(input?.Message).toContain('Last reading: now in ALARM after being OK: checkout-5xx');
    expect(input?.Message).toContain('Services now: frontend=v1.9.2');
  });
});

describe('the learn function', () => {
  const ended = (name: string, status: string) => ({
    'detail-type': 'Step Functions Execution Status Change',
    source: 'aws.states',
    detail: { name, status, stopDate: Date.parse('2026-11-27T10:30:00Z') },
  });

  it('records an ended incident and refines the model', async () => {
    const handler = lambda('learn');
    const store = new DynamoStore(dynamo.client, dynamo.table);
    await store.createIncident({
      incidentId: 'inc-end',
      application: 'boutique',
      alarms: ['frontend-5xx'],
      startedAt: '2026-11-27T10:00:00.000Z',
      planId: plan.planId,
    });
    expect(await handler(ended('inc-end', 'ABORTED'))).toMatchObject({ outcome: 'refined' });
    expect((await store.events('inc-end')).map((e) => [e.type, e.data])).toStrictEqual([
      ['ended', { status: 'ABORTED' }],
    ]);
  });

  it('ignores executions that never became incidents, and rejects events that are not status changes', async () => {
    const handler = lambda('learn');
    expect(await handler(ended('duplicate-event', 'SUCCEEDED'))).toStrictEqual({ outcome: 'not-an-incident' });
    await expect(handler({ 'detail-type': 'Something else', detail: {} })).rejects.toThrow(
      'bad execution status change event: detail-type:',
    );
  });
});

describe('the synthesize function', () => {
  it('reads the catalog from the table and publishes nothing until discovery has a service graph', async () => {
    Object.assign(process.env, SYNTHESIZE_ENV);
    const handler = lambda('synthesize');
    expect(await handler({})).toStrictEqual({
      model: expect.any(String) as unknown,
      skipped: 'no discovery snapshot with a service graph yet',
      results: [],
    });
  });
});
