import { parseCatalog, type Catalog } from '../../lib/core/catalog';
import { InputError } from '../../lib/core/errors';
import type { Plan } from '../../lib/core/plan';
import { planRollback } from '../../lib/core/planner';
import type { Change, Topology } from '../../lib/core/types';
import { examplePlan, fixture, nodeNamed, reaches, T0, topologyFixture, topologyOf, TOPOLOGIES } from '../helpers';

const HOUR = 3_600_000;
const EXAMPLE = 'examples/online-boutique';
const example = examplePlan;

const waveNames = (plan: Plan) => plan.stages.map((s) => [s.name, s.waves.map((w) => w.steps.map((x) => x.service))]);
const step = (plan: Plan, service: string) =>
  plan.stages.flatMap((s) => s.waves.flatMap((w) => w.steps)).find((s) => s.service === service);

describe('planRollback on the Online Boutique example', () => {
  it('ranks the bad cartservice deployment first and explains it with numbers', () => {
    const plan = example();
    expect(plan.suspects[0]?.service).toBe('cartservice');
    expect(plan.suspects[0]?.why).toContain('+1.82 deployed 12 min before the alarm');
    expect(plan.suspects[0]?.why[0]).toMatch(
      /^\+\d\.\d\d callers of cartservice see 31% faults \(baseline 0\.\d%\); its callees are healthy/,
    );
    const scores = plan.suspects.map((s) => s.score);
    expect(scores).toStrictEqual([...scores].sort((a, b) => b - a));
    // frontend fails because its callee does: it is ranked as a victim, below the origin.
    expect(plan.suspects.find((s) => s.service === 'frontend')?.why).toContainEqual(
      expect.stringMatching(
        /^-\d\.\d\d its callee cartservice fails 31% of calls: more likely a victim than the origin$/,
      ),
    );
  });

  it('rolls back frontend before cartservice: it was deployed after cartservice and calls it', () => {
    expect(waveNames(example())).toStrictEqual([
      ['targeted', [['frontend'], ['cartservice']]],
      ['expanded', [['emailservice']]],
      ['full', [['checkoutservice'], ['productcatalogservice']]],
    ]);
    expect(step(example(), 'frontend')?.why[0]).toBe(
      'changed after cartservice (2026-11-27T09:48:00.000Z) and depends on it: rolled back before it',
    );
  });

  it('asks for approval where the risk is high, and always for the full stage', () => {
    const plan = example();
    expect(plan.stages.map((s) => [s.name, s.approval])).toStrictEqual([
      ['targeted', false],
      ['expanded', true],
      ['full', true],
    ]);
    expect(step(plan, 'cartservice')?.approval).toBe(false);
    expect(step(plan, 'frontend')?.why).toContain('high blast radius: 100% of the incoming traffic enters through it');
    expect(step(plan, 'checkoutservice')?.why).toStrictEqual([
      expect.stringMatching(/^suspect \(score 0\.\d+\)$/),
      'schema change: the old version may not read new data',
      'checkoutservice writes data a rollback cannot restore',
    ]);
    expect(step(plan, 'productcatalogservice')?.why).toContain('suggest mode: a person approves each step');
    expect(plan.stages[2]?.why).toContain('the full stage always waits for a person');
  });

  it('carries the action and the versions of each step', () => {
    expect(step(example(), 'cartservice')).toMatchObject({
      action: { type: 'ecs', cluster: 'boutique', service: 'cartservice' },
      change: {
        ids: ['deploy-cart-241'],
        deployedAt: '2026-11-27T09:48:00.000Z',
        fromVersion: 'v2.3.0',
        toVersion: 'v2.4.0',
        kind: 'code',
        reversible: true,
      },
    });
  });

  it("names the catalog's validation function on the steps it automates, and on no manual step", () => {
    const catalog = parseCatalog(fixture('examples/online-boutique/catalog.json'), 'catalog.json');
    const services = Object.fromEntries(
      Object.entries(catalog.services).map(([name, entry]) => [name, { ...entry, validation: 'vuln-check' }]),
    );
    const plan = examplePlan({ catalog: { ...catalog, services } });
    const steps = plan.stages.flatMap((st) => st.waves.flatMap((w) => w.steps));
    for (const step of steps) expect(step.validation).toBe(step.action.type === 'manual' ? undefined : 'vuln-check');
    expect(steps.some((step) => step.validation === 'vuln-check')).toBe(true);
    expect(
      examplePlan()
        .stages.flatMap((st) => st.waves.flatMap((w) => w.steps))
        .every((x) => x.validation === undefined),
    ).toBe(true);
  });

  it('warns about changes it leaves out', () => {
    expect(example().warnings).toStrictEqual([
      'change redis-upgrade-7: redis-cart is not a rollbackable service (an AWS resource or client); left out',
      '1 change(s) before the look-back window; left out',
    ]);
    const late = example({
      changes: [{ id: 'late', service: 'cartservice', deployedAt: T0 + 60_000, kind: 'code', reversible: true }],
    });
    expect(late.warnings).toContain('change late: deployed after the incident time; left out');
    expect(late.stages).toStrictEqual([]);
  });

  it('plans nothing, with a warning, when no change is within reach', () => {
    const plan = example({ changes: [] });
    expect(plan.stages).toStrictEqual([]);
    expect(plan.suspects).toStrictEqual([]);
    expect(plan.warnings).toContain('no change in the window is within reach of frontend: nothing to roll back');
  });

  it('gives the same planId for the same input and another one when anything changes', () => {
    expect(example().planId).toBe(example().planId);
    expect(example().planId).toMatch(/^[0-9a-f]{64}$/);
    expect(example({ windowMs: 12 * HOUR }).planId).not.toBe(example().planId);
  });

  it('makes every step and stage wait in suggest mode, and turns "off" services into manual steps', () => {
    const catalog: Catalog = { ...parseCatalog(fixture(`${EXAMPLE}/catalog.json`), 'c'), mode: 'suggest' };
    const plan = example({ catalog });
    expect(plan.stages.every((s) => s.approval && s.why.includes('suggest mode: every stage waits for a person'))).toBe(
      true,
    );
    const off = parseCatalog(
      { services: { cartservice: { action: { type: 'ecs', cluster: 'c', service: 's' }, mode: 'off' } } },
      'c',
    );
    expect(step(example({ catalog: off, alarmed: ['frontend'] }), 'cartservice')).toMatchObject({
      action: { type: 'manual' },
      approval: true,
      why: ['top suspect (score 0.998)', 'automation is off for cartservice: a person rolls it back'],
    });
  });

  it('gives every changed service a manual action without a catalog', () => {
    const plan = example({ catalog: { application: 'default', mode: 'auto', services: {} }, alarmed: ['frontend'] });
    const steps = plan.stages.flatMap((s) => s.waves.flatMap((w) => w.steps));
    expect(steps.length).toBeGreaterThan(0);
    for (const s of steps) {
      expect(s.action).toStrictEqual({ type: 'manual' });
      expect(s.approval).toBe(true);
    }
  });

  it('waits for a person when the top suspect is weak', () => {
    const plan = example({
      changes: [{ id: 'old', service: 'adservice', deployedAt: T0 - 20 * HOUR, kind: 'code', reversible: true }],
    });
    expect(plan.stages[0]?.approval).toBe(true);
    expect(plan.stages[0]?.why[0]).toMatch(/^low confidence: a suspect in this stage scores 0\.\d+ \(< 0\.5\)$/);
  });

  it('pulls in a caller deployed at the same instant as the suspect it calls', () => {
    const at = Date.parse('2026-11-27T09:40:00Z');
    const plan = example({
      catalog: { application: 'default', mode: 'auto', services: {} },
      alarmed: ['frontend'],
      changes: [
        { id: 'cart', service: 'cartservice', deployedAt: at, kind: 'code', reversible: true },
        { id: 'checkout', service: 'checkoutservice', deployedAt: at, kind: 'code', reversible: true },
      ],
    });
    expect(plan.suspects[0]?.service).toBe('cartservice');
    expect(waveNames(plan)[0]).toStrictEqual(['targeted', [['checkoutservice'], ['cartservice']]]);
  });

  it('fails when the alarmed service is neither in the graph nor a catalogued alarm', () => {
    expect(() => example({ alarmed: ['nosuch'] })).toThrow(InputError);
    expect(() => example({ alarmed: ['nosuch'] })).toThrow(
      'service not in the graph: alarm "nosuch": a service of the graph (frontend, adservice, currencyservice, cartservice, recommendationservice, …) or a catalogued alarm',
    );
  });
});

