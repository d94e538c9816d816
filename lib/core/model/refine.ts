// Learning from incident records: priors, weights, rollback durations and alarm precision.
import { createHash } from 'node:crypto';
import type { ActionType } from '../catalog';
import { FEATURES, type Features } from '../features';
import { canonicalJson } from '../plan';
import { own } from '../records';
import { rolledBack, type StepStatus } from '../tasks';
import { BUILTIN_MODEL, type CulpritModel, type Weights } from './schema';
import { logit } from './score';

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
