// Turns a real topology (examples/topologies: services, kinds, call edges with their sources) into
// an X-Ray GetServiceGraph response with plausible statistics: entry traffic that thins out with depth,
// faults that start in some services and propagate, attenuated, to their callers. Deterministic.

export interface TopologyFixture {
  readonly name: string;
  readonly services: readonly string[];
  readonly service_details?: readonly { readonly name: string; readonly kind: string }[];
  readonly edges: readonly { readonly from: string; readonly to: string }[];
}

export interface TrafficOptions {
  /** Epoch seconds of the graph's window. */
  readonly start: number;
  readonly end: number;
  /** Requests entering at each root. */
  readonly entryRequests?: number;
  /** Fault rate that starts in a service (what a bad deployment does). */
  readonly faults?: Readonly<Record<string, number>>;
  /** Extra seconds a service adds to every response. */
  readonly latency?: Readonly<Record<string, number>>;
  /** Background fault rate everywhere. */
  readonly background?: number;
  /** Share of a service's own fault rate that its callers see. */
  readonly attenuation?: number;
  /** Services that retry failing calls: the failures their callees cause are multiplied (retry storms). */
  readonly amplify?: Readonly<Record<string, number>>;
  /**
   * A random source in [0, 1): counts and latencies then vary the way sampled traces do (binomial
   * noise on faults and errors, ±20% traffic, ±10% latency). Without it the graph is exact.
   */
  readonly random?: () => number;
}

/** X-Ray node types for the kinds the fixtures use; data stores appear as X-Ray shows them. */
const TYPE_OF_KIND: Readonly<Record<string, string>> = {
  service: 'AWS::EKS::Container',
  'feature-flags': 'AWS::EKS::Container',
  'load-generator': 'client',
  postgres: 'Database::SQL',
};

/** A kind that is already an X-Ray type (`AWS::Lambda`, `Database::SQL`) is kept: graphs read back from X-Ray. */
export function xrayTypeOf(kind: string): string {
  return TYPE_OF_KIND[kind] ?? (kind.includes('::') ? kind : 'remote');
}

interface EdgeOut {
  ReferenceId: number;
  StartTime: number;
  EndTime: number;
  SummaryStatistics: SummaryStatistics;
  Aliases: never[];
}

interface SummaryStatistics {
  OkCount: number;
  ErrorStatistics: { ThrottleCount: number; OtherCount: number; TotalCount: number };
  FaultStatistics: { OtherCount: number; TotalCount: number };
  TotalCount: number;
  TotalResponseTime: number;
}

function summary(requests: number, faults: number, errors: number, seconds: number): SummaryStatistics {
  return {
    OkCount: requests - faults - errors,
    ErrorStatistics: { ThrottleCount: 0, OtherCount: errors, TotalCount: errors },
    FaultStatistics: { OtherCount: faults, TotalCount: faults },
    TotalCount: requests,
    TotalResponseTime: round3(seconds * requests),
  };
}

/** How many of n requests fail at this rate: exact, or a binomial draw (normal approximation). */
function draw(n: number, rate: number, random: (() => number) | undefined): number {
  if (!random) return Math.round(n * rate);
  const gauss = Math.sqrt(-2 * Math.log(1 - random())) * Math.cos(2 * Math.PI * random());
  const value = Math.round(n * rate + gauss * Math.sqrt(n * rate * (1 - rate)));
  return Math.min(n, Math.max(0, value));
}

function round3(x: number): number {
  return Math.round(x * 1000) / 1000;
}

