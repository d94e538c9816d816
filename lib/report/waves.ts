// A plan's waves numbered across its stages, as the compiled state machine and the gates number them.
import type { Plan, PlanStep, StageName } from '../core/plan';

export interface NumberedWave {
  readonly number: number;
  readonly stage: StageName;
  /** The stage's index in the plan. */
  readonly stageIndex: number;
  readonly steps: readonly PlanStep[];
}

export function numberedWaves(plan: Plan): NumberedWave[] {
  const waves: NumberedWave[] = [];
  plan.stages.forEach((stage, stageIndex) => {
    for (const wave of stage.waves) {
      waves.push({ number: waves.length + 1, stage: stage.name, stageIndex, steps: wave.steps });
    }
  });
  return waves;
}

export function stepCount(plan: Plan): number {
  return numberedWaves(plan).reduce((n, w) => n + w.steps.length, 0);
}

/** The wave that rolls back each service first. */
export function waveOf(plan: Plan): Map<string, number> {
  const waves = new Map<string, number>();
  for (const wave of numberedWaves(plan)) {
    for (const step of wave.steps) if (!waves.has(step.service)) waves.set(step.service, wave.number);
  }
  return waves;
}
