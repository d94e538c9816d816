// The culprit model on hand-built incidents with a known answer, one per kind of evidence, and
// `refine` on a constructed history.
import { FEATURES, type Features } from '../../lib/core/features';
import { BUILTIN_MODEL, parseModel, refine, type IncidentRecord } from '../../lib/core/model';
import { planRollback } from '../../lib/core/planner';
import { rankSuspects, rankWith } from '../../lib/core/suspects';
import type { Change } from '../../lib/core/types';
import type { TrafficOptions } from '../../lib/local/sim/xray-from-topology';
import { T0, topologyOf } from '../helpers';

const MIN = 60_000;

function change(service: string, minutesAgo: number, kind: Change['kind'] = 'code'): Change {
  return { id: `c-${service}`, service, deployedAt: T0 - minutesAgo * MIN, kind, reversible: true };
}

/** Ranks changes on Online Boutique with the given failure, a healthy baseline and an alarm. */
function rank(traffic: Partial<TrafficOptions>, changes: Change[], alarm: string) {
  const plan = planRollback({
    topology: topologyOf('online-boutique', traffic),
    baseline: topologyOf('online-boutique'),
    changes,
    alarmed: [alarm],
    at: T0,
    windowMs: 24 * 60 * MIN,
  });
  return plan.suspects;
}

describe('the culprit model', () => {
  it('ranks the origin above a victim that calls it, even when the victim was deployed later', () => {
    const suspects = rank(
      { faults: { productcatalogservice: 0.3 } },
      [change('productcatalogservice', 50), change('recommendationservice', 10)],
      'frontend',
    );
    expect(suspects.map((s) => s.service)).toStrictEqual(['productcatalogservice', 'recommendationservice']);
    expect(suspects[0]?.why[0]).toMatch(
      /^\+\d\.\d\d callers of productcatalogservice see \d\d% faults \(baseline 0\.\d%\); its callees are not failing \(none traced\)$/,
    );
    expect(suspects[1]?.why).toContainEqual(
      expect.stringMatching(
        /^-\d\.\d\d its callee productcatalogservice fails \d\d% of calls: more likely a victim than the origin$/,
      ),
    );
  });

  it('finds a latency-only failure: callers wait longer, its own callees do not', () => {
    const suspects = rank(
      { latency: { shippingservice: 0.8 } },
      [change('shippingservice', 100), change('checkoutservice', 10)],
      'frontend',
    );
    expect(suspects[0]?.service).toBe('shippingservice');
    expect(suspects[0]?.why[0]).toMatch(
      /^\+\d\.\d\d callers of shippingservice wait \d+\.\d× longer than in the baseline \(\d+ ms vs \d+ ms\) while its callees are not slower$/,
    );
    expect(suspects[0]?.score).toBeGreaterThan((suspects[1]?.score ?? 1) + 0.2);
  });

  it('sees through retry amplification: the retrying caller shows more faults but is the victim', () => {
    const suspects = rank(
      { faults: { currencyservice: 0.06 }, amplify: { checkoutservice: 3, frontend: 3 } },
      [change('currencyservice', 60), change('checkoutservice', 15)],
      'frontend',
    );
    expect(suspects.map((s) => s.service)).toStrictEqual(['currencyservice', 'checkoutservice']);
    expect(suspects[1]?.why).toContainEqual(expect.stringMatching(/^-\d\.\d\d its callee currencyservice fails/));
  });

  it('does not blame a recent change with a small benign regression over the real culprit', () => {
    const suspects = rank(
      { faults: { cartservice: 0.3, emailservice: 0.004 } },
      [change('cartservice', 60), change('emailservice', 5, 'config')],
      'frontend',
    );
    expect(suspects.map((s) => s.service)).toStrictEqual(['cartservice', 'emailservice']);
    expect(suspects[0]?.why[0]).toMatch(/^\+\d\.\d\d callers of cartservice see 30% faults/);
    expect(suspects[0]?.score).toBeGreaterThan(0.9);
    expect(suspects[0]?.score).toBeGreaterThan((suspects[1]?.score ?? 1) + 0.1);
  });

  it('gives every suspect features for every model input and a score in [0, 1]', () => {
    const suspects = rank(
      { faults: { cartservice: 0.3 } },
      [change('cartservice', 60), change('adservice', 5)],
      'frontend',
    );
    for (const s of suspects) {
      expect(Object.keys(s.features).sort()).toStrictEqual([...FEATURES].sort());
      expect(s.score).toBeGreaterThanOrEqual(0);
      expect(s.score).toBeLessThanOrEqual(1);
    }
  });

  it('records the model version in the plan', () => {
    const topology = topologyOf('online-boutique');
    const input = { topology, changes: [change('cartservice', 5)], alarmed: ['frontend'], at: T0, windowMs: 60 * MIN };
    expect(planRollback(input).model).toBe('builtin-2');
    const other = { ...BUILTIN_MODEL, version: 'team-model-7' };
    expect(planRollback(input, { ranker: rankWith(other) }).model).toBe('team-model-7');
    expect(rankSuspects.modelVersion).toBe('builtin-2');
  });

  it('fails when a model file is not a model, naming the field', () => {
    expect(() =>
      parseModel({ ...BUILTIN_MODEL, weights: { ...BUILTIN_MODEL.weights, origin: 'x' } }, 'm.json'),
    ).toThrow('bad model: m.json: weights.origin: Invalid input: expected number, received string');
    expect(parseModel(JSON.parse(JSON.stringify(BUILTIN_MODEL)), 'm.json')).toStrictEqual(BUILTIN_MODEL);
  });

  it('fills the weights and settings an older model lacks from the built-in model, and keeps its own', () => {
    const { prior: _p, schema: _s, ...weights } = { ...BUILTIN_MODEL.weights, origin: 5 };
    const { regularisation: _r, ...settings } = BUILTIN_MODEL.settings;
    const older = { ...BUILTIN_MODEL, version: 'team-3', weights, settings };
    expect(parseModel(older, 'm.json')).toStrictEqual({
      ...older,
      weights: { ...BUILTIN_MODEL.weights, origin: 5 },
      settings: BUILTIN_MODEL.settings,
    });
  });

  it('fails when a model has no weights at all, or a weight for no feature', () => {
    const { weights: _w, ...none } = BUILTIN_MODEL;
    expect(() => parseModel(none, 'm.json')).toThrow('bad model: m.json: weights: Invalid input: expected object');
    const extra = { ...BUILTIN_MODEL, weights: { ...BUILTIN_MODEL.weights, retired: 1 } };
    expect(() => parseModel(extra, 'm.json')).toThrow('bad model: m.json: weights: Unrecognized key: "retired"');
  });
});

