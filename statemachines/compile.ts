// Plan (schema v1) -> Amazon States Language. Per stage: an approval wait if needed; per wave: the
// steps in parallel (bounded), each step's own approval if flagged, a bake wait, a health gate and a
// Choice on its outcome. Every Task is guarded (timeout, retry with jitter, catch into escalation).
import { LAMBDA_TRANSIENT_ERRORS, STATES_HEARTBEAT_TIMEOUT, STATES_TIMEOUT, TASK_ERRORS } from '../lib/core/errors';
import type { Plan, PlanStep, StageName } from '../lib/core/plan';
import { ESCALATION_ERRORS, SUGGEST_MODE_WHY, type EscalationReason } from '../lib/core/tasks';
import type {
  Asl,
  Catcher,
  ChoiceState,
  MapState,
  ParallelState,
  Retrier,
  State,
  StateMachineBody,
  TaskState,
} from './asl';
import { integrationArn, PARTITION_KEY, substituteText } from './substitute';

/** The Task resources; placeholders by default, replaced by CDK `definitionSubstitutions` or locally. */
export interface TaskResources {
  readonly act: string;
  readonly gate: string;
  readonly approval: string;
  readonly notify: string;
}

export const SUBSTITUTION_KEYS: Readonly<Record<keyof TaskResources, string>> = {
  act: 'ActFunctionArn',
  gate: 'GateFunctionArn',
  approval: 'ApprovalFunctionArn',
  notify: 'NotifyFunctionArn',
};

export const PLACEHOLDER_RESOURCES: TaskResources = {
  act: '${ActFunctionArn}',
  gate: '${GateFunctionArn}',
  approval: '${ApprovalFunctionArn}',
  notify: '${NotifyFunctionArn}',
};

/** The approval tasks' resource, with the partition to fill (`${Partition}`). */
export const CALLBACK_RESOURCE = integrationArn('lambda:invoke.waitForTaskToken');

/** Every placeholder of a plan's definition with its value: the task functions and the partition. */
export function planSubstitutions(resources: TaskResources, partition: string): Record<string, string> {
  return {
    ...Object.fromEntries(
      (Object.keys(SUBSTITUTION_KEYS) as (keyof TaskResources)[]).map((k) => [SUBSTITUTION_KEYS[k], resources[k]]),
    ),
    [PARTITION_KEY]: partition,
  };
}

export interface CompileOptions {
  readonly resources?: TaskResources;
  /**
   * The partition the plan runs in (aws, aws-cn, aws-us-gov), for the ARNs of service integrations.
   * @default - the `${Partition}` placeholder, filled with the task resources (planSubstitutions)
   */
  readonly partition?: string;
  /** At most this many rollbacks of one wave run at once. @default 10 */
  readonly maxConcurrency?: number;
  /** Plans with more steps compile every wave to a Map over its step list. @default 50 */
  readonly mapThreshold?: number;
  /** Wait after a wave before its gate reads the alarms. @default 300 */
  readonly bakeSeconds?: number;
  /** Wait between re-reads of a gate that saw INSUFFICIENT_DATA. @default 60 */
  readonly gatePeriodSeconds?: number;
  /** Reads of INSUFFICIENT_DATA in a row before escalating. @default 5 */
  readonly maxGateReads?: number;
  /** How long a person has to approve (the heartbeat; the link expires then). @default 3600 */
  readonly approvalSeconds?: number;
  /** @default 900 */
  readonly actTimeoutSeconds?: number;
  /** @default 120 */
  readonly gateTimeoutSeconds?: number;
  /** @default 60 */
  readonly notifyTimeoutSeconds?: number;
  /** The whole execution. @default 86400 */
  readonly executionTimeoutSeconds?: number;
}

const DEFAULTS = {
  maxConcurrency: 10,
  mapThreshold: 50,
  bakeSeconds: 300,
  gatePeriodSeconds: 60,
  maxGateReads: 5,
  approvalSeconds: 3600,
  actTimeoutSeconds: 900,
  gateTimeoutSeconds: 120,
  notifyTimeoutSeconds: 60,
  executionTimeoutSeconds: 86_400,
} as const;

