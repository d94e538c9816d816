// `${Key}` placeholders in a definition, replaced the way CDK's definitionSubstitutions does it: the
// same compiled definition is deployed by CDK and run locally.
import type { Asl } from './asl';

export function substitute(asl: Asl, values: Readonly<Record<string, string>>): Asl {
  const replace = (value: unknown): unknown => {
    if (typeof value === 'string') {
      return value.replace(/\$\{([A-Za-z0-9]+)\}/g, (whole, key: string) => values[key] ?? whole);
    }
    if (Array.isArray(value)) return value.map(replace);
    if (value !== null && typeof value === 'object') {
      return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, replace(v)]));
    }
    return value;
  };
  return replace(asl) as Asl;
}
