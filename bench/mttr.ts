// `npm run bench:mttr`: simulated incidents on the four real topologies, each rehearsed end to end
// (published plan, alarm event, orchestrator, plan run on the local interpreter, store on dynalite),
// and the same incidents handled by the two baselines. Time to recovery is in simulated minutes from
// the alarm to the gate (or check) that saw the incident alarm OK; an incident that never recovered
// counts as never, so a median or 90th percentile past the share recovered is "not reached".
// Seeds 7001-7030 were never used to tune the model. One store per topology: the model learns from
// each incident of its system, as it does in production.
import { demoIncident, scenarioNames } from '../lib/local/rehearsal/demo';
import { startLocalDynamo } from '../lib/local/engines/dynamo';
import { rehearse } from '../lib/local/rehearsal/rehearse';

const SEEDS = Array.from({ length: 30 }, (_, i) => 7001 + i);

interface Result {
  readonly recovered: boolean;
  readonly minutes: number;
}

async function main(): Promise<void> {
  const started = Date.now();
  const results: Record<string, Result[]> = { Backstep: [], 'One at a time': [], 'Alarmed service only': [] };
  const culprits: boolean[] = [];
  for (const name of scenarioNames()) {
    const dynamo = await startLocalDynamo();
    try {
      for (const seed of SEEDS) {
        const incident = demoIncident(name, seed);
        // Only the incident's plan is published (the others change nothing here) and the compiled
        // definitions are not re-validated (the compiler's tests do): 0.5 s an incident instead of 2.
        const { report } = await rehearse(incident, { approve: 'auto', dynamo, publish: 'incident', validate: false });
        const recovered = report.outcome.status === 'RECOVERED';
        results['Backstep']?.push({ recovered, minutes: recovered ? report.outcome.minutes : Infinity });
        for (const b of report.baselines) {
          results[b.name]?.push({ recovered: b.recovered, minutes: b.recovered ? (b.minutes ?? Infinity) : Infinity });
        }
        culprits.push(report.plan.suspects[0]?.service === incident.culprit?.service);
      }
    } finally {
      await dynamo.close();
    }
  }

  const n = culprits.length;
  console.log(
    `${n} incidents on ${scenarioNames().length} topologies (seeds ${SEEDS[0]}-${SEEDS[SEEDS.length - 1]}), ${((Date.now() - started) / 1000).toFixed(0)} s`,
  );
  console.log(`Backstep's top suspect was the culprit in ${pct(culprits.filter(Boolean).length / n)} of them.\n`);
  console.log('| strategy | recovered | median TTR (sim. min) | p90 TTR (sim. min) |');
  console.log('| --- | ---: | ---: | ---: |');
  const stats = Object.entries(results).map(([name, list]) => {
    const share = list.filter((r) => r.recovered).length / list.length;
    const sorted = list.map((r) => r.minutes).sort((a, b) => a - b);
    const median = quantile(sorted, 0.5);
    const p90 = quantile(sorted, 0.9);
    console.log(`| ${name} | ${pct(share)} | ${minutes(median)} | ${minutes(p90)} |`);
    return { name, share, median };
  });
  const backstep = stats[0];
  const oneAtATime = stats[1];
  if (!backstep || !oneAtATime) return;
  console.log('');
  console.log(
    `${backstep.share >= 0.95 ? 'MET' : 'NOT MET'}: Backstep recovers >= 95% of incidents (${pct(backstep.share)})`,
  );
  const ratio = backstep.median / oneAtATime.median;
  console.log(
    `${ratio <= 0.5 ? 'MET' : 'NOT MET'}: Backstep's median time to recovery is at most half of one-at-a-time's (${minutes(backstep.median)} vs ${minutes(oneAtATime.median)} min, ratio ${Number.isFinite(ratio) ? ratio.toFixed(2) : 'n/a'})`,
  );
}

/** Nearest-rank quantile of sorted values (Infinity for incidents never recovered). */
function quantile(sorted: readonly number[], q: number): number {
  return sorted[Math.max(0, Math.ceil(q * sorted.length) - 1)] ?? Infinity;
}

function minutes(x: number): string {
  return Number.isFinite(x) ? x.toFixed(1) : 'not reached';
}

function pct(x: number): string {
  return `${(x * 100).toFixed(0)}%`;
}

main().catch((err: unknown) => {
  console.error(err);
  process.exitCode = 1;
});
