// A chaos drill of one demo incident: every fault kind at every injection point, drawn from a seed, each
// a whole run on the local engines; what was injected, how each incident ended and whether every
// invariant held. `backstep demo --chaos SEED` prints it.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openLocalDynamo, startLocalDynamo, type LocalDynamo } from '../engines/dynamo';
import type { RehearsalIncident } from '../rehearsal/demo';
import { chaosRun, type ChaosRun } from './run';
import { faultSchedule } from './schedule';

export async function chaosDrill(
  incident: RehearsalIncident,
  seed: number,
  onRun: (run: ChaosRun) => void = () => undefined,
): Promise<ChaosRun[]> {
  const server = await startLocalDynamo({ table: 'chaos-drill' });
  const runs: ChaosRun[] = [];
  try {
    for (const [i, fault] of faultSchedule(seed).entries()) {
      // A restart needs a server of its own on a kept folder; every other run a table on the shared one.
      const folder = fault.kind === 'store-restart' ? mkdtempSync(join(tmpdir(), 'backstep-chaos-')) : undefined;
      const dynamo: LocalDynamo = folder
        ? await startLocalDynamo({ path: folder })
        : await openLocalDynamo(server.endpoint, `drill-${i}`);
      try {
        const run = await chaosRun(incident, fault, dynamo);
        runs.push(run);
        onRun(run);
      } finally {
        await dynamo.close();
        if (folder) rmSync(folder, { recursive: true, force: true });
      }
    }
  } finally {
    await server.close();
  }
  return runs;
}

/** One line per run: the fault, what was injected, how the incidents ended, the invariants. */
export function describeRun(run: ChaosRun): string {
  const { fault } = run;
  const injected =
    run.injected.length === 0
      ? 'nothing injected'
      : `${run.injected.length} × ${[...new Set(run.injected.map((i) => i.error))].join(', ')}`;
  const endings = run.incidents.map((i) => i.ending).join(', ') || 'no incident';
  const held =
    run.violations.length === 0 ? 'invariants held' : run.violations.map((v) => `${v.kind}: ${v.what}`).join('; ');
  return `${`${fault.kind}@${fault.point}`.padEnd(30)} ${injected} → ${endings}; ${held}`;
}
