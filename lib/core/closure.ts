// Rollback closure (docs/cli.md): rolling back s restores its old behaviour, so any changed service u
// that reaches s and was changed after s's change may depend on the new behaviour: u joins, and goes first.
// "After" includes the same instant: one pipeline often deploys a caller and its callee together.
import type { ServiceChange, Topology } from './types';

export interface ClosureMember {
  readonly node: number;
  /** The member whose rollback pulled this one in; undefined for a seed. */
  readonly because?: number;
}

/**
 * The least set containing `seeds` and closed under the rule. A reverse search from each member s with
 * threshold t = s's first in-window change adds every changed caller u (direct or transitive) whose last
 * change is at or after t. A node already searched with a threshold <= t is skipped: that search found a superset.
 * Members are searched smallest threshold first, so nearly every node is searched once.
 */
export function rollbackClosure(
  topology: Topology,
  changed: ReadonlyMap<number, ServiceChange>,
  seeds: readonly number[],
): Map<number, ClosureMember> {
  const members = new Map<number, ClosureMember>();
  const searched = new Float64Array(topology.nodes.length).fill(Infinity);
  const heap = new MinHeap();
  for (const s of seeds) {
    const change = changed.get(s);
    if (!change || members.has(s)) continue;
    members.set(s, { node: s });
    heap.push(change.firstDeployedAt, s);
  }
  const stack: number[] = [];
  while (heap.size > 0) {
    const [threshold, s] = heap.pop();
    if ((searched[s] as number) <= threshold) continue;
    searched[s] = threshold;
    stack.push(s);
    while (stack.length > 0) {
      const v = stack.pop() as number;
      for (const e of topology.in[v] as readonly number[]) {
        const u = (topology.edges[e] as { from: number }).from;
        if ((searched[u] as number) <= threshold) continue;
        searched[u] = threshold;
        stack.push(u);
        const change = changed.get(u);
        if (change && change.lastDeployedAt >= threshold && !members.has(u)) {
          members.set(u, { node: u, because: s });
          heap.push(change.firstDeployedAt, u);
        }
      }
    }
  }
  return members;
}

/** A binary min-heap of (key, value) pairs. */
class MinHeap {
  private readonly keys: number[] = [];
  private readonly values: number[] = [];

  get size(): number {
    return this.keys.length;
  }

  push(key: number, value: number): void {
    let i = this.keys.length;
    this.keys.push(key);
    this.values.push(value);
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if ((this.keys[parent] as number) <= key) break;
      this.keys[i] = this.keys[parent] as number;
      this.values[i] = this.values[parent] as number;
      i = parent;
    }
    this.keys[i] = key;
    this.values[i] = value;
  }

  pop(): [number, number] {
    const top: [number, number] = [this.keys[0] as number, this.values[0] as number];
    const lastKey = this.keys.pop() as number;
    const lastValue = this.values.pop() as number;
    const n = this.keys.length;
    if (n > 0) {
      let i = 0;
      for (;;) {
        const l = 2 * i + 1;
        if (l >= n) break;
        const r = l + 1;
        const c = r < n && (this.keys[r] as number) < (this.keys[l] as number) ? r : l;
        if ((this.keys[c] as number) >= lastKey) break;
        this.keys[i] = this.keys[c] as number;
        this.values[i] = this.values[c] as number;
        i = c;
      }
      this.keys[i] = lastKey;
      this.values[i] = lastValue;
    }
    return top;
  }
}
