// Deterministic synthetic X-Ray GetServiceGraph responses for the planner benchmark: N nodes, heavy-tailed
// fan-out (preferential attachment), mostly a DAG under a few clients and entry services, a few cycles and
// self-loops, ~5% resource leaves, ~1% failing services, and 200 recent deployments.
import { rng } from '../lib/local/sim/incidents';

export interface XRayErrorStatistics {
  ThrottleCount: number;
  OtherCount: number;
  TotalCount: number;
}

export interface XRayFaultStatistics {
  OtherCount: number;
  TotalCount: number;
}

export interface XRaySummaryStatistics {
  OkCount: number;
  ErrorStatistics: XRayErrorStatistics;
  FaultStatistics: XRayFaultStatistics;
  TotalCount: number;
  TotalResponseTime: number;
}

export interface XRayHistogramEntry {
  Value: number;
  Count: number;
}

export interface XRayEdge {
  ReferenceId: number;
  StartTime: number;
  EndTime: number;
  SummaryStatistics: XRaySummaryStatistics;
  ResponseTimeHistogram: XRayHistogramEntry[];
  Aliases: string[];
}

export interface XRayService {
  ReferenceId: number;
  Name: string;
  Names: string[];
  Type: string;
  State: 'active';
  StartTime: number;
  EndTime: number;
  SummaryStatistics: XRaySummaryStatistics;
  Edges: XRayEdge[];
}

export interface XRayServiceGraph {
  Services: XRayService[];
  StartTime: number;
  EndTime: number;
}

export interface GeneratedChange {
  id: string;
  service: string;
  deployedAt: string;
  fromVersion: string;
  toVersion: string;
  kind: 'code' | 'config' | 'infra' | 'schema';
}

export interface Generated {
  graph: XRayServiceGraph;
  changes: GeneratedChange[];
  /** An entry service with callees, downstream of which most failing services sit. */
  alarm: string;
}

/** Seconds since the epoch: 2026-11-27T10:15:00Z, fixed so that every run plans the same incident. */
const END_TIME = Date.UTC(2026, 10, 27, 10, 15, 0) / 1000;
const GRAPH_SPAN_S = 6 * 3600;
const CHANGE_SPAN_MS = 20 * 3600 * 1000;
const CHANGE_COUNT = 200;

const DOMAINS = [
  'orders',
  'payments',
  'catalog',
  'cart',
  'checkout',
  'shipping',
  'inventory',
  'users',
  'auth',
  'search',
  'pricing',
  'reviews',
  'recommendations',
  'notifications',
  'billing',
  'ledger',
  'fraud',
  'media',
  'geo',
  'sessions',
];
const ROLES = ['api', 'svc', 'worker', 'gateway', 'backend', 'reader', 'writer', 'adapter'];

type Role = 'client' | 'entry' | 'service' | 'resource';

interface Node {
  readonly index: number;
  readonly role: Role;
  readonly name: string;
  readonly type: string;
  /** Mean response time in seconds. */
  readonly latency: number;
  /** Callees, in the order they were added. */
  readonly out: number[];
  readonly outSet: Set<number>;
  inDegree: number;
}

interface EdgeCounts {
  requests: number;
  faults: number;
  errors: number;
  throttles: number;
  responseTime: number;
}

