// Compiler benchmark (part of `npm run bench`): compile time and definition size for plans of 10 to
// 2,000 steps, and the history events of a local run of each (the Step Functions limit is 25,000).
import { performance } from 'node:perf_hooks';
import { makeHandlers } from '../lib/core/handlers';
import { memoryIdempotency } from '../lib/local/engines/memory';
import { runLocally } from '../lib/local/engines/runner';
import { compilePlan } from '../statemachines/compile';
import { syntheticPlan } from '../test/synthetic-plan';

const SHAPES: readonly [steps: number, waves: number][] = [
  [10, 3],
  [100, 5],
  [1000, 8],
  [2000, 8],
];
const RUNS = 5;

async function main(): Promise<void> {
  const rows: string[] = [];
  for (const [steps, waves] of SHAPES) {
    const plan = syntheticPlan(waves, steps / waves);
    const times: number[] = [];
    let bytes = 0;
    for (let i = 0; i <= RUNS; i++) {
      const start = performance.now();
      const asl = compilePlan(plan);
      bytes = Buffer.byteLength(JSON.stringify(asl));
      if (i > 0) times.push(performance.now() - start);
    }
    times.sort((a, b) => a - b);
    const handlers = makeHandlers({
      plans: { load: () => Promise.resolve(plan) },
      rollback: { inspect: () => Promise.resolve({ ok: true }), rollback: () => Promise.resolve({}) },
      idempotency: memoryIdempotency(),
      now: () => Date.parse('2026-11-27T10:00:00Z'),
      // Never recovers: every wave and gate runs, the longest path.
      alarms: { alarmsOf: () => Promise.resolve([]), read: () => Promise.resolve({ incident: 'ALARM' }) },
      approvals: { request: () => Promise.resolve({ decision: 'approve' }) },
      notify: { escalate: () => Promise.resolve() },
    });
    const started = performance.now();
    const run = await runLocally(
      compilePlan(plan),
      { incident: { id: 'bench', alarms: ['incident'], at: '' } },
      handlers,
    );
    const runMs = performance.now() - started;
    const shape = steps > 50 ? 'Map' : 'Parallel';
    rows.push(
      `| ${steps.toLocaleString('en-US')} | ${waves} | ${shape} | ${(times[Math.floor(times.length / 2)] as number).toFixed(1)} | ${(bytes / 1024).toFixed(1)} | ${run.events.length.toLocaleString('en-US')} | ${Math.round(runMs)} |`,
    );
  }
  console.log('| steps | waves | wave shape | compile ms | definition KiB | local run events | local run ms |');
  console.log('| ---: | ---: | --- | ---: | ---: | ---: | ---: |');
  for (const row of rows) console.log(row);
  console.log('limits: definition 1,024 KiB, history 25,000 events (every 5th step waits for approval)');
}

void main();