export const MAX_STATE_NAME = 80;

/** Transient faults: retried with exponential backoff and full jitter. */
export const TRANSIENT_RETRY: Retrier = {
  ErrorEquals: [TASK_ERRORS.transient, ...LAMBDA_TRANSIENT_ERRORS],
  IntervalSeconds: 2,
  MaxAttempts: 3,
  BackoffRate: 2,
  MaxDelaySeconds: 30,
  JitterStrategy: 'FULL',
};

const CAUSES: Readonly<Record<EscalationReason, string>> = {
  worse: 'A health gate saw an alarm go from OK to ALARM; the rollback halted rather than push on.',
  'not-recovered': 'Every stage ran and the incident alarms are still not OK; people take over.',
  'insufficient-data': 'The incident alarms kept reporting INSUFFICIENT_DATA, which is never read as healthy.',
  'action-failed': 'A rollback step failed or was not approved; the gate reading lists what each service runs now.',
  'approval-rejected': 'An approver rejected a stage or a step; nothing further was rolled back.',
  'approval-timed-out': 'No one decided on an approval in time; nothing further was rolled back.',
  'task-error': 'A Backstep task failed after its retries; the execution history has the error.',
};

const TITLES: Readonly<Record<EscalationReason, string>> = {
  worse: 'worse',
  'not-recovered': 'not recovered',
  'insufficient-data': 'insufficient data',
  'action-failed': 'action failed',
  'approval-rejected': 'approval rejected',
  'approval-timed-out': 'approval timed out',
  'task-error': 'task error',
};

export const RECOVERED_STATE = 'Recovered';

/** Escalations a gate outcome leads to (the state has `$.gate`); the others follow a Catch (`$.error`). */
const GATE_REASONS: ReadonlySet<EscalationReason> = new Set([
  'worse',
  'not-recovered',
  'insufficient-data',
  'action-failed',
]);

export function escalateStateName(reason: EscalationReason): string {
  return `Escalate · ${TITLES[reason]}`;
}

export function haltedStateName(reason: EscalationReason): string {
  return `Halted · ${TITLES[reason]}`;
}

interface Wave {
  readonly number: number;
  readonly stage: StageName;
  readonly steps: readonly PlanStep[];
}

