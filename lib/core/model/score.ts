// The score: a logistic function of the weighted features plus the service's prior from incident history.
import { FEATURES, type Features } from '../features';
import { own } from '../records';
import type { CulpritModel, Weights } from './schema';

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