describe('refine', () => {
  const zero = Object.fromEntries(FEATURES.map((f) => [f, 0])) as Record<(typeof FEATURES)[number], number>;
  const features = (over: Partial<Features>): Features => ({ ...zero, callee: 1, recency: 0.5, ...over });

  /** `a` caused every incident; each time its change was a config change and b's a code change. */
  function history(count: number): IncidentRecord[] {
    return Array.from({ length: count }, (_, i) => ({
      schemaVersion: 1,
      incidentId: `inc-${i}`,
      at: new Date(T0 + i * MIN).toISOString(),
      alarms: ['frontend-5xx'],
      planId: 'p',
      modelVersion: 'builtin-1',
      suspects: [
        { service: 'b', score: 0.6, features: features({ recency: 0.9 }) },
        { service: 'a', score: 0.5, features: features({ config: 1 }) },
      ],
      realIncident: true,
      culprit: 'a',
      steps: [
        {
          service: 'a',
          action: 'ecs',
          startedAt: '2026-11-27T10:00:00Z',
          endedAt: '2026-11-27T10:02:00Z',
          status: 'ROLLED_BACK',
        },
        {
          service: 'b',
          action: 'ecs',
          startedAt: '2026-11-27T10:00:00Z',
          endedAt: '2026-11-27T10:04:00Z',
          status: 'FAILED',
        },
      ],
    }));
  }

  it('raises the prior of the culprit and lowers the prior of the cleared suspect', () => {
    const model = refine(BUILTIN_MODEL, history(5));
    expect(model.priors.services).toStrictEqual({ a: { alpha: 6, beta: 9 }, b: { alpha: 1, beta: 14 } });
    expect(model.trainedOn).toBe(5);
  });

  it('moves the weights toward what told the culprit apart', () => {
    const model = refine(BUILTIN_MODEL, history(20));
    expect(model.weights.config).toBeGreaterThan(BUILTIN_MODEL.weights.config);
    expect(model.weights.recency).toBeLessThan(BUILTIN_MODEL.weights.recency);
    expect(model.weights.origin).toBe(BUILTIN_MODEL.weights.origin);
  });

  it('keeps rollback durations, success counts and alarm precision', () => {
    const records = [...history(2), { ...history(1)[0], incidentId: 'noise', realIncident: false } as IncidentRecord];
    const model = refine(BUILTIN_MODEL, records);
    expect(model.rollback.services['a']).toStrictEqual({ count: 3, meanSeconds: 120, successes: 3, failures: 0 });
    expect(model.rollback.services['b']).toStrictEqual({ count: 3, meanSeconds: 240, successes: 0, failures: 3 });
    expect(model.rollback.actions['ecs']).toStrictEqual({ count: 6, meanSeconds: 180, successes: 3, failures: 3 });
    expect(model.alarms).toStrictEqual({ 'frontend-5xx': { real: 2, false: 1 } });
    expect(model.trainedOn).toBe(2);
  });

  it('is deterministic, whatever the order of the records, and versions what it learned', () => {
    const records = history(8);
    const one = refine(BUILTIN_MODEL, records);
    expect(refine(BUILTIN_MODEL, [...records].reverse())).toStrictEqual(one);
    expect(one.version).toMatch(/^refined-[0-9a-f]{12}$/);
    expect(refine(BUILTIN_MODEL, records.slice(0, 4)).version).not.toBe(one.version);
    expect(refine(BUILTIN_MODEL, [])).toStrictEqual({ ...BUILTIN_MODEL, version: refine(BUILTIN_MODEL, []).version });
  });

  it('gives the same model for duplicated, reordered or differently written records', () => {
    const records = history(6).map((r, i) => ({
      ...r,
      at: i % 2 ? r.at : r.at.replace('Z', '+00:00'),
      steps: r.steps.map((st) => ({ ...st, endedAt: new Date(Date.parse(st.endedAt) + i * 7_000).toISOString() })),
    }));
    const one = refine(BUILTIN_MODEL, records);
    expect(refine(BUILTIN_MODEL, [...records].reverse())).toStrictEqual(one);
    expect(refine(BUILTIN_MODEL, [...records, ...records.slice(0, 3)])).toStrictEqual(one);
  });

  it('reads a feature that records from older plans lack (chain, plan schema 1) as no evidence', () => {
    const records = history(6);
    const older = records.map((r) => ({
      ...r,
      suspects: r.suspects.map((s) => {
        const { chain: _chain, ...features } = s.features;
        return { ...s, features: features as Features };
      }),
    }));
    expect(refine(BUILTIN_MODEL, older)).toStrictEqual(refine(BUILTIN_MODEL, records));
  });

  it('stays finite on records with broken numbers and names like constructor or __proto__', () => {
    const broken = history(3).map((r) => ({
      ...r,
      culprit: '__proto__',
      suspects: [
        { service: '__proto__', score: 0.5, features: features({ origin: Number.NaN }) },
        { service: 'constructor', score: 0.4, features: features({ recency: Number.POSITIVE_INFINITY }) },
      ],
      steps: [
        {
          service: 'constructor',
          action: 'ecs' as const,
          startedAt: 'never',
          endedAt: 'later',
          status: 'FAILED' as const,
        },
      ],
    }));
    const model = refine(BUILTIN_MODEL, broken);
    for (const w of Object.values(model.weights)) expect(Number.isFinite(w)).toBe(true);
    expect(model.priors.services['__proto__']).toStrictEqual({ alpha: 4, beta: 9 });
    expect(Object.hasOwn(model.priors.services, '__proto__')).toBe(true);
    expect(model.rollback.services).toStrictEqual({});
    expect(() => parseModel(JSON.parse(JSON.stringify(model)), 'm')).not.toThrow();
  });

  it('ranks a fragile service higher once history says its changes break things', () => {
    const topology = topologyOf('online-boutique');
    const input = {
      topology,
      changes: [change('cartservice', 30), change('currencyservice', 30)],
      alarmed: ['frontend'],
      at: T0,
      windowMs: 60 * MIN,
    };
    const before = planRollback(input).suspects.map((s) => s.service);
    const learned = {
      ...BUILTIN_MODEL,
      priors: {
        ...BUILTIN_MODEL.priors,
        services: { currencyservice: { alpha: 15, beta: 12 }, cartservice: { alpha: 1, beta: 20 } },
      },
    };
    const after = planRollback(input, { ranker: rankWith(learned) }).suspects;
    expect(before).toStrictEqual(['cartservice', 'currencyservice']);
    expect(after.map((s) => s.service)).toStrictEqual(['currencyservice', 'cartservice']);
    expect(after[0]?.why).toContainEqual(
      expect.stringMatching(/^\+\d\.\d\d its changes caused 14 of 17 recorded incidents it was suspected in$/),
    );
  });
});
