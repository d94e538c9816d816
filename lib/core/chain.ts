// Failure chains: the alarm's failed calls followed hop by hop down the call graph. When every hop from the
// alarmed service to a callee fails about as many calls as the alarmed service's callers see, and the callee
// passes none of them on, its failures are the alarm's: evidence that a rate alone can miss, since each hop's
// share of failed calls may sit under the noise floor.
import type { Stats, Topology } from './types';

/** Fewer failed calls than this, at the alarm or on a hop, are too few to follow. */
export const MIN_CHAIN_FAULTS = 5;
/** The fault rate of a healthy service: what a hop must clear without a baseline. */
export const CHAIN_BACKGROUND = 0.001;
/**
 * Without a baseline, background failures form chains too (a leaf's stray faults travel up): only a
 * chain that carries most of the alarm's failed calls says where the alarm's failures come from.
 */
export const CHAIN_SHARE_WITHOUT_BASELINE = 0.75;

export interface Chain {
  /** The alarmed service it starts from. */
  readonly source: number;
  /** The failed calls that the alarmed service's callers see. */
  readonly total: number;
  /** The share of those that reach the service along failing calls, in [0, 1]. */
  readonly share: number;
  /** Calls from the alarmed service to it along that chain. */
  readonly hops: number;
  /** The failed calls that reach it: the fewest on any hop of the chain. */
  readonly faults: number;
}

/** Whether calls into a node fail more than they did (or than background, without a baseline). */
export type Failing = (stats: Stats, node: number) => boolean;

/**
 * For each node the alarmed services reach by failing calls: the chain that carries the most of an
 * alarm's failed calls (a widest path: the most failed calls on its weakest hop; fewest hops on a tie).
 * `callersSee(a)` is what a's callers saw; only new failures, at the alarm and on every hop, are followed.
 */
export function failureChains(
  topology: Topology,
  alarmed: readonly number[],
  callersSee: (node: number) => Stats,
  failing: Failing,
  withBaseline: boolean,
): ReadonlyMap<number, Chain> {
  const minShare = withBaseline ? 0 : CHAIN_SHARE_WITHOUT_BASELINE;
  const best = new Map<number, Chain>();
  for (const source of new Set(alarmed)) {
    const seen = callersSee(source);
    const total = seen.faults;
    if (total < MIN_CHAIN_FAULTS || !failing(seen, source)) continue;
    for (const [node, { faults, hops }] of widestPaths(topology, source, total, failing)) {
      if (node === source) continue;
      const share = Math.min(1, faults / total);
      if (share < minShare) continue;
      const known = best.get(node);
      if (!known || share > known.share || (share === known.share && hops < known.hops))
        best.set(node, { source, total, share, hops, faults });
    }
  }
  return best;
}

/**
 * How much of the chain ends at v, in [0, 1]: its share of the alarm's failed calls, less what v's
 * callees fail themselves (then the failures may go on past v, or come back to it).
 */
export function endsAt(topology: Topology, v: number, chain: Chain): number {
  return chain.share * (1 - Math.min(1, calleeFaults(topology, v) / chain.faults));
}

/**
 * The failed calls from v to its callees, all together: failures spread over several callees explain v's
 * as well as one failing callee does. A callee in a cycle with v counts here: its failures may be v's
 * own, echoed back, or the other way round, and then the chain cannot be said to end at v.
 */
function calleeFaults(topology: Topology, v: number): number {
  let total = 0;
  for (const e of topology.out[v] ?? []) {
    const edge = topology.edges[e];
    if (edge && edge.to !== v) total += edge.stats.faults;
  }
  return total;
}

/** Dijkstra's algorithm for the widest path, over edges with new failures, at least MIN_CHAIN_FAULTS of them. */
function widestPaths(
  topology: Topology,
  source: number,
  total: number,
  failing: Failing,
): Map<number, { faults: number; hops: number }> {
  const done = new Map<number, { faults: number; hops: number }>();
  const heap = new Heap();
  heap.push({ node: source, faults: total, hops: 0 });
  for (let item = heap.pop(); item; item = heap.pop()) {
    if (done.has(item.node)) continue;
    done.set(item.node, { faults: item.faults, hops: item.hops });
    for (const e of topology.out[item.node] ?? []) {
      const edge = topology.edges[e];
      if (!edge || done.has(edge.to) || edge.stats.faults < MIN_CHAIN_FAULTS || !failing(edge.stats, edge.to)) continue;
      heap.push({ node: edge.to, faults: Math.min(item.faults, edge.stats.faults), hops: item.hops + 1 });
    }
  }
  return done;
}

interface Entry {
  readonly node: number;
  readonly faults: number;
  readonly hops: number;
}

/** A binary max-heap: most failed calls first, then fewest hops. */
class Heap {
  private readonly items: Entry[] = [];

  push(entry: Entry): void {
    const items = this.items;
    let i = items.push(entry) - 1;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (!before(items[i] as Entry, items[parent] as Entry)) break;
      [items[i], items[parent]] = [items[parent] as Entry, items[i] as Entry];
      i = parent;
    }
  }

  pop(): Entry | undefined {
    const items = this.items;
    const top = items[0];
    const last = items.pop();
    if (items.length === 0 || last === undefined) return top;
    items[0] = last;
    for (let i = 0; ;) {
      const l = 2 * i + 1;
      const r = l + 1;
      let m = i;
      if (l < items.length && before(items[l] as Entry, items[m] as Entry)) m = l;
      if (r < items.length && before(items[r] as Entry, items[m] as Entry)) m = r;
      if (m === i) break;
      [items[i], items[m]] = [items[m] as Entry, items[i] as Entry];
      i = m;
    }
    return top;
  }
}

function before(a: Entry, b: Entry): boolean {
  return a.faults > b.faults || (a.faults === b.faults && a.hops < b.hops);
}
