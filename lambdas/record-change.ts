// EventBridge target: records one deployment event as a change (or says why it ignored it).
import { CodeDeployClient } from '@aws-sdk/client-codedeploy';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { ECSClient } from '@aws-sdk/client-ecs';
import { recordChange } from '../lib/aws/change-events';
import { DynamoStore } from '../lib/aws/store';
import { parseCatalog } from '../lib/core/catalog';
import { env, logger, traced } from './runtime';

const store = new DynamoStore(traced(new DynamoDBClient({})), env('TABLE_NAME'));
const catalog = parseCatalog(JSON.parse(env('CATALOG')) as unknown, 'CATALOG');
const clients = { codedeploy: traced(new CodeDeployClient({})), ecs: traced(new ECSClient({})) };

export const handler = async (event: unknown) => {
  const result = await recordChange(clients, store, catalog, event);
  if ('ignored' in result) logger.info('ignored', { reason: result.ignored });
  else logger.info('change', { id: result.change.id, recorded: result.recorded, warnings: result.warnings });
  return result;
};
