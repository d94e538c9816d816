// Plan (schema v2) -> Amazon States Language. Per stage: an approval wait if needed; per wave: the
// steps in parallel (bounded), each step's own approval if flagged, a bake wait, a health gate and a
// Choice on its outcome. Every Task is guarded (timeout, retry with jitter, catch into escalation).
// The parts are in compile/: names, guards, approvals, steps and waves, gates, escalation.
import type { Plan, StageName } from '../lib/core/plan';
import type { Asl, State } from './asl';
import { nameStageEntry, stageEntryStates, type StageEntry } from './compile/approvals';
import { callbackResource, settle, type Compilation, type CompileOptions } from './compile/context';
import { Escalations } from './compile/escalation';
import { gateStates, startStates } from './compile/gates';
import { stateNamer } from './compile/names';
import { nameWave, rollbackStates, wavesOf, type WaveNames } from './compile/waves';

export type { CompileOptions } from './compile/context';
export { escalateStateName, haltedStateName, RECOVERED_STATE } from './compile/escalation';
export { ESCALATION_RETRY, IN_PROGRESS_RETRY, TRANSIENT_RETRY } from './compile/guards';
export { MAX_STATE_NAME } from './compile/names';
export {
  CALLBACK_RESOURCE,
  PLACEHOLDER_RESOURCES,
  planSubstitutions,
  SUBSTITUTION_KEYS,
  type TaskResources,
} from './compile/resources';

/** Compiles a plan; the same plan and options always give the same definition. */
export function compilePlan(plan: Plan, options: CompileOptions = {}): Asl {
  const escalations = new Escalations();
  const c: Compilation = {
    plan,
    o: settle(options),
    callback: callbackResource(options),
    name: stateNamer(),
    escalate: escalations.to,
  };
  const waves = wavesOf(plan);
  const totalSteps = waves.reduce((n, w) => n + w.steps.length, 0);

  // Names first, so every state knows where it goes next (and names are numbered in a stable order).
  const entries = new Map<StageName, StageEntry>(plan.stages.map((stage) => [stage.name, nameStageEntry(c, stage)]));
  const waveNames: WaveNames[] = waves.map((wave) =>
    nameWave(c, wave, totalSteps > c.o.mapThreshold || wave.steps.length > c.o.maxConcurrency ? 'map' : 'parallel'),
  );
  const waveEntry = (number: number | undefined): string | undefined =>
    number === undefined ? undefined : waveNames[number - 1]?.entry;
  /** Where a stage starts: its suggest-mode Choice, its approval, or its first wave; after the last, not recovered. */
  const entryOfStage = (index: number): string => {
    const stage = plan.stages[index];
    const entry = stage && entries.get(stage.name);
    if (!stage || !entry) return c.escalate('not-recovered');
    return entry.check ?? entry.approve;
  };

  const states: [string, State][] = startStates(c, entryOfStage(0));
  plan.stages.forEach((stage, s) => {
    const stageWaves = waves.filter((w) => w.stage === stage.name);
    const first = waveEntry(stageWaves[0]?.number) ?? c.escalate('not-recovered');
    states.push(...stageEntryStates(c, stage, entries.get(stage.name) as StageEntry, first));
    stageWaves.forEach((wave, k) => {
      const names = waveNames[wave.number - 1] as WaveNames;
      const next = k + 1 < stageWaves.length ? (waveEntry(wave.number + 1) as string) : entryOfStage(s + 1);
      states.push(...rollbackStates(c, wave, names, names.bake), ...gateStates(c, wave, names, next));
    });
  });
  states.push(...escalations.endStates(c, waves.length > 0));

  return {
    Comment: `Backstep rollback plan ${plan.planId.slice(0, 12)} for ${plan.incident.alarmed.join(', ')}`,
    StartAt: states[0]?.[0] as string,
    TimeoutSeconds: c.o.executionTimeoutSeconds,
    States: Object.fromEntries(states),
  };
}
