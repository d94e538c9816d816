// The health gates: the alarms read once before anything is rolled back (the baseline), and after each
// wave's bake; the gate's outcome decides whether the run goes on, ends recovered, or escalates.
import type { State } from '../asl';
import type { Compilation, Wave } from './context';
import { RECOVERED_STATE } from './escalation';
import { catchAll, guard } from './guards';
import type { WaveNames } from './waves';

/** The start of the run: read the alarms, keep the reading as the previous gate's, then `next`. */
export function startStates(c: Compilation, next: string): [string, State][] {
  const start = c.name('Start · read alarms');
  const keep = c.name('Start · remember alarms');
  return [
    [
      start,
      {
        Type: 'Task',
        Comment: `Reads the alarms before anything is rolled back: a later ALARM that was OK here means worse.`,
        Resource: c.o.resources.gate,
        Parameters: {
          planId: c.plan.planId,
          'incidentId.$': '$.incident.id',
          mode: 'baseline',
          'incidentAlarms.$': '$.incident.alarms',
        },
        ResultPath: '$.baseline',
        ...guard(c.o.gateTimeoutSeconds, [catchAll(c.escalate('task-error'))], 'gate'),
        Next: keep,
      },
    ],
    [keep, { Type: 'Pass', InputPath: '$.baseline', ResultPath: '$.gate', Next: next }],
  ];
}

/** After a wave: bake, read the alarms, act on the outcome (`next` when the incident is not over yet). */
export function gateStates(c: Compilation, wave: Wave, names: WaveNames, next: string): [string, State][] {
  return [
    [names.bake, { Type: 'Wait', Seconds: c.o.bakeSeconds, Next: names.gate }],
    [
      names.gate,
      {
        Type: 'Task',
        Resource: c.o.resources.gate,
        Parameters: {
          planId: c.plan.planId,
          'incidentId.$': '$.incident.id',
          mode: 'gate',
          stage: wave.stage,
          wave: wave.number,
          'incidentAlarms.$': '$.incident.alarms',
          'results.$': '$.wave',
          'baseline.$': '$.baseline',
          'previous.$': '$.gate',
        },
        ResultPath: '$.gate',
        ...guard(c.o.gateTimeoutSeconds, [catchAll(c.escalate('task-error'))], 'gate'),
        Next: names.outcome,
      },
    ],
    [
      names.outcome,
      {
        Type: 'Choice',
        Choices: [
          { Variable: '$.gate.outcome', StringEquals: 'RECOVERED', Next: RECOVERED_STATE },
          { Variable: '$.gate.outcome', StringEquals: 'WORSE', Next: c.escalate('worse') },
          { Variable: '$.gate.outcome', StringEquals: 'ACTION_FAILED', Next: c.escalate('action-failed') },
          {
            And: [
              { Variable: '$.gate.outcome', StringEquals: 'INSUFFICIENT_DATA' },
              { Variable: '$.gate.reads', NumericGreaterThanEquals: c.o.maxGateReads },
            ],
            Next: c.escalate('insufficient-data'),
          },
          { Variable: '$.gate.outcome', StringEquals: 'INSUFFICIENT_DATA', Next: names.reread },
          { Variable: '$.gate.outcome', StringEquals: 'NOT_YET', Next: next },
        ],
        Default: c.escalate('task-error'),
      },
    ],
    [names.reread, { Type: 'Wait', Seconds: c.o.gatePeriodSeconds, Next: names.gate }],
  ];
}
