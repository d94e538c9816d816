// How a chaos demo survived each fault, read from what happened after it was injected: the events of the
// state machine that met the error (retried, caught, or the function carried on), the fleet's own log of
// rollbacks applied, the incident's timeline, the deliveries of the alarm events, learning's attempts.
import type { TimelineEvent } from '../../core/store';
import type { DemoReport } from '../../report/types';
import { IGNORED_STATES, ORCHESTRATOR_STATES } from '../../../statemachines/orchestrator';
import type { Delivery } from '../engines/orchestrator';
import type { RunEvent } from '../engines/runner';
import type { Happening } from '../rehearsal/happenings';
import type { FleetAction } from '../sim/fleet';
import type { Injected } from './inject';
import type { ReadingSeen } from './invariants';
import type { Fault } from './schedule';

/** Where a fault fell: the task function running, learning, the intake; none is the orchestrator. */
export type Place =
  | { readonly task: 'act'; readonly service: string; readonly wave: number }
  | { readonly task: 'gate'; readonly wave: number; readonly baseline: boolean }
  | { readonly task: 'approval'; readonly stage: string }
  | { readonly task: 'notify' }
  | { readonly task: 'learning' }
  | { readonly task: 'delivery' };

/** One function invocation (a task of the plan, learning) or delivery, and how it ended. */
export interface Invocation {
  readonly place: Place;
  /** The error it ended with, if it did. */
  threw?: string;
}

export interface SeenFault {
  readonly injected: Injected;
  readonly fault: Fault;
  /** The invocation it fell in; none is a call of the orchestrator's own. */
  readonly invocation?: Invocation;
  /** Simulated minutes since the alarm. */
  readonly at: number;
  /** Its place in the order of everything seen. */
  readonly seq: number;
  /** For an alarm event a fault brought: what its delivery did, or that the EventBridge rule dropped it. */
  delivery?: Delivery | 'filtered';
}

/** Everything a chaos demo saw, in order (`seq`). */
export interface Trace {
  readonly faults: SeenFault[];
  readonly events: { readonly seq: number; readonly execution: 'orchestrator' | 'plan'; readonly event: RunEvent }[];
  readonly happenings: { readonly seq: number; readonly happening: Happening }[];
  /** The attempt at learning that succeeded. */
  learnAttempts: number;
  readonly readings: ReadingSeen[];
  readonly approvals: { readonly incidentId: string }[];
}

/** What the run left: the fleet's log, the incident's timeline and records, the lease, the ending. */
export interface After {
  readonly incidentId: string;
  readonly actions: readonly FleetAction[];
  readonly timeline: readonly TimelineEvent[];
  readonly records: number;
  readonly lease?: string;
  readonly outcome: DemoReport['outcome'];
  readonly notified: boolean;
}

/**
 * When a fault fell, in simulated minutes: a step keeps its own clock, so a fault in one is as late as the
 * rollback attempt it failed (told right after it) or, after the rollback, the one it followed.
 */
export function whenOf(seen: SeenFault, trace: Trace): number {
  const place = seen.invocation?.place;
  if (place?.task !== 'act') return seen.at;
  const attempts = trace.happenings.flatMap(({ seq, happening: h }) =>
    h.kind === 'rollback' && h.wave === place.wave && h.service === place.service ? [{ seq, end: h.end }] : [],
  );
  const attempt = attempts.find((a) => a.seq > seen.seq) ?? attempts.filter((a) => a.seq < seen.seq).pop();
  return attempt?.end ?? seen.at;
}

/** "on the rollback of cartservice (wave 2)", "on DynamoDB PutItem by the orchestrator". */
export function describePlace(seen: SeenFault): string {
  const { fault } = seen;
  const place = seen.invocation?.place;
  const by = byWhom(place);
  switch (fault.point) {
    case 'rollback':
      return `on the rollback${place?.task === 'act' ? ` of ${place.service} (wave ${place.wave})` : ''}`;
    case 'alarms':
      return `on the alarm read by ${by}`;
    case 'act':
      return `in ${by}, after its rollback`;
    case 'learn':
      return 'in learning, after writing the record';
    default:
      return place?.task === 'delivery' ? 'delivered to the intake' : `on DynamoDB ${fault.point} by ${by}`;
  }
}

function byWhom(place: Place | undefined): string {
  switch (place?.task) {
    case undefined:
      return 'the orchestrator';
    case 'act':
      return `the act function for ${place.service} (wave ${place.wave})`;
    case 'gate':
      return place.baseline ? 'the baseline reading' : `gate ${place.wave}`;
    case 'approval':
      return `the approval of stage ${place.stage}`;
    case 'notify':
      return 'the notify function';
    case 'learning':
      return 'learning';
    case 'delivery':
      return 'the intake';
  }
}

