// Evidence over timing, on a graph shaped like a real X-Ray capture (test/fixtures/xray/ours_failure-chain*.json,
// see SOURCES.md): storefront is alarmed and calls pricing and orders. pricing had a config change 5 min
// before the alarm and fails no calls, nor do its callees; orders -> payments -> ledger each fail the same 14
// calls (1.2%, under the noise floor a rate alone must clear), and ledger, whose own callee is healthy,
// deployed code 3 h before. The failures lead hop by hop from the alarm to ledger.
import { failureChains, MIN_CHAIN_FAULTS } from '../../lib/core/chain';
import { BUILTIN_MODEL } from '../../lib/core/model';
import { planRollback } from '../../lib/core/planner';
import type { Change, Stats, Topology } from '../../lib/core/types';
import { parseServiceGraphs } from '../../lib/core/xray';
import { fixture, T0 } from '../helpers';

const MIN = 60_000;

const graph = (name: string) => parseServiceGraphs([{ source: name, json: fixture(`xray/${name}.json`) }]).topology;

const changes: Change[] = [
  { id: 'pricing-config', service: 'pricing', deployedAt: T0 - 5 * MIN, kind: 'config', reversible: true },
  { id: 'ledger-code', service: 'ledger', deployedAt: T0 - 180 * MIN, kind: 'code', reversible: true },
];

function plan(withBaseline: boolean, more: Change[] = []) {
  return planRollback({
    topology: graph('ours_failure-chain'),
    ...(withBaseline ? { baseline: graph('ours_failure-chain_baseline') } : {}),
    changes: [...changes, ...more],
    alarmed: ['storefront'],
    at: T0,
    windowMs: 24 * 60 * MIN,
  });
}

describe('the culprit model on a failure chain', () => {
  it.each([
    ['without a baseline', false],
    ['with a baseline', true],
  ])(
    'ranks the change at the end of the failing chain above a fresh config change of a healthy callee, %s',
    (_, withBaseline) => {
      const suspects = plan(withBaseline).suspects;
      expect(suspects.map((s) => s.service)).toStrictEqual(['ledger', 'pricing']);
      expect(suspects[0]?.features.chain).toBe(1);
      expect(suspects[1]?.features.chain).toBe(0);
    },
  );

  it('shows in why what each reason added, the chain against recency and change kind', () => {
    const [ledger, pricing] = plan(false).suspects;
    expect(ledger?.why).toStrictEqual([
      '+3.00 failure chain from the alarm (3 hops): 14 of the 14 failed calls into storefront fail on every hop down to ledger',
      '+0.60 storefront depends on it through 3 hops',
      '+0.50 deployed 3 h before the alarm',
    ]);
    expect(pricing?.why).toStrictEqual([
      '+1.92 deployed 5 min before the alarm',
      '-1.20 callers of pricing see no new faults (0%)',
      '+1.20 storefront calls it directly',
      '+0.30 config change',
    ]);
  });

  it('ranks the end of the chain above a changed service in the middle of it, which passes its failures on', () => {
    const middle: Change = {
      id: 'payments-code',
      service: 'payments',
      deployedAt: T0 - 20 * MIN,
      kind: 'code',
      reversible: true,
    };
    const suspects = plan(true, [middle]).suspects;
    expect(suspects[0]?.service).toBe('ledger');
    expect(suspects.find((s) => s.service === 'payments')?.features.chain).toBe(0);
  });

  it('weighs a whole failure chain above the freshest deployment of any kind', () => {
    const w = BUILTIN_MODEL.weights;
    expect(w.chain).toBeGreaterThan(w.recency + Math.max(w.config, w.infra, w.schema));
  });
});

describe('failureChains', () => {
  const stats = (requests: number, faults: number): Stats => ({
    requests,
    ok: requests - faults,
    errors: 0,
    faults,
    throttles: 0,
    totalResponseTime: 0,
  });
  /** Nodes 0..n-1; edges [from, to, faults], 1,000 requests each. */
  function topology(n: number, edges: [number, number, number][]): Topology {
    const nodes = Array.from({ length: n }, (_, i) => ({
      index: i,
      name: `s${i}`,
      names: [`s${i}`],
      type: 'AWS::ECS::Container',
      kind: 'service' as const,
      stats: stats(1000, 0),
    }));
    const list = edges.map(([from, to, faults]) => ({ from, to, stats: stats(1000, faults) }));
    const out = nodes.map((_, v) => list.flatMap((e, i) => (e.from === v ? [i] : [])));
    const into = nodes.map((_, v) => list.flatMap((e, i) => (e.to === v ? [i] : [])));
    return { nodes, edges: list, out, in: into };
  }
  const everyFailure = () => true;

  it('follows the failing calls over a longer path when the direct call does not fail', () => {
    // 0 is alarmed (its caller, node 5, sees 20 failed calls); 0 -> 3 directly does not fail, 0 -> 1 -> 2 -> 3 does.
    const t = topology(6, [
      [5, 0, 20],
      [0, 3, 0],
      [0, 1, 20],
      [1, 2, 20],
      [2, 3, 20],
    ]);
    const chains = failureChains(t, [0], (a) => stats(1000, a === 0 ? 20 : 0), everyFailure, true);
    expect(chains.get(3)).toStrictEqual({ source: 0, total: 20, share: 1, hops: 3, faults: 20 });
  });

  it('carries the weakest hop: a chain that thins out reaches the end with what is left', () => {
    const t = topology(3, [
      [0, 1, 20],
      [1, 2, 10],
    ]);
    const chains = failureChains(t, [0], () => stats(1000, 20), everyFailure, true);
    expect(chains.get(2)).toStrictEqual({ source: 0, total: 20, share: 0.5, hops: 2, faults: 10 });
    // Without a baseline only a chain that carries most of the alarm's failed calls is followed.
    expect([...failureChains(t, [0], () => stats(1000, 20), everyFailure, false).keys()]).toStrictEqual([1]);
  });

  it('follows nothing when too few calls fail, at the alarm or on a hop, or when they are not new', () => {
    const t = topology(3, [
      [0, 1, 20],
      [1, 2, MIN_CHAIN_FAULTS - 1],
    ]);
    expect(failureChains(t, [0], () => stats(1000, MIN_CHAIN_FAULTS - 1), everyFailure, true).size).toBe(0);
    expect([...failureChains(t, [0], () => stats(1000, 20), everyFailure, true).keys()]).toStrictEqual([1]);
    const nothingNew = () => false;
    expect(failureChains(t, [0], () => stats(1000, 20), nothingNew, true).size).toBe(0);
  });
});
