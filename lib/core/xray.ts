// X-Ray GetServiceGraph responses -> Topology. Several responses (pages, time windows, accounts) merge by
// node name + type. Real captures have traps; each is handled here and named where it is.
import { InputError } from './errors';
import { isRecord, jsonType } from './json';
import type { NodeKind, Stats, Topology, TopologyEdge, TopologyNode } from './types';

export interface GraphInput {
  /** Where the document came from, for messages (a file name). */
  readonly source: string;
  /** A GetServiceGraph response, or an array of them. */
  readonly json: unknown;
}

export interface ParsedGraph {
  readonly topology: Topology;
  readonly warnings: string[];
}

/** Compute types that can be deployed and rolled back; other `AWS::*` types are resources. */
const SERVICE_TYPES = new Set([
  'AWS::Lambda',
  'AWS::EC2::Instance',
  'AWS::ElasticBeanstalk::Environment',
  'AWS::ECS::Container',
  'AWS::ECS::Service',
  'AWS::EKS::Container',
  'AWS::ApiGateway::Stage',
  'AWS::AppRunner::Service',
  'AWS::StepFunctions::StateMachine',
]);

/**
 * X-Ray shows one Lambda function as two nodes: `AWS::Lambda` (the service invoking it) and
 * `AWS::Lambda::Function` (its code). For rollback they are one service.
 */
export function normaliseType(type: string): string {
  return type === 'AWS::Lambda::Function' ? 'AWS::Lambda' : type;
}

export function kindOfType(type: string): NodeKind {
  if (type === 'client') return 'client';
  if (type === 'remote') return 'remote';
  if (SERVICE_TYPES.has(type)) return 'service';
  if (type.startsWith('AWS::') || type.startsWith('Database::')) return 'resource';
  return 'service'; // a user's own instrumented service (custom origin or none)
}

export function emptyStats(): Stats {
  return { requests: 0, ok: 0, errors: 0, faults: 0, throttles: 0, totalResponseTime: 0 };
}

function addStats(into: Stats, more: Stats): void {
  into.requests += more.requests;
  into.ok += more.ok;
  into.errors += more.errors;
  into.faults += more.faults;
  into.throttles += more.throttles;
  into.totalResponseTime += more.totalResponseTime;
}

interface MutableNode {
  index: number;
  name: string;
  names: Set<string>;
  type: string;
  kind: NodeKind;
  accountId?: string;
  stats: Stats;
}

/** Builds one Topology from any number of responses; warnings say what was skipped and why. */
export function parseServiceGraphs(inputs: readonly GraphInput[]): ParsedGraph {
  const warnings: string[] = [];
  const nodes: MutableNode[] = [];
  const nodeByKey = new Map<string, number>();
  const edges: { from: number; to: number; stats: Stats }[] = [];
  const edgeByPair = new Map<number, number>();
  let startTime: number | undefined;
  let endTime: number | undefined;

  const nodeFor = (name: string, type: string, kind: NodeKind): MutableNode => {
    const key = `${kind === 'client' ? 'client' : type}\u0000${name}`;
    const known = nodeByKey.get(key);
    if (known !== undefined) return nodes[known] as MutableNode;
    const node: MutableNode = { index: nodes.length, name, names: new Set(), type, kind, stats: emptyStats() };
    nodeByKey.set(key, node.index);
    nodes.push(node);
    return node;
  };

  for (const input of inputs) {
    const responses = Array.isArray(input.json) ? input.json : [input.json];
    responses.forEach((response, r) => {
      const where = Array.isArray(input.json) ? `${input.source}: [${r}]` : input.source;
      if (!isRecord(response)) throw new InputError('bad service graph', where, `an object, not ${jsonType(response)}`);
      const services = response['Services'];
      if (!Array.isArray(services)) {
        throw new InputError('bad service graph', `${where}: Services`, 'an array of X-Ray services');
      }
      const start = readTime(response['StartTime'], `${where}: StartTime`);
      const end = readTime(response['EndTime'], `${where}: EndTime`);
      if (start !== undefined) startTime = startTime === undefined ? start : Math.min(startTime, start);
      if (end !== undefined) endTime = endTime === undefined ? end : Math.max(endTime, end);

      // ReferenceIds are local to one response: resolve them per response.
      const local = new Map<number, MutableNode>();
      const rawEdges: { from: MutableNode; target: number; stats: Stats; where: string }[] = [];
      services.forEach((service, s) => {
        const at = `${where}: Services[${s}]`;
        if (!isRecord(service)) throw new InputError('bad service graph', at, `an object, not ${jsonType(service)}`);
        const ref = service['ReferenceId'];
        if (typeof ref !== 'number' || !Number.isInteger(ref)) {
          throw new InputError('bad service graph', `${at}.ReferenceId`, 'an integer');
        }
        const type = normaliseType(readString(service['Type'], `${at}.Type`) ?? '');
        const kind = kindOfType(type);
        const names = readNames(service['Names'], `${at}.Names`);
        // Client nodes often come without a name: all of them are "the outside world".
        const name =
          readString(service['Name'], `${at}.Name`) ??
          names[0] ??
          (kind === 'client' ? 'client' : `${type || 'unknown'}#${ref}`);
        if (local.has(ref)) {
          warnings.push(`${at}.ReferenceId: duplicate ReferenceId ${ref}; service ignored`);
          return;
        }
        const node = nodeFor(name, type, kind);
        local.set(ref, node);
        node.names.add(name);
        for (const n of names) node.names.add(n);
        const account = service['AccountId'];
        if (typeof account === 'string' && node.accountId === undefined) node.accountId = account;
        addStats(node.stats, readStats(service['SummaryStatistics'], `${at}.SummaryStatistics`));
        startTime ??= readTime(service['StartTime'], `${at}.StartTime`);
        const serviceEnd = readTime(service['EndTime'], `${at}.EndTime`);
        if (end === undefined && serviceEnd !== undefined) endTime = Math.max(endTime ?? serviceEnd, serviceEnd);

        const edgeList = service['Edges'];
        if (edgeList === undefined || edgeList === null) return;
        if (!Array.isArray(edgeList)) throw new InputError('bad service graph', `${at}.Edges`, 'an array');
        edgeList.forEach((edge, e) => {
          const eat = `${at}.Edges[${e}]`;
          if (!isRecord(edge)) throw new InputError('bad service graph', eat, `an object, not ${jsonType(edge)}`);
          const target = edge['ReferenceId'];
          if (typeof target !== 'number' || !Number.isInteger(target)) {
            throw new InputError('bad service graph', `${eat}.ReferenceId`, 'an integer');
          }
          rawEdges.push({
            from: node,
            target,
            stats: readStats(edge['SummaryStatistics'], `${eat}.SummaryStatistics`),
            where: eat,
          });
        });
      });

      for (const raw of rawEdges) {
        const to = local.get(raw.target);
        if (to === undefined) {
          warnings.push(`${raw.where}.ReferenceId: no service has ReferenceId ${raw.target}; edge ignored`);
          continue;
        }
        const pair = raw.from.index * 0x4000000 + to.index;
        const known = edgeByPair.get(pair);
        if (known !== undefined) {
          addStats((edges[known] as TopologyEdge).stats, raw.stats);
        } else {
          edgeByPair.set(pair, edges.length);
          edges.push({ from: raw.from.index, to: to.index, stats: raw.stats });
        }
      }
    });
  }

  const out: number[][] = nodes.map(() => []);
  const inn: number[][] = nodes.map(() => []);
  edges.forEach((edge, i) => {
    (out[edge.from] as number[]).push(i);
    (inn[edge.to] as number[]).push(i);
  });
  const frozen: TopologyNode[] = nodes.map((n) => ({
    index: n.index,
    name: n.name,
    names: [...n.names],
    type: n.type,
    kind: n.kind,
    ...(n.accountId !== undefined ? { accountId: n.accountId } : {}),
    stats: n.stats,
  }));
  const topology: Topology = {
    nodes: frozen,
    edges,
    out,
    in: inn,
    ...(startTime !== undefined ? { startTime } : {}),
    ...(endTime !== undefined ? { endTime } : {}),
  };
  return { topology, warnings };
}