/** How the run went on after each fault, and what it left where the fault fell. */
export function survivalsOf(trace: Trace, after: After): Map<SeenFault, string[]> {
  const met = failuresMet(trace);
  return new Map(
    trace.faults.map((seen) => {
      const place = seen.invocation?.place;
      const how = met.get(seen);
      const lines =
        place?.task === 'delivery'
          ? [delivered(seen.delivery), rollbacksBy(after)]
          : place?.task === 'learning'
            ? [
                `learning ran again as an asynchronous invocation: attempt ${trace.learnAttempts} succeeded`,
                `${times(after.records, 'learning record')} for the incident`,
              ]
            : [how?.text ?? 'the function handled the error and went on', ...left(seen, trace, after)];
      // A failure the state machine caught, or a step left undone, ends the incident: say how, and who heard.
      const undone = place?.task === 'act' && rolledBack(after, place) === 0;
      if ((how?.caught || undone) && after.outcome.status !== 'RECOVERED')
        lines.push(
          `the incident ${after.outcome.status.toLowerCase()} (${after.outcome.detail}); ` +
            (after.notified ? 'the escalation reached the notification channel' : 'no notification went out'),
        );
      return [seen, lines];
    }),
  );
}

/**
 * The state failure each fault caused, and what the state machine did with it (retried or caught). An
 * execution's events come after the calls that caused them, so each fault that ended its invocation (or,
 * on the orchestrator, each DynamoDB error) takes the first failure of its execution not taken before it.
 */
function failuresMet(trace: Trace): Map<SeenFault, { text: string; caught: boolean }> {
  const taken = new Set<number>();
  const met = new Map<SeenFault, { text: string; caught: boolean }>();
  for (const seen of trace.faults) {
    const place = seen.invocation?.place;
    if (place?.task === 'delivery' || place?.task === 'learning') continue;
    if (seen.invocation && seen.invocation.threw === undefined) continue;
    const execution = seen.invocation ? 'plan' : 'orchestrator';
    const error = seen.invocation ? undefined : `DynamoDB.${seen.injected.error}`;
    const failed = trace.events.find(
      (e) =>
        e.seq > seen.seq &&
        !taken.has(e.seq) &&
        e.execution === execution &&
        e.event.type === 'StateFailed' &&
        (error === undefined || e.event.error === error),
    );
    if (!failed?.event.state) continue;
    taken.add(failed.seq);
    const state = failed.event.state;
    const next = trace.events.find(
      (e) =>
        e.seq > failed.seq &&
        e.execution === execution &&
        e.event.state === state &&
        (e.event.type === 'StateRetried' || e.event.type === 'StateCaught'),
    );
    const caught = next?.event.type !== 'StateRetried';
    const text = caught
      ? `"${state}" failed with ${failed.event.error ?? 'an error'}; the state machine caught it instead of retrying`
      : `"${state}" failed with ${failed.event.error ?? 'an error'} and the state machine retried it`;
    met.set(seen, { text, caught });
  }
  return met;
}

function delivered(delivery: SeenFault['delivery']): string {
  if (delivery === undefined) return 'not delivered';
  if (delivery === 'filtered') return 'the EventBridge rule passes ALARM changes only: it started nothing';
  if (delivery.duplicate) return "the intake found this event's execution already started: it started nothing";
  const { path } = delivery.run;
  if (path.includes(ORCHESTRATOR_STATES.joined)) return 'the lease was held: it joined the running incident';
  const ignored = path.find((s) => IGNORED_STATES.has(s));
  return ignored ? `the orchestrator ended it at "${ignored}"` : `it started incident ${delivery.name}`;
}

function rollbacksBy(after: After): string {
  const by = [...new Set(after.actions.map((a) => a.incidentId ?? '?'))];
  const n = times(after.actions.length, 'rollback');
  if (by.length === 0) return "the fleet's log has no rollback";
  return `${n} in the fleet's log, ${by.length === 1 ? `all by incident ${(by[0] ?? '').slice(0, 12)}` : `by ${by.length} incidents`}`;
}

function rolledBack(after: After, step: { readonly service: string; readonly wave: number }): number {
  return after.actions.filter(
    (a) => a.incidentId === after.incidentId && a.wave === step.wave && a.service === step.service,
  ).length;
}

/** What the fault's place shows afterwards. */
function left(seen: SeenFault, trace: Trace, after: After): string[] {
  const place = seen.invocation?.place;
  const later = trace.happenings.filter((h) => h.seq > seen.seq).map((h) => h.happening);
  switch (place?.task) {
    case 'act': {
      const n = rolledBack(after, place);
      const step = after.timeline.find((e) => e.key === `step-${place.wave}-${place.service}`);
      const status = (step?.data as { status?: string } | undefined)?.status;
      return [
        n === 0
          ? `${place.service} not rolled back in wave ${place.wave}, by the fleet's log`
          : `${place.service} rolled back ${n === 1 ? 'once' : times(n, 'time')} in wave ${place.wave}, by the fleet's log`,
        status ? `its step is on the timeline: ${status}` : 'its step has no result on the timeline',
      ];
    }
    case 'gate': {
      const reading = later.find((h) => h.kind === 'gate' && h.wave === place.wave);
      if (reading?.kind !== 'gate') return [];
      const { outcome, detail } = reading.reading;
      return [place.baseline ? `the baseline was then read: ${detail}` : `gate ${place.wave} then read ${outcome}`];
    }
    case 'approval': {
      const decided = later.find((h) => h.kind === 'approval');
      return decided?.kind === 'approval' ? [`the approval was then ${decided.verdict}`] : [];
    }
    case undefined:
      return [after.lease ? `the lease is held by ${after.lease}` : 'the lease was released'];
    default:
      return [];
  }
}

function times(n: number, one: string, many = `${one}s`): string {
  return `${n} ${n === 1 ? one : many}`;
}
