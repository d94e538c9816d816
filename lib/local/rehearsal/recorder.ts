// What a rehearsal sees happen, in simulated time: the task ports over the simulated fleet (rollbacks
// take time and can fail, gates read the fleet's alarms after the bake, approvals take a person's
// time), the timeline and gate readings of the report, the live progress lines, and the incident
// record the store keeps. Parallel steps of a wave each have their own clock (a cursor); the wave's
// gate starts when the slowest is done.
import { randomUUID } from 'node:crypto';
import { SETTINGS } from '../../core/contracts';
import { describeAction } from '../../core/format';
import type { Catalog } from '../../core/catalog';
import { ApprovalTimedOutError, RollbackFailedError, TransientError } from '../../core/errors';
import { makeHandlers, type ApprovalPort, type TaskHandlers } from '../../core/handlers';
import { pct, type IncidentRecord } from '../../core/model';
import type { Plan, PlanStep } from '../../core/plan';
import { own } from '../../core/records';
import type { IncidentStore } from '../../core/store';
import {
  ESCALATION_CAUSES,
  type ApprovalInput,
  type ApprovalResult,
  type EscalationReason,
  type GateInput,
  type GateResult,
  type NotifyInput,
  type StepRef,
  type StepStatus,
} from '../../core/tasks';
import type { Change } from '../../core/types';
import type { DemoReport, ReportGateReading, ReportTimelineItem } from '../../report/types';
import { IGNORED_STATES, ORCHESTRATOR_STATES, RELEASE_STATES } from '../../../statemachines/orchestrator';
import { autoApprovals, describeApproval, rejectFirst, type ApprovalMode } from './approvals';
import { DECISION_MINUTES, type SimClock } from '../sim/clock';
import type { Fleet } from '../sim/fleet';
import type { Progress, Tone } from './progress';
import type { RunEvent } from '../engines/runner';

/** The plan's bake after each wave and the wait before a gate re-reads missing data (compile options). */
export const BAKE_SECONDS: number = SETTINGS.bake.default;
export const GATE_PERIOD_SECONDS = 60;

interface ActRecord {
  readonly service: string;
  readonly action: PlanStep['action']['type'];
  readonly wave: number;
  readonly startMin: number;
  endMin: number;
  status: StepStatus;
}

type Outcome = DemoReport['outcome'];

export class Recorder {
  readonly timeline: ReportTimelineItem[] = [];
  readonly gates: ReportGateReading[] = [];
  private readonly acts = new Map<string, ActRecord>();
  private readonly attempts = new Map<string, number>();
  /** Where each step's own clock stands (`wave:service`), and when each wave's slowest step ended. */
  private readonly cursors = new Map<string, number>();
  private readonly waveEnds = new Map<number, number>();
  private readonly announced = new Set<string>();
  private readonly port: ApprovalPort;
  private rejected = false;
  private recoveredAt: number | undefined;
  private lastGate: GateResult | undefined;

  constructor(
    private readonly clock: SimClock,
    private readonly progress: Progress,
    private readonly fleet: Fleet,
    private readonly catalog: Catalog,
    private readonly store: IncidentStore,
    private readonly mode: ApprovalMode,
    manual: ApprovalPort | undefined,
  ) {
    this.port =
      mode === 'auto' ? autoApprovals(clock) : mode === 'reject' ? rejectFirst(clock) : (manual as ApprovalPort);
  }

  deployments(changes: readonly Change[], windowMs: number): void {
    for (const c of [...changes].sort((a, b) => a.deployedAt - b.deployedAt)) {
      const at = (c.deployedAt - this.clock.origin) / 60_000;
      if (at > 0 || at < -windowMs / 60_000) continue;
      const versions = c.fromVersion && c.toVersion ? ` ${c.fromVersion} -> ${c.toVersion}` : '';
      this.mark('Incident', 'deploy', `${c.service}${versions} (${c.kind})`, at, undefined, c.service);
      this.progress.line('deploy', `${c.service}${versions} (${c.kind}, ${c.id})`, { at, tone: 'dim' });
    }
  }

  alarmFired(alarm: string, service: string): void {
    this.mark('Incident', 'alarm', `${alarm} fires`, 0, 'ALARM');
    const health = this.fleet.health(service);
    const detail = health ? `: ${pct(health.faultRate)} faults, ${Math.round(health.latency * 1000)} ms mean` : '';
    this.progress.line('ALARM', `${alarm} on ${service}${detail}`, { at: 0, tone: 'bad' });
  }

