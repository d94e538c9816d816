// Plans of any size for compiler tests and benchmarks, without a graph behind them.
import type { Plan, PlanStep } from '../lib/core/plan';

/** A plan of `waves` waves of `perWave` steps, every fifth step needing approval. */
export function syntheticPlan(
  waves: number,
  perWave: number,
  service = (w: number, i: number) => `svc-${w}-${i}`,
): Plan {
  const stageOf = (w: number) => (w === 0 ? 'targeted' : w < waves - 1 ? 'expanded' : 'full');
  const stages = (['targeted', 'expanded', 'full'] as const)
    .map((name) => ({
      name,
      approval: name === 'full',
      why: name === 'full' ? ['the full stage always waits for a person'] : [],
      waves: Array.from({ length: waves }, (_, w) => w)
        .filter((w) => stageOf(w) === name)
        .map((w) => ({
          steps: Array.from({ length: perWave }, (_, i): PlanStep => ({
            service: service(w, i),
            change: {
              ids: [`c-${w}-${i}`],
              deployedAt: '2026-11-27T09:00:00.000Z',
              lastDeployedAt: '2026-11-27T09:00:00.000Z',
              kind: 'code',
              reversible: true,
            },
            action: { type: 'ecs', cluster: 'prod', service: service(w, i) },
            approval: i % 5 === 4,
            why: i % 5 === 4 ? ['high blast radius'] : ['suspect (score 0.5)'],
          })),
        })),
    }))
    .filter((s) => s.waves.length > 0);
  return {
    schemaVersion: 2,
    planId: 'f'.repeat(64),
    model: 'builtin-1',
    incident: { at: '2026-11-27T10:00:00.000Z', alarmed: ['svc-0-0'], windowStart: '2026-11-26T10:00:00.000Z' },
    suspects: [],
    stages,
    warnings: [],
  };
}
