// The catalog the stack wrote into the table: it changes only with a deployment, so it is read at most once
// a minute.
import { readCatalog } from '../lib/aws/config';
import { cached } from './runtime';
import { dynamo, table } from './table';

export const catalog = cached(60_000, () => readCatalog(dynamo, table));
