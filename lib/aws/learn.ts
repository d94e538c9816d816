// Record and refine, when an incident's execution ends: the incident record (what was rolled back, what
// recovered it) is kept once per incident, and the model is refined from every record and stored as a
// new version. Records: pk RECORDS, sk <at>#<incidentId>, the record as JSON text.
import { ConditionalCheckFailedException, PutItemCommand, type DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { marshall, unmarshall } from '@aws-sdk/util-dynamodb';
import { incidentRecord, type ExecutionStatus, type RecordedIncident } from '../core/learning';
import { BUILTIN_MODEL, refine, type CulpritModel, type IncidentRecord } from '../core/model';
import type { IncidentStore } from '../core/store';
import { DynamoStore } from './store';

type Send = Pick<DynamoDBClient, 'send'>;

export interface Learned {
  readonly outcome: 'not-an-incident' | 'already-recorded' | 'refined' | 'model-conflict';
  readonly record?: IncidentRecord;
  readonly model?: string;
}

/** Keeps the record once; false when this incident was recorded before. */
export async function putRecord(client: Send, table: string, record: IncidentRecord): Promise<boolean> {
  try {
    await client.send(
      new PutItemCommand({
        TableName: table,
        Item: marshall({ pk: 'RECORDS', sk: `${record.at}#${record.incidentId}`, record: JSON.stringify(record) }),
        ConditionExpression: 'attribute_not_exists(pk)',
      }),
    );
    return true;
  } catch (err) {
    if (err instanceof ConditionalCheckFailedException) return false;
    throw err;
  }
}

export async function readRecords(client: Send, table: string): Promise<IncidentRecord[]> {
  // Sort keys are `<ISO time>#<id>`: every one sorts between a space and U+FFFF.
  const items = await new DynamoStore(client, table).queryAll('RECORDS', ' ', '\uffff');
  return items.map((item) => JSON.parse((unmarshall(item) as { record: string }).record) as IncidentRecord);
}

export async function learnFromIncident(
  dynamo: Send,
  table: string,
  store: Pick<IncidentStore, 'getIncident' | 'getPlan' | 'events' | 'appendEvent' | 'currentModel' | 'putModel'>,
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
  if (!(await putRecord(dynamo, table, record))) return { outcome: 'already-recorded', record };
  // Two incidents ending together both refine; the loser of the conditional write tries once more.
  for (let attempt = 0; attempt < 2; attempt++) {
    const current: CulpritModel = (await store.currentModel()) ?? BUILTIN_MODEL;
    const refined = refine(current, await readRecords(dynamo, table));
    if ((await store.putModel(refined, current === BUILTIN_MODEL ? undefined : current.version)) === 'stored')
      return { outcome: 'refined', record, model: refined.version };
  }
  return { outcome: 'model-conflict', record };
}
