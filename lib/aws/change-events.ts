// The change recorder: one EventBridge deployment event -> a stored Change. Each target type (targets/)
// owns its event pattern and mapping; here AWS answers what the event does not say (when a CodeDeploy
// deployment was created and what it replaced, which task definitions an ECS deployment moves between).
// A failed look-up records the change without them: the next discovery run fills them in.
import type { Catalog } from '../core/catalog';
import { isRecord } from '../core/json';
import type { IncidentStore } from '../core/store';
import type { Change } from '../core/types';
import { describeError } from './discover-calls';
import { TARGETS } from './targets';
import { BadEvent } from './targets/events';
import type { ChangeEvents, MappedEvent, RecorderClients } from './targets/target';

export type { RecorderClients } from './targets/target';

/**
 * The EventBridge rules of the change recorder, one per target type that has events, keyed by the event
 * source without `aws.` (the rules' construct ids: `Changes-codedeploy`, `Changes-lambda`, ...).
 */
export const CHANGE_EVENT_PATTERNS: Readonly<Record<string, ChangeEvents['pattern']>> = Object.fromEntries(
  Object.values(TARGETS).flatMap((target) => {
    const events: ChangeEvents | null = target.events;
    return events ? [[(events.pattern.source[0] ?? '').replace(/^aws\./, ''), events.pattern]] : [];
  }),
);

export type Recorded =
  | {
      readonly recorded: 'stored' | 'duplicate' | 'completed';
      readonly change: Change;
      readonly warnings: readonly string[];
    }
  | { readonly ignored: string };

/** Maps one event; anything it cannot use is `ignored` with the reason, never thrown. */
export function changeFromEvent(event: unknown, catalog: Catalog): MappedEvent {
  return mapEvent(event, catalog).mapped;
}

function mapEvent(event: unknown, catalog: Catalog): { mapped: MappedEvent; events?: ChangeEvents } {
  try {
    if (!isRecord(event)) throw new BadEvent('event: expected an object');
    const source = event['source'];
    const type = event['detail-type'];
    if (typeof source !== 'string' || typeof type !== 'string') {
      throw new BadEvent('source, detail-type: expected an EventBridge event');
    }
    for (const target of Object.values(TARGETS)) {
      const events: ChangeEvents | null = target.events;
      if (events?.pattern.source.includes(source) && events.pattern['detail-type'].includes(type)) {
        return { mapped: events.map(event, catalog), events };
      }
    }
    return { mapped: { ignored: `not a deployment event (${source} / ${type})` } };
  } catch (err) {
    if (err instanceof BadEvent) return { mapped: { ignored: `bad event: ${err.message}` } };
    throw err;
  }
}

export async function recordChange(
  clients: RecorderClients,
  store: Pick<IncidentStore, 'putChange'>,
  catalog: Catalog,
  event: unknown,
): Promise<Recorded> {
  const { mapped, events } = mapEvent(event, catalog);
  if ('ignored' in mapped) return mapped;
  let change = mapped.change;
  const warnings: string[] = [];
  if (mapped.lookup !== undefined && events?.complete) {
    try {
      const completed = await events.complete(clients, change, mapped.lookup);
      if ('ignored' in completed) return completed;
      change = completed;
    } catch (err) {
      warnings.push(`change ${change.id}: its versions could not be looked up (${describeError(err)})`);
    }
  }
  return { recorded: await store.putChange(change), change, warnings };
}
