// Deployments: parsed from JSON, kept if they fall in the look-back window before the incident and
// belong to a rollbackable service of the graph, then grouped per service.
import { InputError } from './errors';
import { isRecord, jsonType } from './json';
import {
  CHANGE_KINDS,
  CHANGE_SOURCES,
  type Change,
  type ChangeKind,
  type ChangeSource,
  type ServiceChange,
} from './types';
import type { RollbackMark } from './types';
import type { ServiceIndex } from './topology';

const FIELDS = new Set(['id', 'service', 'deployedAt', 'fromVersion', 'toVersion', 'kind', 'reversible', 'source']);

/**
 * Reads a JSON array of changes; every bad field is reported with its index and name. Given the
 * machine's clock (`now`, epoch ms), a deployment dated implausibly (before 2000, in the future) is bad input.
 */
export function parseChanges(json: unknown, source: string, now?: number): Change[] {
  if (!Array.isArray(json)) throw new InputError('bad changes', source, `an array of changes, not ${jsonType(json)}`);
  return json.map((raw, i): Change => {
    const at = `${source}: [${i}]`;
    if (!isRecord(raw)) throw new InputError('bad changes', at, `a change object, not ${jsonType(raw)}`);
    for (const key of Object.keys(raw)) {
      if (!FIELDS.has(key))
        throw new InputError('bad changes', `${at}.${key}`, `one of the fields ${[...FIELDS].join(', ')}`);
    }
    const service = raw['service'];
    if (typeof service !== 'string' || service.length === 0) {
      throw new InputError('bad changes', `${at}.service`, 'the X-Ray name of a service');
    }
    const deployedAt = parseTime(raw['deployedAt']);
    if (deployedAt === undefined) {
      throw new InputError('bad changes', `${at}.deployedAt`, 'an ISO 8601 time such as 2026-11-27T10:15:00Z');
    }
    if (now !== undefined) checkPlausibleTime(deployedAt, now, `${at}.deployedAt`);
    const kind = raw['kind'] ?? 'code';
    if (!CHANGE_KINDS.includes(kind as ChangeKind)) {
      throw new InputError('bad changes', `${at}.kind`, `one of ${CHANGE_KINDS.join(', ')}`);
    }
    const reversible = raw['reversible'] ?? true;
    if (typeof reversible !== 'boolean') throw new InputError('bad changes', `${at}.reversible`, 'true or false');
    const change: { -readonly [K in keyof Change]: Change[K] } = {
      id: optionalString(raw['id'], `${at}.id`) ?? `${service}@${new Date(deployedAt).toISOString()}`,
      service,
      deployedAt,
      kind: kind as ChangeKind,
      reversible,
    };
    const fromVersion = optionalString(raw['fromVersion'], `${at}.fromVersion`);
    const toVersion = optionalString(raw['toVersion'], `${at}.toVersion`);
    if (fromVersion !== undefined) change.fromVersion = fromVersion;
    if (toVersion !== undefined) change.toVersion = toVersion;
    const src = raw['source'];
    if (src !== undefined) {
      if (!CHANGE_SOURCES.includes(src as ChangeSource)) {
        throw new InputError('bad changes', `${at}.source`, `one of ${CHANGE_SOURCES.join(', ')}`);
      }
      change.source = src as ChangeSource;
    }
    return change;
  });
}

/** Strict ISO 8601 with a date and, if a time is given, a zone; `Date.parse` alone accepts too much. */
const ISO_8601 = /^\d{4}-\d{2}-\d{2}(T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:?\d{2}))?$/;

export function parseTime(value: unknown): number | undefined {
  if (typeof value !== 'string' || !ISO_8601.test(value)) return undefined;
  // Date.parse rolls 2026-02-31 over to March: check the calendar and the clock ourselves.
  const [y, m, d] = value.slice(0, 10).split('-').map(Number) as [number, number, number];
  const day = new Date(Date.UTC(y, m - 1, d));
  if (day.getUTCFullYear() !== y || day.getUTCMonth() !== m - 1 || day.getUTCDate() !== d) return undefined;
  const clock = /T(\d{2}):(\d{2})(?::(\d{2}))?/.exec(value);
  if (clock && (Number(clock[1]) > 23 || Number(clock[2]) > 59 || Number(clock[3] ?? 0) > 59)) return undefined;
  const ms = Date.parse(value);
  return Number.isNaN(ms) ? undefined : ms;
}

function optionalString(value: unknown, where: string): string | undefined {
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'string') throw new InputError('bad changes', where, `a string, not ${jsonType(value)}`);
  return value;
}

/** Severity order used when several changes of one service are undone together. */
const KIND_RANK: Record<ChangeKind, number> = { code: 0, config: 1, infra: 2, schema: 3 };

export interface SelectedChanges {
  /** Per rollbackable node. */
  readonly byNode: Map<number, ServiceChange>;
  readonly warnings: string[];
}

