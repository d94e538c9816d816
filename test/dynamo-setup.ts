// jest globalSetup: one dynalite server per jest worker, started once for the whole run; each test file
// opens tables of its own on its worker's server (test/local-dynamo.ts). Workers learn the endpoints
// from the environment, which they inherit from this process.
import type { Config } from 'jest';
import { startLocalDynamo, type LocalDynamo } from '../lib/local/dynamo';

/** Followed by the worker's number (JEST_WORKER_ID): that worker's server endpoint. */
export const WORKER_DYNAMO_ENV = 'BACKSTEP_TEST_DYNAMO_';

/** Read by test/dynamo-teardown.ts: jest runs both in this process. */
declare global {
  var backstepWorkerDynamos: LocalDynamo[] | undefined;
}

export default async function setup(config: { maxWorkers: Config['maxWorkers'] }): Promise<void> {
  // Jest numbers its workers 1..maxWorkers (JEST_WORKER_ID); a run in band is worker 1.
  const workers = Math.max(1, Number(config.maxWorkers) || 1);
  const servers = await Promise.all(Array.from({ length: workers }, () => startLocalDynamo()));
  globalThis.backstepWorkerDynamos = servers;
  servers.forEach((server, i) => (process.env[`${WORKER_DYNAMO_ENV}${i + 1}`] = server.endpoint));
}
