// `npm run eval`: Backstep's culprit model against today's practice on simulated incidents on the real
// topologies. The weights were tuned on online-boutique and sock-shop with seeds 1-150 only; the rows
// marked "unseen" use topologies or seeds never looked at while tuning.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { accuracy, evaluateTopology, type TopologyReport } from '../lib/local/sim/evaluate';
import type { TopologyFixture } from '../lib/local/sim/xray-from-topology';

const FIXTURES = join(__dirname, '..', 'examples', 'topologies');
const TUNED = ['online-boutique', 'sock-shop'];
const UNSEEN = ['deathstarbench-socialNetwork', 'opentelemetry-demo'];
const range = (from: number, count: number) => Array.from({ length: count }, (_, i) => from + i);
const TUNE_SEEDS = range(1, 150);
const TEST_SEEDS = range(5000, 150);
const HISTORY_SEEDS = range(9000, 50);
const HISTORY_SIZES = [0, 10, 50];

const load = (name: string) => JSON.parse(readFileSync(join(FIXTURES, `${name}.json`), 'utf8')) as TopologyFixture;
const only = process.argv.includes('--tune') ? 'tune' : 'all';

const reports: TopologyReport[] = [];
for (const name of TUNED)
  reports.push(evaluateTopology(load(name), 'tuning', TUNE_SEEDS, HISTORY_SEEDS, HISTORY_SIZES));
if (only === 'all') {
  for (const name of TUNED)
    reports.push(evaluateTopology(load(name), 'unseen seeds', TEST_SEEDS, HISTORY_SEEDS, HISTORY_SIZES));
  for (const name of UNSEEN)
    reports.push(evaluateTopology(load(name), 'unseen topology', TEST_SEEDS, HISTORY_SEEDS, HISTORY_SIZES));
}

const f = (x: number) => x.toFixed(2);
console.log(
  '| topology | split | n | Backstep top-1 | top-3 | alarmed own top-1 | most recent top-1 | top-3 | after 10 | after 50 |',
);
console.log('| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |');
const row = (r: TopologyReport) =>
  console.log(
    `| ${r.topology} | ${r.split} | ${r.backstep.n} | ${f(r.backstep.top1)} | ${f(r.backstep.top3)} | ${f(r.alarmedOwn.top1)} | ${f(r.mostRecent.top1)} | ${f(r.mostRecent.top3)} | ${f(r.learned[10] ?? 0)} | ${f(r.learned[50] ?? 0)} |`,
  );
reports.forEach(row);

/** Pools rows by weighting each with its scenario count. */
function pooled(label: string, rows: readonly TopologyReport[]): void {
  if (rows.length === 0) return;
  const n = rows.reduce((s, r) => s + r.backstep.n, 0);
  const mean = (get: (r: TopologyReport) => number) => rows.reduce((s, r) => s + get(r) * r.backstep.n, 0) / n;
  console.log(
    `| **${label}** | | ${n} | **${f(mean((r) => r.backstep.top1))}** | ${f(mean((r) => r.backstep.top3))} | ${f(mean((r) => r.alarmedOwn.top1))} | ${f(mean((r) => r.mostRecent.top1))} | ${f(mean((r) => r.mostRecent.top3))} | ${f(mean((r) => r.learned[10] ?? 0))} | ${f(mean((r) => r.learned[50] ?? 0))} |`,
  );
}
pooled(
  'tuning set',
  reports.filter((r) => r.split === 'tuning'),
);
pooled(
  'never tuned on',
  reports.filter((r) => r.split !== 'tuning'),
);
void accuracy;
