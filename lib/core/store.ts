// The store port: what Backstep keeps per incident, designed around single-item conditional writes
// (DynamoDB in AWS, dynalite on one machine; neither needs transactions). Adapters: lib/aws/store.ts.
import type { CulpritModel } from './model';
import type { Plan } from './plan';

export interface IncidentMeta {
  readonly incidentId: string;
  readonly application: string;
  readonly alarms: readonly string[];
  readonly startedAt: string;
  readonly planId?: string;
  readonly modelVersion?: string;
}

/** One entry of an incident's append-only timeline. `key` makes a replayed append a no-op. */
export interface TimelineEvent {
  readonly key: string;
  readonly at: string;
  readonly type: string;
  readonly data?: unknown;
}

/**
 * Who holds an application's lease: the incident's orchestrator execution. The orchestrator definition
 * and the store write it alike (lib/core/table.ts); a holder that ended without releasing it is told
 * from a live one by asking Step Functions about `holderArn`, never by a clock.
 */
export interface LeaseHolder {
  /** The execution name, which is the incident id. */
  readonly holder: string;
  /** The execution ARN. */
  readonly holderArn: string;
  /** When the lease was taken (ISO 8601, the execution's start time). */
  readonly takenAt: string;
}

export type LeaseResult = { readonly acquired: true } | { readonly acquired: false; readonly holder: LeaseHolder };

export type IdempotencyClaim =
  { readonly claimed: true } | { readonly claimed: false; readonly done: boolean; readonly result?: unknown };

export interface ApprovalRecord {
  readonly approvalId: string;
  readonly incidentId: string;
  readonly planId: string;
  readonly kind: 'stage' | 'step';
  readonly stage: string;
  readonly wave?: number;
  readonly service?: string;
  /** Whose approver list applies (the incident's application). */
  readonly application?: string;
  readonly why: readonly string[];
  /** Kept server-side only: never in a link, an email, a page or a log line. */
  readonly taskToken: string;
  readonly nonce: string;
  readonly expiresAt: string;
  readonly status: 'PENDING' | 'DECIDED';
  readonly decision?: 'approve' | 'reject';
  readonly decidedAt?: string;
  readonly decidedBy?: string;
  readonly sourceIp?: string;
  readonly userAgent?: string;
  /** When the decision reached the task (SendTaskSuccess/Failure answered): until then a replay passes it on again. */
  readonly deliveredAt?: string;
}

export interface Decision {
  readonly decision: 'approve' | 'reject';
  readonly decidedAt: string;
  readonly decidedBy?: string;
  readonly sourceIp?: string;
  readonly userAgent?: string;
}

/** What the orchestrator looks up for an alarm: the pre-built plan's state machine (an alias). */
export interface AlarmPlan {
  readonly alarm: string;
  readonly application: string;
  readonly planId: string;
  readonly stateMachine: string;
  /** `planShape` of the plan: an unchanged shape keeps the published state machine. */
  readonly shape?: string;
}

export interface IncidentStore {
  /** Creates the incident once; a second create for the same id changes nothing. */
  createIncident(meta: IncidentMeta): Promise<'created' | 'exists'>;
  getIncident(incidentId: string): Promise<IncidentMeta | undefined>;
  /** Appends to the timeline; an event with a key already there is a duplicate and changes nothing. */
  appendEvent(incidentId: string, event: TimelineEvent): Promise<'appended' | 'duplicate'>;
  /** The timeline in order. */
  events(incidentId: string): Promise<TimelineEvent[]>;

  /** One running rollback per application: taken when free or already ours; otherwise who holds it. */
  acquireLease(application: string, holder: LeaseHolder): Promise<LeaseResult>;
  /** Takes the lease from `ended`, a holder that is no longer running; false when someone else has it now. */
  takeOverLease(application: string, holder: LeaseHolder, ended: string): Promise<boolean>;
  releaseLease(application: string, holder: string): Promise<boolean>;
  /**
   * Records an alarm event's state-change time; an event older than (or as old as) the last one seen is
   * stale. The same item and comparison as the orchestrator's "Check order" state.
   */
  markAlarmEvent(alarm: string, stateChangeTime: string): Promise<'newer' | 'stale'>;

  /** Claims an idempotency key (rule 11): only the first claim may act. */
  claimIdempotency(key: string, now: string): Promise<IdempotencyClaim>;
  completeIdempotency(key: string, result: unknown): Promise<void>;
  /** Gives up an unfinished claim (after a transient failure), so that the retry may claim it. */
  releaseIdempotency(key: string): Promise<void>;

  /** Discovery snapshots, one current per application: the newest wins; a reader never sees half of one. */
  putSnapshot(snapshot: import('./snapshot').DiscoverySnapshot): Promise<'stored' | 'stale'>;
  latestSnapshot(application: string): Promise<import('./snapshot').DiscoverySnapshot | undefined>;
  /** Records a deployment once per id; a later record of it may only add versions the first one lacked. */
  putChange(change: import('./types').Change): Promise<'stored' | 'duplicate' | 'completed'>;
  /** Changes deployed in [since, until] (epoch ms), oldest first. */
  changesSince(since: number, until: number): Promise<import('./types').Change[]>;

  putPlan(plan: Plan): Promise<void>;
  /** Points an alarm at the state machine of its pre-built plan (one item per alarm). */
  putAlarmPlan(pointer: AlarmPlan): Promise<void>;
  getAlarmPlan(alarm: string): Promise<AlarmPlan | undefined>;
  getPlan(planId: string): Promise<Plan | undefined>;

  putApproval(approval: ApprovalRecord): Promise<void>;
  getApproval(approvalId: string): Promise<ApprovalRecord | undefined>;
  /** PENDING -> DECIDED, once: every later call gets the recorded decision and `decided: false`. */
  decideApproval(
    approvalId: string,
    decision: Decision,
  ): Promise<{ readonly decided: boolean; readonly approval: ApprovalRecord | undefined }>;
  /** Marks a decided approval's decision as passed on to its task, once; later calls change nothing. */
  markApprovalDelivered(approvalId: string, at: string): Promise<void>;

  /** Stores a model version and makes it current, if the current one is still `previous`. */
  putModel(model: CulpritModel, previous: string | undefined): Promise<'stored' | 'conflict'>;
  currentModel(): Promise<CulpritModel | undefined>;
}
