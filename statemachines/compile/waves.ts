// A wave's rollbacks, in one of two forms. Small plans: a Parallel with a branch per step, every state
// named after its service. Large plans, or a wave wider than the concurrency: Maps over the wave's step
// list, so the definition does not grow with the plan. Both wire a step with stepStates.
import type { Plan, PlanStep } from '../../lib/core/plan';
import type { State } from '../asl';
import type { Compilation, Wave } from './context';
import { catchAll } from './guards';
import { count, formatSeconds } from './names';
import { stepStates, type StepSubject } from './steps';

export function wavesOf(plan: Plan): Wave[] {
  const waves: Wave[] = [];
  for (const stage of plan.stages) {
    for (const w of stage.waves) waves.push({ number: waves.length + 1, stage: stage.name, steps: w.steps });
  }
  return waves;
}

export interface WaveNames {
  readonly form: 'parallel' | 'map';
  /** The Parallel, or the Pass that lists the steps for the Maps. */
  readonly entry: string;
  readonly bake: string;
  readonly gate: string;
  readonly outcome: string;
  readonly reread: string;
}

export function nameWave(c: Compilation, wave: Wave, form: WaveNames['form']): WaveNames {
  const n = wave.steps.length;
  return {
    form,
    entry: c.name(
      form === 'map'
        ? `Wave ${wave.number} · list ${count(n, 'service')}`
        : `Wave ${wave.number} · ${count(n, 'rollback')}`,
    ),
    bake: c.name(`Wave ${wave.number} · bake ${formatSeconds(c.o.bakeSeconds)}`),
    gate: c.name(`Gate ${wave.number} · alarms`),
    outcome: c.name(`Gate ${wave.number} · outcome`),
    reread: c.name(`Gate ${wave.number} · wait to re-read`),
  };
}

/** The wave's rollbacks, ending at `next` (its bake). */
export function rollbackStates(c: Compilation, wave: Wave, names: WaveNames, next: string): [string, State][] {
  if (names.form === 'map') return mapWave(c, wave, names.entry, next);
  const branches = wave.steps.map((step) => stepStates(c, wave, branchStep(step), step.approval));
  return [
    [
      names.entry,
      {
        Type: 'Parallel',
        Branches: branches,
        ResultPath: '$.wave',
        Catch: [catchAll(c.escalate('task-error'))],
        Next: next,
      },
    ],
  ];
}

/** A step in a Parallel branch: named after its service. */
function branchStep(step: PlanStep): StepSubject {
  const s = step.service;
  return {
    names: {
      act: `roll back ${s} (${step.action.type})`,
      failed: `${s} failed`,
      approve: `approve ${s}`,
      rejected: `${s} rejected`,
      timedOut: `${s} not approved in time`,
    },
    incidentId: '$.incident.id',
    service: { value: s },
    why: { value: step.why },
  };
}

/** A step in a Map iteration: read from the item. */
function itemStep(approved: boolean): StepSubject {
  const kind = approved ? 'approved step' : 'step';
  return {
    names: {
      act: `roll back ${kind}`,
      failed: `${kind} failed`,
      approve: 'approve step',
      rejected: 'step rejected',
      timedOut: 'step not approved in time',
    },
    incidentId: '$.incidentId',
    service: { path: '$.service' },
    why: { path: '$.why' },
  };
}

/**
 * A wave as Maps over its step lists: one for steps that run straight away, then one for steps that
 * wait for approval first, so no item pays for a Choice. Each Map replaces its list in `$.wave`
 * with its results. (Not a Parallel of two Maps: nesting them costs events, and the order of two
 * independent sets of steps does not matter.)
 */
function mapWave(c: Compilation, wave: Wave, list: string, next: string): [string, State][] {
  const auto = wave.steps.filter((s) => !s.approval);
  const gated = wave.steps.filter((s) => s.approval);
  const w = wave.number;
  const maps = [
    { approved: false, steps: auto, verb: 'roll back', concurrency: c.o.maxConcurrency },
    // Approvals are asked for all at once (up to the 40 an inline Map runs together): people are the
    // bottleneck, and their answers pace the rollbacks that follow.
    { approved: true, steps: gated, verb: 'approve and roll back', concurrency: Math.min(gated.length, 40) },
  ]
    .filter((m) => m.steps.length > 0)
    .map((m) => ({ ...m, name: c.name(`Wave ${w} · ${m.verb} ${count(m.steps.length, 'service')}`) }));
  const states: [string, State][] = [
    [
      list,
      {
        Type: 'Pass',
        Result: {
          auto: auto.map((step) => ({ service: step.service })),
          approve: gated.map((step) => ({ service: step.service, why: step.why })),
        },
        ResultPath: '$.wave',
        Next: maps[0]?.name ?? next,
      },
    ],
  ];
  maps.forEach((m, i) => {
    const items = m.approved ? '$.wave.approve' : '$.wave.auto';
    states.push([
      m.name,
      {
        Type: 'Map',
        ItemsPath: items,
        // Each iteration sees its item and the incident it belongs to (for idempotency keys).
        ItemSelector: {
          'service.$': '$$.Map.Item.Value.service',
          ...(m.approved ? { 'why.$': '$$.Map.Item.Value.why' } : {}),
          'incidentId.$': '$.incident.id',
        },
        ResultPath: items,
        MaxConcurrency: m.concurrency,
        ItemProcessor: {
          ProcessorConfig: { Mode: 'INLINE' },
          ...stepStates(c, wave, itemStep(m.approved), m.approved),
        },
        Catch: [catchAll(c.escalate('task-error'))],
        Next: maps[i + 1]?.name ?? next,
      },
    ]);
  });
  return states;
}
