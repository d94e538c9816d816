// The hand-set built-in model (docs/model.md): what plan ranks with when given no model, and what every stored
// model is migrated against. No schema here: `backstep plan` ranks without loading zod (schema.ts reads models,
// checks this one against the schema's type, and re-exports it).
/** Hand-set starting weights (logit contributions), tuned on the tuning split of `npm run eval`. */
export const BUILTIN_MODEL = {
  schemaVersion: 1 as const,
  version: 'builtin-2',
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
    chain: 3.0,
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
