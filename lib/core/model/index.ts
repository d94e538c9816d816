// The culprit model (docs/model.md): a logistic score over a few explainable features, Beta priors
// per service from incident history, and rollback and alarm statistics. Versioned JSON; `refine`
// learns from incident records, purely and deterministically.
export {
  BUILTIN_MODEL,
  migrateModel,
  modelSchema,
  parseModel,
  readStoredModel,
  type CulpritModel,
  type Weights,
} from './schema';
export { logit, priorLogOdds, sigmoid } from './score';
export { explain, formatAge, pct } from './explain';
export { refine, REFINE_EPOCHS, REFINE_RATE, type IncidentRecord } from './refine';
