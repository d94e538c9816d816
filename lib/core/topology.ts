// Looking services up by name. Several nodes can share a name (a client node and the service it
// fronts; a DynamoDB table named like a function): changes and steps always mean the service node.
import type { Topology } from './types';

export interface ServiceIndex {
  /** True if any node has this name. */
  has(name: string): boolean;
  /** The rollbackable (kind `service`) node of that name. */
  rollbackable(name: string): number | undefined;
  /** The node an alarm on `name` watches: the service if there is one, else any node of that name. */
  watched(name: string): number | undefined;
}

export function indexServices(topology: Topology): ServiceIndex {
  const byName = new Map<string, number[]>();
  for (const node of topology.nodes) {
    const list = byName.get(node.name);
    if (list) list.push(node.index);
    else byName.set(node.name, [node.index]);
  }
  const service = (name: string): number | undefined =>
    byName.get(name)?.find((i) => topology.nodes[i]?.kind === 'service');
  return {
    has: (name) => byName.has(name),
    rollbackable: service,
    watched: (name) =>
      service(name) ?? byName.get(name)?.find((i) => topology.nodes[i]?.kind !== 'client') ?? byName.get(name)?.[0],
  };
}
