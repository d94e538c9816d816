// The task handlers of a rehearsal: the real ones (lib/core/handlers.ts), writing the incident's timeline
// to the store as the Lambdas do, over ports on the simulated fleet and in simulated time. Rollbacks
// take time and can fail, gates read the fleet's alarms after the bake, approvals take a person's time.
// Parallel steps of a wave each have their own clock (a cursor); the wave's gate starts when the
// slowest is done.
import { isTransient } from '../../aws/transient';
import type { Catalog } from '../../core/catalog';
import { SETTINGS } from '../../core/contracts';
import { ApprovalTimedOutError, RollbackFailedError, TASK_ERRORS, TransientError } from '../../core/errors';
import { describeAction } from '../../core/format';
import { actHandler, gateHandler, type ApprovalPort, type RollbackPort, type TaskHandlers } from '../../core/handlers';
import type { Plan, PlanStep } from '../../core/plan';
import { own } from '../../core/records';
import type { IncidentStore, TimelineEvent } from '../../core/store';
import type { ApprovalInput, ApprovalResult, GateInput, GateResult, NotifyInput, StepRef } from '../../core/tasks';
import { DECISION_MINUTES, type SimClock } from '../sim/clock';
import type { Fleet } from '../sim/fleet';
import {
  autoApprovals,
  describeApproval,
  keepDecision,
  keepRequest,
  rejectFirst,
  type ApprovalMode,
} from './approvals';
import type { Tell } from './happenings';
import { IN_PROGRESS_RETRY } from '../../../statemachines/compile';

/** The plan's bake after each wave and the wait before a gate re-reads missing data (compile options). */
export const BAKE_SECONDS: number = SETTINGS.bake.default;
export const GATE_PERIOD_SECONDS = 60;

export interface SimulatedWorld {
  readonly clock: SimClock;
  readonly fleet: Fleet;
  readonly catalog: Catalog;
  readonly store: IncidentStore;
  readonly approve: ApprovalMode;
  /** Serves `manual` approvals. */
  readonly manual?: ApprovalPort;
  readonly tell: Tell;
}

interface Wave {
  readonly stage: string;
  readonly steps: readonly PlanStep[];
}

export class SimulatedPorts {
  private readonly attempts = new Map<string, number>();
  /** Where each step's own clock stands (`wave:service`), and when each wave's slowest step ended. */
  private readonly cursors = new Map<string, number>();
  private readonly waveEnds = new Map<number, number>();
  private readonly announced = new Set<string>();
  private readonly port: ApprovalPort;

  constructor(private readonly world: SimulatedWorld) {
    const { approve, clock } = world;
    this.port =
      approve === 'auto'
        ? autoApprovals(clock)
        : approve === 'reject'
          ? rejectFirst(clock)
          : (world.manual as ApprovalPort);
  }

  handlers(plan: Plan): TaskHandlers {
    const { store, clock, catalog, fleet } = this.world;
    const waves = wavesOf(plan);
    const plans = { load: (id: string) => store.getPlan(id) };
    const timeline = { append: (id: string, event: TimelineEvent) => store.appendEvent(id, event) };
    const rollback: RollbackPort = {
      inspect: () => Promise.resolve({ ok: true }),
      rollback: (step, ref) => this.rollback(step, ref, waves),
    };
    const gate = gateHandler({
      plans,
      timeline,
      now: () => clock.epoch(),
      alarms: {
        alarmsOf: (services) =>
          Promise.resolve([...new Set(services.flatMap((s) => own(catalog.services, s)?.alarms ?? []))].sort()),
        read: (alarms) => Promise.resolve(asAdapter('CloudWatch', () => fleet.alarmStates(alarms))),
      },
    });
    return {
      // Each step on its own clock: the timeline says when it started and ended in simulated time. No
      // rollback marks: nothing is published after a rehearsal, and a kept store replays the same changes.
      act: async (ref) => {
        try {
          return await actHandler({
            plans,
            timeline,
            rollback,
            idempotency: store,
            now: () => clock.epoch(this.stepClock(ref)),
          })(ref);
        } catch (err) {
          // The state machine waits before it retries a step another invocation holds: on the step's clock.
          if (err instanceof Error && err.name === TASK_ERRORS.stepInProgress)
            this.cursors.set(
              `${ref.wave}:${ref.service}`,
              this.stepClock(ref) + (IN_PROGRESS_RETRY.IntervalSeconds ?? 1) / 60,
            );
          throw err;
        }
      },
      gate: (input) => this.gate(gate, input),
      approval: (input) => this.approval(input, plan, waves),
      notify: (input) => this.escalated(input),
    };
  }

