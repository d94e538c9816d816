// The store on DynamoDB (or dynalite): single-item conditional writes only, no transactions. Every key
// and item comes from lib/core/table.ts, which the orchestrator definition uses too.
import {
  ConditionalCheckFailedException,
  DeleteItemCommand,
  GetItemCommand,
  PutItemCommand,
  QueryCommand,
  UpdateItemCommand,
  type AttributeValue,
  type DynamoDBClient,
} from '@aws-sdk/client-dynamodb';
import { marshall, unmarshall } from '@aws-sdk/util-dynamodb';
import { gunzipSync, gzipSync } from 'node:zlib';
import { TransientError } from '../core/errors';
import { isTransient } from './transient';
import type { RollbackMark } from '../core/types';
import type { CulpritModel, IncidentRecord } from '../core/model';
import type { Plan } from '../core/plan';
import type { DiscoverySnapshot } from '../core/snapshot';
import type {
  AlarmPlan,
  ApprovalRecord,
  Decision,
  IdempotencyClaim,
  IncidentMeta,
  IncidentStore,
  LeaseHolder,
  LeaseResult,
  TimelineEvent,
} from '../core/store';
import {
  ALARM_ORDER_CONDITION,
  alarmOrderItem,
  alarmPlanItem,
  alarmPlanKey,
  approvalItem,
  approvalKey,
  changeIndexItem,
  changeIndexRange,
  changeItem,
  changeKey,
  eventItem,
  eventRange,
  idempotencyItem,
  idempotencyKey,
  incidentFromItem,
  incidentItem,
  incidentKey,
  LEASE_CONDITIONS,
  leaseItem,
  leaseKey,
  MODEL_CURRENT_KEY,
  modelCurrentItem,
  modelVersionItem,
  modelVersionKey,
  planItem,
  planKey,
  PUT_ONCE,
  RECORDS_RANGE,
  recordItem,
  ROLLBACKS_RANGE,
  rollbackMarkItem,
  snapshotChunkKey,
  snapshotChunkRange,
  snapshotKey,
  type Key,
  type KeyRange,
} from '../core/table';
import type { Change } from '../core/types';

type Send = Pick<DynamoDBClient, 'send'>;

/**
 * Validates (and migrates) a stored model: `readStoredModel` of lib/core/model/schema.ts. Passed in rather than
 * imported, so that the functions on the alarm path, which never read models, do not bundle the model.
 */
export type ModelReader = (text: string, source: string) => CulpritModel;

/** The act function's timeout (lib/infra/backstep.ts): no live claim is older. */
export const CLAIM_STALE_MS = 5 * 60_000;
type Item = Record<string, AttributeValue>;

export class DynamoStore implements IncidentStore {
  constructor(
    private readonly client: Send,
    private readonly table: string,
    private readonly readModel?: ModelReader,
  ) {}

  async createIncident(meta: IncidentMeta): Promise<'created' | 'exists'> {
    const created = await this.putIfAbsent(incidentItem(meta));
    return created ? 'created' : 'exists';
  }

  async getIncident(incidentId: string): Promise<IncidentMeta | undefined> {
    const item = await this.get<Record<string, unknown>>(incidentKey(incidentId));
    return item ? incidentFromItem(item) : undefined;
  }

  async appendEvent(incidentId: string, event: TimelineEvent): Promise<'appended' | 'duplicate'> {
    return (await this.putIfAbsent(eventItem(incidentId, event))) ? 'appended' : 'duplicate';
  }

  async events(incidentId: string): Promise<TimelineEvent[]> {
    const items = await this.queryAll(eventRange(incidentId));
    return items
      .map((i) => unmarshall(i) as { key: string; at: string; type: string; data: string })
      .map(({ key, at, type, data }) => ({ key, at, type, data: JSON.parse(data) as unknown }))
      .sort((a, b) => (a.at < b.at ? -1 : a.at > b.at ? 1 : a.key < b.key ? -1 : 1));
  }

  async acquireLease(application: string, holder: LeaseHolder): Promise<LeaseResult> {
    // A lease released between the failed write and the read is free again: try once more, as the
    // orchestrator's "Lease still held?" does.
    for (let attempt = 0; attempt < 3; attempt++) {
      try {
        await this.put(leaseItem(application, holder), LEASE_CONDITIONS.acquire, { ':me': holder.holder });
        return { acquired: true };
      } catch (err) {
        if (!(err instanceof ConditionalCheckFailedException)) throw err;
      }
      const lease = await this.get<LeaseHolder>(leaseKey(application));
      if (lease)
        return {
          acquired: false,
          holder: { holder: lease.holder, holderArn: lease.holderArn, takenAt: lease.takenAt },
        };
    }
    throw new TransientError(`lease of ${application}: taken and released three times while asking for it`);
  }

