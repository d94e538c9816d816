// Invariants on random graphs with cycles and self-loops: the order rule, one SCC in one wave, the
// minimum number of waves, and the least closed rollback closure. Each is checked against a plain
// brute-force computation that shares no code with lib/core/graph or lib/core/closure.
import fc from 'fast-check';
import { rollbackClosure } from '../../lib/core/closure';
import { assignWaves, stronglyConnected } from '../../lib/core/graph';
import { planRollback } from '../../lib/core/planner';
import type { Change, ServiceChange, Topology } from '../../lib/core/types';
import { parseServiceGraphs } from '../../lib/core/xray';
import { reaches } from '../helpers';

interface RandomGraph {
  readonly n: number;
  readonly edges: readonly [number, number][];
}

const graphArb: fc.Arbitrary<RandomGraph> = fc.integer({ min: 1, max: 18 }).chain((n) =>
  fc.record({
    n: fc.constant(n),
    edges: fc.array(fc.tuple(fc.nat(n - 1), fc.nat(n - 1)), { maxLength: n * 3 }),
  }),
);

function toTopology(g: RandomGraph): Topology {
  const services = Array.from({ length: g.n }, (_, i) => ({
    ReferenceId: i,
    Name: `s${i}`,
    Type: 'AWS::ECS::Container',
    Edges: g.edges.filter(([from]) => from === i).map(([, to]) => ({ ReferenceId: to })),
  }));
  return parseServiceGraphs([{ source: 'random', json: { Services: services } }]).topology;
}

/** Reachability matrix by BFS from every node. */
function reachability(topology: Topology): boolean[][] {
  return topology.nodes.map((a) => topology.nodes.map((b) => reaches(topology, a.index, b.index)));
}

/** Longest chain of steps under "x reaches y and y does not reach x", by memoised search. */
function longestChain(steps: readonly number[], reach: boolean[][]): number {
  const memo = new Map<number, number>();
  const strictlyBefore = (x: number, y: number) => (reach[x]?.[y] ?? false) && !(reach[y]?.[x] ?? false);
  const from = (x: number): number => {
    const known = memo.get(x);
    if (known !== undefined) return known;
    let best = 1;
    for (const y of steps) if (strictlyBefore(x, y)) best = Math.max(best, 1 + from(y));
    memo.set(x, best);
    return best;
  };
  return steps.reduce((max, x) => Math.max(max, from(x)), 0);
}

const stepsArb = (n: number) => fc.uniqueArray(fc.nat(n - 1), { minLength: 1, maxLength: n });

describe('assignWaves', () => {
  it('puts every caller strictly before its callees, one SCC in one wave, in the fewest waves', () => {
    fc.assert(
      fc.property(
        graphArb.chain((g) => fc.tuple(fc.constant(g), stepsArb(g.n))),
        ([g, steps]) => {
          const topology = toTopology(g);
          const reach = reachability(topology);
          const waves = assignWaves(stronglyConnected(topology), steps);
          for (const x of steps) {
            for (const y of steps) {
              const wx = waves.get(x) as number;
              const wy = waves.get(y) as number;
              if (x === y) continue;
              if (reach[x]?.[y] && reach[y]?.[x]) expect(wx).toBe(wy);
              else if (reach[x]?.[y]) expect(wx).toBeLessThan(wy);
            }
          }
          const used = new Set(waves.values());
          expect(used.size).toBe(longestChain(steps, reach));
          expect([...used].sort((a, b) => a - b)).toStrictEqual([...Array(used.size).keys()]);
        },
      ),
      { numRuns: 300 },
    );
  });
});

interface ChangeSet {
  readonly times: ReadonlyMap<number, [number, number]>;
}

const changesArb = (n: number): fc.Arbitrary<ChangeSet> =>
  fc
    .uniqueArray(fc.tuple(fc.nat(n - 1), fc.nat(12), fc.nat(4)), { selector: ([v]) => v, maxLength: n })
    .map((list) => ({ times: new Map(list.map(([v, first, extra]) => [v, [first, first + extra]])) }));

