// The table every stateful function uses: one traced client, the store over it, and the catalog the
// stack wrote into it (it changes only with a deployment, so it is read at most once a minute).
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { readCatalog } from '../lib/aws/config';
import { DynamoStore } from '../lib/aws/store';
import { cached, env, traced } from './runtime';

export const dynamo = traced(new DynamoDBClient({}));
export const table = env('table');
export const store = new DynamoStore(dynamo, table);
export const catalog = cached(60_000, () => readCatalog(dynamo, table));
