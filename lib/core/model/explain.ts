// A suspect's `why`: the strongest features in words, with their numbers.
import { FEATURES, type Evidence, type FeatureName, type Features } from '../features';
import { own } from '../records';
import type { CulpritModel } from './schema';

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
