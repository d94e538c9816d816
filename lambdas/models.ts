// The store for the two functions that read and write the culprit model (learn, synthesize): it validates
// and migrates what it reads. The other functions use the plain store and never bundle the model.
import { DynamoStore } from '../lib/aws/store';
import { readStoredModel } from '../lib/core/model';
import { dynamo, table } from './table';

export const modelStore = new DynamoStore(dynamo, table, readStoredModel);