  private stepClock(ref: Pick<StepRef, 'wave' | 'service'>): number {
    return this.cursors.get(`${ref.wave}:${ref.service}`) ?? this.world.clock.now;
  }

  private async rollback(
    step: PlanStep,
    ref: StepRef,
    waves: Map<number, Wave>,
  ): Promise<{ version?: string; already?: boolean }> {
    const { clock, fleet, tell } = this.world;
    this.announce(ref.stage, ref.wave, waves);
    // As the AWS targets do (lib/aws/targets): a service already on the target is not rolled back again.
    if (fleet.isRolledBack(step.service) && fleet.version(step.service) === step.change.fromVersion)
      return { already: true, ...(step.change.fromVersion !== undefined ? { version: step.change.fromVersion } : {}) };
    const key = `${ref.wave}:${step.service}`;
    const start = this.stepClock(ref);
    const n = (this.attempts.get(key) ?? 0) + 1;
    this.attempts.set(key, n);
    const attempt = fleet.attempt(step.service, step.action.type, n);
    tell({ kind: 'busy', doing: `wave ${ref.wave}: rolling back ${step.service} (${describeAction(step.action)})` });
    await clock.sleep(attempt.minutes);
    const end = start + attempt.minutes;
    this.cursors.set(key, end);
    this.waveEnds.set(ref.wave, Math.max(this.waveEnds.get(ref.wave) ?? 0, end));
    const from = fleet.version(step.service);
    const done = {
      kind: 'rollback',
      wave: ref.wave,
      service: step.service,
      action: step.action.type,
      start,
      end,
    } as const;
    if (attempt.result === 'transient') {
      tell({ ...done, result: 'throttled' });
      throw new TransientError(`${step.service}: throttled`);
    }
    if (attempt.result === 'failed') {
      tell({ ...done, result: 'failed' });
      throw new RollbackFailedError(`${step.service}: the rollback did not complete`);
    }
    try {
      asAdapter(step.service, () =>
        fleet.rollBack(step.service, step.change.fromVersion, { incidentId: ref.incidentId, wave: ref.wave }),
      );
    } catch (err) {
      tell({ ...done, result: err instanceof TransientError ? 'throttled' : 'failed' });
      throw err instanceof TransientError ? err : new RollbackFailedError(`${step.service}: ${String(err)}`);
    }
    const to = step.change.fromVersion;
    tell({
      ...done,
      result: step.action.type === 'manual' ? 'MANUAL_DONE' : 'ROLLED_BACK',
      ...(from !== undefined ? { from } : {}),
      ...(to !== undefined ? { to } : {}),
    });
    return to !== undefined ? { version: to } : {};
  }

