// The culprit model (README: The culprit model): a logistic score over a few explainable features, Beta priors
// per service from incident history, and rollback and alarm statistics. Versioned JSON; `refine`
// learns from incident records, purely and deterministically.
import { createHash } from 'node:crypto';
import { z } from 'zod';
import type { ActionType } from './catalog';
import { InputError } from './errors';
import { FEATURES, type Evidence, type FeatureName, type Features, type FeatureSettings } from './features';
import { canonicalJson } from './plan';
import { own } from './records';
import { rolledBack, type StepStatus } from './tasks';

const beta = z.strictObject({ alpha: z.number().positive(), beta: z.number().positive() });
const durations = z.strictObject({
  count: z.number().int().nonnegative(),
  meanSeconds: z.number().nonnegative(),
  successes: z.number().int().nonnegative(),
  failures: z.number().int().nonnegative(),
});

const weightsShape = Object.fromEntries([...FEATURES, 'bias'].map((f) => [f, z.number()])) as Record<
  FeatureName | 'bias',
  z.ZodNumber
>;

export const modelSchema = z.strictObject({
  schemaVersion: z.literal(1),
  version: z.string().min(1),
  weights: z.strictObject(weightsShape),
  settings: z.strictObject({
    recencyHalfLifeMin: z.number().positive(),
    noise: z.number().min(0).max(1),
    cap: z.number().positive().max(1),
    /** L2 pull of refined weights back to the built-in ones. */
    regularisation: z.number().min(0),
  }),
  priors: z.strictObject({ default: beta, services: z.record(z.string(), beta) }),
  rollback: z.strictObject({ services: z.record(z.string(), durations), actions: z.record(z.string(), durations) }),
  alarms: z.record(
    z.string(),
    z.strictObject({ real: z.number().int().nonnegative(), false: z.number().int().nonnegative() }),
  ),
  trainedOn: z.number().int().nonnegative(),
});

export type CulpritModel = z.infer<typeof modelSchema>;
export type Weights = CulpritModel['weights'];

/** Hand-set starting weights (logit contributions), tuned on the tuning split of `npm run eval`. */
export const BUILTIN_MODEL: CulpritModel = {
  schemaVersion: 1,
  version: 'builtin-1',
  weights: {
    bias: -1.5,
    self: 1.0,
    callee: 1.2,
    calleeHops: -0.3,
    caller: -0.3,
    callerHops: -0.3,
    recency: 2.0,
    origin: 8.0,
    errorOrigin: 4.0,
    victim: -3.5,
    healthy: -1.2,
    latency: 0.8,
    config: 0.3,
    infra: 0.2,
    schema: 0.4,
    prior: 0.6,
  },
  settings: { recencyHalfLifeMin: 90, noise: 0.01, cap: 0.4, regularisation: 0.5 },
  priors: { default: { alpha: 1, beta: 9 }, services: {} },
  rollback: { services: {}, actions: {} },
  alarms: {},
  trainedOn: 0,
};

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

export function featureSettings(model: CulpritModel): FeatureSettings {
  return model.settings;
}

/** How much likelier than an average service this one's changes are to be culprits (log odds). */
export function priorLogOdds(model: CulpritModel, service: string): number {
  const p = own(model.priors.services, service) ?? model.priors.default;
  const d = model.priors.default;
  const odds = Math.log(p.alpha / p.beta) - Math.log(d.alpha / d.beta);
  return Number.isFinite(odds) ? Math.max(-10, Math.min(10, odds)) : 0;
}

/** The score's log-odds; a feature that is not a finite number counts as no evidence. */
export function logit(weights: Weights, features: Features): number {
  let z = weights.bias;
  for (const f of FEATURES) {
    const x = features[f];
    if (Number.isFinite(x)) z += weights[f] * x;
  }
  return Number.isFinite(z) ? z : 0;
}

export function sigmoid(z: number): number {
  return 1 / (1 + Math.exp(-z));
}

/** The two or three strongest reasons, in words with their numbers. */
export function explain(
  model: CulpritModel,
  service: string,
  alarmed: string,
  features: Features,
  e: Evidence,
): string[] {
  const contributions = FEATURES.map((f) => ({ f, c: model.weights[f] * features[f] })).filter((x) => x.c !== 0);
  contributions.sort((a, b) => Math.abs(b.c) - Math.abs(a.c) || (a.f < b.f ? -1 : 1));
  const texts: string[] = [];
  for (const { f } of contributions) {
    const text = reasonText(f, service, alarmed, e, model);
    if (text && !texts.includes(text)) texts.push(text);
    if (texts.length === 3) break;
  }
  return texts;
}