  async takeOverLease(application: string, holder: LeaseHolder, ended: string): Promise<boolean> {
    try {
      await this.put(leaseItem(application, holder, ended), LEASE_CONDITIONS.takeOver, { ':ended': ended });
      return true;
    } catch (err) {
      if (err instanceof ConditionalCheckFailedException) return false;
      throw err;
    }
  }

  async releaseLease(application: string, holder: string): Promise<boolean> {
    try {
      await this.call(() =>
        this.client.send(
          new DeleteItemCommand({
            TableName: this.table,
            Key: marshall(leaseKey(application)),
            ConditionExpression: LEASE_CONDITIONS.release,
            ExpressionAttributeValues: marshall({ ':me': holder }),
          }),
        ),
      );
      return true;
    } catch (err) {
      if (err instanceof ConditionalCheckFailedException) return false;
      throw err;
    }
  }

  async markAlarmEvent(alarm: string, stateChangeTime: string): Promise<'newer' | 'stale'> {
    const item = alarmOrderItem(alarm, stateChangeTime);
    try {
      await this.call(() =>
        this.client.send(
          new PutItemCommand({
            TableName: this.table,
            Item: marshall(item),
            ConditionExpression: ALARM_ORDER_CONDITION.expression,
            ExpressionAttributeNames: ALARM_ORDER_CONDITION.names,
            ExpressionAttributeValues: marshall({ ':at': item.at }),
          }),
        ),
      );
      return 'newer';
    } catch (err) {
      if (err instanceof ConditionalCheckFailedException) return 'stale';
      throw err;
    }
  }

  async claimIdempotency(key: string, now: string): Promise<IdempotencyClaim> {
    if (await this.putIfAbsent(idempotencyItem(key, now))) return { claimed: true };
    const existing = await this.get<{ done: boolean; result?: string; claimedAt?: string }>(idempotencyKey(key));
    // A claim older than the act function can live is one whose function died mid-way: take it over
    // (the actions check "already on target", so acting again is safe), or the step could never finish.
    const stale = existing?.done === false && Date.parse(existing.claimedAt ?? '') < Date.parse(now) - CLAIM_STALE_MS;
    if (stale && (await this.takeOverClaim(key, existing.claimedAt as string, now))) return { claimed: true };
    return {
      claimed: false,
      done: existing?.done ?? false,
      ...(existing?.result !== undefined ? { result: JSON.parse(existing.result) as unknown } : {}),
    };
  }

  private async takeOverClaim(key: string, claimedAt: string, now: string): Promise<boolean> {
    try {
      await this.call(() =>
        this.client.send(
          new UpdateItemCommand({
            TableName: this.table,
            Key: marshall(idempotencyKey(key)),
            UpdateExpression: 'SET claimedAt = :now',
            ConditionExpression: 'done = :false AND claimedAt = :old',
            ExpressionAttributeValues: marshall({ ':now': now, ':false': false, ':old': claimedAt }),
          }),
        ),
      );
      return true;
    } catch (err) {
      if (err instanceof ConditionalCheckFailedException) return false;
      throw err;
    }
  }

  async completeIdempotency(key: string, result: unknown): Promise<void> {
    await this.call(() =>
      this.client.send(
        new UpdateItemCommand({
          TableName: this.table,
          Key: marshall(idempotencyKey(key)),
          UpdateExpression: 'SET done = :true, #result = :result',
          ConditionExpression: 'attribute_exists(pk)',
          ExpressionAttributeNames: { '#result': 'result' },
          ExpressionAttributeValues: marshall({ ':true': true, ':result': JSON.stringify(result ?? null) }),
        }),
      ),
    );
  }

  async releaseIdempotency(key: string): Promise<void> {
    try {
      await this.call(() =>
        this.client.send(
          new DeleteItemCommand({
            TableName: this.table,
            Key: marshall(idempotencyKey(key)),
            ConditionExpression: 'done = :false',
            ExpressionAttributeValues: marshall({ ':false': false }),
          }),
        ),
      );
    } catch (err) {
      // Done (or gone) already: nothing to give up.
      if (!(err instanceof ConditionalCheckFailedException)) throw err;
    }
  }

  async putPlan(plan: Plan): Promise<void> {
    const body = gzipSync(JSON.stringify(plan));
    await this.putIfAbsent(planItem(plan.planId, body));
  }

