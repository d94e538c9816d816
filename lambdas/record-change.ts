// EventBridge target: records one deployment event as a change (or says why it ignored it).
import { CodeDeployClient } from '@aws-sdk/client-codedeploy';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { ECSClient } from '@aws-sdk/client-ecs';
import { recordChange } from '../lib/aws/change-events';
import { DynamoStore } from '../lib/aws/store';
import { readCatalog } from '../lib/aws/config';
import { cached, env, logger, traced } from './runtime';

const dynamo = traced(new DynamoDBClient({}));
const table = env('TABLE_NAME');
const store = new DynamoStore(dynamo, table);
const catalog = cached(60_000, () => readCatalog(dynamo, table));
const clients = { codedeploy: traced(new CodeDeployClient({})), ecs: traced(new ECSClient({})) };

export const handler = async (event: unknown) => {
  const result = await recordChange(clients, store, await catalog(), event);
  if ('ignored' in result) logger.info('ignored', { reason: result.ignored });
  else logger.info('change', { id: result.change.id, recorded: result.recorded, warnings: result.warnings });
  return result;
};
