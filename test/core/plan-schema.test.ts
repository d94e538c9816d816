// The plan's schema version follows its shape: every suspect carries the model's features, so a feature
// added or removed is a new plan shape and must come with a new PLAN_SCHEMA_VERSION.
import { FEATURES } from '../../lib/core/features';
import { PLAN_SCHEMA_VERSION } from '../../lib/core/plan';
import { examplePlan } from '../helpers';

/** The feature names each plan schema version's suspects carry. Append a version; never edit one. */
const FEATURES_OF_VERSION: Readonly<Record<number, readonly string[]>> = {
  1: [
    'self',
    'callee',
    'calleeHops',
    'caller',
    'callerHops',
    'recency',
    'origin',
    'errorOrigin',
    'victim',
    'healthy',
    'latency',
    'config',
    'infra',
    'schema',
    'prior',
  ],
  2: [
    'self',
    'callee',
    'calleeHops',
    'caller',
    'callerHops',
    'recency',
    'origin',
    'errorOrigin',
    'chain',
    'victim',
    'healthy',
    'latency',
    'config',
    'infra',
    'schema',
    'prior',
  ],
};

describe('the plan schema version', () => {
  it('names the feature set that the model scores and the plan embeds', () => {
    const pinned = FEATURES_OF_VERSION[PLAN_SCHEMA_VERSION] ?? [];
    const added = FEATURES.filter((f) => !pinned.includes(f));
    const removed = pinned.filter((f) => !(FEATURES as readonly string[]).includes(f));
    if (added.length > 0 || removed.length > 0 || pinned.length !== FEATURES.length) {
      throw new Error(
        `the model's features changed (added: ${added.join(', ') || 'none'}; removed: ${removed.join(', ') || 'none'}) ` +
          `but PLAN_SCHEMA_VERSION is still ${PLAN_SCHEMA_VERSION}: plans embed the features, so raise ` +
          `PLAN_SCHEMA_VERSION in lib/core/plan.ts and pin the new set in FEATURES_OF_VERSION of this test`,
      );
    }
    expect(FEATURES).toStrictEqual(pinned);
  });

  it('gives each version a feature set of its own', () => {
    const sets = Object.values(FEATURES_OF_VERSION).map((names) => [...names].sort().join(','));
    expect(new Set(sets).size).toBe(sets.length);
  });

  it('is the version a new plan carries, with every suspect scored on that feature set', () => {
    const plan = examplePlan();
    expect(plan.schemaVersion).toBe(PLAN_SCHEMA_VERSION);
    expect(plan.suspects.length).toBeGreaterThan(0);
    for (const s of plan.suspects)
      expect(Object.keys(s.features)).toStrictEqual(FEATURES_OF_VERSION[PLAN_SCHEMA_VERSION]);
  });
});
