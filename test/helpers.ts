// Shared test helpers: fixtures come from test/fixtures (a fresh clone has nothing beside it), and X-Ray graphs built
// from the real topologies the product ships as examples (examples/topologies).
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { TOPOLOGIES_DIR } from '../lib/local/rehearsal/demo';
import { xrayFromTopology, type TopologyFixture, type TrafficOptions } from '../lib/local/sim/xray-from-topology';
import { parseCatalog } from '../lib/core/catalog';
import { parseChanges } from '../lib/core/changes';
import type { Plan } from '../lib/core/plan';
import { planRollback, type PlanInput } from '../lib/core/planner';
import type { Topology } from '../lib/core/types';
import { parseServiceGraphs } from '../lib/core/xray';

export const FIXTURES = join(__dirname, 'fixtures');
export const TOPOLOGIES = [
  'online-boutique',
  'sock-shop',
  'deathstarbench-socialNetwork',
  'opentelemetry-demo',
] as const;
export const XRAY_SAMPLES = [
  'awscli-example_get-service-graph_scorekeep_truncated',
  'awsdocs-xray-devguide_gettingdata_example',
  'grafana-x-ray-datasource_test-fixture_sqs-lambda_5svc',
] as const;

export function fixture(path: string): unknown {
  return JSON.parse(readFileSync(join(FIXTURES, path), 'utf8'));
}

export function topologyFixture(name: string): TopologyFixture {
  return JSON.parse(readFileSync(join(TOPOLOGIES_DIR, `${name}.json`), 'utf8')) as TopologyFixture;
}

export const T0 = Date.parse('2026-11-27T10:00:00Z');

/** A real topology as an X-Ray response, ending at T0. */
export function topologyAsXray(name: string, traffic: Partial<TrafficOptions> = {}): unknown {
  return xrayFromTopology(topologyFixture(name), { start: T0 / 1000 - 900, end: T0 / 1000, ...traffic });
}

export function topologyOf(name: string, traffic: Partial<TrafficOptions> = {}): Topology {
  return parseServiceGraphs([{ source: name, json: topologyAsXray(name, traffic) }]).topology;
}

export function nodeNamed(topology: Topology, name: string, kind = 'service'): number {
  const node = topology.nodes.find((n) => n.name === name && n.kind === kind);
  if (!node) throw new Error(`no ${kind} node ${name}`);
  return node.index;
}

/** True if `from` reaches `to` by one or more edges (plain BFS: independent of lib/core/graph). */
export function reaches(topology: Topology, from: number, to: number): boolean {
  const seen = new Set<number>();
  const queue = [from];
  while (queue.length > 0) {
    const v = queue.shift() as number;
    for (const e of topology.out[v] ?? []) {
      const w = topology.edges[e]?.to as number;
      if (w === to) return true;
      if (!seen.has(w)) {
        seen.add(w);
        queue.push(w);
      }
    }
  }
  return false;
}

/** The bundled Online Boutique incident, planned as `npm start` plans it. */
export function examplePlan(overrides: Partial<PlanInput> = {}): Plan {
  const dir = 'examples/online-boutique';
  const graph = parseServiceGraphs([{ source: 'graph.json', json: fixture(`${dir}/graph.json`) }]);
  const baseline = parseServiceGraphs([{ source: 'baseline.json', json: fixture(`${dir}/baseline.json`) }]);
  return planRollback({
    topology: graph.topology,
    baseline: baseline.topology,
    changes: parseChanges(fixture(`${dir}/changes.json`), 'changes.json'),
    catalog: parseCatalog(fixture(`${dir}/catalog.json`), 'catalog.json'),
    alarmed: ['frontend-5xx'],
    at: T0,
    windowMs: 24 * 3_600_000,
    ...overrides,
  });
}