  planned(plan: Plan, published: number, model: string): void {
    this.progress.line('plans', `${published} pre-built plan(s) published as state machines (model ${model})`);
    plan.suspects.slice(0, 3).forEach((s, i) => {
      this.progress.line(i === 0 ? 'suspects' : '', `${i + 1}. ${s.service} ${s.score.toFixed(2)}: ${s.why[0] ?? ''}`, {
        tone: i === 0 ? 'info' : 'plain',
      });
    });
    const shape = plan.stages.map((s) => `${s.name} ${s.waves.length} wave(s)`).join(', ');
    this.progress.line('plan', `${plan.planId.slice(0, 12)}: ${shape || 'nothing to roll back'}`);
    this.mark('Incident', 'plan', `plan ${plan.planId.slice(0, 12)} starts`, 0);
  }

  /** The task handlers of the plan's state machine: the real ones, over ports on the fleet. */
  handlers(plan: Plan): TaskHandlers {
    const waves = wavesOf(plan);
    const base = makeHandlers({
      plans: { load: (id) => this.store.getPlan(id) },
      idempotency: this.store,
      now: () => this.clock.epoch(),
      rollback: {
        inspect: () => Promise.resolve({ ok: true }),
        rollback: (step, ref) => this.rollback(step, ref, waves),
      },
      alarms: {
        alarmsOf: (services) =>
          Promise.resolve([...new Set(services.flatMap((s) => own(this.catalog.services, s)?.alarms ?? []))].sort()),
        read: (alarms) => Promise.resolve(this.fleet.alarmStates(alarms)),
      },
      approvals: { request: (input) => this.approve(input, plan, waves) },
      notify: { escalate: (input) => this.escalated(input) },
    });
    return { ...base, gate: (input) => this.gate(base.gate, input) };
  }

  /** The orchestrator's steps worth a line: order check, lease, the plan's run. */
  readonly orchestratorEvent = (e: RunEvent): void => {
    const say = (label: string, text: string, tone: Tone = 'plain') => this.progress.line(label, text, { tone });
    const state = e.state ?? '';
    if (e.type === 'StateExited' && state === ORCHESTRATOR_STATES.checkOrder)
      say('intake', 'alarm event is newer than any seen: accepted');
    if (e.type === 'StateExited' && state === ORCHESTRATOR_STATES.takeLease)
      say('lease', `taken on ${this.catalog.application}`);
    if (e.type === 'StateEntered' && state === ORCHESTRATOR_STATES.findRunning)
      say('lease', 'held by a running incident: joining it', 'warn');
    if (e.type === 'StateEntered' && state === ORCHESTRATOR_STATES.runPlan)
      say('run', "the pre-built plan's state machine (alias live) starts");
    if (e.type === 'StateExited' && RELEASE_STATES.has(state)) say('lease', 'released');
    if (e.type === 'StateEntered' && IGNORED_STATES.has(state)) say('intake', state, 'warn');
  };

  readonly planEvent = (e: RunEvent): void => {
    if (e.type === 'StateEntered' && e.stateType === 'Wait')
      this.progress.activity(`${e.state ?? 'wait'}: letting the alarms settle`);
  };

  published(subject: string): void {
    this.progress.line('notify', subject, { tone: 'bad' });
  }

  redelivered(duplicate: boolean): void {
    this.progress.line(
      'intake',
      duplicate
        ? 'the same event delivered again: ignored (one execution per alarm change)'
        : 'the same event started a second execution',
      { tone: duplicate ? 'dim' : 'bad' },
    );
  }

  outcome(run: { status: string } | undefined, reason: EscalationReason | undefined): Outcome {
    this.progress.stop();
    let outcome: Outcome;
    if (!run) {
      outcome = {
        status: 'ESCALATED',
        minutes: this.clock.now,
        detail: 'no pre-built plan ran for this alarm: nothing in reach to roll back',
      };
    } else if (run.status === 'SUCCEEDED') {
      const minutes = this.recoveredAt ?? this.clock.now;
      outcome = { status: 'RECOVERED', minutes, detail: this.lastGate?.detail ?? 'incident alarms OK' };
      this.mark('Incident', 'recovered', 'recovered', minutes, 'RECOVERED');
    } else {
      const halted = this.rejected || reason === 'worse';
      const detail = `${reason ?? 'task-error'}${this.lastGate && reason !== 'approval-rejected' && reason !== 'approval-timed-out' ? `: ${this.lastGate.detail}` : ''}`;
      outcome = { status: halted ? 'HALTED' : 'ESCALATED', minutes: this.clock.now, detail };
    }
    return outcome;
  }