function reasonText(
  f: FeatureName,
  service: string,
  alarmed: string,
  e: Evidence,
  model: CulpritModel,
): string | undefined {
  const base = (rate: number | undefined) => (rate === undefined ? '' : ` (baseline ${pct(rate)})`);
  switch (f) {
    case 'self':
      return `${service} is the alarmed service`;
    case 'callee':
    case 'calleeHops':
      return `${alarmed} ${e.down === 1 ? 'calls it directly' : `depends on it through ${e.down} hops`}`;
    case 'caller':
    case 'callerHops':
      return `it calls ${alarmed} (${e.up === 1 ? 'directly' : `${e.up} hops`}): a changed caller can overload it`;
    case 'recency':
      return `deployed ${formatAge(e.ageMin)} before the alarm`;
    case 'origin':
      return `callers of ${service} see ${pct(e.inFault)} faults${base(e.baseInFault)}; its callees are ${e.worstCallee ? `healthy (worst ${pct(e.worstCallee.rate)})` : 'not failing (none traced)'}`;
    case 'errorOrigin':
      return `callers of ${service} get ${pct(e.inError)} errors${base(e.baseInError)}`;
    case 'victim':
      return e.worstCallee
        ? `its callee ${e.worstCallee.name} fails ${pct(e.worstCallee.rate)} of calls: more likely a victim than the origin`
        : undefined;
    case 'healthy':
      return `callers of ${service} see no new faults (${pct(e.inFault)}${e.baseInFault === undefined ? '' : `, baseline ${pct(e.baseInFault)}`})`;
    case 'latency':
      return e.latency
        ? `callers of ${service} wait ${(e.latency.now / Math.max(e.latency.before, 1e-6)).toFixed(1)}× longer than in the baseline (${ms(e.latency.now)} vs ${ms(e.latency.before)}) while its callees are not slower`
        : undefined;
    case 'config':
    case 'infra':
    case 'schema':
      return `${f} change`;
    case 'prior': {
      const p = own(model.priors.services, service);
      if (!p) return undefined;
      const caused = Math.round(p.alpha - model.priors.default.alpha);
      const cleared = Math.round(p.beta - model.priors.default.beta);
      return `its changes caused ${caused} of ${caused + cleared} recorded incidents it was suspected in`;
    }
  }
}

// ---- Learning -------------------------------------------------------------------------------------

/** What the platform stores per incident (DynamoDB) and what `refine` learns from. */
export interface IncidentRecord {
  readonly schemaVersion: 1;
  readonly incidentId: string;
  readonly at: string;
  readonly alarms: readonly string[];
  readonly planId: string;
  readonly modelVersion: string;
  /** Every suspect with the features it was scored on, best first. */
  readonly suspects: readonly { readonly service: string; readonly score: number; readonly features: Features }[];
  /** False when the alarm turned out to be noise (no rollback was needed). */
  readonly realIncident: boolean;
  /** The service whose rollback made the incident alarms recover; absent if none did. */
  readonly culprit?: string;
  readonly steps: readonly {
    readonly service: string;
    readonly action: ActionType;
    readonly startedAt: string;
    readonly endedAt: string;
    readonly status: StepStatus;
  }[];
  readonly recoveredAt?: string;
  readonly timeToRecoverySeconds?: number;
}

export const REFINE_EPOCHS = 300;
export const REFINE_RATE = 0.05;

/**
 * Learns from incident records: Beta priors per service (culprit: alpha + 1; cleared suspects:
 * beta + 1), weights by logistic regression (plain gradient descent, fixed epochs, L2 toward the
 * built-in weights), rollback durations and success per service and action, alarm precision.
 * Pure and deterministic: the same model and records give the same model, version included.
 */
export function refine(model: CulpritModel, records: readonly IncidentRecord[]): CulpritModel {
  const priors = { default: model.priors.default, services: copy(model.priors.services) };
  const alarms = copy(model.alarms);
  const totals = {
    services: totalsOf(model.rollback.services),
    actions: totalsOf(model.rollback.actions),
  };
  const incidents: { features: Features; label: number }[][] = [];
  // One record per incident (the last one given wins), in time order, ties by id: order-independent.
  const unique = new Map(records.map((r) => [r.incidentId, r]));
  const sorted = [...unique.values()].sort(
    (a, b) => (Date.parse(a.at) || 0) - (Date.parse(b.at) || 0) || (a.incidentId < b.incidentId ? -1 : 1),
  );

  for (const record of sorted) {
    for (const alarm of record.alarms) {
      const a = own(alarms, alarm) ?? { real: 0, false: 0 };
      alarms[alarm] = record.realIncident ? { ...a, real: a.real + 1 } : { ...a, false: a.false + 1 };
    }
    for (const step of record.steps) {
      const seconds = (Date.parse(step.endedAt) - Date.parse(step.startedAt)) / 1000;
      if (!Number.isFinite(seconds) || seconds < 0) continue;
      const ok = rolledBack(step.status);
      addDuration(totals.services, step.service, seconds, ok);
      addDuration(totals.actions, step.action, seconds, ok);
    }
    if (!record.realIncident || record.culprit === undefined) continue;
    const group: { features: Features; label: number }[] = [];
    for (const suspect of record.suspects) {
      const p = own(priors.services, suspect.service) ?? priors.default;
      const isCulprit = suspect.service === record.culprit;
      priors.services[suspect.service] = isCulprit ? { ...p, alpha: p.alpha + 1 } : { ...p, beta: p.beta + 1 };
      group.push({ features: finite(suspect.features), label: isCulprit ? 1 : 0 });
    }
    if (group.length > 1 && group.some((g) => g.label === 1)) incidents.push(group);
  }

  const weights =
    incidents.length > 0 ? fitWeights(model.weights, incidents, model.settings.regularisation) : model.weights;
  const body = {
    ...model,
    weights,
    priors: { default: priors.default, services: plain(priors.services) },
    alarms: plain(alarms),
    rollback: { services: statsOf(totals.services), actions: statsOf(totals.actions) },
    trainedOn: model.trainedOn + sorted.filter((r) => r.realIncident && r.culprit !== undefined).length,
  };
  const version = `refined-${createHash('sha256')
    .update(canonicalJson({ ...body, version: '' }))
    .digest('hex')
    .slice(0, 12)}`;
  return { ...body, version };
}

