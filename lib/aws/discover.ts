// Discovery: the X-Ray service graph (now, and a baseline before the change window), the catalogued
// CloudWatch alarms, and the deployments of the catalogued services in the window. A source that
// fails (throttled after the SDK's retries, access denied, not found) becomes a warning; the rest
// still lands in the snapshot.
import type { CloudWatchClient } from '@aws-sdk/client-cloudwatch';
import { GetServiceGraphCommand, type XRayClient } from '@aws-sdk/client-xray';
import type { Catalog } from '../core/catalog';
import type { DiscoverySnapshot, TimeWindow } from '../core/snapshot';
import type { IncidentStore } from '../core/store';
import type { Change, Topology } from '../core/types';
import { parseServiceGraphs } from '../core/xray';
import { readAlarms } from './discover-alarms';
import { deploymentsOf } from './discover-deployments';
import { describeError, pages } from './discover-calls';
import type { DiscoveryClients as TargetDiscoveryClients, Send } from './targets/target';

export type { Send } from './targets/target';

/** The service graph and alarms, and what each target type reads its deployments with. */
export interface DiscoveryClients extends TargetDiscoveryClients {
  readonly xray: Send<XRayClient>;
  readonly cloudwatch: Send<CloudWatchClient>;
}

export interface DiscoveryOptions {
  /** Epoch ms. */
  readonly now: number;
  /** Look-back window of the changes. @default 24 hours */
  readonly windowMs?: number;
  /** The current graph covers this much time before `now`. @default 1 hour */
  readonly graphMs?: number;
  /** The baseline graph covers this much time before the change window. @default 1 hour */
  readonly baselineMs?: number;
  /** The longest time range one GetServiceGraph call asks for; longer ranges are split. @default 6 hours */
  readonly maxGraphRangeMs?: number;
  /** How far before the window to look for the version a change replaced. @default 7 days */
  readonly historyMs?: number;
  /** The previous snapshot: the versions it saw tell what a change replaced. */
  readonly previous?: Pick<DiscoverySnapshot, 'takenAt' | 'versions'>;
}

const HOUR = 3_600_000;
/** X-Ray keeps trace data for 30 days. */
const XRAY_RETENTION_MS = 30 * 24 * HOUR;

/** Collects what each source yields, and what failed and why. */
export class Findings {
  readonly warnings: string[] = [];
  readonly failed: string[] = [];

  async attempt<T>(source: string, what: string, read: () => Promise<T>): Promise<T | undefined> {
    try {
      return await read();
    } catch (err) {
      this.failed.push(source);
      this.warnings.push(`${what}: ${describeError(err)}`);
      return undefined;
    }
  }
}

export async function discover(
  clients: DiscoveryClients,
  catalog: Catalog,
  options: DiscoveryOptions,
): Promise<DiscoverySnapshot> {
  const { now } = options;
  const window = { start: now - (options.windowMs ?? 24 * HOUR), end: now };
  const graphWindow = { start: now - (options.graphMs ?? HOUR), end: now };
  const baselineWindow = { start: window.start - (options.baselineMs ?? HOUR), end: window.start };
  const maxRange = options.maxGraphRangeMs ?? 6 * HOUR;
  const findings = new Findings();

  const graph = await findings.attempt('xray-graph', 'X-Ray service graph', () =>
    readGraph(clients.xray, graphWindow, maxRange, findings.warnings),
  );
  let baseline: Topology | undefined;
  if (baselineWindow.start < now - XRAY_RETENTION_MS) {
    findings.failed.push('xray-baseline');
    findings.warnings.push('X-Ray baseline graph: the window starts before the 30 days X-Ray keeps; left out');
  } else {
    baseline = await findings.attempt('xray-baseline', 'X-Ray baseline graph', () =>
      readGraph(clients.xray, baselineWindow, maxRange, findings.warnings),
    );
  }
  const alarms =
    (await findings.attempt('alarms', 'CloudWatch alarms', () =>
      readAlarms(clients.cloudwatch, catalog, findings.warnings),
    )) ?? [];

  const changes: Change[] = [];
  const versions: Record<string, string> = {};
  const history = { window, historyMs: options.historyMs ?? 7 * 24 * HOUR, previous: options.previous };
  for (const found of await deploymentsOf(clients, catalog, history, findings)) {
    changes.push(...found.changes);
    if (found.version !== undefined) versions[found.service] = found.version;
  }
  changes.sort((a, b) => a.deployedAt - b.deployedAt || (a.id < b.id ? -1 : 1));

  return {
    application: catalog.application,
    takenAt: now,
    window,
    graphWindow,
    baselineWindow,
    ...(graph ? { graph } : {}),
    ...(baseline ? { baseline } : {}),
    alarms,
    changes,
    versions,
    failed: findings.failed,
    warnings: findings.warnings,
  };
}

