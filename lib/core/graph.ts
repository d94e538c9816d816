// Graph algorithms on a Topology, each O(V + E): strongly connected components, the condensation,
// distances, and the minimum wave assignment for "callers strictly before callees".
import type { Topology } from './types';

export interface Components {
  /** Component id of every node. Ids are in topological order: callers' components come first. */
  readonly of: Int32Array;
  readonly count: number;
  /** Distinct component -> component edges, self-loops removed. */
  readonly succ: readonly (readonly number[])[];
}

/** Tarjan's algorithm, iterative so that a 20,000-node chain cannot overflow the stack. */
export function stronglyConnected(topology: Topology): Components {
  const n = topology.nodes.length;
  const index = new Int32Array(n).fill(-1);
  const low = new Int32Array(n);
  const onStack = new Uint8Array(n);
  const stack: number[] = [];
  const tarjanOf = new Int32Array(n);
  let nextIndex = 0;
  let count = 0;
  const callStack: number[] = []; // pairs: node, position in its out-edge list
  for (let root = 0; root < n; root++) {
    if (index[root] !== -1) continue;
    callStack.push(root, 0);
    while (callStack.length > 0) {
      const top = callStack.length - 2;
      const v = callStack[top] as number;
      let pos = callStack[top + 1] as number;
      if (pos === 0 && index[v] === -1) {
        index[v] = low[v] = nextIndex++;
        stack.push(v);
        onStack[v] = 1;
      }
      const outs = topology.out[v] as readonly number[];
      let descended = false;
      while (pos < outs.length) {
        const w = (topology.edges[outs[pos] as number] as { to: number }).to;
        pos++;
        if (index[w] === -1) {
          callStack[top + 1] = pos;
          callStack.push(w, 0);
          descended = true;
          break;
        } else if (onStack[w]) {
          low[v] = Math.min(low[v] as number, index[w] as number);
        }
      }
      if (descended) continue;
      callStack.length = top;
      if (low[v] === index[v]) {
        let w: number;
        do {
          w = stack.pop() as number;
          onStack[w] = 0;
          tarjanOf[w] = count;
        } while (w !== v);
        count++;
      }
      if (callStack.length > 0) {
        const parent = callStack[callStack.length - 2] as number;
        low[parent] = Math.min(low[parent] as number, low[v] as number);
      }
    }
  }
  // Tarjan emits sinks first; flip so that component ids follow the call direction.
  const of = new Int32Array(n);
  for (let v = 0; v < n; v++) of[v] = count - 1 - (tarjanOf[v] as number);
  const succ: number[][] = Array.from({ length: count }, () => []);
  const lastSeen = new Int32Array(count).fill(-1);
  // Group edges by source component so that duplicates are caught with one marker array.
  const members: number[][] = Array.from({ length: count }, () => []);
  for (let v = 0; v < n; v++) (members[of[v] as number] as number[]).push(v);
  for (let c = 0; c < count; c++) {
    for (const v of members[c] as number[]) {
      for (const e of topology.out[v] as readonly number[]) {
        const d = of[(topology.edges[e] as { to: number }).to] as number;
        if (d !== c && lastSeen[d] !== c) {
          lastSeen[d] = c;
          (succ[c] as number[]).push(d);
        }
      }
    }
  }
  return { of, count, succ };
}

/**
 * The minimum wave assignment: wave(x) < wave(y) whenever x reaches y (through any nodes), members of
 * one component share a wave. wave(c) = the most step-holding components on any path into c, which is
 * the longest chain, so no assignment can use fewer waves. Returns a wave per step node.
 */
export function assignWaves(components: Components, stepNodes: readonly number[]): Map<number, number> {
  const hasStep = new Uint8Array(components.count);
  for (const v of stepNodes) hasStep[components.of[v] as number] = 1;
  const level = new Int32Array(components.count);
  for (let c = 0; c < components.count; c++) {
    const next = (level[c] as number) + (hasStep[c] as number);
    for (const d of components.succ[c] as readonly number[]) {
      if ((level[d] as number) < next) level[d] = next;
    }
  }
  const waves = new Map<number, number>();
  for (const v of stepNodes) waves.set(v, level[components.of[v] as number] as number);
  return waves;
}

/** Hop distance from any of `sources`, following edges forward (callees) or backward (callers). */
export function distances(
  topology: Topology,
  sources: readonly number[],
  direction: 'callees' | 'callers',
): Int32Array {
  const dist = new Int32Array(topology.nodes.length).fill(-1);
  const queue: number[] = [];
  for (const s of sources) {
    if (dist[s] === -1) {
      dist[s] = 0;
      queue.push(s);
    }
  }
  const adjacency = direction === 'callees' ? topology.out : topology.in;
  for (let head = 0; head < queue.length; head++) {
    const v = queue[head] as number;
    for (const e of adjacency[v] as readonly number[]) {
      const edge = topology.edges[e] as { from: number; to: number };
      const w = direction === 'callees' ? edge.to : edge.from;
      if (dist[w] === -1) {
        dist[w] = (dist[v] as number) + 1;
        queue.push(w);
      }
    }
  }
  return dist;
}
