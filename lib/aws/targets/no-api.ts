// Targets a person rolls back: a feature flag (flipped in its provider) and a manual runbook. The policy
// puts both behind an approval, and acting records that a person did it: no AWS call, no IAM.
import type { ActionType } from '../../core/catalog';
import { NO_CALLS, type RollbackTarget } from './target';

function byPerson<T extends ActionType>(type: T): RollbackTarget<T> {
  return {
    type,
    inspect: () => Promise.resolve({ ok: true }),
    rollback: () => Promise.resolve({}),
    discover: () => Promise.resolve([]),
    events: null,
    calls: () => NO_CALLS,
    permissions: () => NO_CALLS,
  };
}

export const featureFlagTarget = byPerson('feature-flag');
export const manualTarget = byPerson('manual');
