// Reports built from real plans for the renderer's tests: the plan is walked as a run would walk it
// (approvals, rollbacks, a bake and a gate per wave) until the wave that holds the culprit recovers,
// a gate reads worse, or the plan runs out.
import type { Plan } from '../../lib/core/plan';
import type { AlarmState } from '../../lib/core/tasks';
import type { DemoReport, ReportChaos, ReportGateReading, ReportTimelineItem } from '../../lib/report/types';
import { compilePlan } from '../../statemachines/compile';
import { examplePlan } from '../helpers';

export interface FixtureOptions {
  /** The service whose change was bad; without it the report has no culprit and never recovers. */
  readonly culprit?: string;
  /** Read WORSE at this wave's gate and halt there. */
  readonly worseAt?: number;
  readonly title?: string;
  readonly scenario?: string;
}

const BAKE = 5;
const ACT = 2;
const APPROVE = 3;

const minutesBefore = (plan: Plan, iso: string) =>
  Math.round((Date.parse(iso) - Date.parse(plan.incident.at)) / 6_000) / 10;

export function reportFor(plan: Plan, options: FixtureOptions = {}): DemoReport {
  const alarm = plan.incident.alarmed[0] ?? 'service';
  const alarmName = `${alarm}-5xx`;
  const other = 'checkout-latency';
  const timeline: ReportTimelineItem[] = [];
  const gates: ReportGateReading[] = [];
  const at = (
    lane: string,
    kind: ReportTimelineItem['kind'],
    label: string,
    start: number,
    end = start,
    outcome?: string,
  ) => timeline.push({ lane, kind, label, startMin: start, endMin: end, ...(outcome ? { outcome } : {}) });

  for (const stage of plan.stages)
    for (const wave of stage.waves)
      for (const step of wave.steps)
        at(
          'Deployments',
          'deploy',
          `${step.service} ${step.change.toVersion ?? step.change.ids[0] ?? ''}`,
          minutesBefore(plan, step.change.lastDeployedAt),
        );
  at('Incident', 'alarm', `${alarmName} in ALARM`, 0);
  at('Incident', 'plan', 'plan and compile', 0, 0.5);

  let t = 0.5;
  let wave = 0;
  let status: DemoReport['outcome']['status'] | undefined;
  for (const stage of plan.stages) {
    if (status) break;
    if (stage.approval) {
      at(`Stage ${stage.name}`, 'approval', `approve stage ${stage.name}`, t, t + APPROVE, 'approved');
      t += APPROVE;
    }
    for (const w of stage.waves) {
      wave += 1;
      const lane = `Wave ${wave}`;
      const start = t;
      let end = t;
      for (const step of w.steps) {
        const actAt = step.approval ? start + APPROVE : start;
        if (step.approval) at(lane, 'approval', `approve ${step.service}`, start, actAt, 'approved');
        at(lane, 'act', `roll back ${step.service}`, actAt, actAt + ACT, 'SUCCEEDED');
        end = Math.max(end, actAt + ACT);
      }
      at(lane, 'bake', `bake ${BAKE} min`, end, end + BAKE);
      t = end + BAKE;
      const recovered = w.steps.some((s) => s.service === options.culprit);
      const outcome = options.worseAt === wave ? 'WORSE' : recovered ? 'RECOVERED' : 'NOT_YET';
      const alarms: Record<string, AlarmState> = {
        [alarmName]: recovered ? 'OK' : 'ALARM',
        [other]: outcome === 'WORSE' ? 'ALARM' : 'OK',
      };
      const detail =
        outcome === 'WORSE'
          ? `now in ALARM after being OK: ${other}`
          : recovered
            ? `incident alarms OK: ${alarmName}`
            : `still in ALARM: ${alarmName}`;
      gates.push({ atMin: t, stage: stage.name, wave, outcome, alarms, detail });
      at(lane, 'gate', `Gate ${wave}`, t, t, outcome);
      if (outcome === 'WORSE') status = 'HALTED';
      if (outcome === 'RECOVERED') status = 'RECOVERED';
      if (status) break;
    }
  }
  if (status === 'RECOVERED') at('Incident', 'recovered', 'incident alarms OK', t);
  else at('Incident', 'escalate', status === 'HALTED' ? 'halted: worse' : 'escalated: not recovered', t);

  const changes = plan.stages.flatMap((s) => s.waves.flatMap((w) => w.steps));
  const newestFirst = [...changes].sort((a, b) => b.change.lastDeployedAt.localeCompare(a.change.lastDeployedAt));
  const oneByOne = newestFirst.findIndex((s) => s.service === options.culprit) + 1;
  return {
    title: options.title ?? `Backstep demo: ${options.scenario ?? 'online-boutique'}`,
    scenario: options.scenario ?? 'online-boutique',
    seed: 7,
    generatedAt: '2026-11-27T10:42:00.000Z',
    plan,
    definition: compilePlan(plan),
    ...(options.culprit ? { culprit: { service: options.culprit, changeId: `${options.culprit}-change` } } : {}),
    timeline,
    gates,
    outcome: {
      status: status ?? 'ESCALATED',
      minutes: t,
      detail:
        status === 'RECOVERED'
          ? `The incident alarms read OK after wave ${wave}.`
          : status === 'HALTED'
            ? `Gate ${wave} read worse; the rollback halted.`
            : 'Every stage ran and the incident alarms are still in ALARM.',
    },
    baselines: [
      {
        name: 'Every recent change, one at a time',
        description: 'roll back the newest change, wait for the alarm, then the next',
        recovered: oneByOne > 0,
        ...(oneByOne > 0 ? { minutes: oneByOne * (ACT + BAKE) } : {}),
        rollbacks: oneByOne > 0 ? oneByOne : changes.length,
      },
      {
        name: "The alarmed service's own deployment",
        description: `roll back ${alarm} only`,
        recovered: options.culprit === alarm,
        ...(options.culprit === alarm ? { minutes: ACT + BAKE } : {}),
        rollbacks: 1,
      },
    ],
  };
}

/** The bundled Online Boutique incident: cartservice's deployment was the bad one. */
export function exampleReport(options: FixtureOptions = { culprit: 'cartservice' }): DemoReport {
  return reportFor(examplePlan(), options);
}

const INVARIANTS = ['each rollback applied at most once', 'every step on the timeline'];

/** A chaos demo's faults: a throttled rollback retried, a duplicate event; `broken` breaks the first invariant. */
export function chaosFixture(broken: readonly string[] = []): ReportChaos {
  return {
    seed: 7,
    faults: [
      {
        kind: 'rollback-throttle',
        where: 'on the rollback of cartservice (wave 2)',
        atMin: 6.62,
        error: 'ThrottlingException',
        call: 'call 1 of 2',
        survived: ['"Wave 2 · roll back cartservice" failed and the state machine retried it', 'rolled back once'],
      },
      {
        kind: 'duplicate-event',
        where: 'delivered to the intake',
        atMin: 0,
        error: 'ALARM event',
        call: 'event 1 of 1',
        survived: ['it started nothing'],
      },
    ],
    invariants: INVARIANTS.map((name, i) => ({ name, broken: i === 0 ? broken : [] })),
  };
}
