// jest globalTeardown: stops what test/global-setup.ts started and removes the run's temporary folder,
// so jest ends by itself and a run leaves nothing behind.
import { rmSync } from 'node:fs';

export default async function teardown(): Promise<void> {
  const run = globalThis.backstepTestRun;
  if (!run) return;
  globalThis.backstepTestRun = undefined;
  await Promise.all(run.dynamos.map((dynamo) => dynamo.close()));
  if (run.tmpBefore === undefined) delete process.env['TMPDIR'];
  else process.env['TMPDIR'] = run.tmpBefore;
  rmSync(run.tmp, { recursive: true, force: true });
}