  private async approval(input: ApprovalInput, plan: Plan, waves: Map<number, Wave>): Promise<ApprovalResult> {
    const { clock, store, approve, tell } = this.world;
    this.announce(input.stage, input.wave, waves);
    const key = input.kind === 'step' ? `${input.wave ?? 0}:${input.service ?? ''}` : undefined;
    const start = (key === undefined ? undefined : this.cursors.get(key)) ?? clock.now;
    const what = describeApproval(input);
    tell({ kind: 'busy', doing: `waiting for approval: ${what}` });
    // `manual` approvals go through the local approval server, which keeps them as in AWS.
    const expiresAt = clock.iso(start + (input.expiresInSeconds ?? SETTINGS.approval.default) / 60);
    const approvalId = approve === 'manual' ? undefined : await keepRequest(store, input, plan, expiresAt);
    const began = Date.now();
    const done = async (decision: 'approve' | 'reject', by: string | undefined, timedOut = false): Promise<void> => {
      const end = start + (approve === 'manual' ? (Date.now() - began) / 60_000 : DECISION_MINUTES);
      if (key) this.cursors.set(key, end);
      else clock.advanceTo(end);
      if (approvalId !== undefined) {
        await keepDecision(store, input.incidentId, approvalId, {
          decision,
          decidedAt: clock.iso(end),
          ...(by ? { decidedBy: by } : {}),
        });
      }
      const reason = input.why[input.why.length - 1];
      tell({
        kind: 'approval',
        lane: input.kind === 'stage' ? `Stage ${input.stage}` : `Wave ${input.wave ?? 0}`,
        what,
        start,
        end,
        // No decision in time is not a rejection: nobody said no (the plan halts the same way).
        verdict: decision === 'approve' ? 'approved' : timedOut ? 'timed out' : 'rejected',
        ...(by ? { by } : {}),
        ...(reason ? { reason } : {}),
      });
    };
    try {
      const result = await this.port.request(input);
      await done('approve', result.by);
      return result;
    } catch (err) {
      await done('reject', undefined, err instanceof ApprovalTimedOutError);
      throw err;
    }
  }

  private async gate(real: TaskHandlers['gate'], input: GateInput): Promise<GateResult> {
    const { clock, tell } = this.world;
    const wave = input.wave ?? 0;
    if (input.mode === 'gate') {
      if (input.previous?.wave === wave && input.previous.outcome === 'INSUFFICIENT_DATA') {
        clock.advance(GATE_PERIOD_SECONDS / 60);
      } else {
        clock.advanceTo(this.waveEnds.get(wave) ?? clock.now);
        const start = clock.now;
        clock.advance(BAKE_SECONDS / 60);
        tell({ kind: 'bake', wave, start, end: clock.now });
      }
    }
    tell({ kind: 'busy', doing: undefined });
    const reading = await real(input);
    tell({ kind: 'gate', mode: input.mode, stage: input.stage ?? 'baseline', wave, at: clock.now, reading });
    return reading;
  }

  private escalated(input: NotifyInput): Promise<void> {
    this.world.tell({ kind: 'escalated', reason: input.reason, at: this.world.clock.now });
    return Promise.resolve();
  }

  /** The first task of a stage or a wave to run says that it starts. */
  private announce(stage: string, wave: number | undefined, waves: Map<number, Wave>): void {
    const { clock, tell } = this.world;
    if (!this.announced.has(stage)) {
      this.announced.add(stage);
      const count = [...waves.values()].filter((w) => w.stage === stage).length;
      tell({ kind: 'stage', stage, waves: count, at: clock.now });
    }
    const steps = wave === undefined ? undefined : waves.get(wave)?.steps;
    if (wave !== undefined && steps && !this.announced.has(`wave ${wave}`)) {
      this.announced.add(`wave ${wave}`);
      tell({ kind: 'wave', wave, services: steps.map((s) => s.service), at: clock.now });
    }
  }
}

/** As the AWS adapters do (lib/aws/alarms.ts, rollback.ts): throttling and 5xx are worth a retry. */
function asAdapter<T>(what: string, fn: () => T): T {
  try {
    return fn();
  } catch (err) {
    if (isTransient(err)) throw new TransientError(`${what}: ${(err as Error).name}`, { cause: err });
    throw err;
  }
}

/** Waves by their 1-based number across the plan, as the compiled state names count them. */
function wavesOf(plan: Plan): Map<number, Wave> {
  const waves = new Map<number, Wave>();
  for (const stage of plan.stages)
    for (const w of stage.waves) waves.set(waves.size + 1, { stage: stage.name, steps: w.steps });
  return waves;
}
