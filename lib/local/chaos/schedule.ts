// The fault model: what goes wrong (a kind), where (an injection point: the boundary and which call) and
// for how long (a burst of consecutive calls). Deterministic for a seed, so a violation can be replayed.
import { hash, rng } from '../sim/incidents';

/** The DynamoDB operations the store and the orchestrator send. */
const DYNAMO_OPERATIONS = ['PutItem', 'GetItem', 'UpdateItem', 'Query', 'DeleteItem'] as const;

/** Every fault kind with its injection points. */
export const FAULT_POINTS = {
  /** ProvisionedThroughputExceededException from DynamoDB, on calls of one operation. */
  'dynamo-throttle': DYNAMO_OPERATIONS,
  /** InternalServerError (HTTP 500) from DynamoDB. */
  'dynamo-5xx': DYNAMO_OPERATIONS,
  /** ThrottlingException, then InternalServerError, from the rollback target (the fleet). */
  'rollback-throttle': ['rollback'],
  'rollback-5xx': ['rollback'],
  /** ThrottlingException from CloudWatch when a gate reads the alarms. */
  'metrics-throttle': ['alarms'],
  /** A function dies after its side effect and before it records it. */
  'crash-after-act': ['act'],
  'crash-after-learn': ['learn'],
  /**
   * The approval callback dies after its conditional update (decided), or after SendTaskSuccess (sent, before
   * it marks the decision delivered); the person sends the form again.
   */
  'crash-after-callback': ['decided', 'sent'],
  /** The approval server stops and starts again while a person holds a link, with its page open. */
  'approval-restart': ['links-out'],
  /** The same alarm event delivered twice: one after the other, or both at once. */
  'duplicate-event': ['after', 'concurrent'],
  /** An older ALARM of the alarm delivered after a newer one: mid-wave, or after the incident ended. */
  'late-alarm': ['mid-wave', 'after-end'],
  /** The alarm's OK (newer) delivered before its ALARM: EventBridge's rule drops OK, the ALARM still runs. */
  'ok-before-alarm': ['intake'],
  /** N alarms of one application within seconds: the same alarm flapping, or all of its alarms. */
  'alarm-storm': ['same-alarm', 'many-alarms'],
  /**
   * A task times out while its function carries on (a Lambda runs to its own timeout): the step's act or a
   * gate's read. The runner's timeouts are real seconds, so the task is failed with States.Timeout here.
   */
  'task-timeout': ['act', 'gate'],
  /** An approval's heartbeat is lost (States.HeartbeatTimeout) while the person may still decide. */
  'heartbeat-lost': ['approval'],
  /** SNS throttled when an escalation goes out: the orchestrator's publish, or the plan's notify function. */
  'notify-throttle': ['sns', 'notify'],
  /** The store (dynalite on a kept folder) stopped and started again mid-wave; calls wait for it, as SDK retries do. */
  'store-restart': ['mid-wave'],
  /** Someone stops an execution by hand mid-wave: the plan's, or the orchestrator's. */
  'stop-by-hand': ['plan', 'orchestrator'],
} as const;

export type FaultKind = keyof typeof FAULT_POINTS;
export const FAULT_KINDS = Object.keys(FAULT_POINTS) as FaultKind[];

export interface Fault {
  readonly kind: FaultKind;
  readonly point: string;
  /** The first call at the point that fails (1-based), or which act call the hand or event comes at. */
  readonly call: number;
  /** How many consecutive calls fail (or how many alarms a storm has). */
  readonly burst: number;
}

/** The kinds that fail calls at a boundary, in bursts; the others are events around the incident. */
const BURSTS: ReadonlySet<FaultKind> = new Set([
  'dynamo-throttle',
  'dynamo-5xx',
  'rollback-throttle',
  'rollback-5xx',
  'metrics-throttle',
  'notify-throttle',
]);

/** Faults on a step, on learning (once an incident) or that come mid-wave: at the first. */
const FIRST_STEP: ReadonlySet<FaultKind> = new Set([
  'rollback-throttle',
  'rollback-5xx',
  'crash-after-act',
  'crash-after-learn',
  'stop-by-hand',
  'late-alarm',
  'notify-throttle',
  'store-restart',
  'task-timeout',
  'heartbeat-lost',
  'crash-after-callback',
  'approval-restart',
]);

/** One fault of a kind at a point, drawn from the seed. */
export function faultFor(kind: FaultKind, point: string, seed: number): Fault {
  const random = rng(hash(`chaos:${seed}:${kind}:${point}`));
  // Most plans recover after their first step: faults on steps fall on the first; a gate reads twice at least.
  const span = FIRST_STEP.has(kind) ? 1 : kind === 'metrics-throttle' ? 2 : 4;
  const call = 1 + Math.floor(random() * span);
  if (kind === 'alarm-storm') return { kind, point, call: 1, burst: 3 + Math.floor(random() * 6) };
  // Up to 4 in a row: one more than the task retries, so some bursts exhaust them and must escalate.
  const burst = BURSTS.has(kind) ? 1 + Math.floor(random() * 4) : 1;
  return { kind, point, call, burst };
}

/** Every (kind, point) for a seed, in a stable order: a run each. */
export function faultSchedule(seed: number, kinds: readonly FaultKind[] = FAULT_KINDS): Fault[] {
  return kinds.flatMap((kind) => FAULT_POINTS[kind].map((point) => faultFor(kind, point, seed)));
}