  async putAlarmPlan(pointer: AlarmPlan): Promise<void> {
    await this.call(() =>
      this.client.send(
        new PutItemCommand({
          TableName: this.table,
          Item: marshall(alarmPlanItem(pointer)),
        }),
      ),
    );
  }

  async getAlarmPlan(alarm: string): Promise<AlarmPlan | undefined> {
    return strip(await this.get<AlarmPlan>(alarmPlanKey(alarm)));
  }

  async getPlan(planId: string): Promise<Plan | undefined> {
    const item = await this.get<{ body: Uint8Array }>(planKey(planId));
    return item ? (JSON.parse(gunzipSync(item.body).toString('utf8')) as Plan) : undefined;
  }

  async putApproval(approval: ApprovalRecord): Promise<void> {
    await this.putIfAbsent(approvalItem(approval));
  }

  async getApproval(approvalId: string): Promise<ApprovalRecord | undefined> {
    return strip(await this.get<ApprovalRecord>(approvalKey(approvalId)));
  }

  async decideApproval(approvalId: string, decision: Decision) {
    const values: Record<string, unknown> = { ':decided': 'DECIDED', ':pending': 'PENDING' };
    const sets = ['#status = :decided'];
    for (const [field, value] of Object.entries(decision)) {
      if (value === undefined) continue;
      values[`:${field}`] = value;
      sets.push(`${field} = :${field}`);
    }
    try {
      const out = await this.call(() =>
        this.client.send(
          new UpdateItemCommand({
            TableName: this.table,
            Key: marshall(approvalKey(approvalId)),
            UpdateExpression: `SET ${sets.join(', ')}`,
            ConditionExpression: 'attribute_exists(pk) AND #status = :pending',
            ExpressionAttributeNames: { '#status': 'status' },
            ExpressionAttributeValues: marshall(values),
            ReturnValues: 'ALL_NEW',
          }),
        ),
      );
      return {
        decided: true,
        approval: strip(out.Attributes ? (unmarshall(out.Attributes) as ApprovalRecord) : undefined),
      };
    } catch (err) {
      if (!(err instanceof ConditionalCheckFailedException)) throw err;
      return { decided: false, approval: await this.getApproval(approvalId) };
    }
  }

  async markApprovalDelivered(approvalId: string, at: string): Promise<void> {
    try {
      await this.call(() =>
        this.client.send(
          new UpdateItemCommand({
            TableName: this.table,
            Key: marshall(approvalKey(approvalId)),
            UpdateExpression: 'SET deliveredAt = :at',
            ConditionExpression: '#status = :decided AND attribute_not_exists(deliveredAt)',
            ExpressionAttributeNames: { '#status': 'status' },
            ExpressionAttributeValues: marshall({ ':at': at, ':decided': 'DECIDED' }),
          }),
        ),
      );
    } catch (err) {
      if (!(err instanceof ConditionalCheckFailedException)) throw err;
    }
  }

  async putModel(model: CulpritModel, previous: string | undefined): Promise<'stored' | 'conflict'> {
    await this.putIfAbsent(modelVersionItem(model.version, JSON.stringify(model)));
    try {
      await this.call(() =>
        this.client.send(
          new PutItemCommand({
            TableName: this.table,
            Item: marshall(modelCurrentItem(model.version)),
            ConditionExpression: previous === undefined ? PUT_ONCE : 'version = :previous',
            ...(previous === undefined ? {} : { ExpressionAttributeValues: marshall({ ':previous': previous }) }),
          }),
        ),
      );
      return 'stored';
    } catch (err) {
      if (err instanceof ConditionalCheckFailedException) return 'conflict';
      throw err;
    }
  }

  /** The current model, validated by the reader given; an older one is migrated (lib/core/model/schema.ts readStoredModel). */
  async currentModel(): Promise<CulpritModel | undefined> {
    const current = await this.get<{ version: string }>(MODEL_CURRENT_KEY);
    if (!current) return undefined;
    const key = modelVersionKey(current.version);
    const item = await this.get<{ body: string }>(key);
    const source = `table ${this.table} item ${key.pk}/${key.sk}`;
    if (!item) throw new Error(`${source}: missing, but ${MODEL_CURRENT_KEY.pk}/${MODEL_CURRENT_KEY.sk} names it`);
    if (!this.readModel) throw new Error(`${source}: this store was made without a model reader (readStoredModel)`);
    return this.readModel(item.body, source);
  }

  // Discovery snapshots (the pointer, or the whole snapshot when it fits one item; else chunks) and
  // changes (the record, first write wins, and an index entry per day).