/** Keeps changes in [at - window, at] on services of the graph; groups them per service. */
export function selectChanges(
  changes: readonly Change[],
  services: ServiceIndex,
  at: number,
  windowMs: number,
): SelectedChanges {
  const warnings: string[] = [];
  const grouped = new Map<number, Change[]>();
  const windowStart = at - windowMs;
  let early = 0;
  for (const change of changes) {
    if (change.deployedAt > at) {
      warnings.push(`change ${change.id}: deployed after the incident time; left out`);
      continue;
    }
    if (change.deployedAt < windowStart) {
      early++;
      continue;
    }
    const node = services.rollbackable(change.service);
    if (node === undefined) {
      const why = services.has(change.service)
        ? 'is not a rollbackable service (an AWS resource or client)'
        : 'is not in the service graph';
      warnings.push(`change ${change.id}: ${change.service} ${why}; left out`);
      continue;
    }
    const list = grouped.get(node);
    if (list) list.push(change);
    else grouped.set(node, [change]);
  }
  if (early > 0) warnings.push(`${early} change(s) before the look-back window; left out`);

  const byNode = new Map<number, ServiceChange>();
  for (const [node, list] of grouped) {
    list.sort((a, b) => a.deployedAt - b.deployedAt || (a.id < b.id ? -1 : 1));
    const first = list[0] as Change;
    const last = list[list.length - 1] as Change;
    const kinds = [...new Set(list.map((c) => c.kind))].sort((a, b) => KIND_RANK[b] - KIND_RANK[a]);
    byNode.set(node, {
      service: first.service,
      node,
      ids: list.map((c) => c.id),
      firstDeployedAt: first.deployedAt,
      lastDeployedAt: last.deployedAt,
      ...(first.fromVersion !== undefined ? { fromVersion: first.fromVersion } : {}),
      ...(last.toVersion !== undefined ? { toVersion: last.toVersion } : {}),
      kinds,
      reversible: list.every((c) => c.reversible),
    });
  }
  return { byNode, warnings };
}

/** The longest look-back window: older changes are history, not suspects. */
export const MAX_WINDOW_MS = 366 * 86_400_000;

/** `30m`, `24h`, `7d` -> milliseconds, in (0, MAX_WINDOW_MS]. */
export function parseDuration(text: string): number | undefined {
  const m = /^(\d+(?:\.\d+)?)(s|m|h|d)$/.exec(text);
  if (!m) return undefined;
  const unit = { s: 1_000, m: 60_000, h: 3_600_000, d: 86_400_000 }[m[2] as 's' | 'm' | 'h' | 'd'];
  const ms = Number(m[1]) * unit;
  return ms > 0 && ms <= MAX_WINDOW_MS ? ms : undefined;
}

// ---- Plausible times -----------------------------------------------------------------------------

/** Earlier inputs are mistakes (a unit, a typo): nothing Backstep reads existed before 2000. */
export const EARLIEST_PLAUSIBLE_MS = Date.UTC(2000, 0, 1);
/** How far past the machine's clock an input may be dated: clock skew, a zone written wrongly. */
export const FUTURE_SLACK_MS = 86_400_000;

export function isPlausibleTime(ms: number, now: number): boolean {
  return ms >= EARLIEST_PLAUSIBLE_MS && ms <= now + FUTURE_SLACK_MS;
}

/**
 * Refuses a time outside [2000-01-01, now + 1 day] as bad input at `where`. `epochSeconds` is the
 * number the input wrote, when it wrote epoch seconds: a value in milliseconds is then pointed out.
 */
export function checkPlausibleTime(ms: number, now: number, where: string, epochSeconds?: number): void {
  if (isPlausibleTime(ms, now)) return;
  const shown = isValidTime(ms) ? new Date(ms).toISOString() : `${epochSeconds ?? ms}`;
  // Read as milliseconds, would the number be a plausible time?
  const hint =
    epochSeconds !== undefined && isPlausibleTime(epochSeconds, now)
      ? ` (milliseconds? epoch seconds are expected: ${epochSeconds / 1000} is ${new Date(epochSeconds).toISOString()})`
      : '';
  throw new InputError('implausible time', where, `a time from 2000-01-01 to a day from now, not ${shown}${hint}`);
}

/** Dates JavaScript can represent (about ±275,000 years around 1970), in ms. */
export function isValidTime(ms: number): boolean {
  return Number.isFinite(ms) && Math.abs(ms) <= 8.64e15;
}

// ---- What Backstep undid -------------------------------------------------------------------------

/** How long before the mark a deployment counts as the rollback's own (clocks and event delays). */
const UNDONE_SLACK_MS = 5 * 60_000;

/** The changes that may still be suspects: neither undone by Backstep nor Backstep's own rollback. */
export function notUndone(changes: readonly Change[], marks: readonly RollbackMark[]): Change[] {
  const undone = new Set(marks.flatMap((m) => m.changeIds));
  return changes.filter(
    (c) =>
      !undone.has(c.id) &&
      !marks.some(
        (m) =>
          m.service === c.service &&
          m.version !== undefined &&
          c.toVersion === m.version &&
          c.deployedAt >= Date.parse(m.at) - UNDONE_SLACK_MS,
      ),
  );
}