  /** The incident as the store keeps it and `refine` learns from it. */
  record(incidentId: string, plan: Plan, alarm: string, outcome: Outcome, culprit: string | undefined): IncidentRecord {
    const acts = [...this.acts.values()];
    const fixed = outcome.status === 'RECOVERED' ? this.fixedBy(acts, culprit) : undefined;
    return {
      schemaVersion: 1,
      incidentId,
      at: this.clock.iso(0),
      alarms: [alarm],
      planId: plan.planId,
      modelVersion: plan.model,
      suspects: plan.suspects.map(({ service, score, features }) => ({ service, score, features })),
      realIncident: true,
      ...(fixed !== undefined ? { culprit: fixed } : {}),
      steps: acts.map((a) => ({
        service: a.service,
        action: a.action,
        startedAt: this.clock.iso(a.startMin),
        endedAt: this.clock.iso(a.endMin),
        status: a.status,
      })),
      ...(outcome.status === 'RECOVERED'
        ? { recoveredAt: this.clock.iso(outcome.minutes), timeToRecoverySeconds: Math.round(outcome.minutes * 60) }
        : {}),
    };
  }

  /** Appends what happened to the incident's timeline in the store (keys make a replay a no-op). */
  async keep(incidentId: string, record: IncidentRecord, run: string): Promise<void> {
    const events = [
      ...this.timeline.map((item, i) => ({
        key: `${run}#timeline-${i}`,
        at: this.clock.iso(item.startMin),
        type: item.kind,
        data: item,
      })),
      ...this.gates.map((g, i) => ({ key: `${run}#gate-${i}`, at: this.clock.iso(g.atMin), type: 'gate', data: g })),
      { key: `${run}#record`, at: this.clock.iso(), type: 'record', data: record },
    ];
    for (const event of events) await this.store.appendEvent(incidentId, event);
  }

  refined(before: string, after: string, stored: 'stored' | 'conflict'): void {
    const how =
      stored === 'stored' ? 'stored as the current model' : 'not stored: another version became current first';
    this.progress.line('model', `refined from this incident: ${before} -> ${after} (${how})`);
  }

  private async rollback(step: PlanStep, ref: StepRef, waves: Map<number, Wave>): Promise<{ version?: string }> {
    this.announce(ref.stage, ref.wave, waves);
    const key = `${ref.wave}:${step.service}`;
    const start = this.cursors.get(key) ?? this.clock.now;
    const n = (this.attempts.get(key) ?? 0) + 1;
    this.attempts.set(key, n);
    const attempt = this.fleet.attempt(step.service, step.action.type, n);
    this.progress.activity(`wave ${ref.wave}: rolling back ${step.service} (${describeAction(step.action)})`);
    await this.clock.sleep(attempt.minutes);
    const end = start + attempt.minutes;
    this.cursors.set(key, end);
    this.waveEnds.set(ref.wave, Math.max(this.waveEnds.get(ref.wave) ?? 0, end));
    const lane = `Wave ${ref.wave}`;
    const label = `${step.service} (${step.action.type})`;
    const from = this.fleet.version(step.service);
    const act = this.acts.get(key) ?? {
      service: step.service,
      action: step.action.type,
      wave: ref.wave,
      startMin: start,
      endMin: end,
      status: 'FAILED',
    };
    act.endMin = end;
    this.acts.set(key, act);
    const at = { at: end };
    if (attempt.result === 'transient') {
      this.bar(lane, 'act', `${label}: throttled`, start, end, 'RETRY', step.service);
      this.progress.line(`wave ${ref.wave}`, `${step.service}: the deployment API throttled the call; retrying`, {
        ...at,
        tone: 'warn',
      });
      throw new TransientError(`${step.service}: throttled`);
    }
    if (attempt.result === 'failed') {
      this.bar(lane, 'act', label, start, end, 'FAILED', step.service);
      this.progress.line(`wave ${ref.wave}`, `${step.service}: rollback failed`, { ...at, tone: 'bad' });
      throw new RollbackFailedError(`${step.service}: the rollback did not complete`);
    }
    this.fleet.rollBack(step.service, step.change.fromVersion);
    act.status = step.action.type === 'manual' ? 'MANUAL_DONE' : 'ROLLED_BACK';
    this.bar(lane, 'act', label, start, end, act.status, step.service);
    const versions = from && step.change.fromVersion ? ` ${from} -> ${step.change.fromVersion}` : '';
    this.progress.line(
      `wave ${ref.wave}`,
      `${step.service}${versions} rolled back (${step.action.type}, ${(end - start).toFixed(1)} min)`,
      { ...at, tone: 'good' },
    );
    return step.change.fromVersion !== undefined ? { version: step.change.fromVersion } : {};
  }

