// Reading EventBridge events defensively: a field that is missing or of the wrong type is a BadEvent,
// which the recorder turns into an `ignored` decision with the field's path, never a crash.
import type { ActionType, Catalog } from '../../core/catalog';
import { parseTime } from '../../core/changes';
import { isRecord } from '../../core/json';
import type { Action, MappedEvent } from './target';

export class BadEvent extends Error {}

export function field<T>(record: Record<string, unknown>, key: string, is: (v: unknown) => v is T, expected: string): T;
export function field(
  record: Record<string, unknown>,
  key: string,
  is: (v: unknown) => boolean,
  expected: string,
): unknown;
export function field(
  record: Record<string, unknown>,
  key: string,
  is: (v: unknown) => boolean,
  expected: string,
): unknown {
  const value = record[key];
  if (!is(value)) throw new BadEvent(`${key}: expected ${expected}`);
  return value;
}

export function text(record: Record<string, unknown>, path: string): string {
  const value = record[path.slice(path.lastIndexOf('.') + 1)];
  if (typeof value !== 'string' || value === '') throw new BadEvent(`${path}: expected a non-empty string`);
  return value;
}

export function time(record: Record<string, unknown>, key: string): number {
  const ms = parseTime(record[key]);
  if (ms === undefined) throw new BadEvent(`${key}: expected an ISO 8601 time`);
  return ms;
}

export function detailOf(event: Record<string, unknown>): Record<string, unknown> {
  return field(event, 'detail', isRecord, 'an object');
}

/** The catalogued service whose action of this type matches. */
export function findCatalogued<T extends ActionType>(
  catalog: Catalog,
  type: T,
  match: (action: Action<T>) => boolean,
): { service: string; action: Action<T> } | undefined {
  for (const [service, entry] of Object.entries(catalog.services)) {
    const action = entry.action;
    if (action.type === type && match(action as Action<T>)) return { service, action: action as Action<T> };
  }
  return undefined;
}

export function notCatalogued(what: string): MappedEvent {
  return { ignored: `${what} is not in the catalog` };
}