export function generate(n: number, seed: number): Generated {
  if (!Number.isInteger(n) || n < 50) throw new Error(`generate: n must be an integer >= 50, not ${n}`);
  const rand = rng(seed);
  const int = (lo: number, hi: number): number => lo + Math.floor(rand() * (hi - lo + 1)); // inclusive
  const pick = <T>(list: readonly T[]): T => list[Math.floor(rand() * list.length)] as T;
  const normal = (): number => Math.sqrt(-2 * Math.log(1 - rand())) * Math.cos(2 * Math.PI * rand());
  /** Pareto with scale xm and shape alpha: heavy tail, mean alpha * xm / (alpha - 1). */
  const pareto = (xm: number, alpha: number): number => xm / Math.pow(1 - rand(), 1 / alpha);

  // Layout by index, which is also a topological order of the forward edges:
  // clients | entry services | inner services | resources.
  const clientCount = Math.max(2, Math.round(Math.sqrt(n) / 10));
  const entryCount = Math.max(3, Math.round(Math.sqrt(n) / 4));
  const resourceCount = Math.max(2, Math.round(n * 0.05));
  const serviceCount = n - clientCount - entryCount - resourceCount;
  const entryStart = clientCount;
  const innerStart = entryStart + entryCount;
  const resourceStart = innerStart + serviceCount;

  const nodes: Node[] = [];
  for (let i = 0; i < n; i++) {
    const role: Role =
      i < entryStart ? 'client' : i < innerStart ? 'entry' : i < resourceStart ? 'service' : 'resource';
    let name: string;
    let type: string;
    let latency: number;
    if (role === 'client') {
      name = `${pick(['web', 'mobile', 'partner', 'batch'])}-client-${i + 1}`;
      type = 'client';
      latency = 0;
    } else if (role === 'resource') {
      const table = rand() < 0.6;
      name = `${pick(DOMAINS)}-${table ? 'table' : 'queue'}-${i}`;
      type = table ? 'AWS::DynamoDB::Table' : 'AWS::SQS::Queue';
      latency = Math.exp(Math.log(0.006) + 0.5 * normal());
    } else {
      name = `${pick(DOMAINS)}-${role === 'entry' ? 'edge' : pick(ROLES)}-${i}`;
      type = 'AWS::ECS::Container';
      latency = Math.exp(Math.log(0.025) + 0.7 * normal());
    }
    nodes.push({ index: i, role, name, type, latency, out: [], outSet: new Set(), inDegree: 0 });
  }
  const node = (i: number): Node => nodes[i] as Node;
  const addEdge = (from: number, to: number): boolean => {
    const u = node(from);
    if (u.outSet.has(to)) return false;
    u.outSet.add(to);
    u.out.push(to);
    node(to).inDegree++;
    return true;
  };

  // Preferential attachment, built bottom-up: a service picks callees among services already placed
  // below it, each with probability proportional to 1 + its in-degree, so a few become very popular.
  const pool: number[] = [];
  // Resources: a power-law choice, so a few tables and queues are shared by many services.
  const resourceZipf = (): number => resourceStart + Math.floor(resourceCount * rand() * rand());
  for (let i = resourceStart - 1; i >= entryStart; i--) {
    const isEntry = i < innerStart;
    const wanted = isEntry ? 4 + Math.floor(pareto(2, 1.5)) : Math.floor(pareto(1.25, 1.9));
    const k = Math.min(wanted, 60, pool.length);
    for (let attempt = 0, added = 0; added < k && attempt < 4 * k; attempt++) {
      const callee = pick(pool);
      if (addEdge(i, callee)) {
        added++;
        pool.push(callee);
      }
    }
    if (rand() < 0.45) {
      addEdge(i, resourceZipf());
      if (rand() < 0.3) addEdge(i, resourceZipf());
    }
    if (!isEntry) pool.push(i);
  }
  // Every inner service and resource has a caller: orphans are called by a service above them.
  for (let v = innerStart; v < n; v++) {
    if (node(v).inDegree > 0) continue;
    addEdge(int(entryStart, Math.min(v, resourceStart) - 1), v);
  }
  // Clients call the entry services.
  for (let c = 0; c < clientCount; c++) {
    addEdge(c, entryStart + (c % entryCount));
    for (let e = entryStart; e < innerStart; e++) if (rand() < 0.35) addEdge(c, e);
  }
  for (let e = entryStart; e < innerStart; e++) if (node(e).inDegree === 0) addEdge(int(0, clientCount - 1), e);

  // A few cycles: walk forward from a service, then call back to where the walk began.
  const backEdges = new Set<number>(); // from * n + to
  const serviceCallees = (v: number): number[] => node(v).out.filter((w) => w >= innerStart && w < resourceStart);
  const wantedBack = Math.max(1, Math.round(n / 500));
  for (let tries = 0; backEdges.size < wantedBack && tries < wantedBack * 50; tries++) {
    const start = int(innerStart, resourceStart - 1);
    let at = start;
    const steps = int(1, 4);
    for (let s = 0; s < steps; s++) {
      const next = serviceCallees(at);
      if (next.length === 0) break;
      at = pick(next);
    }
    if (at !== start && addEdge(at, start)) backEdges.add(at * n + start);
  }
  // And a couple of self-loops (a service calling itself through its own load balancer).
  for (let s = 0; s < 2; s++) {
    const v = int(innerStart, resourceStart - 1);
    if (addEdge(v, v)) backEdges.add(v * n + v);
  }

  // ~1% of the services fail: their callers see 20-40% faults; their direct callers' callers some.
  const failing = new Set<number>();
  const failingCount = Math.max(1, Math.round(serviceCount * 0.01));
  while (failing.size < failingCount) {
    const v = int(innerStart, resourceStart - 1);
    if (node(v).inDegree > 0) failing.add(v);
  }
  const failRate = new Map<number, number>();
  for (const v of failing) failRate.set(v, 0.2 + 0.2 * rand());
  const victims = new Set<number>();
  for (let u = entryStart; u < resourceStart; u++) {
    if (!failing.has(u) && node(u).out.some((w) => failing.has(w))) victims.add(u);
  }

  // Traffic flows top-down in index order: each caller splits its requests over its callees and
  // fans out a little (1.0-1.5 calls per request). Back edges and self-loops carry a trickle.
  const traffic = new Float64Array(n);
  for (let c = 0; c < clientCount; c++) traffic[c] = int(200_000, 2_000_000);
  const edgeCounts = new Map<number, EdgeCounts>(); // from * n + to
  for (let u = 0; u < resourceStart; u++) {
    const out = node(u).out;
    if (out.length === 0) continue;
    const weights = out.map(() => 0.2 + rand());
    const total = weights.reduce((a, b) => a + b, 0);
    const fanOut = 1 + 0.5 * rand();
    const t = traffic[u] as number;
    out.forEach((v, j) => {
      const back = backEdges.has(u * n + v);
      const share = back ? 0.02 * rand() : ((weights[j] as number) / total) * fanOut;
      const requests = Math.min(50_000_000, Math.max(1, Math.round(t * share)));
      if (!back) traffic[v] = (traffic[v] as number) + requests;
      const callee = node(v);
      const faultRate = failRate.get(v) ?? (victims.has(v) ? 0.03 + 0.05 * rand() : 0.003 * rand());
      const faults = Math.round(requests * faultRate);
      const errors = Math.min(requests - faults, Math.round(requests * (0.002 + 0.013 * rand())));
      const throttles = Math.round(errors * 0.2 * rand());
      const responseTime = round3(requests * callee.latency * (1 + 0.15 * rand()));
      edgeCounts.set(u * n + v, { requests, faults, errors, throttles, responseTime });
    });
  }

  const startTime = END_TIME - GRAPH_SPAN_S;
  const summary = (list: readonly EdgeCounts[]): XRaySummaryStatistics => {
    let requests = 0;
    let faults = 0;
    let errors = 0;
    let throttles = 0;
    let responseTime = 0;
    for (const c of list) {
      requests += c.requests;
      faults += c.faults;
      errors += c.errors;
      throttles += c.throttles;
      responseTime += c.responseTime;
    }
    return stats({ requests, faults, errors, throttles, responseTime: round3(responseTime) });
  };
  const incoming: EdgeCounts[][] = nodes.map(() => []);
  for (const [key, counts] of edgeCounts) {
    const to = key % n;
    const from = (key - to) / n;
    if (from !== to) (incoming[to] as EdgeCounts[]).push(counts);
  }

  const services: XRayService[] = nodes.map((v) => {
    const outCounts = v.out.map((w) => edgeCounts.get(v.index * n + w) as EdgeCounts);
    return {
      ReferenceId: v.index,
      Name: v.name,
      Names: [v.name],
      Type: v.type,
      State: 'active',
      StartTime: startTime,
      EndTime: END_TIME,
      SummaryStatistics: summary(v.role === 'client' ? outCounts : (incoming[v.index] as EdgeCounts[])),
      Edges: v.out.map((w, j): XRayEdge => {
        const counts = outCounts[j] as EdgeCounts;
        const latency = node(w).latency;
        const fast = Math.round(counts.requests * 0.6);
        const middle = Math.round(counts.requests * 0.3);
        return {
          ReferenceId: w,
          StartTime: startTime,
          EndTime: END_TIME,
          SummaryStatistics: stats(counts),
          ResponseTimeHistogram: [
            { Value: round4(latency * 0.5), Count: fast },
            { Value: round4(latency), Count: middle },
            { Value: round4(latency * 4), Count: counts.requests - fast - middle },
          ],
          Aliases: [],
        };
      }),
    };
  });
  // X-Ray lists services in no particular order: shuffle, so the parser sees no topological order.
  for (let i = services.length - 1; i > 0; i--) {
    const j = Math.floor(rand() * (i + 1));
    const tmp = services[i] as XRayService;
    services[i] = services[j] as XRayService;
    services[j] = tmp;
  }
  const graph: XRayServiceGraph = { Services: services, StartTime: startTime, EndTime: END_TIME };

  // The alarm: the entry service (with callees) that reaches the most failing services.
  let alarm = entryStart;
  let best = -1;
  for (let e = entryStart; e < innerStart; e++) {
    if (node(e).out.length === 0) continue;
    const reached = reachable(nodes, e);
    let hits = 0;
    for (const f of failing) if (reached[f]) hits++;
    const score = hits * n + node(e).out.length;
    if (score > best) {
      best = score;
      alarm = e;
    }
  }

  // 200 deployments over the last 20 h: one recent change per failing service, the rest at random.
  const endMs = END_TIME * 1000;
  const raw: { service: number; at: number }[] = [];
  for (const f of failing) {
    if (raw.length < CHANGE_COUNT) raw.push({ service: f, at: endMs - int(20, 180) * 60_000 });
  }
  while (raw.length < CHANGE_COUNT) {
    raw.push({ service: int(entryStart, resourceStart - 1), at: endMs - Math.floor(rand() * CHANGE_SPAN_MS) });
  }
  raw.sort((a, b) => a.at - b.at || a.service - b.service);
  const versions = new Map<number, number>();
  const changes = raw.map(({ service, at }, i): GeneratedChange => {
    const from = versions.get(service) ?? int(10, 300);
    versions.set(service, from + 1);
    const r = rand();
    return {
      id: `deploy-${String(i + 1).padStart(4, '0')}`,
      service: node(service).name,
      deployedAt: new Date(at).toISOString(),
      fromVersion: `1.${Math.floor(from / 10)}.${from % 10}`,
      toVersion: `1.${Math.floor((from + 1) / 10)}.${(from + 1) % 10}`,
      kind: r < 0.7 ? 'code' : r < 0.88 ? 'config' : r < 0.96 ? 'infra' : 'schema',
    };
  });

  return { graph, changes, alarm: node(alarm).name };
}

function reachable(nodes: readonly Node[], from: number): Uint8Array {
  const seen = new Uint8Array(nodes.length);
  const stack = [from];
  seen[from] = 1;
  while (stack.length > 0) {
    const v = stack.pop() as number;
    for (const w of (nodes[v] as Node).out) {
      if (!seen[w]) {
        seen[w] = 1;
        stack.push(w);
      }
    }
  }
  return seen;
}

function stats(c: EdgeCounts): XRaySummaryStatistics {
  return {
    OkCount: c.requests - c.faults - c.errors,
    ErrorStatistics: { ThrottleCount: c.throttles, OtherCount: c.errors - c.throttles, TotalCount: c.errors },
    FaultStatistics: { OtherCount: c.faults, TotalCount: c.faults },
    TotalCount: c.requests,
    TotalResponseTime: c.responseTime,
  };
}

function round3(x: number): number {
  return Math.round(x * 1000) / 1000;
}

function round4(x: number): number {
  return Math.round(x * 10000) / 10000;
}