function readString(value: unknown, where: string): string | undefined {
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'string') throw new InputError('bad service graph', where, `a string, not ${jsonType(value)}`);
  return value;
}

function readNames(value: unknown, where: string): string[] {
  if (value === undefined || value === null) return [];
  if (!Array.isArray(value) || !value.every((v) => typeof v === 'string')) {
    throw new InputError('bad service graph', where, 'an array of strings');
  }
  return value;
}

/** X-Ray times are epoch seconds in the API; the AWS CLI v2 prints them as ISO 8601 strings. */
function readTime(value: unknown, where: string): number | undefined {
  if (value === undefined || value === null) return undefined;
  if (typeof value === 'number' && Number.isFinite(value)) return value;
  if (typeof value === 'string') {
    const ms = Date.parse(value);
    if (!Number.isNaN(ms)) return ms / 1000;
  }
  throw new InputError('bad service graph', where, 'epoch seconds or an ISO 8601 time');
}

function count(value: unknown, where: string): number {
  if (value === undefined || value === null) return 0;
  if (typeof value !== 'number' || !Number.isFinite(value) || value < 0) {
    throw new InputError('bad service graph', where, 'a non-negative number');
  }
  return value;
}

function readStats(value: unknown, where: string): Stats {
  if (value === undefined || value === null) return emptyStats();
  if (!isRecord(value)) throw new InputError('bad service graph', where, 'an object');
  const errors = value['ErrorStatistics'];
  const faults = value['FaultStatistics'];
  if (errors !== undefined && !isRecord(errors))
    throw new InputError('bad service graph', `${where}.ErrorStatistics`, 'an object');
  if (faults !== undefined && !isRecord(faults))
    throw new InputError('bad service graph', `${where}.FaultStatistics`, 'an object');
  return {
    requests: count(value['TotalCount'], `${where}.TotalCount`),
    ok: count(value['OkCount'], `${where}.OkCount`),
    errors: errors ? count(errors['TotalCount'], `${where}.ErrorStatistics.TotalCount`) : 0,
    throttles: errors ? count(errors['ThrottleCount'], `${where}.ErrorStatistics.ThrottleCount`) : 0,
    faults: faults ? count(faults['TotalCount'], `${where}.FaultStatistics.TotalCount`) : 0,
    totalResponseTime: count(value['TotalResponseTime'], `${where}.TotalResponseTime`),
  };
}

/** Rates of a Stats record; zero requests read as "no evidence", not as healthy or failing. */
export function faultRate(stats: Stats): number {
  return stats.requests > 0 ? stats.faults / stats.requests : 0;
}

export function errorRate(stats: Stats): number {
  return stats.requests > 0 ? stats.errors / stats.requests : 0;
}

export function meanResponseTime(stats: Stats): number {
  return stats.requests > 0 ? stats.totalResponseTime / stats.requests : 0;
}
