// One synthesis run, as the scheduled refresh does it: the latest discovery snapshot, the changes the
// recorder and discovery stored, the current model -> a plan per catalogued service -> published.
// Plans are built ahead of any alarm; `at` is now, so ages are as an incident starting now would see them.
// One run at a time (a lock item in the table), and a run in which any plan failed fails, so people hear.
import {
  ConditionalCheckFailedException,
  DeleteItemCommand,
  GetItemCommand,
  PutItemCommand,
  UpdateItemCommand,
  type DynamoDBClient,
} from '@aws-sdk/client-dynamodb';
import type { SFNClient } from '@aws-sdk/client-sfn';
import { marshall } from '@aws-sdk/util-dynamodb';
import type { Catalog } from '../core/catalog';
import type { Plan } from '../core/plan';
import { BackstepError } from '../core/errors';
import { notUndone } from '../core/changes';
import { BUILTIN_MODEL } from '../core/model';
import { planRollback } from '../core/planner';
import type { IncidentStore } from '../core/store';
import { rankWith } from '../core/suspects';
import type { Change } from '../core/types';
import { REFRESH_LOCK_CONDITION, REFRESH_LOCK_HELD, REFRESH_LOCK_KEY, refreshLockItem } from '../core/table';
import type { CompileOptions } from '../../statemachines/compile';
import type { RollbackMark } from '../core/types';
import { publishPlans, type SynthesisResult, type SynthesisTarget } from './synthesize';

/** What synthesis plans from: the latest discovery snapshot, the recorded changes, what rollbacks undid, the model. */
export interface PlanningInputs {
  readonly store: Pick<IncidentStore, 'latestSnapshot' | 'changesSince' | 'currentModel'>;
  readonly catalog: Catalog;
  readonly now: number;
  readonly lookBackMs: number;
  /** What earlier incidents rolled back: undone changes, and the rollbacks' own deployments, are no suspects. */
  readonly rollbackMarks?: () => Promise<readonly RollbackMark[]>;
}

export interface SynthesisRun extends PlanningInputs {
  readonly sfn: Pick<SFNClient, 'send'>;
  readonly store: Pick<
    IncidentStore,
    'latestSnapshot' | 'changesSince' | 'currentModel' | 'putPlan' | 'putAlarmPlan' | 'getAlarmPlan'
  >;
  readonly target: SynthesisTarget;
  readonly compile?: CompileOptions;
}

export interface SynthesisSummary {
  readonly model: string;
  readonly snapshotTakenAt?: number;
  /** Why nothing was published, when nothing could be. */
  readonly skipped?: string;
  readonly results: readonly SynthesisResult[];
}

/** How synthesis plans a catalogued service, or why it cannot plan at all. */
export type SynthesisPlanner =
  | { readonly model: string; readonly skipped: string }
  | { readonly model: string; readonly snapshotTakenAt: number; readonly planFor: (service: string) => Plan };

/**
 * The planning half of a synthesis run, shared with rehearsals (lib/local/rehearsal/plans.ts): the snapshot's
 * changes and those recorded since, merged by id, less those rollbacks undid, ranked by the current model.
 */
export async function synthesisPlanner(run: PlanningInputs): Promise<SynthesisPlanner> {
  const model = (await run.store.currentModel()) ?? BUILTIN_MODEL;
  const snapshot = await run.store.latestSnapshot(run.catalog.application);
  if (!snapshot?.graph) {
    // Without a service graph there is no order to roll back in: keep whatever was published before.
    return { model: model.version, skipped: 'no discovery snapshot with a service graph yet' };
  }
  const recorded = await run.store.changesSince(run.now - run.lookBackMs, run.now);
  const byId = new Map<string, Change>();
  for (const change of [...snapshot.changes, ...recorded]) byId.set(change.id, { ...byId.get(change.id), ...change });
  const changes = notUndone([...byId.values()], (await run.rollbackMarks?.()) ?? []);
  const ranker = rankWith(model);
  const graph = snapshot.graph;
  return {
    model: model.version,
    snapshotTakenAt: snapshot.takenAt,
    planFor: (service) =>
      planRollback(
        {
          topology: graph,
          ...(snapshot.baseline ? { baseline: snapshot.baseline } : {}),
          changes,
          alarmed: [service],
          at: run.now,
          windowMs: run.lookBackMs,
          catalog: run.catalog,
          warnings: snapshot.warnings,
        },
        { ranker },
      ),
  };
}

export async function synthesizeAll(run: SynthesisRun): Promise<SynthesisSummary> {
  const planner = await synthesisPlanner(run);
  if ('skipped' in planner) return { ...planner, results: [] };
  const results = await publishPlans(run.sfn, run.store, run.target, run.catalog, planner.planFor, run.compile ?? {});
  return { model: planner.model, snapshotTakenAt: planner.snapshotTakenAt, results };
}

/** Error names the refresh state machine matches (lib/infra/planning.ts): thrown here, retried or not there. */
export const REFRESH_ERRORS = {
  /** Another synthesis holds the lock: retried with backoff until it is done. */
  busy: 'Backstep.RefreshBusy',
  /** Some plans could not be built or published (the others were): the refresh fails and its alarm fires. */
  plansFailed: 'Backstep.PlansFailed',
} as const;

export class RefreshBusyError extends BackstepError {
  constructor(holder: string) {
    super(`another plan refresh (${holder}) is synthesizing; retry when it is done`);
    this.name = REFRESH_ERRORS.busy;
  }
}

export class PlansFailedError extends BackstepError {
  readonly failed: readonly SynthesisResult[];

  constructor(failed: readonly SynthesisResult[]) {
    super(
      `${failed.length} plan(s) not published: ${failed.map((r) => `${r.service} (${r.reason ?? 'no reason'})`).join('; ')}`,
    );
    this.name = REFRESH_ERRORS.plansFailed;
    this.failed = failed;
  }
}

