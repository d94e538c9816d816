// The synthesize handler as the refresh state machine calls it: the store on dynalite, Step Functions on
// aws-sdk-client-mock. A plan that cannot be published fails the invocation (so the refresh fails and its
// alarm tells people), after every other plan was published.
import { answerAsNewAccount } from '../sfn-mock';
import { lambdaEnv } from '../lambda-env';
import { PutItemCommand } from '@aws-sdk/client-dynamodb';
import { CreateStateMachineCommand, SFNClient } from '@aws-sdk/client-sfn';
import { marshall } from '@aws-sdk/util-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import { SYNTHESIZE_ENV } from '../../bench/bundles';
import { catalogItem } from '../../lib/aws/config';
import { DynamoStore } from '../../lib/aws/store';
import { REFRESH_ERRORS } from '../../lib/aws/synthesis';
import { parseCatalog } from '../../lib/core/catalog';
import { parseChanges } from '../../lib/core/changes';
import { parseServiceGraphs } from '../../lib/core/xray';
import { openWorkerDynamo, type LocalDynamo } from '../local-dynamo';
import { fixture, T0 } from '../helpers';

const sfn = mockClient(SFNClient);
let dynamo: LocalDynamo;
const dir = 'examples/online-boutique';
const catalog = parseCatalog(fixture(`${dir}/catalog.json`), 'catalog.json');

beforeAll(async () => {
  dynamo = await openWorkerDynamo();
  Object.assign(process.env, {
    ...lambdaEnv(dynamo),
    ...SYNTHESIZE_ENV,
  });
  // One catalogued service the graph does not have: its plan cannot be built.
  const ghost = { ...catalog.services['cartservice']!, alarms: ['ghost-5xx'] };
  const withGhost = { ...catalog, services: { ...catalog.services, ghost } };
  await dynamo.client.send(new PutItemCommand({ TableName: dynamo.table, Item: marshall(catalogItem(withGhost)) }));
  const graph = parseServiceGraphs([{ source: 'graph', json: fixture(`${dir}/graph.json`) }]).topology;
  await new DynamoStore(dynamo.client, dynamo.table).putSnapshot({
    application: catalog.application,
    takenAt: T0,
    window: { start: T0 - 86_400_000, end: T0 },
    graphWindow: { start: T0 - 3_600_000, end: T0 },
    baselineWindow: { start: T0 - 90_000_000, end: T0 - 86_400_000 },
    graph,
    alarms: [],
    changes: parseChanges(fixture(`${dir}/changes.json`), 'changes.json'),
    versions: {},
    failed: [],
    warnings: [],
  });
  answerAsNewAccount(sfn);
});

afterAll(async () => {
  await dynamo.close();
  delete process.env['AWS_ENDPOINT_URL_DYNAMODB'];
});

describe('the synthesize function', () => {
  it('fails the refresh when a plan cannot be published, after publishing the others', async () => {
    // The example's deployments are a few hours before T0: the refresh runs just after it.
    jest.spyOn(Date, 'now').mockReturnValue(T0 + 60_000);
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const { handler } = require('../../lambdas/synthesize') as { handler: (event: unknown) => Promise<unknown> };
    await expect(
      handler({ execution: 'arn:aws:states:eu-west-1:123456789012:execution:refresh:1' }),
    ).rejects.toMatchObject({
      name: REFRESH_ERRORS.plansFailed,
      message: expect.stringMatching(/^1 plan\(s\) not published: ghost \(/) as unknown,
    });
    const created = sfn.commandCalls(CreateStateMachineCommand).map((c) => c.args[0].input.name);
    expect(created).toContain('backstep-plan-frontend');
    expect(created).not.toContain('backstep-plan-ghost');
    // The lock was released: the next refresh runs (and fails the same way, not as busy).
    await expect(
      handler({ execution: 'arn:aws:states:eu-west-1:123456789012:execution:refresh:2' }),
    ).rejects.toMatchObject({
      name: REFRESH_ERRORS.plansFailed,
    });
  });
});
