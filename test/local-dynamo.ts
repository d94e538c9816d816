// One dynalite server on loopback per test file, and the store on it.
import { DynamoStore } from '../lib/aws/store';
import { readStoredModel } from '../lib/core/model';
import { startLocalDynamo, type LocalDynamo } from '../lib/local/engines/dynamo';

export interface LocalStore {
  readonly dynamo: LocalDynamo;
  readonly store: DynamoStore;
}

/** Starts the server before the file's tests and stops it after; read the fields inside tests. */
export function useLocalDynamo(): LocalStore {
  const local = {} as { dynamo: LocalDynamo; store: DynamoStore };
  beforeAll(async () => {
    local.dynamo = await startLocalDynamo();
    local.store = new DynamoStore(local.dynamo.client, local.dynamo.table, readStoredModel);
  });
  afterAll(() => local.dynamo.close());
  return local;
}