export function xrayFromTopology(fixture: TopologyFixture, options: TrafficOptions) {
  const names = fixture.services;
  const index = new Map(names.map((n, i) => [n, i]));
  const kindOf = new Map((fixture.service_details ?? []).map((d) => [d.name, d.kind]));
  const out: number[][] = names.map(() => []);
  const inDegree = names.map(() => 0);
  for (const e of fixture.edges) {
    const from = index.get(e.from);
    const to = index.get(e.to);
    if (from === undefined || to === undefined) throw new Error(`edge ${e.from} -> ${e.to}: unknown service`);
    (out[from] as number[]).push(to);
    if (from !== to) inDegree[to] = (inDegree[to] as number) + 1;
  }
  const entry = options.entryRequests ?? 10_000;
  const background = options.background ?? 0.001;
  const attenuation = options.attenuation ?? 0.6;

  // Load: breadth-first from the roots; each call carries 70% of its caller's requests.
  const load = names.map(() => 0);
  const order: number[] = [];
  const seen = new Set<number>();
  names.forEach((_, i) => {
    if (inDegree[i] === 0) {
      load[i] = entry;
      order.push(i);
      seen.add(i);
    }
  });
  for (let head = 0; head < order.length; head++) {
    const u = order[head] as number;
    for (const v of out[u] as number[]) {
      if (seen.has(v)) continue;
      seen.add(v);
      order.push(v);
    }
  }
  const processed = new Set<number>();
  const edgeRequests = new Map<string, number>();
  const visit = (u: number): void => {
    processed.add(u);
    for (const v of out[u] as number[]) {
      const requests = Math.max(1, Math.round((load[u] as number) * 0.7));
      edgeRequests.set(`${u}>${v}`, requests);
      if (!processed.has(v)) load[v] = (load[v] as number) + requests;
    }
  };
  for (const u of order) visit(u);
  names.forEach((_, u) => {
    if (!processed.has(u)) {
      load[u] = Math.round(entry * 0.1);
      visit(u);
    }
  });

  // What callers see of v: its own faults plus an attenuated share of its callees' (a fixpoint, for cycles).
  const own = names.map((n) => options.faults?.[n] ?? background);
  const seenRate = [...own];
  const latency = names.map((n) => 0.015 + (options.latency?.[n] ?? 0));
  for (let round = 0; round < 8; round++) {
    names.forEach((_, v) => {
      let healthy = 1 - (own[v] as number);
      let wait = 0.015 + (options.latency?.[names[v] as string] ?? 0);
      const passOn = Math.min(1, attenuation * (options.amplify?.[names[v] as string] ?? 1));
      for (const w of out[v] as number[]) {
        if (w === v) continue;
        healthy *= 1 - passOn * (seenRate[w] as number);
        wait += 0.5 * (latency[w] as number);
      }
      seenRate[v] = 1 - healthy;
      latency[v] = wait;
    });
  }

  const edgesOf = names.map((): EdgeOut[] => []);
  const served = names.map(() => ({ requests: 0, faults: 0, errors: 0, seconds: 0 }));
  /** One sampled edge into v: its statistics, also added to what v served. */
  const edgeInto = (v: number, exact: number): EdgeOut => {
    const random = options.random;
    const requests = Math.max(1, Math.round(exact * (random ? 0.8 + 0.4 * random() : 1)));
    const faults = draw(requests, seenRate[v] as number, random);
    const errors = random ? draw(requests - faults, 0.002, random) : Math.round(requests * 0.002);
    const seconds = (latency[v] as number) * (random ? 0.9 + 0.2 * random() : 1);
    const s = served[v] as { requests: number; faults: number; errors: number; seconds: number };
    s.requests += requests;
    s.faults += faults;
    s.errors += errors;
    s.seconds += requests * seconds;
    return {
      ReferenceId: v,
      StartTime: options.start,
      EndTime: options.end,
      SummaryStatistics: summary(requests, faults, errors, seconds),
      Aliases: [],
    };
  };
  names.forEach((_, u) => {
    for (const v of out[u] as number[])
      (edgesOf[u] as EdgeOut[]).push(edgeInto(v, edgeRequests.get(`${u}>${v}`) as number));
  });

  // X-Ray shows the callers of entry services as a client node: give roots without one their client.
  const clientRef = names.length;
  const clientEdges: EdgeOut[] = [];
  names.forEach((name, i) => {
    if (inDegree[i] !== 0 || xrayTypeOf(kindOf.get(name) ?? 'service') === 'client') return;
    clientEdges.push(edgeInto(i, load[i] as number));
  });

  const Services = names.map((name, i) => {
    const type = xrayTypeOf(kindOf.get(name) ?? 'service');
    const s = served[i] as { requests: number; faults: number; errors: number; seconds: number };
    const node: Record<string, unknown> = {
      ReferenceId: i,
      Name: name,
      Names: [name],
      Type: type,
      State: type === 'client' ? 'unknown' : 'active',
      StartTime: options.start,
      EndTime: options.end,
      Edges: edgesOf[i],
    };
    if (type !== 'client' && s.requests > 0) {
      node['SummaryStatistics'] = summary(s.requests, s.faults, s.errors, s.requests ? s.seconds / s.requests : 0);
    }
    return node;
  });
  if (clientEdges.length > 0) {
    Services.push({
      ReferenceId: clientRef,
      Name: 'client',
      Names: ['client'],
      Type: 'client',
      State: 'unknown',
      StartTime: options.start,
      EndTime: options.end,
      Edges: clientEdges,
    });
  }
  return { Services, StartTime: options.start, EndTime: options.end, ContainsOldGroupVersions: false };
}
