// The data that flows through the planner: Topology -> (changes, catalog, alarm) -> Suspect[] -> Plan.
// Everything here is plain data so that the CLI, the Lambdas and CDK synth share one contract.

/** Request counters of a node or an edge, summed over every graph that was merged. */
export interface Stats {
  requests: number;
  ok: number;
  errors: number; // 4xx
  faults: number; // 5xx
  throttles: number; // 429, part of errors
  totalResponseTime: number; // seconds, summed over requests
}

/**
 * What a node is for planning: only `service` nodes can become rollback steps; clients, AWS resources
 * (tables, queues, topics) and remote endpoints stay in the graph for reachability and health.
 */
export type NodeKind = 'service' | 'client' | 'resource' | 'remote';

export interface TopologyNode {
  /** Dense index into `Topology.nodes`. */
  readonly index: number;
  /** X-Ray `Name`: what operators, changes and the catalog call the service. */
  readonly name: string;
  readonly names: readonly string[];
  /** X-Ray `Type` after merging (`AWS::Lambda::Function` and `AWS::Lambda` become `AWS::Lambda`). */
  readonly type: string;
  readonly kind: NodeKind;
  readonly accountId?: string;
  readonly stats: Stats;
}

export interface TopologyEdge {
  readonly from: number;
  readonly to: number;
  readonly stats: Stats;
}

/** A directed call graph: an edge u -> v means u calls v (u depends on v). */
export interface Topology {
  readonly nodes: readonly TopologyNode[];
  readonly edges: readonly TopologyEdge[];
  /** Edge indices leaving / entering each node. */
  readonly out: readonly (readonly number[])[];
  readonly in: readonly (readonly number[])[];
  /** Seconds since the epoch, from the X-Ray response envelopes (or their services). */
  readonly startTime?: number;
  readonly endTime?: number;
}

export const CHANGE_KINDS = ['code', 'config', 'infra', 'schema'] as const;
export type ChangeKind = (typeof CHANGE_KINDS)[number];

export const CHANGE_SOURCES = ['codedeploy', 'lambda', 'ecs', 'appconfig', 'manual'] as const;
export type ChangeSource = (typeof CHANGE_SOURCES)[number];

/** One deployment, as read from the changes file or recorded from AWS events. */
export interface Change {
  readonly id: string;
  readonly service: string;
  /** Epoch milliseconds. */
  readonly deployedAt: number;
  readonly fromVersion?: string;
  readonly toVersion?: string;
  readonly kind: ChangeKind;
  readonly reversible: boolean;
  readonly source?: ChangeSource;
}

/**
 * All in-window changes of one service, rolled back as one step: back to the version before the
 * first of them.
 */
export interface ServiceChange {
  readonly service: string;
  readonly node: number;
  readonly ids: readonly string[];
  readonly firstDeployedAt: number;
  readonly lastDeployedAt: number;
  readonly fromVersion?: string;
  readonly toVersion?: string;
  readonly kinds: readonly ChangeKind[];
  readonly reversible: boolean;
}

export interface Suspect {
  readonly service: string;
  readonly score: number;
  readonly why: readonly string[];
}

/** What a rollback undid: synthesis must not take the undone changes, or the rollback itself, for suspects. */
export interface RollbackMark {
  readonly service: string;
  /** The version the service was rolled back to, when known. */
  readonly version?: string;
  /** The changes the step undid. */
  readonly changeIds: readonly string[];
  readonly at: string;
  readonly incidentId: string;
}