/** The order rule and closure on a plan, checked with plain BFS reachability. */
function expectOrderAndClosure(topology: Topology, plan: Plan, changes: readonly Change[]): void {
  const node = (name: string) => nodeNamed(topology, name);
  const done: string[] = [];
  for (const stage of plan.stages) {
    const waveOf = new Map<string, number>();
    stage.waves.forEach((w, i) => w.steps.forEach((s) => waveOf.set(s.service, i)));
    for (const [x, wx] of waveOf) {
      for (const [y, wy] of waveOf) {
        if (x !== y && reaches(topology, node(x), node(y)) && !reaches(topology, node(y), node(x))) {
          expect(wx).toBeLessThan(wy);
        }
      }
    }
    done.push(...waveOf.keys());
    // Closed: no changed caller of a rolled-back service, changed after it, is left standing.
    for (const s of done) {
      const first = Math.min(...changes.filter((c) => c.service === s).map((c) => c.deployedAt));
      for (const c of changes) {
        if (done.includes(c.service) || c.deployedAt < first) continue;
        expect(reaches(topology, node(c.service), node(s))).toBe(false);
      }
    }
  }
}

describe('planRollback on the real topologies', () => {
  it.each(TOPOLOGIES)(
    'ranks a failing service with healthy callees first and keeps order and closure on %s',
    (name) => {
      const services =
        topologyFixture(name)
          .service_details?.filter((d) => d.kind === 'service')
          .map((d) => d.name) ?? [];
      const baseline = topologyOf(name);
      for (const culprit of services) {
        const topology = topologyOf(name, { faults: { [culprit]: 0.3 } });
        const v = nodeNamed(topology, culprit);
        const caller = topology.in[v]
          ?.map((e) => topology.edges[e]?.from as number)
          .find((u) => topology.nodes[u]?.kind === 'service');
        if (caller === undefined) continue;
        // The culprit and three other services changed in the last hours; the alarm is on a caller.
        const others = services.filter((s) => s !== culprit).slice(0, 3);
        // The culprit is the oldest of the four: "roll back the most recent deployment" would miss it.
        const changes: Change[] = [...others, culprit].map((service, i) => ({
          id: `c-${service}`,
          service,
          deployedAt: T0 - (i + 1) * 20 * 60_000,
          kind: 'code',
          reversible: true,
        }));
        const alarm = topology.nodes[caller]?.name as string;
        const plan = planRollback({ topology, baseline, changes, alarmed: [alarm], at: T0, windowMs: 24 * HOUR });
        expect([name, culprit, plan.suspects[0]?.service]).toStrictEqual([name, culprit, culprit]);
        expectOrderAndClosure(topology, plan, changes);
      }
    },
  );
});
