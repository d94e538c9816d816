// One synthesis run, as the scheduled refresh does it: the latest discovery snapshot, the changes the
// recorder and discovery stored, the current model -> a plan per catalogued service -> published.
// Plans are built ahead of any alarm; `at` is now, so ages are as an incident starting now would see them.
import type { SFNClient } from '@aws-sdk/client-sfn';
import type { Catalog } from '../core/catalog';
import { notUndone } from '../core/changes';
import { BUILTIN_MODEL } from '../core/model';
import { planRollback } from '../core/planner';
import type { IncidentStore } from '../core/store';
import { rankWith } from '../core/suspects';
import type { Change } from '../core/types';
import type { CompileOptions } from '../../statemachines/compile';
import type { RollbackMark } from '../core/handlers';
import { publishPlans, type SynthesisResult, type SynthesisTarget } from './synthesize';

export interface SynthesisRun {
  readonly sfn: Pick<SFNClient, 'send'>;
  readonly store: Pick<
    IncidentStore,
    'latestSnapshot' | 'changesSince' | 'currentModel' | 'putPlan' | 'putAlarmPlan' | 'getAlarmPlan'
  >;
  readonly target: SynthesisTarget;
  readonly catalog: Catalog;
  readonly now: number;
  readonly lookBackMs: number;
  readonly compile?: CompileOptions;
  /** What earlier incidents rolled back: undone changes, and the rollbacks' own deployments, are no suspects. */
  readonly rollbackMarks?: () => Promise<readonly RollbackMark[]>;
}

export interface SynthesisSummary {
  readonly model: string;
  readonly snapshotTakenAt?: number;
  /** Why nothing was published, when nothing could be. */
  readonly skipped?: string;
  readonly results: readonly SynthesisResult[];
}

export async function synthesizeAll(run: SynthesisRun): Promise<SynthesisSummary> {
  const model = (await run.store.currentModel()) ?? BUILTIN_MODEL;
  const snapshot = await run.store.latestSnapshot(run.catalog.application);
  if (!snapshot?.graph) {
    // Without a service graph there is no order to roll back in: keep whatever was published before.
    return { model: model.version, skipped: 'no discovery snapshot with a service graph yet', results: [] };
  }
  const recorded = await run.store.changesSince(run.now - run.lookBackMs, run.now);
  const byId = new Map<string, Change>();
  for (const change of [...snapshot.changes, ...recorded]) byId.set(change.id, { ...byId.get(change.id), ...change });
  const changes = notUndone([...byId.values()], (await run.rollbackMarks?.()) ?? []);
  const ranker = rankWith(model);
  const graph = snapshot.graph;
  const results = await publishPlans(
    run.sfn,
    run.store,
    run.target,
    run.catalog,
    (service) =>
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
    run.compile ?? {},
  );
  return { model: model.version, snapshotTakenAt: snapshot.takenAt, results };
}