function serviceChanges(topology: Topology, set: ChangeSet): Map<number, ServiceChange> {
  const byNode = new Map<number, ServiceChange>();
  for (const [node, [first, last]] of set.times) {
    byNode.set(node, {
      service: topology.nodes[node]?.name as string,
      node,
      ids: [`c${node}`],
      firstDeployedAt: first,
      lastDeployedAt: last,
      kinds: ['code'],
      reversible: true,
    });
  }
  return byNode;
}

/** The closure by the definition: add any changed u reaching a member s with u.last >= s.first, until stable. */
function naiveClosure(reach: boolean[][], changed: Map<number, ServiceChange>, seeds: number[]): Set<number> {
  const members = new Set(seeds.filter((s) => changed.has(s)));
  for (let grew = true; grew;) {
    grew = false;
    for (const [u, cu] of changed) {
      if (members.has(u)) continue;
      for (const s of members) {
        if (reach[u]?.[s] && cu.lastDeployedAt >= (changed.get(s) as ServiceChange).firstDeployedAt) {
          members.add(u);
          grew = true;
          break;
        }
      }
    }
  }
  return members;
}

describe('rollbackClosure', () => {
  it('is the least set that contains the seeds and is closed under the rule', () => {
    fc.assert(
      fc.property(
        graphArb.chain((g) =>
          fc.tuple(fc.constant(g), changesArb(g.n), fc.uniqueArray(fc.nat(g.n - 1), { maxLength: 4 })),
        ),
        ([g, set, seeds]) => {
          const topology = toTopology(g);
          const reach = reachability(topology);
          const changed = serviceChanges(topology, set);
          const closure = rollbackClosure(topology, changed, seeds);
          expect(new Set(closure.keys())).toStrictEqual(naiveClosure(reach, changed, seeds));
          for (const member of closure.values()) {
            if (member.because === undefined) expect(seeds).toContain(member.node);
            else expect(reach[member.node]?.[member.because]).toBe(true);
          }
        },
      ),
      { numRuns: 300 },
    );
  });
});

describe('planRollback on random graphs', () => {
  it('keeps the order rule inside every stage and the union of stages closed', () => {
    fc.assert(
      fc.property(
        graphArb.chain((g) => fc.tuple(fc.constant(g), changesArb(g.n), fc.nat(g.n - 1))),
        ([g, set, alarmed]) => {
          const topology = toTopology(g);
          const reach = reachability(topology);
          const at = 1_000_000;
          const changes: Change[] = [...set.times].flatMap(([node, [first, last]]) => [
            { id: `a${node}`, service: `s${node}`, deployedAt: at - 200 + first, kind: 'code', reversible: true },
            { id: `b${node}`, service: `s${node}`, deployedAt: at - 200 + last, kind: 'code', reversible: true },
          ]);
          const plan = planRollback({ topology, changes, alarmed: [`s${alarmed}`], at, windowMs: 1000 });
          const index = (name: string) => Number(name.slice(1));
          const seen = new Set<number>();
          for (const stage of plan.stages) {
            expect(stage.waves.length).toBeGreaterThan(0);
            const waveOf = new Map<number, number>();
            stage.waves.forEach((wave, w) => wave.steps.forEach((step) => waveOf.set(index(step.service), w)));
            for (const [x, wx] of waveOf) {
              expect(seen.has(x)).toBe(false);
              for (const [y, wy] of waveOf) {
                if (x !== y && reach[x]?.[y] && !reach[y]?.[x]) expect(wx).toBeLessThan(wy);
              }
            }
            expect(stage.waves.length).toBe(longestChain([...waveOf.keys()], reach));
            for (const x of waveOf.keys()) seen.add(x);
            // Everything rolled back so far is closed: no changed caller that depends on it is left.
            const changed = serviceChanges(topology, set);
            expect(naiveClosure(reach, changed, [...seen])).toStrictEqual(seen);
          }
          const order = plan.stages.map((s) => ['targeted', 'expanded', 'full'].indexOf(s.name));
          expect(order).toStrictEqual([...order].sort((a, b) => a - b));
          if (plan.stages.some((s) => s.name === 'full')) {
            expect(plan.stages.find((s) => s.name === 'full')?.approval).toBe(true);
          }
        },
      ),
      { numRuns: 200 },
    );
  });
});