/** Compiles a plan; the same plan and options always give the same definition. */
export function compilePlan(plan: Plan, options: CompileOptions = {}): Asl {
  const o = { ...DEFAULTS, ...options, resources: options.resources ?? PLACEHOLDER_RESOURCES };
  const callback =
    options.partition === undefined
      ? CALLBACK_RESOURCE
      : substituteText(CALLBACK_RESOURCE, { [PARTITION_KEY]: options.partition });
  const states = new Map<string, State>();
  const names = new Set<string>();
  /** Unique, readable, at most 80 characters: truncated in the middle of the service name if need be. */
  const name = (text: string): string => {
    let candidate = text.length > MAX_STATE_NAME ? `${text.slice(0, MAX_STATE_NAME - 1)}…` : text;
    for (let i = 2; names.has(candidate); i++) {
      const suffix = ` #${i}`;
      candidate = `${text.slice(0, MAX_STATE_NAME - suffix.length - 1)}…${suffix}`;
    }
    names.add(candidate);
    return candidate;
  };
  const add = (stateName: string, state: State): string => {
    states.set(stateName, state);
    return stateName;
  };

  const escalations = new Set<EscalationReason>();
  const escalate = (reason: EscalationReason): string => {
    escalations.add(reason);
    return escalateStateName(reason);
  };
  const catchAll = (): Catcher => ({
    ErrorEquals: ['States.ALL'],
    Next: escalate('task-error'),
    ResultPath: '$.error',
  });
  const approvalCatches = (): Catcher[] => [
    { ErrorEquals: [TASK_ERRORS.approvalRejected], Next: escalate('approval-rejected'), ResultPath: '$.error' },
    {
      ErrorEquals: [STATES_TIMEOUT, STATES_HEARTBEAT_TIMEOUT],
      Next: escalate('approval-timed-out'),
      ResultPath: '$.error',
    },
    catchAll(),
  ];
  const approvalTask = (payload: Record<string, unknown>, next: string, catches: readonly Catcher[]): TaskState => ({
    Type: 'Task',
    Resource: callback,
    Parameters: {
      FunctionName: o.resources.approval,
      Payload: { ...payload, expiresInSeconds: o.approvalSeconds, 'taskToken.$': '$$.Task.Token' },
    },
    ResultPath: null,
    HeartbeatSeconds: o.approvalSeconds,
    TimeoutSeconds: o.approvalSeconds + 60,
    Retry: [TRANSIENT_RETRY],
    Catch: catches,
    Next: next,
  });

  const waves: Wave[] = [];
  for (const stage of plan.stages) {
    for (const w of stage.waves) waves.push({ number: waves.length + 1, stage: stage.name, steps: w.steps });
  }
  const totalSteps = waves.reduce((n, w) => n + w.steps.length, 0);
  const useMap = (wave: Wave) => totalSteps > o.mapThreshold || wave.steps.length > o.maxConcurrency;

  // Names first, so every state knows where it goes next.
  const stageApproval = new Map<StageName, string>();
  /** Stages that need no approval still ask for one in suggest mode: a Choice in front of them. */
  const suggestCheck = new Map<StageName, string>();
  const waveEntry = new Map<number, string>();
  for (const stage of plan.stages) {
    stageApproval.set(stage.name, name(`Approve stage ${stage.name}`));
    if (!stage.approval) suggestCheck.set(stage.name, name(`Stage ${stage.name} · suggest mode?`));
  }
  const waveNames = waves.map((wave) => {
    const map = useMap(wave);
    const count = wave.steps.length;
    const names_ = {
      list: map ? name(`Wave ${wave.number} · list ${count} service${count === 1 ? '' : 's'}`) : undefined,
      run: map ? undefined : name(`Wave ${wave.number} · ${count} rollback${count === 1 ? '' : 's'}`),
      bake: name(`Wave ${wave.number} · bake ${formatSeconds(o.bakeSeconds)}`),
      gate: name(`Gate ${wave.number} · alarms`),
      outcome: name(`Gate ${wave.number} · outcome`),
      reread: name(`Gate ${wave.number} · wait to re-read`),
    };
    waveEntry.set(wave.number, (names_.list ?? names_.run) as string);
    return names_;
  });
  const entryOfStage = (index: number): string => {
    const stage = plan.stages[index];
    if (!stage) return escalate('not-recovered');
    const first = waves.find((w) => w.stage === stage.name);
    return (
      suggestCheck.get(stage.name) ??
      stageApproval.get(stage.name) ??
      waveEntry.get(first?.number ?? -1) ??
      escalate('not-recovered')
    );
  };

  const startName = name('Start · read alarms');
  const keepName = name('Start · remember alarms');
  add(startName, {
    Type: 'Task',
    Comment: `Reads the alarms before anything is rolled back: a later ALARM that was OK here means worse.`,
    Resource: o.resources.gate,
    Parameters: {
      planId: plan.planId,
      'incidentId.$': '$.incident.id',
      mode: 'baseline',
      'incidentAlarms.$': '$.incident.alarms',
    },
    ResultPath: '$.baseline',
    TimeoutSeconds: o.gateTimeoutSeconds,
    Retry: [TRANSIENT_RETRY],
    Catch: [catchAll()],
    Next: keepName,
  });
  add(keepName, { Type: 'Pass', InputPath: '$.baseline', ResultPath: '$.gate', Next: entryOfStage(0) });

  plan.stages.forEach((stage, s) => {
    const approve = stageApproval.get(stage.name) as string;
    const stageWaves = waves.filter((w) => w.stage === stage.name);
    const first = waveEntry.get(stageWaves[0]?.number ?? -1) ?? escalate('not-recovered');
    const check = suggestCheck.get(stage.name);
    if (check) {
      add(check, {
        Type: 'Choice',
        // Rules apply in order: a run without `mode` never reaches the comparison (a missing path would fail).
        Choices: [
          // `Not IsPresent` rather than `IsPresent: false`, which the local interpreter never matches.
          { Not: { Variable: '$.mode', IsPresent: true }, Next: first },
          { Variable: '$.mode', StringEquals: 'suggest', Next: approve },
        ],
        Default: first,
      });
    }
    const why = stage.approval ? stage.why : [SUGGEST_MODE_WHY, ...stage.why];
    add(
      approve,
      approvalTask(
        { planId: plan.planId, 'incidentId.$': '$.incident.id', kind: 'stage', stage: stage.name, why },
        first,
        approvalCatches(),
      ),
    );
    stageWaves.forEach((wave, k) => {
      const n = waveNames[wave.number - 1] as (typeof waveNames)[number];
      const next = k + 1 < stageWaves.length ? (waveEntry.get(wave.number + 1) as string) : entryOfStage(s + 1);
      if (n.list) mapWave(wave, n.list, n.bake);
      else add(n.run as string, parallelWave(wave, n.bake));
      add(n.bake, { Type: 'Wait', Seconds: o.bakeSeconds, Next: n.gate });
      add(n.gate, {
        Type: 'Task',
        Resource: o.resources.gate,
        Parameters: {
          planId: plan.planId,
          'incidentId.$': '$.incident.id',
          mode: 'gate',
          stage: stage.name,
          wave: wave.number,
          'incidentAlarms.$': '$.incident.alarms',
          'results.$': '$.wave',
          'baseline.$': '$.baseline',
          'previous.$': '$.gate',
        },
        ResultPath: '$.gate',
        TimeoutSeconds: o.gateTimeoutSeconds,
        Retry: [TRANSIENT_RETRY],
        Catch: [catchAll()],
        Next: n.outcome,
      });
      const outcome: ChoiceState = {
        Type: 'Choice',
        Choices: [
          { Variable: '$.gate.outcome', StringEquals: 'RECOVERED', Next: RECOVERED_STATE },
          { Variable: '$.gate.outcome', StringEquals: 'WORSE', Next: escalate('worse') },
          { Variable: '$.gate.outcome', StringEquals: 'ACTION_FAILED', Next: escalate('action-failed') },
          {
            And: [
              { Variable: '$.gate.outcome', StringEquals: 'INSUFFICIENT_DATA' },
              { Variable: '$.gate.reads', NumericGreaterThanEquals: o.maxGateReads },
            ],
            Next: escalate('insufficient-data'),
          },
          { Variable: '$.gate.outcome', StringEquals: 'INSUFFICIENT_DATA', Next: n.reread },
          { Variable: '$.gate.outcome', StringEquals: 'NOT_YET', Next: next },
        ],
        Default: escalate('task-error'),
      };
      add(n.outcome, outcome);
      add(n.reread, { Type: 'Wait', Seconds: o.gatePeriodSeconds, Next: n.gate });
    });
  });

  function stepBranch(wave: Wave, step: PlanStep): StateMachineBody {
    const act = name(`Wave ${wave.number} · roll back ${step.service} (${step.action.type})`);
    const failed = name(`Wave ${wave.number} · ${step.service} failed`);
    const branch = new Map<string, State>();
    const stepCatches = (rejected: string | undefined, timedOut: string | undefined): Catcher[] => [
      ...(rejected ? [{ ErrorEquals: [TASK_ERRORS.approvalRejected], Next: rejected, ResultPath: '$.error' }] : []),
      ...(timedOut
        ? [{ ErrorEquals: [STATES_TIMEOUT, STATES_HEARTBEAT_TIMEOUT], Next: timedOut, ResultPath: '$.error' }]
        : []),
      { ErrorEquals: ['States.ALL'], Next: failed, ResultPath: '$.error' },
    ];
    let start = act;
    if (step.approval) {
      const approve = name(`Wave ${wave.number} · approve ${step.service}`);
      const rejected = name(`Wave ${wave.number} · ${step.service} rejected`);
      const timedOut = name(`Wave ${wave.number} · ${step.service} not approved in time`);
      branch.set(
        approve,
        approvalTask(
          {
            planId: plan.planId,
            'incidentId.$': '$.incident.id',
            kind: 'step',
            stage: wave.stage,
            wave: wave.number,
            service: step.service,
            why: step.why,
          },
          act,
          stepCatches(rejected, timedOut),
        ),
      );
      branch.set(rejected, failure(step.service, 'REJECTED'));
      branch.set(timedOut, failure(step.service, 'TIMED_OUT'));
      start = approve;
    }
    branch.set(act, {
      Type: 'Task',
      Resource: o.resources.act,
      Parameters: {
        planId: plan.planId,
        'incidentId.$': '$.incident.id',
        stage: wave.stage,
        wave: wave.number,
        service: step.service,
      },
      TimeoutSeconds: o.actTimeoutSeconds,
      Retry: [TRANSIENT_RETRY],
      Catch: stepCatches(undefined, undefined),
      End: true,
    });
    branch.set(failed, failure(step.service, 'FAILED'));
    return { StartAt: start, States: Object.fromEntries(branch) };
  }

  function parallelWave(wave: Wave, next: string): ParallelState {
    return {
      Type: 'Parallel',
      Branches: wave.steps.map((step) => stepBranch(wave, step)),
      ResultPath: '$.wave',
      Catch: [catchAll()],
      Next: next,
    };
  }

  /**
   * A wave as Maps over its step lists: one for steps that run straight away, then one for steps that
   * wait for approval first, so no item pays for a Choice. Each Map replaces its list in `$.wave`
   * with its results. (Not a Parallel of two Maps: nesting them costs events, and the order of two
   * independent sets of steps does not matter.)
   */
  function mapWave(wave: Wave, list: string, next: string): void {
    const auto = wave.steps.filter((s) => !s.approval);
    const gated = wave.steps.filter((s) => s.approval);
    const maps = [
      ...(auto.length > 0 ? [stepMap(wave, false, auto.length, o.maxConcurrency)] : []),
      // Approvals are asked for all at once (up to the 40 an inline Map runs together): people are the
      // bottleneck, and their answers pace the rollbacks that follow.
      ...(gated.length > 0 ? [stepMap(wave, true, gated.length, Math.min(gated.length, 40))] : []),
    ];
    add(list, {
      Type: 'Pass',
      Result: {
        auto: auto.map((step) => ({ service: step.service })),
        approve: gated.map((step) => ({ service: step.service, why: step.why })),
      },
      ResultPath: '$.wave',
      Next: maps[0]?.name ?? next,
    });
    maps.forEach((m, i) => add(m.name, { ...m.map, Catch: [catchAll()], Next: maps[i + 1]?.name ?? next }));
  }

  function stepMap(
    wave: Wave,
    withApproval: boolean,
    count: number,
    concurrency: number,
  ): { name: string; map: MapState } {
    const kind = withApproval ? 'approved ' : '';
    const mapName = name(
      withApproval
        ? `Wave ${wave.number} · approve and roll back ${count} service${count === 1 ? '' : 's'}`
        : `Wave ${wave.number} · roll back ${count} service${count === 1 ? '' : 's'}`,
    );
    const approve = name(`Wave ${wave.number} · approve step`);
    const act = name(`Wave ${wave.number} · roll back ${kind}step`);
    const failed = name(`Wave ${wave.number} · ${kind}step failed`);
    const iterator: Record<string, State> = {};
    const catchFailed: Catcher = { ErrorEquals: ['States.ALL'], Next: failed, ResultPath: '$.error' };
    if (withApproval) {
      const rejected = name(`Wave ${wave.number} · step rejected`);
      const timedOut = name(`Wave ${wave.number} · step not approved in time`);
      iterator[approve] = approvalTask(
        {
          planId: plan.planId,
          'incidentId.$': '$.incidentId',
          kind: 'step',
          stage: wave.stage,
          wave: wave.number,
          'service.$': '$.service',
          'why.$': '$.why',
        },
        act,
        [
          { ErrorEquals: [TASK_ERRORS.approvalRejected], Next: rejected, ResultPath: '$.error' },
          { ErrorEquals: [STATES_TIMEOUT, STATES_HEARTBEAT_TIMEOUT], Next: timedOut, ResultPath: '$.error' },
          catchFailed,
        ],
      );
      iterator[rejected] = failure('$.service', 'REJECTED');
      iterator[timedOut] = failure('$.service', 'TIMED_OUT');
    }
    iterator[act] = {
      Type: 'Task',
      Resource: o.resources.act,
      Parameters: {
        planId: plan.planId,
        'incidentId.$': '$.incidentId',
        stage: wave.stage,
        wave: wave.number,
        'service.$': '$.service',
      },
      TimeoutSeconds: o.actTimeoutSeconds,
      Retry: [TRANSIENT_RETRY],
      Catch: [catchFailed],
      End: true,
    };
    iterator[failed] = failure('$.service', 'FAILED');
    return {
      name: mapName,
      map: {
        Type: 'Map',
        ItemsPath: withApproval ? '$.wave.approve' : '$.wave.auto',
        // Each iteration sees its item and the incident it belongs to (for idempotency keys).
        ItemSelector: {
          'service.$': '$$.Map.Item.Value.service',
          ...(withApproval ? { 'why.$': '$$.Map.Item.Value.why' } : {}),
          'incidentId.$': '$.incident.id',
        },
        ResultPath: withApproval ? '$.wave.approve' : '$.wave.auto',
        MaxConcurrency: concurrency,
        ItemProcessor: { ProcessorConfig: { Mode: 'INLINE' }, StartAt: withApproval ? approve : act, States: iterator },
      },
    };
  }

  if (waves.length > 0)
    add(RECOVERED_STATE, { Type: 'Succeed', Comment: 'A health gate read every incident alarm as OK.' });
  for (const reason of [...escalations].sort()) {
    const halted = haltedStateName(reason);
    add(escalateStateName(reason), {
      Type: 'Task',
      Resource: o.resources.notify,
      // Only paths that exist on every way in: the gate reading after a gate, the error after a Catch.
      Parameters: {
        planId: plan.planId,
        reason,
        ...(GATE_REASONS.has(reason) ? { 'gate.$': '$.gate' } : { 'error.$': '$.error' }),
      },
      ResultPath: '$.notified',
      TimeoutSeconds: o.notifyTimeoutSeconds,
      Retry: [TRANSIENT_RETRY],
      // A failed notification must not hide the halt: go to the Fail state either way.
      Catch: [{ ErrorEquals: ['States.ALL'], Next: halted, ResultPath: '$.notifyError' }],
      Next: halted,
    });
    add(halted, { Type: 'Fail', Error: ESCALATION_ERRORS[reason], Cause: CAUSES[reason] });
  }

  return {
    Comment: `Backstep rollback plan ${plan.planId.slice(0, 12)} for ${plan.incident.alarmed.join(', ')}`,
    StartAt: startName,
    TimeoutSeconds: o.executionTimeoutSeconds,
    States: Object.fromEntries(states),
  };
}

/** A branch's last state when its step did not succeed: the gate reads it and escalates. */
function failure(service: string, status: 'FAILED' | 'REJECTED' | 'TIMED_OUT'): State {
  const serviceField = service.startsWith('$.') ? { 'service.$': service } : { service };
  // Only the error name: a Lambda's Cause can be kilobytes, and a wide wave of them would pass the
  // 256 KiB state limit. The handler that failed records the cause with the incident.
  return { Type: 'Pass', Parameters: { ...serviceField, status, 'error.$': '$.error.Error' }, End: true };
}

function formatSeconds(seconds: number): string {
  if (seconds % 60 === 0 && seconds >= 60) return `${seconds / 60} min`;
  return `${seconds} s`;
}
