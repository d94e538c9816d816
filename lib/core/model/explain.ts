// A suspect's `why`: every feature that moved its score, in words with their numbers, each with what it added
// to the score's log-odds, so that an operator sees the balance (evidence against timing and change kind).
import { FEATURES, type Evidence, type FeatureName, type Features } from '../features';
import { own } from '../records';
import type { CulpritModel } from './schema';

/**
 * One line per reason, strongest first: `+3.00 failure chain from the alarm (3 hops): ...`. Features told
 * in the same words (being a callee, and how many hops away) share a line and add up; a reason that adds
 * less than 0.005 is left out.
 */
export function explain(
  model: CulpritModel,
  service: string,
  alarmed: string,
  features: Features,
  e: Evidence,
): string[] {
  const lines = new Map<string, number>();
  for (const f of FEATURES) {
    const c = model.weights[f] * features[f];
    if (!Number.isFinite(c) || c === 0) continue;
    const text = reasonText(f, service, alarmed, e, model) ?? f;
    lines.set(text, (lines.get(text) ?? 0) + c);
  }
  return [...lines]
    .filter(([, c]) => Math.abs(c) >= 0.005)
    .sort(([ta, a], [tb, b]) => Math.abs(b) - Math.abs(a) || (ta < tb ? -1 : 1))
    .map(([text, c]) => `${c > 0 ? '+' : '-'}${Math.abs(c).toFixed(2)} ${text}`);
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
    case 'chain':
      return e.chain
        ? `failure chain from the alarm (${hops(e.chain.hops)}): ${e.chain.faults} of the ${e.chain.total} failed calls into ${e.chain.from} fail on every hop down to ${service}`
        : undefined;
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

function hops(n: number): string {
  return n === 1 ? '1 hop' : `${n} hops`;
}

function ms(seconds: number): string {
  return `${Math.round(seconds * 1000)} ms`;
}

export function formatAge(minutes: number): string {
  if (minutes < 90) return `${Math.round(minutes)} min`;
  if (minutes < 48 * 60) return `${(minutes / 60).toFixed(1).replace(/\.0$/, '')} h`;
  return `${Math.round(minutes / 1440)} d`;
}
