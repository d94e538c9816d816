// What the planner asks of a catalog: no schema here, so `backstep plan` without --catalog plans without
// loading zod. catalog.ts reads and checks catalogs, and re-exports these.

/** What the lookups read of a catalog (catalog.ts has the whole type, from its schema). */
interface CatalogAlarms {
  readonly services: Readonly<Record<string, { readonly alarms: readonly string[] }>>;
}

/** No catalog: every service manual, in the default application, mode auto. */
export const EMPTY_CATALOG: {
  readonly application: 'default';
  readonly mode: 'auto';
  readonly services: Readonly<Record<string, never>>;
} = { application: 'default', mode: 'auto', services: {} };

/** Resolves an alarm name to the catalogued services it watches. */
export function servicesForAlarm(catalog: CatalogAlarms, alarm: string): string[] {
  return Object.entries(catalog.services)
    .filter(([, entry]) => entry.alarms.includes(alarm))
    .map(([service]) => service);
}
