// The store on dynalite for a test file: its own fresh table on its jest worker's server, which
// test/global-setup.ts starts once per worker for the whole run.
import { DeleteTableCommand } from '@aws-sdk/client-dynamodb';
import { randomUUID } from 'node:crypto';
import { basename } from 'node:path';
import { DynamoStore } from '../lib/aws/store';
import { readStoredModel } from '../lib/core/model';
import { openLocalDynamo, type LocalDynamo } from '../lib/local/engines/dynamo';
import { WORKER_DYNAMO_ENV } from './global-setup';

/**
 * A new table, named after the test file, on this worker's server; `close` drops it and ends the client
 * (the server stays up for the worker's next files).
 */
export async function openWorkerDynamo(): Promise<LocalDynamo> {
  const worker = process.env['JEST_WORKER_ID'] ?? '1';
  const endpoint = process.env[`${WORKER_DYNAMO_ENV}${worker}`];
  if (!endpoint) throw new Error(`no dynalite for jest worker ${worker}: jest.config.js starts one (globalSetup)`);
  const file = basename(expect.getState().testPath ?? 'test', '.test.ts').replace(/[^A-Za-z0-9_.-]/g, '-');
  const dynamo = await openLocalDynamo(endpoint, `${file}-${randomUUID().slice(0, 8)}`);
  return {
    ...dynamo,
    close: async () => {
      await dynamo.client.send(new DeleteTableCommand({ TableName: dynamo.table }));
      await dynamo.close();
    },
  };
}

export interface LocalStore {
  readonly dynamo: LocalDynamo;
  readonly store: DynamoStore;
}

/** Opens the file's table before its tests and drops it after; read the fields inside tests. */
export function useLocalDynamo(): LocalStore {
  const local = {} as { dynamo: LocalDynamo; store: DynamoStore };
  beforeAll(async () => {
    local.dynamo = await openWorkerDynamo();
    local.store = new DynamoStore(local.dynamo.client, local.dynamo.table, readStoredModel);
  });
  afterAll(() => local.dynamo.close());
  return local;
}

export type { LocalDynamo };
