// The culprit model's stored form (docs/model.md): versioned JSON, validated when read, and
// the hand-set built-in model that every stored model is migrated against.
import { InputError } from '../errors';
import { FEATURES, type FeatureName } from '../features';
import * as z from '../zod-mini';
import { BUILTIN_MODEL as BUILTIN } from './builtin';

// zod/mini (lib/core/zod-mini.ts): the checks and messages of the chained `zod` ones, without loading
// the chained API on the plan path.
const positive = () => z.number().check(z.positive());
const count = () => z.number().check(z.int(), z.nonnegative());
const beta = z.strictObject({ alpha: positive(), beta: positive() });
const durations = z.strictObject({
  count: count(),
  meanSeconds: z.number().check(z.nonnegative()),
  successes: count(),
  failures: count(),
});

const weightsShape = Object.fromEntries([...FEATURES, 'bias'].map((f) => [f, z.number()])) as Record<
  FeatureName | 'bias',
  z.ZodMiniNumber
>;

export const modelSchema = z.strictObject({
  schemaVersion: z.literal(1),
  version: z.string().check(z.minLength(1)),
  weights: z.strictObject(weightsShape),
  settings: z.strictObject({
    recencyHalfLifeMin: positive(),
    noise: z.number().check(z.minimum(0), z.maximum(1)),
    cap: z.number().check(z.positive(), z.maximum(1)),
    /** L2 pull of refined weights back to the built-in ones. */
    regularisation: z.number().check(z.minimum(0)),
  }),
  priors: z.strictObject({ default: beta, services: z.record(z.string(), beta) }),
  rollback: z.strictObject({ services: z.record(z.string(), durations), actions: z.record(z.string(), durations) }),
  alarms: z.record(z.string(), z.strictObject({ real: count(), false: count() })),
  trainedOn: count(),
});

export type CulpritModel = z.infer<typeof modelSchema>;
export type Weights = CulpritModel['weights'];

export const BUILTIN_MODEL: CulpritModel = BUILTIN;

/**
 * A model from a file or the table: validated, and migrated first when it is older than this code.
 * A model stored before a feature existed has no weight for it; scored as it is, every suspect's
 * log-odds would be NaN, read as 0 (a score of 0.5 for all). Missing weights (and settings) are taken
 * from the built-in model instead. Anything else invalid fails with what, where and what was expected.
 */
export function parseModel(json: unknown, source: string): CulpritModel {
  const result = modelSchema.safeParse(migrateModel(json));
  if (result.success) return result.data;
  const issue = result.error.issues[0];
  const path = issue?.path.map(String).join('.') ?? '';
  throw new InputError('bad model', path ? `${source}: ${path}` : source, issue?.message ?? 'a culprit model');
}

/** A model kept as JSON text (the table's MODEL items), read as `parseModel` does. */
export function readStoredModel(text: string, source: string): CulpritModel {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (err) {
    throw new InputError('bad model', source, 'JSON text of a culprit model', { cause: err });
  }
  return parseModel(json, source);
}

/** Fills the weights and settings a model lacks from the built-in model; changes nothing else. */
export function migrateModel(json: unknown): unknown {
  if (!isRecord(json)) return json;
  const fill = (stored: unknown, builtin: Readonly<Record<string, unknown>>) =>
    isRecord(stored) ? { ...builtin, ...stored } : stored;
  return {
    ...json,
    weights: fill(json['weights'], BUILTIN_MODEL.weights),
    settings: fill(json['settings'], BUILTIN_MODEL.settings),
  };
}

function isRecord(value: unknown): value is Readonly<Record<string, unknown>> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