  async putSnapshot(snapshot: DiscoverySnapshot): Promise<'stored' | 'stale'> {
    const body = gzipSync(JSON.stringify(snapshot));
    const { application, takenAt } = snapshot;
    const pointer: Record<string, unknown> = { ...snapshotKey(application), takenAt };
    if (body.length <= DynamoStore.ITEM_BYTES) pointer['body'] = body;
    else {
      // Chunks first, the pointer last: a reader follows only a pointer whose chunks are all there.
      const chunks = Math.ceil(body.length / DynamoStore.ITEM_BYTES);
      for (let i = 0; i < chunks; i++) {
        const part = body.subarray(i * DynamoStore.ITEM_BYTES, (i + 1) * DynamoStore.ITEM_BYTES);
        await this.put({ ...snapshotChunkKey(application, takenAt, i), body: part });
      }
      pointer['chunks'] = chunks;
    }
    let previous: { takenAt: number; chunks?: number } | undefined;
    try {
      const out = await this.call(() =>
        this.client.send(
          new PutItemCommand({
            TableName: this.table,
            Item: marshall(pointer),
            ConditionExpression: `${PUT_ONCE} OR takenAt < :takenAt`,
            ExpressionAttributeValues: marshall({ ':takenAt': takenAt }),
            ReturnValues: 'ALL_OLD',
          }),
        ),
      );
      previous = out.Attributes ? (unmarshall(out.Attributes) as typeof previous) : undefined;
    } catch (err) {
      if (err instanceof ConditionalCheckFailedException) return 'stale';
      throw err;
    }
    // The chunks of the snapshot replaced expire a day later (DynamoDB TTL on `ttl`): a reader that
    // followed the old pointer a moment ago can still finish.
    const ttl = Math.floor(takenAt / 1000) + 86_400;
    for (let i = 0; i < (previous?.chunks ?? 0); i++) {
      await this.call(() =>
        this.client.send(
          new UpdateItemCommand({
            TableName: this.table,
            Key: marshall(snapshotChunkKey(application, previous?.takenAt ?? takenAt, i)),
            UpdateExpression: 'SET #ttl = :ttl',
            ExpressionAttributeNames: { '#ttl': 'ttl' },
            ExpressionAttributeValues: marshall({ ':ttl': ttl }),
          }),
        ),
      );
    }
    return 'stored';
  }

  async latestSnapshot(application: string): Promise<DiscoverySnapshot | undefined> {
    const pointer = await this.get<{ takenAt: number; body?: Uint8Array; chunks?: number }>(snapshotKey(application));
    if (!pointer) return undefined;
    let body = pointer.body;
    if (!body) {
      const parts = await this.queryAll(snapshotChunkRange(application, pointer.takenAt));
      if (parts.length !== pointer.chunks) {
        throw new Error(`snapshot ${application}@${pointer.takenAt}: ${parts.length} of ${pointer.chunks} chunks`);
      }
      body = Buffer.concat(parts.map((p) => (unmarshall(p) as { body: Uint8Array }).body));
    }
    return JSON.parse(gunzipSync(body).toString('utf8')) as DiscoverySnapshot;
  }

  async putChange(change: Change): Promise<'stored' | 'duplicate' | 'completed'> {
    const key = changeKey(change.id);
    let outcome: 'stored' | 'duplicate' | 'completed' = 'duplicate';
    let record = change;
    if (await this.putIfAbsent(changeItem(change))) outcome = 'stored';
    else {
      const stored = strip(await this.get<Change>(key)) ?? change;
      const missing = (['fromVersion', 'toVersion'] as const).filter(
        (f) => change[f] !== undefined && stored[f] === undefined,
      );
      record = stored;
      if (missing.length > 0) {
        try {
          await this.call(() =>
            this.client.send(
              new UpdateItemCommand({
                TableName: this.table,
                Key: marshall(key),
                UpdateExpression: `SET ${missing.map((f) => `${f} = :${f}`).join(', ')}`,
                ConditionExpression: missing.map((f) => `attribute_not_exists(${f})`).join(' AND '),
                ExpressionAttributeValues: marshall(Object.fromEntries(missing.map((f) => [`:${f}`, change[f]]))),
              }),
            ),
          );
          record = { ...stored, ...Object.fromEntries(missing.map((f) => [f, change[f]])) };
          outcome = 'completed';
        } catch (err) {
          if (!(err instanceof ConditionalCheckFailedException)) throw err;
        }
      }
    }
    // Also on a duplicate: heals an index entry lost to a crash after the record was written. Never
    // replaces an entry that has a version with one that lacks it.
    const lacking = (['fromVersion', 'toVersion'] as const).filter((f) => record[f] === undefined);
    try {
      await this.put(
        changeIndexItem(record),
        lacking.length ? lacking.map((f) => `attribute_not_exists(${f})`).join(' AND ') : undefined,
      );
    } catch (err) {
      if (!(err instanceof ConditionalCheckFailedException)) throw err;
    }
    return outcome;
  }

