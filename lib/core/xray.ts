// X-Ray GetServiceGraph responses -> Topology. Several responses (pages, time windows, accounts) merge by
// node name + type. Real captures have traps; each is handled here and named where it is.
import { checkPlausibleTime } from './changes';
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

export function addStats(into: Stats, more: Stats): void {
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
  /** Distinct, in order of first mention: a node has a name or two, so a list beats a Set. */
  names: string[];
  type: string;
  kind: NodeKind;
  accountId?: string;
  stats: Stats;
}

export interface GraphOptions {
  /** The machine's clock, epoch ms: when given, times before 2000 or over a day ahead are bad input. */
  readonly now?: number;
}

/** Builds one Topology from any number of responses; warnings say what was skipped and why. */
export function parseServiceGraphs(inputs: readonly GraphInput[], options: GraphOptions = {}): ParsedGraph {
  const { now } = options;
  const warnings: string[] = [];
  const nodes: MutableNode[] = [];
  // Per type (every client one type), per name: no key string built for each of thousands of services.
  const nodeByKey = new Map<string, Map<string, number>>();
  const edges: { from: number; to: number; stats: Stats }[] = [];
  const out: number[][] = [];
  // Only nodes with many callees get a lookup map; for the rest a scan of their few edges is faster.
  const outByTarget = new Map<number, Map<number, number>>();
  let startTime: number | undefined;
  let endTime: number | undefined;

  const nodeFor = (name: string, type: string, kind: NodeKind): MutableNode => {
    const typeKey = kind === 'client' ? 'client' : type;
    let byName = nodeByKey.get(typeKey);
    if (byName === undefined) nodeByKey.set(typeKey, (byName = new Map<string, number>()));
    const known = byName.get(name);
    if (known !== undefined) return nodes[known] as MutableNode;
    const node: MutableNode = { index: nodes.length, name, names: [], type, kind, stats: emptyStats() };
    byName.set(name, node.index);
    nodes.push(node);
    out.push([]);
    return node;
  };

  const addEdge = (from: number, to: number, stats: Stats): void => {
    const list = out[from] as number[];
    let known: number | undefined;
    const byTarget = outByTarget.get(from);
    if (byTarget) known = byTarget.get(to);
    else {
      for (const e of list) {
        if ((edges[e] as TopologyEdge).to === to) {
          known = e;
          break;
        }
      }
    }
    if (known !== undefined) {
      addStats((edges[known] as TopologyEdge).stats, stats);
      return;
    }
    const index = edges.length;
    edges.push({ from, to, stats });
    list.push(index);
    if (byTarget) byTarget.set(to, index);
    else if (list.length > 16) {
      outByTarget.set(from, new Map(list.map((e) => [(edges[e] as TopologyEdge).to, e])));
    }
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
      const at = (s: number) => `${where}: Services[${s}]`;
      const start = readTime(response['StartTime'], `${where}: StartTime`, now);
      const end = readTime(response['EndTime'], `${where}: EndTime`, now);
      if (start !== undefined) startTime = startTime === undefined ? start : Math.min(startTime, start);
      if (end !== undefined) endTime = endTime === undefined ? end : Math.max(endTime, end);

      // ReferenceIds are local to one response: first every node, then the edges between them.
      const local = new Map<number, MutableNode>();
      const nodeOf: (MutableNode | undefined)[] = new Array<MutableNode | undefined>(services.length);
      for (let s = 0; s < services.length; s++) {
        const service: unknown = services[s];
        if (!isRecord(service)) throw new InputError('bad service graph', at(s), `an object, not ${jsonType(service)}`);
        const ref = service['ReferenceId'];
        if (typeof ref !== 'number' || !Number.isInteger(ref)) {
          throw new InputError('bad service graph', `${at(s)}.ReferenceId`, 'an integer');
        }
        if (local.has(ref)) {
          warnings.push(`${at(s)}.ReferenceId: duplicate ReferenceId ${ref}; service ignored`);
          continue;
        }
        const type = normaliseType(readString(service['Type'], at, s, 'Type') ?? '');
        const kind = kindOfType(type);
        const names = readNames(service['Names'], at, s);
        // Client nodes often come without a name: all of them are "the outside world".
        const name =
          readString(service['Name'], at, s, 'Name') ??
          names[0] ??
          (kind === 'client' ? 'client' : `${type || 'unknown'}#${ref}`);
        const node = nodeFor(name, type, kind);
        local.set(ref, node);
        nodeOf[s] = node;
        addName(node.names, name);
        for (const n of names) addName(node.names, n);
        const account = service['AccountId'];
        if (typeof account === 'string' && node.accountId === undefined) node.accountId = account;
        addStatsFrom(node.stats, service['SummaryStatistics'], at, s, -1);
        if (start === undefined) {
          const serviceStart = readTime(service['StartTime'], `${at(s)}.StartTime`, now);
          if (serviceStart !== undefined) startTime = Math.min(startTime ?? serviceStart, serviceStart);
        }
        if (end === undefined) {
          const serviceEnd = readTime(service['EndTime'], `${at(s)}.EndTime`, now);
          if (serviceEnd !== undefined) endTime = Math.max(endTime ?? serviceEnd, serviceEnd);
        }
      }
      for (let s = 0; s < services.length; s++) {
        const from = nodeOf[s];
        if (!from) continue;
        const edgeList = (services[s] as Record<string, unknown>)['Edges'];
        if (edgeList === undefined || edgeList === null) continue;
        if (!Array.isArray(edgeList)) throw new InputError('bad service graph', `${at(s)}.Edges`, 'an array');
        for (let e = 0; e < edgeList.length; e++) {
          const edge: unknown = edgeList[e];
          if (!isRecord(edge)) {
            throw new InputError('bad service graph', `${at(s)}.Edges[${e}]`, `an object, not ${jsonType(edge)}`);
          }
          const target = edge['ReferenceId'];
          if (typeof target !== 'number' || !Number.isInteger(target)) {
            throw new InputError('bad service graph', `${at(s)}.Edges[${e}].ReferenceId`, 'an integer');
          }
          const stats = emptyStats();
          addStatsFrom(stats, edge['SummaryStatistics'], at, s, e);
          const to = local.get(target);
          if (to === undefined) {
            warnings.push(`${at(s)}.Edges[${e}].ReferenceId: no service has ReferenceId ${target}; edge ignored`);
            continue;
          }
          addEdge(from.index, to.index, stats);
        }
      }
    });
  }

  const inn: number[][] = nodes.map(() => []);
  for (let i = 0; i < edges.length; i++) (inn[(edges[i] as TopologyEdge).to] as number[]).push(i);
  const frozen: TopologyNode[] = nodes.map((n) => ({
    index: n.index,
    name: n.name,
    names: n.names,
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

function addName(names: string[], name: string): void {
  if (!names.includes(name)) names.push(name);
}

/** Builds the location of a service for a message; only called when there is something to say. */
type ServicePath = (service: number) => string;

function readString(value: unknown, at: ServicePath, s: number, field: string): string | undefined {
  if (typeof value === 'string') return value;
  if (value === undefined || value === null) return undefined;
  throw new InputError('bad service graph', `${at(s)}.${field}`, `a string, not ${jsonType(value)}`);
}

function readNames(value: unknown, at: ServicePath, s: number): string[] {
  if (value === undefined || value === null) return [];
  if (!Array.isArray(value) || !value.every((v) => typeof v === 'string')) {
    throw new InputError('bad service graph', `${at(s)}.Names`, 'an array of strings');
  }
  return value;
}

/**
 * X-Ray times are epoch seconds in the API; the AWS CLI v2 prints them as ISO 8601 strings.
 * https://docs.aws.amazon.com/xray/latest/api/API_GetServiceGraph.html
 */
function readTime(value: unknown, where: string, now: number | undefined): number | undefined {
  if (value === undefined || value === null) return undefined;
  if (typeof value === 'number' && Number.isFinite(value) && now !== undefined) {
    checkPlausibleTime(value * 1000, now, where, value);
    return value;
  }
  // Seconds that JavaScript dates can represent; anything else is not a capture of this world.
  if (typeof value === 'number' && Math.abs(value) <= 8.64e12) return value;
  if (typeof value === 'string') {
    const ms = Date.parse(value);
    if (!Number.isNaN(ms)) {
      if (now !== undefined) checkPlausibleTime(ms, now, where);
      return ms / 1000;
    }
  }
  throw new InputError('bad service graph', where, 'epoch seconds or an ISO 8601 time');
}

/** Adds a SummaryStatistics object to `into`; edge -1 means the service's own statistics. */
function addStatsFrom(into: Stats, value: unknown, at: ServicePath, s: number, e: number): void {
  if (value === undefined || value === null) return;
  if (!isRecord(value)) throw statsError(at, s, e, '', 'an object');
  const errors = value['ErrorStatistics'];
  const faults = value['FaultStatistics'];
  if (errors !== undefined && !isRecord(errors)) throw statsError(at, s, e, '.ErrorStatistics', 'an object');
  if (faults !== undefined && !isRecord(faults)) throw statsError(at, s, e, '.FaultStatistics', 'an object');
  const requests = value['TotalCount'] ?? 0;
  const ok = value['OkCount'] ?? 0;
  const time = value['TotalResponseTime'] ?? 0;
  const errorCount = errors?.['TotalCount'] ?? 0;
  const throttles = errors?.['ThrottleCount'] ?? 0;
  const faultCount = faults?.['TotalCount'] ?? 0;
  if (!isCount(requests)) throw statsError(at, s, e, '.TotalCount', 'a non-negative number');
  if (!isCount(ok)) throw statsError(at, s, e, '.OkCount', 'a non-negative number');
  if (!isCount(time)) throw statsError(at, s, e, '.TotalResponseTime', 'a non-negative number');
  if (!isCount(errorCount)) throw statsError(at, s, e, '.ErrorStatistics.TotalCount', 'a non-negative number');
  if (!isCount(throttles)) throw statsError(at, s, e, '.ErrorStatistics.ThrottleCount', 'a non-negative number');
  if (!isCount(faultCount)) throw statsError(at, s, e, '.FaultStatistics.TotalCount', 'a non-negative number');
  into.requests += requests;
  into.ok += ok;
  into.totalResponseTime += time;
  into.errors += errorCount;
  into.throttles += throttles;
  into.faults += faultCount;
}

function isCount(value: unknown): value is number {
  return typeof value === 'number' && value >= 0 && value !== Infinity;
}

/** The message is only built when a field is bad: the happy path allocates nothing for it. */
function statsError(at: ServicePath, s: number, e: number, field: string, expected: string): InputError {
  const where = `${at(s)}${e < 0 ? '' : `.Edges[${e}]`}.SummaryStatistics${field}`;
  return new InputError('bad service graph', where, expected);
}

/** Rates of a Stats record; zero requests read as "no evidence", not as healthy or failing. */
export function faultRate(stats: Stats): number {
  return stats.requests > 0 ? Math.min(1, stats.faults / stats.requests) : 0;
}

/** Errors (4xx) and throttles, as a share of requests; inconsistent captures are clamped to [0, 1]. */
export function errorRate(stats: Stats): number {
  return stats.requests > 0 ? Math.min(1, stats.errors / stats.requests) : 0;
}

export function meanResponseTime(stats: Stats): number {
  return stats.requests > 0 ? stats.totalResponseTime / stats.requests : 0;
}
