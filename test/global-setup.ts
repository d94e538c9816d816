// jest globalSetup, once per run: one dynalite server per jest worker, and one temporary folder for the
// whole run. Each test file opens tables of its own on its worker's server (test/local-dynamo.ts);
// workers learn the endpoints and the folder from the environment, which they inherit from this process.
import type { Config } from 'jest';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startLocalDynamo, type LocalDynamo } from '../lib/local/engines/dynamo';

/** Followed by the worker's number (JEST_WORKER_ID): that worker's server endpoint. */
export const WORKER_DYNAMO_ENV = 'BACKSTEP_TEST_DYNAMO_';

/** What test/global-teardown.ts undoes: jest runs both in this process. */
declare global {
  var backstepTestRun: { dynamos: LocalDynamo[]; tmp: string; tmpBefore: string | undefined } | undefined;
}

export default async function setup(config: { maxWorkers: Config['maxWorkers'] }): Promise<void> {
  // Every temporary file of the run (tests, the CLI they run, the browser) lands here and goes at the end.
  const tmp = mkdtempSync(join(tmpdir(), 'backstep-test-'));
  globalThis.backstepTestRun = { dynamos: [], tmp, tmpBefore: process.env['TMPDIR'] };
  process.env['TMPDIR'] = tmp;
  // Jest numbers its workers 1..maxWorkers (JEST_WORKER_ID); a run in band is worker 1.
  const workers = Math.max(1, Number(config.maxWorkers) || 1);
  const dynamos = await Promise.all(Array.from({ length: workers }, () => startLocalDynamo()));
  globalThis.backstepTestRun.dynamos = dynamos;
  dynamos.forEach((dynamo, i) => (process.env[`${WORKER_DYNAMO_ENV}${i + 1}`] = dynamo.endpoint));
}