  async changesSince(since: number, until: number): Promise<Change[]> {
    const DAY = 86_400_000;
    if (!(since <= until) || until - since > 400 * DAY || Number.isNaN(new Date(until).getTime())) {
      throw new RangeError(`changesSince: expected since <= until, at most 400 days apart, not ${since}..${until}`);
    }
    const changes: Change[] = [];
    for (let day = Math.floor(since / DAY) * DAY; day <= until; day += DAY) {
      const items = await this.queryAll(changeIndexRange(day, since, until));
      for (const item of items) {
        const { pk: _pk, sk: _sk, ...change } = unmarshall(item);
        changes.push(change as Change);
      }
    }
    return changes.sort((a, b) => a.deployedAt - b.deployedAt || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  }

  /** Gzipped bytes per item, well under DynamoDB's 400 KB item limit. */
  private static readonly ITEM_BYTES = 350_000;

  private async put(item: object, condition?: string, values?: Record<string, unknown>) {
    await this.call(() =>
      this.client.send(
        new PutItemCommand({
          TableName: this.table,
          Item: marshall(item, { removeUndefinedValues: true }),
          ...(condition ? { ConditionExpression: condition } : {}),
          ...(values ? { ExpressionAttributeValues: marshall(values) } : {}),
        }),
      ),
    );
  }

  /** Keeps an incident record once; false when it was kept before. */
  async putRecord(record: IncidentRecord): Promise<boolean> {
    return this.putIfAbsent(recordItem(record));
  }

  async records(): Promise<IncidentRecord[]> {
    const items = await this.queryAll(RECORDS_RANGE);
    return items.map((item) => JSON.parse((unmarshall(item) as { record: string }).record) as IncidentRecord);
  }

  /** Remembers what a rollback undid: one mark per step and incident. */
  async putRollbackMark(mark: RollbackMark): Promise<void> {
    await this.putIfAbsent(rollbackMarkItem(mark));
  }

  async rollbackMarks(): Promise<RollbackMark[]> {
    const items = await this.queryAll(ROLLBACKS_RANGE);
    return items.map((item) => strip(unmarshall(item) as RollbackMark & { pk: string; sk: string }) as RollbackMark);
  }

  /** Every item of a partition with a sort key in [from, to], all pages, read consistently. */
  async queryAll({ pk, from, to }: KeyRange): Promise<Item[]> {
    const items: Item[] = [];
    let start: Item | undefined;
    do {
      const page = await this.call(() =>
        this.client.send(
          new QueryCommand({
            TableName: this.table,
            KeyConditionExpression: 'pk = :pk AND sk BETWEEN :from AND :to',
            ExpressionAttributeValues: marshall({ ':pk': pk, ':from': from, ':to': to }),
            ConsistentRead: true,
            ...(start ? { ExclusiveStartKey: start } : {}),
          }),
        ),
      );
      items.push(...(page.Items ?? []));
      start = page.LastEvaluatedKey;
    } while (start);
    return items;
  }

  /** Puts an item unless its key exists; false when it did. */
  private async putIfAbsent(item: object): Promise<boolean> {
    try {
      await this.call(() =>
        this.client.send(
          new PutItemCommand({
            TableName: this.table,
            Item: marshall(item, { removeUndefinedValues: true }),
            ConditionExpression: PUT_ONCE,
          }),
        ),
      );
      return true;
    } catch (err) {
      if (err instanceof ConditionalCheckFailedException) return false;
      throw err;
    }
  }

  private async get<T>(key: Key): Promise<T | undefined> {
    const out = await this.call(() =>
      this.client.send(new GetItemCommand({ TableName: this.table, Key: marshall(key), ConsistentRead: true })),
    );
    return out.Item ? (unmarshall(out.Item) as T) : undefined;
  }

  /** Throttling and service faults that outlived the SDK's own retries become retryable for the state machine. */
  private async call<T>(fn: () => Promise<T>): Promise<T> {
    try {
      return await fn();
    } catch (err) {
      if (err instanceof Error && isTransient(err)) throw new TransientError(`DynamoDB: ${err.name}`, { cause: err });
      throw err;
    }
  }
}

/** Drops the key attributes from a stored record. */
function strip<T extends object>(item: (T & { pk?: unknown; sk?: unknown }) | undefined): T | undefined {
  if (!item) return undefined;
  const { pk: _pk, sk: _sk, ...rest } = item;
  return rest as T;
}