  private async approve(input: ApprovalInput, plan: Plan, waves: Map<number, Wave>): Promise<ApprovalResult> {
    this.announce(input.stage, input.wave, waves);
    const key = input.kind === 'step' ? `${input.wave ?? 0}:${input.service ?? ''}` : undefined;
    const start = (key === undefined ? undefined : this.cursors.get(key)) ?? this.clock.now;
    const lane = input.kind === 'stage' ? `Stage ${input.stage}` : `Wave ${input.wave ?? 0}`;
    const what = describeApproval(input);
    this.progress.activity(`waiting for approval: ${what}`);
    const approvalId = randomUUID();
    if (this.mode !== 'manual') await this.store.putApproval(this.approvalRecord(approvalId, input, plan, start));
    const began = Date.now();
    const done = async (decision: 'approve' | 'reject', by: string | undefined, timedOut = false): Promise<number> => {
      const minutes = this.mode === 'manual' ? (Date.now() - began) / 60_000 : DECISION_MINUTES;
      const end = start + minutes;
      if (key) this.cursors.set(key, end);
      else this.clock.advanceTo(end);
      if (this.mode !== 'manual') {
        await this.store.decideApproval(approvalId, {
          decision,
          decidedAt: this.clock.iso(end),
          ...(by ? { decidedBy: by } : {}),
        });
      }
      // No decision in time is not a rejection: nobody said no (the plan halts the same way).
      const verdict = decision === 'approve' ? 'approved' : timedOut ? 'timed out' : 'rejected';
      this.bar(
        lane,
        'approval',
        `approve ${what}${timedOut ? ' (timed out)' : ''}`,
        start,
        end,
        decision === 'approve' ? 'approved' : 'rejected',
      );
      const reason = input.why[input.why.length - 1];
      const why = reason ? ` (${reason})` : '';
      this.progress.line('approval', `${what} ${verdict}${by ? ` by ${by}` : ''}${why}`, {
        at: end,
        tone: decision === 'approve' ? 'good' : 'bad',
      });
      return end;
    };
    try {
      const result = await this.port.request(input);
      await done('approve', result.by);
      return result;
    } catch (err) {
      this.rejected = true;
      await done('reject', undefined, err instanceof ApprovalTimedOutError);
      throw err;
    }
  }

  private async gate(real: TaskHandlers['gate'], input: GateInput): Promise<GateResult> {
    const wave = input.wave ?? 0;
    if (input.mode === 'gate') {
      if (input.previous?.wave === wave && input.previous.outcome === 'INSUFFICIENT_DATA') {
        this.clock.advance(GATE_PERIOD_SECONDS / 60);
      } else {
        this.clock.advanceTo(this.waveEnds.get(wave) ?? this.clock.now);
        const start = this.clock.now;
        this.clock.advance(BAKE_SECONDS / 60);
        this.bar(`Wave ${wave}`, 'bake', `bake ${BAKE_SECONDS / 60} min`, start, this.clock.now);
      }
    }
    this.progress.activity(undefined);
    const result = await real(input);
    const at = this.clock.now;
    const stage = input.stage ?? 'baseline';
    this.gates.push({ atMin: at, stage, wave, outcome: result.outcome, alarms: result.alarms, detail: result.detail });
    if (input.mode === 'baseline') {
      this.progress.line('baseline', result.detail, { at, tone: 'dim' });
      return result;
    }
    this.lastGate = result;
    if (result.outcome === 'RECOVERED') this.recoveredAt = at;
    this.mark(`Wave ${wave}`, 'gate', `gate ${wave}: ${result.outcome}`, at, result.outcome);
    const tone: Tone = result.outcome === 'RECOVERED' ? 'good' : result.outcome === 'NOT_YET' ? 'warn' : 'bad';
    this.progress.line(`gate ${wave}`, `${result.outcome}: ${result.detail}`, { at, tone });
    return result;
  }

