// Checks of the CLI's inputs whose failure later stages would word badly or not notice: a graph
// without services, times in the wrong unit, a list of alarms where one is rehearsed.
import type { Catalog } from '../core/catalog';
import { EMPTY_CATALOG, servicesForAlarm } from '../core/catalog-lookup';
import { InputError } from '../core/errors';
import { indexServices } from '../core/topology';
import type { Topology } from '../core/types';
import { parseServiceGraphs } from '../core/xray';

/** A graph with no service has nothing to alarm, suspect or roll back. */
export function requireServices(topology: Topology, where: string): void {
  if (topology.nodes.some((n) => n.kind === 'service')) return;
  const others = topology.nodes.length;
  throw new InputError(
    'no services in the graph',
    where,
    `an X-Ray service graph with at least one service (it has ${others ? `${others} node(s), none a service` : 'none'}: X-Ray lists only what sent traces in the time range)`,
  );
}

export interface RehearsalInputs {
  readonly graph: unknown;
  readonly graphSource: string;
  readonly baseline?: unknown;
  readonly baselineSource?: string;
  readonly alarm: string;
  readonly catalog?: Catalog;
  /** The machine's clock, epoch ms. */
  readonly now: number;
}

/**
 * What `simulate` checks before it builds the rehearsal: plausible times (the incident time is the
 * graph's EndTime), at least one service, and one alarm (a rehearsal fires one).
 */
export function checkRehearsalInputs(inputs: RehearsalInputs): void {
  const { now } = inputs;
  const { topology } = parseServiceGraphs([{ source: inputs.graphSource, json: inputs.graph }], { now });
  if (inputs.baseline !== undefined) {
    parseServiceGraphs([{ source: inputs.baselineSource ?? 'baseline', json: inputs.baseline }], { now });
  }
  requireServices(topology, inputs.graphSource);
  const index = indexServices(topology);
  const catalog = inputs.catalog ?? EMPTY_CATALOG;
  const known = (name: string): boolean =>
    index.watched(name) !== undefined || servicesForAlarm(catalog, name).length > 0;
  const names = inputs.alarm
    .split(',')
    .map((n) => n.trim())
    .filter(Boolean);
  if (names.length > 1 && !known(inputs.alarm)) {
    const first = names.find(known) ?? names[0];
    throw new InputError(
      'one alarm at a time',
      `--alarm ${inputs.alarm}`,
      `one service or catalogued alarm, such as ${first} (simulate rehearses one alarm firing; backstep plan takes a list)`,
    );
  }
}
