// Checking the construct's props at synth time, before anything is created: each refusal is a PropsError that
// names the construct, the prop (or the catalog field), the value received and what would be accepted.
import { Duration } from 'aws-cdk-lib';
import type { IConstruct } from 'constructs';
import { catalogSchema, parseCatalog, type Catalog } from '../core/catalog';
import type { Setting } from '../core/contracts';
import { InputError } from '../core/errors';
import { PropsError } from './errors';

/** The catalog with its defaults applied, or a PropsError naming the first bad field. */
export function validateCatalog(scope: IConstruct, input: unknown): Catalog {
  let catalog: Catalog;
  try {
    catalog = parseCatalog(input, 'catalog');
  } catch (err) {
    if (!(err instanceof InputError)) throw err;
    // parseCatalog says what was expected; the schema's first issue is the same field, its path as data,
    // which finds the value that was given there.
    const path = catalogSchema.safeParse(input).error?.issues[0]?.path ?? [];
    const value = path.reduce<unknown>((v, key) => (isRecord(v) ? v[key] : undefined), input);
    throw new PropsError(scope, fieldPath('catalog', path), withValue(err.expected, value), { cause: err });
  }
  if (Object.keys(catalog.services).length === 0) {
    throw new PropsError(scope, 'catalog.services', 'empty; expected at least one service with its rollback action');
  }
  return catalog;
}

/** A duration prop in seconds, in its setting's range; left out, the setting's default. */
export function durationSeconds(
  scope: IConstruct,
  prop: string,
  value: Duration | undefined,
  setting: Setting,
): number {
  const s = wholeSeconds(scope, prop, value) ?? setting.default;
  if (!(s >= setting.min && s <= setting.max)) {
    throw new PropsError(scope, prop, `${span(s)}; expected ${span(setting.min)} to ${span(setting.max)}`);
  }
  return s;
}

/** A duration prop in seconds; the functions are given whole seconds, and a token has no value at synth. */
function wholeSeconds(scope: IConstruct, prop: string, value: Duration | undefined): number | undefined {
  if (value === undefined) return undefined;
  if (value.isUnresolved()) throw new PropsError(scope, prop, 'a token; expected a duration known at synth time');
  const s = value.toSeconds({ integral: false });
  if (!Number.isInteger(s)) throw new PropsError(scope, prop, `${value.toHumanString()}; expected whole seconds`);
  return s;
}

/** `3600` -> `1 hour`. */
export function span(seconds: number): string {
  return Duration.seconds(seconds).toHumanString();
}

/** `catalog` and `["services", "web-api", "action"]` -> `catalog.services["web-api"].action`, as one writes it. */
export function fieldPath(root: string, path: readonly PropertyKey[]): string {
  return path
    .map((key) =>
      typeof key === 'number'
        ? `[${key}]`
        : /^[A-Za-z_$][\w$]*$/.test(String(key))
          ? `.${String(key)}`
          : `[${JSON.stringify(String(key))}]`,
    )
    .reduce((field, part) => field + part, root);
}

/** `expected string` and `3` -> `expected string, not 3`; a missing value says so. */
function withValue(expected: string, value: unknown): string {
  if (!expected.startsWith('expected ')) return expected;
  if (value === undefined) return `missing; ${expected}`;
  const text = show(value);
  return `${expected}, not ${text.length > 60 ? `${text.slice(0, 59)}…` : text}`;
}

function show(value: unknown): string {
  try {
    return JSON.stringify(value) ?? String(value);
  } catch {
    // A bigint or a cycle.
    return String(value);
  }
}

function isRecord(value: unknown): value is Record<PropertyKey, unknown> {
  return typeof value === 'object' && value !== null;
}