/** The synthesize function's timeout (lib/infra/planning.ts): no live synthesis holds the lock longer. */
export const SYNTHESIS_TIMEOUT_MS = 5 * 60_000;

export interface RefreshLock {
  /** Takes the lock when it is free or expired; otherwise says who holds it. Nobody takes it twice. */
  acquire(): Promise<{ readonly acquired: true } | { readonly acquired: false; readonly holder: string }>;
  /** Asks the live holder to synthesize once more (newer changes arrived); false when nobody holds it. */
  requestAgain(): Promise<boolean>;
  /** Ends a holder's run: released, or `again` (the request is taken, the lock kept) when one came in. */
  finish(): Promise<'released' | 'again'>;
  /** Gives the lock up whatever was asked (after a failure). */
  release(): Promise<void>;
}

/**
 * The lock as single-item conditional writes: publishing creates, updates and deletes versions of the same
 * state machines, and two writers would race (Step Functions answers ConflictException, or an alias moves
 * back). It expires with the function's timeout, so a synthesis that died frees it by itself. `holder` is
 * one invocation's own token: a retried invocation never takes the lock of one that may still be running.
 */
export function dynamoRefreshLock(
  client: Pick<DynamoDBClient, 'send'>,
  table: string,
  holder: string,
  now: () => number,
  ttlMs = SYNTHESIS_TIMEOUT_MS,
): RefreshLock {
  const key = marshall(REFRESH_LOCK_KEY);
  /** The write if its condition held; false if it did not. */
  const conditional = async (write: () => Promise<unknown>): Promise<boolean> => {
    try {
      await write();
      return true;
    } catch (err) {
      if (err instanceof ConditionalCheckFailedException) return false;
      throw err;
    }
  };
  const deleteIf = (condition: string) =>
    conditional(() =>
      client.send(
        new DeleteItemCommand({
          TableName: table,
          Key: key,
          ConditionExpression: condition,
          ExpressionAttributeValues: marshall({ ':holder': holder }),
        }),
      ),
    );
  return {
    async acquire() {
      const at = now();
      const taken = await conditional(() =>
        client.send(
          new PutItemCommand({
            TableName: table,
            Item: marshall(refreshLockItem(holder, at + ttlMs)),
            ConditionExpression: REFRESH_LOCK_CONDITION,
            ExpressionAttributeValues: marshall({ ':now': at }),
          }),
        ),
      );
      if (taken) return { acquired: true };
      const held = await client.send(new GetItemCommand({ TableName: table, Key: key, ConsistentRead: true }));
      return { acquired: false, holder: held.Item?.['holder']?.S ?? 'unknown' };
    },
    requestAgain() {
      return conditional(() =>
        client.send(
          new UpdateItemCommand({
            TableName: table,
            Key: key,
            UpdateExpression: 'SET again = :true',
            ConditionExpression: REFRESH_LOCK_HELD,
            ExpressionAttributeValues: marshall({ ':true': true, ':now': now() }),
          }),
        ),
      );
    },
    async finish() {
      if (await deleteIf('holder = :holder AND attribute_not_exists(again)')) return 'released';
      // Not released: either a request came in (take it, keep the lock) or the lock is not ours any more.
      const taken = await conditional(() =>
        client.send(
          new UpdateItemCommand({
            TableName: table,
            Key: key,
            UpdateExpression: 'REMOVE again',
            ConditionExpression: 'holder = :holder AND attribute_exists(again)',
            ExpressionAttributeValues: marshall({ ':holder': holder }),
          }),
        ),
      );
      return taken ? 'again' : 'released';
    },
    async release() {
      // Not ours any more (it expired and another synthesis took it): nothing to release.
      await deleteIf('holder = :holder');
    },
  };
}

/** A refresh that found another one synthesizing, and asked it to synthesize once more instead. */
export interface Coalesced {
  readonly coalescedInto: string;
}

/** How many times one invocation synthesizes while requests keep coming; then its execution retries. */
export const MAX_RUNS_PER_INVOCATION = 3;

/**
 * A synthesis run under the lock. A refresh that finds the lock held asks the holder to run once more and
 * ends there (a burst of deployment events makes a few runs, not one run each, and no false alarm); the
 * holder runs again for each request, up to MAX_RUNS_PER_INVOCATION, with the time `clock` gives.
 */
export async function refreshPlans(
  run: SynthesisRun,
  lock: RefreshLock,
  clock: () => number = () => run.now,
): Promise<SynthesisSummary | Coalesced> {
  let taken = await lock.acquire();
  if (!taken.acquired) {
    if (await lock.requestAgain()) return { coalescedInto: taken.holder };
    // Released in between: try once more, then let the state machine retry.
    taken = await lock.acquire();
    if (!taken.acquired) throw new RefreshBusyError(taken.holder);
  }
  let finished = false;
  try {
    let summary = await synthesizeAll(run);
    for (let runs = 1; (await lock.finish()) === 'again'; runs++) {
      if (runs >= MAX_RUNS_PER_INVOCATION) throw new RefreshBusyError(`changes still arriving after ${runs} runs`);
      summary = await synthesizeAll({ ...run, now: clock() });
    }
    finished = true;
    return summary;
  } finally {
    // A lock left behind expires with the function's timeout: the plans are published either way.
    if (!finished) await lock.release().catch(() => undefined);
  }
}

/** Fails when any plan failed, after the others were published: a stale plan must not go unnoticed. */
export function assertPublished(summary: SynthesisSummary): void {
  const failed = summary.results.filter((r) => r.outcome === 'failed');
  if (failed.length > 0) throw new PlansFailedError(failed);
}
