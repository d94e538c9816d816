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
  // Callee lists as one flat array (CSR): the hot loops below touch only typed arrays.
  const offset = new Int32Array(n + 1);
  for (let v = 0; v < n; v++) offset[v + 1] = (offset[v] as number) + (topology.out[v] as readonly number[]).length;
  const target = new Int32Array(offset[n] as number);
  for (let v = 0, k = 0; v < n; v++) {
    for (const e of topology.out[v] as readonly number[]) target[k++] = (topology.edges[e] as { to: number }).to;
  }

  const index = new Int32Array(n).fill(-1);
  const low = new Int32Array(n);
  const onStack = new Uint8Array(n);
  const stack = new Int32Array(n);
  let stackTop = 0;
  const callNode = new Int32Array(n);
  const callPos = new Int32Array(n);
  const tarjanOf = new Int32Array(n);
  let nextIndex = 0;
  let count = 0;
  for (let root = 0; root < n; root++) {
    if (index[root] !== -1) continue;
    let depth = 0;
    callNode[0] = root;
    callPos[0] = offset[root] as number;
    index[root] = low[root] = nextIndex++;
    stack[stackTop++] = root;
    onStack[root] = 1;
    while (depth >= 0) {
      const v = callNode[depth] as number;
      let pos = callPos[depth] as number;
      const end = offset[v + 1] as number;
      let descended = false;
      while (pos < end) {
        const w = target[pos++] as number;
        if (index[w] === -1) {
          callPos[depth] = pos;
          depth++;
          callNode[depth] = w;
          callPos[depth] = offset[w] as number;
          index[w] = low[w] = nextIndex++;
          stack[stackTop++] = w;
          onStack[w] = 1;
          descended = true;
          break;
        } else if (onStack[w] && (index[w] as number) < (low[v] as number)) {
          low[v] = index[w] as number;
        }
      }
      if (descended) continue;
      if (low[v] === index[v]) {
        let w: number;
        do {
          w = stack[--stackTop] as number;
          onStack[w] = 0;
          tarjanOf[w] = count;
        } while (w !== v);
        count++;
      }
      depth--;
      if (depth >= 0) {
        const parent = callNode[depth] as number;
        if ((low[v] as number) < (low[parent] as number)) low[parent] = low[v] as number;
      }
    }
  }
  // Tarjan emits sinks first; flip so that component ids follow the call direction.
  const of = new Int32Array(n);
  for (let v = 0; v < n; v++) of[v] = count - 1 - (tarjanOf[v] as number);
  // Members grouped by component (a counting sort), so duplicate edges are caught with one marker array.
  const start = new Int32Array(count + 1);
  for (let v = 0; v < n; v++) start[(of[v] as number) + 1] = (start[(of[v] as number) + 1] as number) + 1;
  for (let c = 0; c < count; c++) start[c + 1] = (start[c + 1] as number) + (start[c] as number);
  const fill = start.slice(0, count);
  const members = new Int32Array(n);
  for (let v = 0; v < n; v++) {
    const c = of[v] as number;
    members[fill[c] as number] = v;
    fill[c] = (fill[c] as number) + 1;
  }
  const succ: number[][] = new Array<number[]>(count);
  const lastSeen = new Int32Array(count).fill(-1);
  for (let c = 0; c < count; c++) {
    const list: number[] = [];
    for (let m = start[c] as number; m < (start[c + 1] as number); m++) {
      const v = members[m] as number;
      for (let k = offset[v] as number; k < (offset[v + 1] as number); k++) {
        const d = of[target[k] as number] as number;
        if (d !== c && lastSeen[d] !== c) {
          lastSeen[d] = c;
          list.push(d);
        }
      }
    }
    succ[c] = list;
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
