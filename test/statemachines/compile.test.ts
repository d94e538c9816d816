import fc from 'fast-check';
import { planRollback } from '../../lib/core/planner';
import { ESCALATION_ERRORS } from '../../lib/core/tasks';
import { parseServiceGraphs } from '../../lib/core/xray';
import { walkStates } from '../../statemachines/asl';
import { CALLBACK_RESOURCE, compilePlan, IN_PROGRESS_RETRY, PLACEHOLDER_RESOURCES } from '../../statemachines/compile';
import { CLAIM_SECONDS, LAMBDA_CRASH_ERRORS, TASK_ERRORS } from '../../lib/core/errors';
import { examplePlan, T0, topologyOf, TOPOLOGIES } from '../helpers';
import { syntheticPlan } from '../synthetic-plan';
import { guardProblems, validate } from './guards';

describe('compilePlan', () => {
  it('compiles the example into a valid definition with readable names', () => {
    const asl = compilePlan(examplePlan());
    expect(validate(asl)).toStrictEqual([]);
    expect(guardProblems(asl)).toStrictEqual([]);
    const names = [...walkStates(asl)].map(([n]) => n);
    expect(names).toEqual(
      expect.arrayContaining([
        'Start · read alarms',
        'Wave 1 · 1 rollback',
        'Wave 1 · approve frontend',
        'Wave 1 · roll back frontend (ecs)',
        'Wave 2 · roll back cartservice (ecs)',
        'Gate 2 · alarms',
        'Approve stage expanded',
        'Approve stage full',
        'Recovered',
        'Escalate · worse',
        'Halted · worse',
      ]),
    );
    expect(asl.StartAt).toBe('Start · read alarms');
  });

  it('is deterministic and keeps Task resources as substitution placeholders', () => {
    const plan = examplePlan();
    expect(JSON.stringify(compilePlan(plan))).toBe(JSON.stringify(compilePlan(plan)));
    const resources = new Set(
      [...walkStates(compilePlan(plan))].flatMap(([, s]) =>
        s.Type === 'Task'
          ? [s.Resource === CALLBACK_RESOURCE ? (s.Parameters?.['FunctionName'] as string) : s.Resource]
          : [],
      ),
    );
    expect([...resources].sort()).toStrictEqual(Object.values(PLACEHOLDER_RESOURCES).sort());
  });

  it('retries a crashed act and gate, an act whose claim is held, and an escalation for minutes', () => {
    const retried = (resource: string) =>
      [...walkStates(compilePlan(examplePlan()))].flatMap(([, s]) =>
        s.Type === 'Task' && s.Resource === resource ? [s.Retry?.flatMap((r) => r.ErrorEquals) ?? []] : [],
      );
    for (const errors of retried(PLACEHOLDER_RESOURCES.act))
      expect(errors).toEqual(expect.arrayContaining([...LAMBDA_CRASH_ERRORS, TASK_ERRORS.stepInProgress]));
    for (const errors of retried(PLACEHOLDER_RESOURCES.gate))
      expect(errors).toEqual(expect.arrayContaining([...LAMBDA_CRASH_ERRORS]));
    // A notification may have gone out before its function died: never sent twice for a crash.
    for (const errors of retried(PLACEHOLDER_RESOURCES.notify)) {
      expect(errors).toEqual(expect.arrayContaining(['ThrottledException', TASK_ERRORS.transient]));
      expect(errors).not.toContain('Runtime.ExitError');
    }
    // The claim of a dead invocation expires after CLAIM_SECONDS: the waits for it outlast that.
    const waits = (IN_PROGRESS_RETRY.IntervalSeconds ?? 1) * (IN_PROGRESS_RETRY.MaxAttempts ?? 3);
    expect(waits).toBeGreaterThan(CLAIM_SECONDS);
    expect(IN_PROGRESS_RETRY.BackoffRate).toBe(1);
  });

  it('ends every escalation in a Fail state with a clear Error and Cause', () => {
    const asl = compilePlan(examplePlan());
    const fails = [...walkStates(asl)].filter(([, s]) => s.Type === 'Fail');
    expect(fails.length).toBe(Object.keys(ESCALATION_ERRORS).length);
    for (const [name, state] of fails) {
      expect(name).toMatch(/^Halted · /);
      if (state.Type !== 'Fail') continue;
      expect(Object.values(ESCALATION_ERRORS)).toContain(state.Error);
      expect(state.Cause.length).toBeGreaterThan(30);
    }
  });

  it("names a Map wave's approval 'approve step' when the wave also has steps that need none", () => {
    const asl = compilePlan(syntheticPlan(1, 5), { mapThreshold: 0 });
    const names = [...walkStates(asl)].map(([n]) => n);
    expect(names).toContain('Wave 1 · approve step');
    expect(names.filter((n) => n.includes('#'))).toStrictEqual([]);
  });

  it('compiles a plan with nothing to roll back into a run that escalates', () => {
    const asl = compilePlan(examplePlan({ changes: [] }));
    expect(validate(asl)).toStrictEqual([]);
    expect(asl.States['Start · remember alarms']).toMatchObject({ Next: 'Escalate · not recovered' });
  });

  it('keeps names unique and at most 80 characters for very long service names', () => {
    const long = 'a-very-long-service-name-that-goes-on-and-on-far-beyond-what-a-console-shows-'.repeat(3);
    const plan = syntheticPlan(2, 2, (w, i) => `${long}${w}-${i}`.slice(0, 250));
    const asl = compilePlan(plan);
    expect(guardProblems(asl)).toStrictEqual([]);
    expect(validate(asl)).toStrictEqual([]);
  });

  it.each(TOPOLOGIES)('compiles valid, guarded definitions for plans on %s', (name) => {
    const topology = topologyOf(name);
    const services = topology.nodes.filter((n) => n.kind === 'service').map((n) => n.name);
    const changes = services.map((service, i) => ({
      id: `c${i}`,
      service,
      deployedAt: T0 - (i + 1) * 600_000,
      kind: i % 5 === 0 ? ('schema' as const) : ('code' as const),
      reversible: true,
    }));
    for (const alarm of services.slice(0, 4)) {
      const asl = compilePlan(planRollback({ topology, changes, alarmed: [alarm], at: T0, windowMs: 86_400_000 }));
      expect(validate(asl)).toStrictEqual([]);
      expect(guardProblems(asl)).toStrictEqual([]);
    }
  });

  it('compiles valid, guarded definitions for random plans, in both wave shapes', () => {
    fc.assert(
      fc.property(
        fc
          .integer({ min: 1, max: 14 })
          .chain((n) =>
            fc.tuple(
              fc.constant(n),
              fc.array(fc.tuple(fc.nat(n - 1), fc.nat(n - 1)), { maxLength: n * 3 }),
              fc.uniqueArray(fc.tuple(fc.nat(n - 1), fc.nat(60)), { selector: ([v]) => v, maxLength: n }),
              fc.boolean(),
            ),
          ),
        ([n, edges, changed, useMap]) => {
          const services = Array.from({ length: n }, (_, i) => ({
            ReferenceId: i,
            Name: `s${i}`,
            Edges: edges.filter(([f]) => f === i).map(([, t]) => ({ ReferenceId: t })),
          }));
          const { topology } = parseServiceGraphs([{ source: 'r', json: { Services: services } }]);
          const changes = changed.map(([v, m]) => ({
            id: `c${v}`,
            service: `s${v}`,
            deployedAt: T0 - m * 60_000,
            kind: 'code' as const,
            reversible: m % 3 !== 0,
          }));
          const plan = planRollback({ topology, changes, alarmed: ['s0'], at: T0, windowMs: 86_400_000 });
          const asl = compilePlan(plan, useMap ? { mapThreshold: 0 } : {});
          expect(validate(asl)).toStrictEqual([]);
          expect(guardProblems(asl)).toStrictEqual([]);
        },
      ),
      { numRuns: 60 },
    );
  });

  it('turns waves into Maps over their step lists above the threshold, bounded by MaxConcurrency', () => {
    const asl = compilePlan(syntheticPlan(3, 20), { maxConcurrency: 7 });
    const maps = [...walkStates(asl)].filter(([, s]) => s.Type === 'Map');
    expect(maps.map(([n, m]) => [n, m.Type === 'Map' ? m.MaxConcurrency : 0])).toStrictEqual([
      ['Wave 1 · roll back 16 services', 7],
      ['Wave 1 · approve and roll back 4 services', 4],
      ['Wave 2 · roll back 16 services', 7],
      ['Wave 2 · approve and roll back 4 services', 4],
      ['Wave 3 · roll back 16 services', 7],
      ['Wave 3 · approve and roll back 4 services', 4],
    ]);
    expect(asl.States['Wave 1 · list 20 services']).toMatchObject({ Next: 'Wave 1 · roll back 16 services' });
    expect(guardProblems(asl)).toStrictEqual([]);
    expect(validate(asl)).toStrictEqual([]);
  });

  it('compiles a 2,000-step plan to less than 1 MB', () => {
    const asl = compilePlan(syntheticPlan(8, 250));
    expect(Buffer.byteLength(JSON.stringify(asl))).toBeLessThan(1024 * 1024);
    expect(validate(asl)).toStrictEqual([]);
    expect(guardProblems(asl)).toStrictEqual([]);
  });
});
