// Lookups in records keyed by names that come from outside (services, alarms): a service called
// `constructor` must find its own entry, not Object's.
export function own<T>(record: Readonly<Record<string, T>>, key: string): T | undefined {
  return Object.hasOwn(record, key) ? record[key] : undefined;
}
