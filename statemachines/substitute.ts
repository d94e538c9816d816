// `${Key}` placeholders in a definition, replaced the way CDK's definitionSubstitutions does it: the
// same compiled definition is deployed by CDK and run locally.
import type { Asl } from './asl';

/**
 * The partition of every ARN a definition names itself (aws, aws-cn, aws-us-gov): filled by CDK from
 * the stack, by the synthesize function from its environment, and with `aws` in local runs.
 */
export const PARTITION_KEY = 'Partition';
export const PARTITION = `\${${PARTITION_KEY}}`;

/** An optimized integration's resource (`arn:<partition>:states:::<api>`), with the partition to fill. */
export function integrationArn(api: string): string {
  return `arn:${PARTITION}:states:::${api}`;
}

export function substituteText(text: string, values: Readonly<Record<string, string>>): string {
  return text.replace(/\$\{([A-Za-z0-9]+)\}/g, (whole, key: string) => values[key] ?? whole);
}

export function substitute(asl: Asl, values: Readonly<Record<string, string>>): Asl {
  const replace = (value: unknown): unknown => {
    if (typeof value === 'string') return substituteText(value, values);
    if (Array.isArray(value)) return value.map(replace);
    if (value !== null && typeof value === 'object') {
      return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, replace(v)]));
    }
    return value;
  };
  return replace(asl) as Asl;
}
