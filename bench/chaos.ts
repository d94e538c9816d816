// `npm run bench:chaos`: seeds × topologies × fault kinds × injection points, each run a whole incident on
// the local engines (lib/local/chaos/run.ts) under one fault, checked against the invariants. One dynalite
// for the whole bench, a table per run. A table per fault kind; the last line sums it up.
// Options: --seeds N (default 5), --kinds a,b (default all), --verbose (each violation).
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chaosRun, type ChaosRun } from '../lib/local/chaos/run';
import { FAULT_KINDS, faultSchedule, type FaultKind } from '../lib/local/chaos/schedule';
import { openLocalDynamo, startLocalDynamo } from '../lib/local/engines/dynamo';
import { demoIncident, scenarioNames } from '../lib/local/rehearsal/demo';

const args = process.argv.slice(2);
const option = (name: string) => {
  const i = args.indexOf(name);
  return i >= 0 ? args[i + 1] : undefined;
};
const SEEDS = Array.from({ length: Number(option('--seeds') ?? 5) }, (_, i) => 9001 + i);
const KINDS = (option('--kinds')?.split(',') as FaultKind[] | undefined) ?? FAULT_KINDS;
const VERBOSE = args.includes('--verbose');

async function main(): Promise<void> {
  const started = Date.now();
  const server = await startLocalDynamo({ table: 'bench-chaos-setup' });
  const runs: ChaosRun[] = [];
  try {
    for (const name of scenarioNames()) {
      for (const seed of SEEDS) {
        const incident = demoIncident(name, seed);
        for (const fault of faultSchedule(seed, KINDS)) {
          // A restart needs a server of its own on a kept folder; every other run a table on the shared one.
          const folder = fault.kind === 'store-restart' ? mkdtempSync(join(tmpdir(), 'backstep-chaos-')) : undefined;
          const dynamo = folder
            ? await startLocalDynamo({ path: folder })
            : await openLocalDynamo(server.endpoint, `chaos-${randomUUID().slice(0, 8)}`);
          try {
            const run = await chaosRun(incident, fault, dynamo);
            runs.push(run);
            if (VERBOSE)
              for (const v of run.violations)
                console.log(`${name} seed ${seed} ${fault.kind}@${fault.point}: ${v.kind} ${v.what}`);
          } finally {
            await dynamo.close();
            if (folder) rmSync(folder, { recursive: true, force: true });
          }
        }
      }
    }
  } finally {
    await server.close();
  }
  const count = (rs: readonly ChaosRun[], kind: string) =>
    rs.reduce((n, r) => n + r.violations.filter((v) => v.kind === kind).length, 0);
  for (const kind of KINDS) {
    const mine = runs.filter((r) => r.fault.kind === kind);
    console.log(`\n${kind}`);
    console.log('  point          runs  faults  recovered  escalated  alarmed  stopped  double  lost  stuck  silent');
    const points = [...new Set(mine.map((r) => r.fault.point))];
    for (const point of points) {
      const rs = mine.filter((r) => r.fault.point === point);
      const endings = (e: string) => rs.reduce((n, r) => n + r.incidents.filter((i) => i.ending === e).length, 0);
      const cells = [
        rs.length,
        rs.reduce((n, r) => n + r.injected.length, 0),
        endings('recovered'),
        endings('escalated'),
        endings('alarmed'),
        endings('stopped'),
        count(rs, 'double_action'),
        count(rs, 'lost_entry'),
        count(rs, 'stuck_lease'),
        count(rs, 'silent_end'),
      ];
      console.log(
        `  ${point.padEnd(13)}${cells.map((c, i) => String(c).padStart([6, 8, 11, 11, 9, 9, 8, 6, 7, 8][i] ?? 6)).join('')}`,
      );
    }
  }
  const faults = runs.reduce((n, r) => n + r.injected.length, 0);
  console.log(`\n${runs.length} runs in ${((Date.now() - started) / 1000).toFixed(0)} s`);
  console.log(
    `chaos: runs=${runs.length} faults=${faults} double_actions=${count(runs, 'double_action')} lost_entries=${count(runs, 'lost_entry')} stuck_leases=${count(runs, 'stuck_lease')} silent_ends=${count(runs, 'silent_end')}`,
  );
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
