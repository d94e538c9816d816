// The same incident handled the two ways operators handle it today, on a fresh copy of the fleet with
// the same rollback times and failures: (a) a person rolls back every recent change one at a time,
// most recent first, checking the alarm after each; (b) CodeDeploy's alarm rollback: only the alarmed
// service's own last deployment, automatically.
import type { ActionType, Catalog } from '../../core/catalog';
import { own } from '../../core/records';
import type { Change } from '../../core/types';
import type { ReportBaseline } from '../../report/types';
import { DECISION_MINUTES } from './clock';
import type { Fleet } from './fleet';

/** Attempts of one rollback before giving up, as the plan's retry policy allows (1 + 3 retries). */
export const MAX_ATTEMPTS = 4;

export interface BaselineInput {
  /** A fleet in its state when the alarm fired; it is rolled back here. */
  readonly fleet: () => Fleet;
  readonly catalog: Catalog;
  readonly changes: readonly Change[];
  readonly alarm: string;
  readonly alarmed: string;
  /** Epoch ms of the alarm, and the look-back window. */
  readonly at: number;
  readonly windowMs: number;
  /** Minutes waited after a rollback before the alarm tells (the plan's bake time). */
  readonly bakeMinutes: number;
}

export function baselines(input: BaselineInput): ReportBaseline[] {
  return [oneAtATime(input), alarmedOwn(input)];
}

/** Services changed in the window, most recently deployed first, each with the version before its first change. */
export function recentServices(changes: readonly Change[], at: number, windowMs: number) {
  const inWindow = changes.filter((c) => c.deployedAt <= at && c.deployedAt >= at - windowMs);
  const byService = new Map<string, { service: string; last: number; first: number; fromVersion?: string }>();
  for (const c of [...inWindow].sort((a, b) => a.deployedAt - b.deployedAt)) {
    const known = byService.get(c.service);
    if (known) known.last = c.deployedAt;
    else
      byService.set(c.service, {
        service: c.service,
        last: c.deployedAt,
        first: c.deployedAt,
        ...(c.fromVersion !== undefined ? { fromVersion: c.fromVersion } : {}),
      });
  }
  return [...byService.values()].sort((a, b) => b.last - a.last || (a.service < b.service ? -1 : 1));
}

export function oneAtATime(input: BaselineInput): ReportBaseline {
  const fleet = input.fleet();
  let minutes = 0;
  let rollbacks = 0;
  for (const change of recentServices(input.changes, input.at, input.windowMs)) {
    minutes += DECISION_MINUTES;
    minutes += rollBack(fleet, input.catalog, change.service, change.fromVersion);
    rollbacks++;
    minutes += input.bakeMinutes;
    if (fleet.alarmStates([input.alarm])[input.alarm] === 'OK') {
      return { ...ONE_AT_A_TIME, recovered: true, minutes: round(minutes), rollbacks };
    }
  }
  return { ...ONE_AT_A_TIME, recovered: false, rollbacks };
}

export function alarmedOwn(input: BaselineInput): ReportBaseline {
  const fleet = input.fleet();
  const change = recentServices(input.changes, input.at, input.windowMs).find((c) => c.service === input.alarmed);
  if (!change) return { ...ALARMED_OWN, recovered: false, rollbacks: 0 };
  const minutes = rollBack(fleet, input.catalog, change.service, change.fromVersion) + input.bakeMinutes;
  const recovered = fleet.alarmStates([input.alarm])[input.alarm] === 'OK';
  return { ...ALARMED_OWN, recovered, ...(recovered ? { minutes: round(minutes) } : {}), rollbacks: 1 };
}

const ONE_AT_A_TIME = {
  name: 'One at a time',
  description: 'a person rolls back every recent change, most recent first, and checks the alarm after each',
};
const ALARMED_OWN = {
  name: 'Alarmed service only',
  description: "CodeDeploy's alarm rollback: the alarmed service's own last deployment, if it has one",
};

/** Minutes one rollback takes with its retries; the fleet is rolled back unless every attempt failed. */
function rollBack(fleet: Fleet, catalog: Catalog, service: string, fromVersion: string | undefined): number {
  const action: ActionType = own(catalog.services, service)?.action.type ?? 'manual';
  let minutes = 0;
  for (let n = 1; n <= MAX_ATTEMPTS; n++) {
    const attempt = fleet.attempt(service, action, n);
    minutes += attempt.minutes;
    if (attempt.result === 'ok') {
      fleet.rollBack(service, fromVersion);
      break;
    }
    if (attempt.result === 'failed') break;
  }
  return minutes;
}

function round(minutes: number): number {
  return Math.round(minutes * 10) / 10;
}
