// The table every stateful function uses: one traced client and the store over it. The catalog the stack
// wrote into it is in ./catalog.ts, for the functions that read it (the others never bundle its schema).
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoStore } from '../lib/aws/store';
import { env, traced } from './runtime';

export const dynamo = traced(new DynamoDBClient({}));
export const table = env('table');
export const store = new DynamoStore(dynamo, table);