  private escalated(input: NotifyInput): Promise<void> {
    this.mark('Incident', 'escalate', `escalated: ${input.reason}`, this.clock.now, input.reason);
    this.progress.line('escalate', `${input.reason}: ${ESCALATION_CAUSES[input.reason]}`, {
      at: this.clock.now,
      tone: 'bad',
    });
    return Promise.resolve();
  }

  /** A line when a stage or a wave starts (the first task of it to run says so). */
  private announce(stage: string, wave: number | undefined, waves: Map<number, Wave>): void {
    if (!this.announced.has(stage)) {
      this.announced.add(stage);
      const count = [...waves.values()].filter((w) => w.stage === stage).length;
      this.progress.line('stage', `${stage}: ${count} wave(s)`, { at: this.clock.now, tone: 'info' });
    }
    const steps = wave === undefined ? undefined : waves.get(wave)?.steps;
    if (wave !== undefined && steps && !this.announced.has(`wave ${wave}`)) {
      this.announced.add(`wave ${wave}`);
      const names = steps.map((s) => s.service).join(', ');
      this.progress.line(`wave ${wave}`, `${steps.length > 1 ? 'in parallel: ' : ''}${names}`, { at: this.clock.now });
    }
  }

  private approvalRecord(approvalId: string, input: ApprovalInput, plan: Plan, start: number) {
    return {
      approvalId,
      incidentId: input.incidentId,
      planId: plan.planId,
      kind: input.kind,
      stage: input.stage,
      ...(input.service !== undefined ? { service: input.service } : {}),
      why: input.why,
      taskToken: input.taskToken,
      nonce: randomUUID(),
      expiresAt: this.clock.iso(start + (input.expiresInSeconds ?? SETTINGS.approval.default) / 60),
      status: 'PENDING' as const,
    };
  }

  /** The service whose rollback made the alarms recover: the known culprit if it was rolled back last, else the worst effect. */
  private fixedBy(acts: readonly ActRecord[], culprit: string | undefined): string | undefined {
    const lastWave = Math.max(...acts.filter((a) => a.status !== 'FAILED').map((a) => a.wave));
    const last = acts.filter((a) => a.wave === lastWave && a.status !== 'FAILED').map((a) => a.service);
    if (culprit !== undefined && last.includes(culprit)) return culprit;
    const weight = (s: string) => {
      const e = own(this.fleet.model.effects, s);
      return e ? e.fault + e.latency : 0;
    };
    return [...last].sort((a, b) => weight(b) - weight(a))[0];
  }

  private mark(
    lane: string,
    kind: ReportTimelineItem['kind'],
    label: string,
    at: number,
    outcome?: string,
    service?: string,
  ): void {
    this.bar(lane, kind, label, at, at, outcome, service);
  }

  /** `service` names whose deployment or rollback an item is: the report highlights the culprit's exactly. */
  private bar(
    lane: string,
    kind: ReportTimelineItem['kind'],
    label: string,
    start: number,
    end: number,
    outcome?: string,
    service?: string,
  ): void {
    this.timeline.push({
      lane,
      kind,
      label,
      startMin: round(start),
      endMin: round(end),
      ...(outcome !== undefined ? { outcome } : {}),
      ...(service !== undefined ? { service } : {}),
    });
  }
}

interface Wave {
  readonly stage: string;
  readonly steps: readonly PlanStep[];
}

/** Waves by their 1-based number across the plan, as the compiled state names count them. */
function wavesOf(plan: Plan): Map<number, Wave> {
  const waves = new Map<number, Wave>();
  for (const stage of plan.stages)
    for (const w of stage.waves) waves.set(waves.size + 1, { stage: stage.name, steps: w.steps });
  return waves;
}

function round(minutes: number): number {
  return Math.round(minutes * 100) / 100;
}