/**
 * Conditional logit: per incident, the softmax over its suspects should put the culprit first — the
 * question the model answers is "which of these", not "is this one bad". Plain gradient descent, fixed
 * epochs, L2 toward the built-in weights. The bias and the prior weight cancel or stay (the prior is
 * already a log-odds from counted history).
 */
function fitWeights(
  start: Weights,
  incidents: readonly (readonly { features: Features; label: number }[])[],
  lambda: number,
): Weights {
  const learned = FEATURES.filter((f) => f !== 'prior');
  const w: Record<string, number> = { ...start };
  const anchor = BUILTIN_MODEL.weights as Record<string, number>;
  for (let epoch = 0; epoch < REFINE_EPOCHS; epoch++) {
    const grad: Record<string, number> = Object.fromEntries(learned.map((k) => [k, 0]));
    for (const group of incidents) {
      const z = group.map((g) => logit(w as Weights, g.features));
      const top = Math.max(...z);
      const e = z.map((x) => Math.exp(x - top));
      const sum = e.reduce((a, b) => a + b, 0);
      group.forEach((g, i) => {
        const err = (e[i] as number) / sum - g.label;
        for (const f of learned) grad[f] = (grad[f] as number) + err * g.features[f];
      });
    }
    for (const k of learned) {
      const g = (grad[k] as number) / incidents.length + lambda * ((w[k] as number) - (anchor[k] as number));
      w[k] = (w[k] as number) - REFINE_RATE * g;
    }
  }
  return Object.fromEntries(['bias', ...FEATURES].map((k) => [k, Math.round((w[k] as number) * 1e6) / 1e6])) as Weights;
}

type DurationStats = CulpritModel['rollback']['services'][string];
type Totals = Map<string, { count: number; seconds: number; successes: number; failures: number }>;

/** Null-prototype copy: keys are service and alarm names, never Object's own properties. */
function copy<T>(record: Readonly<Record<string, T>>): Record<string, T> {
  return Object.assign(Object.create(null) as Record<string, T>, record);
}

function totalsOf(stats: Readonly<Record<string, DurationStats>>): Totals {
  return new Map(
    Object.entries(stats).map(([k, s]) => [
      k,
      { count: s.count, seconds: s.meanSeconds * s.count, successes: s.successes, failures: s.failures },
    ]),
  );
}

function addDuration(totals: Totals, key: string, seconds: number, ok: boolean): void {
  const t = totals.get(key) ?? { count: 0, seconds: 0, successes: 0, failures: 0 };
  totals.set(key, {
    count: t.count + 1,
    seconds: t.seconds + seconds,
    successes: t.successes + (ok ? 1 : 0),
    failures: t.failures + (ok ? 0 : 1),
  });
}

/** Back to a plain JSON object; `Object.fromEntries` defines even a `__proto__` key as data. */
function plain<T>(record: Readonly<Record<string, T>>): Record<string, T> {
  return Object.fromEntries(
    Object.keys(record)
      .sort()
      .map((k) => [k, record[k] as T]),
  );
}

/** Means computed once from the sums, so the order of the records cannot change the rounding. */
function statsOf(totals: Totals): Record<string, DurationStats> {
  return Object.fromEntries(
    [...totals.keys()].sort().map((key) => {
      const t = totals.get(key) as { count: number; seconds: number; successes: number; failures: number };
      const mean = Math.round((t.seconds / Math.max(t.count, 1)) * 1000) / 1000;
      return [key, { count: t.count, meanSeconds: mean, successes: t.successes, failures: t.failures }];
    }),
  );
}

function finite(features: Features): Features {
  return Object.fromEntries(FEATURES.map((f) => [f, Number.isFinite(features[f]) ? features[f] : 0])) as Features;
}

export function pct(rate: number): string {
  const p = rate * 100;
  return `${p >= 10 || p === 0 ? p.toFixed(0) : p.toFixed(1)}%`;
}

function ms(seconds: number): string {
  return `${Math.round(seconds * 1000)} ms`;
}

export function formatAge(minutes: number): string {
  if (minutes < 90) return `${Math.round(minutes)} min`;
  if (minutes < 48 * 60) return `${(minutes / 60).toFixed(1).replace(/\.0$/, '')} h`;
  return `${Math.round(minutes / 1440)} d`;
}
