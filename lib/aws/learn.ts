// Record and refine, when an incident's execution ends: the incident record (what was rolled back, what
// recovered it) is kept once per incident, and the model is refined from every record and stored as a
// new version. Learning is the model's only writer, so each version is the built-in model refined on
// every record: refining the current version again would count its records twice. A record whose
// refinement was lost (a crash between the two writes) is refined by the retry.
import { incidentRecord, type ExecutionStatus, type RecordedIncident } from '../core/learning';
import { BUILTIN_MODEL, refine, type CulpritModel, type IncidentRecord } from '../core/model';
import type { DynamoStore } from './store';

export interface Learned {
  readonly outcome: 'not-an-incident' | 'already-recorded' | 'refined' | 'model-conflict';
  readonly record?: IncidentRecord;
  readonly model?: string;
}

/** What learning reads and writes: the incident, its plan and timeline, the records, the model. */
export type LearningStore = Pick<
  DynamoStore,
  'getIncident' | 'getPlan' | 'events' | 'appendEvent' | 'currentModel' | 'putModel' | 'putRecord' | 'records'
>;

export async function learnFromIncident(
  store: LearningStore,
  incidentId: string,
  status: ExecutionStatus,
  endedAt: string,
): Promise<Learned> {
  const meta = (await store.getIncident(incidentId)) as RecordedIncident | undefined;
  const plan = meta?.planId !== undefined ? await store.getPlan(meta.planId) : undefined;
  // Ignored events (older, duplicate, unmanaged alarm) and joined alarms leave no incident of their own.
  if (!meta || !plan) return { outcome: 'not-an-incident' };
  // A run stopped by hand or timed out records nothing itself: say how it ended.
  await store.appendEvent(incidentId, { key: 'ended', at: endedAt, type: 'ended', data: { status } });
  const record = incidentRecord(meta, plan, await store.events(incidentId));
  const fresh = await store.putRecord(record);
  // Refined even when the record was already there: a function that died between the two writes left the
  // record without its model, and its retry must store that model. The version is a hash of the content,
  // so a model that already holds every record is not written again.
  for (let attempt = 0; attempt < 2; attempt++) {
    const current: CulpritModel | undefined = await store.currentModel();
    const refined = refine(BUILTIN_MODEL, await store.records());
    if (current?.version === refined.version)
      return { outcome: fresh ? 'refined' : 'already-recorded', record, model: refined.version };
    // Two incidents ending together both refine; the loser of the conditional write tries once more.
    if ((await store.putModel(refined, current?.version)) === 'stored')
      return { outcome: 'refined', record, model: refined.version };
  }
  return { outcome: 'model-conflict', record };
}