/** One graph from every page of every sub-range of the window. */
async function readGraph(
  xray: Send<XRayClient>,
  window: TimeWindow,
  maxRange: number,
  warnings: string[],
): Promise<Topology> {
  const responses: unknown[] = [];
  for (let start = window.start; start < window.end; start += maxRange) {
    const end = Math.min(window.end, start + maxRange);
    const range = { StartTime: new Date(start), EndTime: new Date(end) };
    const all = await pages(
      (token) => xray.send(new GetServiceGraphCommand({ ...range, ...(token ? { NextToken: token } : {}) })),
      (page) => page.NextToken,
    );
    // The SDK returns Date objects; the parser reads times as the API and the CLI write them.
    for (const page of all) {
      const { $metadata: _meta, ...body } = page;
      responses.push(JSON.parse(JSON.stringify(body)) as unknown);
    }
  }
  const parsed = parseServiceGraphs([
    { source: `GetServiceGraph ${iso(window.start)}..${iso(window.end)}`, json: responses },
  ]);
  warnings.push(...parsed.warnings);
  return parsed.topology;
}

export function iso(ms: number): string {
  return new Date(ms).toISOString();
}

export interface DiscoverySummary {
  readonly application: string;
  readonly takenAt: string;
  readonly snapshot: 'stored' | 'stale';
  readonly nodes: number | null;
  readonly alarms: number;
  readonly changes: { readonly stored: number; readonly duplicate: number; readonly completed: number };
  readonly failed: readonly string[];
  readonly warnings: readonly string[];
}

/** One scheduled run: discover (knowing the previous snapshot), store the snapshot and every change. */
export async function discoverAndStore(
  clients: DiscoveryClients,
  store: Pick<IncidentStore, 'latestSnapshot' | 'putSnapshot' | 'putChange'>,
  catalog: Catalog,
  options: DiscoveryOptions,
): Promise<DiscoverySummary> {
  let previous: DiscoverySnapshot | undefined;
  let unread: string | undefined;
  try {
    previous = await store.latestSnapshot(catalog.application);
  } catch (err) {
    unread = `previous snapshot: ${describeError(err)}; versions before Lambda and ECS changes may be unknown`;
  }
  const found = await discover(clients, catalog, { ...options, ...(previous ? { previous } : {}) });
  const snapshot = unread ? { ...found, warnings: [unread, ...found.warnings] } : found;
  const counts = { stored: 0, duplicate: 0, completed: 0 };
  // Changes first: a snapshot in the store means its changes are there too.
  for (const change of snapshot.changes) counts[await store.putChange(change)]++;
  const outcome = await store.putSnapshot(snapshot);
  return {
    application: snapshot.application,
    takenAt: iso(snapshot.takenAt),
    snapshot: outcome,
    nodes: snapshot.graph ? snapshot.graph.nodes.length : null,
    alarms: snapshot.alarms.length,
    changes: counts,
    failed: snapshot.failed,
    warnings: snapshot.warnings,
  };
}
