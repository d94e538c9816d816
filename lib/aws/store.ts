// The store on DynamoDB (or dynalite): single-item conditional writes only, no transactions.
// Key design: INCIDENT#id (META, EVENT#key), LEASE#app, ALARM#name, IDEMPOTENCY#key, PLAN#id,
// APPROVAL#id, MODEL (VERSION#v, CURRENT), RECORDS (<at>#incident), ROLLBACKS (<incident>#service),
// SNAPSHOT#app, CHANGE#id and CHANGES#day. Plans are gzipped: a 2,000-step plan is far over 400 KB raw.
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
import type { RollbackMark } from '../core/handlers';
import type { CulpritModel, IncidentRecord } from '../core/model';
import type { Plan } from '../core/plan';
import type {
  AlarmPlan,
  ApprovalRecord,
  Decision,
  IdempotencyClaim,
  IncidentMeta,
  IncidentStore,
  LeaseResult,
  TimelineEvent,
} from '../core/store';

type Send = Pick<DynamoDBClient, 'send'>;

/** The act function's timeout (lib/infra/backstep.ts): no live claim is older. */
export const CLAIM_STALE_MS = 5 * 60_000;
type Item = Record<string, AttributeValue>;

const TRANSIENT = new Set([
  'ProvisionedThroughputExceededException',
  'ThrottlingException',
  'RequestLimitExceeded',
  'InternalServerError',
  'ServiceUnavailable',
]);

export class DynamoStore implements IncidentStore {
  constructor(
    private readonly client: Send,
    private readonly table: string,
  ) {}

  async createIncident(meta: IncidentMeta): Promise<'created' | 'exists'> {
    const created = await this.putIfAbsent({ pk: `INCIDENT#${meta.incidentId}`, sk: 'META', ...meta });
    return created ? 'created' : 'exists';
  }

  async getIncident(incidentId: string): Promise<IncidentMeta | undefined> {
    return strip(await this.get<IncidentMeta>(`INCIDENT#${incidentId}`, 'META'));
  }

  async appendEvent(incidentId: string, event: TimelineEvent): Promise<'appended' | 'duplicate'> {
    const item = {
      pk: `INCIDENT#${incidentId}`,
      sk: `EVENT#${event.key}`,
      ...event,
      data: JSON.stringify(event.data ?? null),
    };
    return (await this.putIfAbsent(item)) ? 'appended' : 'duplicate';
  }

  async events(incidentId: string): Promise<TimelineEvent[]> {
    const items = await this.queryAll(`INCIDENT#${incidentId}`, 'EVENT#', 'EVENT#\uffff');
    return items
      .map((i) => unmarshall(i) as { key: string; at: string; type: string; data: string })
      .map(({ key, at, type, data }) => ({ key, at, type, data: JSON.parse(data) as unknown }))
      .sort((a, b) => (a.at < b.at ? -1 : a.at > b.at ? 1 : a.key < b.key ? -1 : 1));
  }

  async acquireLease(application: string, holder: string, now: number, ttlMs: number): Promise<LeaseResult> {
    try {
      await this.call(() =>
        this.client.send(
          new PutItemCommand({
            TableName: this.table,
            Item: marshall({ pk: `LEASE#${application}`, sk: 'LEASE', holder, expiresAt: now + ttlMs }),
            ConditionExpression: 'attribute_not_exists(pk) OR expiresAt < :now OR holder = :holder',
            ExpressionAttributeValues: marshall({ ':now': now, ':holder': holder }),
          }),
        ),
      );
      return { acquired: true };
    } catch (err) {
      if (!(err instanceof ConditionalCheckFailedException)) throw err;
      const lease = await this.get<{ holder: string }>(`LEASE#${application}`, 'LEASE');
      return { acquired: false, holder: lease?.holder ?? 'unknown' };
    }
  }

  async releaseLease(application: string, holder: string): Promise<boolean> {
    try {
      await this.call(() =>
        this.client.send(
          new DeleteItemCommand({
            TableName: this.table,
            Key: marshall({ pk: `LEASE#${application}`, sk: 'LEASE' }),
            ConditionExpression: 'holder = :holder',
            ExpressionAttributeValues: marshall({ ':holder': holder }),
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
    const at = Date.parse(stateChangeTime);
    try {
      await this.call(() =>
        this.client.send(
          new PutItemCommand({
            TableName: this.table,
            Item: marshall({ pk: `ALARM#${alarm}`, sk: 'LAST', at, stateChangeTime }),
            ConditionExpression: 'attribute_not_exists(pk) OR #at < :at',
            ExpressionAttributeNames: { '#at': 'at' },
            ExpressionAttributeValues: marshall({ ':at': at }),
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
    if (await this.putIfAbsent({ pk: `IDEMPOTENCY#${key}`, sk: 'KEY', claimedAt: now, done: false })) {
      return { claimed: true };
    }
    const existing = await this.get<{ done: boolean; result?: string; claimedAt?: string }>(
      `IDEMPOTENCY#${key}`,
      'KEY',
    );
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
            Key: marshall({ pk: `IDEMPOTENCY#${key}`, sk: 'KEY' }),
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
          Key: marshall({ pk: `IDEMPOTENCY#${key}`, sk: 'KEY' }),
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
            Key: marshall({ pk: `IDEMPOTENCY#${key}`, sk: 'KEY' }),
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
    await this.putIfAbsent({ pk: `PLAN#${plan.planId}`, sk: 'PLAN', body });
  }

  async putAlarmPlan(pointer: AlarmPlan): Promise<void> {
    await this.call(() =>
      this.client.send(
        new PutItemCommand({
          TableName: this.table,
          Item: marshall({ pk: `ALARMPLAN#${pointer.alarm}`, sk: 'PLAN', ...pointer }),
        }),
      ),
    );
  }

  async getAlarmPlan(alarm: string): Promise<AlarmPlan | undefined> {
    return strip(await this.get<AlarmPlan>(`ALARMPLAN#${alarm}`, 'PLAN'));
  }

  async getPlan(planId: string): Promise<Plan | undefined> {
    const item = await this.get<{ body: Uint8Array }>(`PLAN#${planId}`, 'PLAN');
    return item ? (JSON.parse(gunzipSync(item.body).toString('utf8')) as Plan) : undefined;
  }

  async putApproval(approval: ApprovalRecord): Promise<void> {
    await this.putIfAbsent({ pk: `APPROVAL#${approval.approvalId}`, sk: 'APPROVAL', ...approval });
  }

  async getApproval(approvalId: string): Promise<ApprovalRecord | undefined> {
    return strip(await this.get<ApprovalRecord>(`APPROVAL#${approvalId}`, 'APPROVAL'));
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
            Key: marshall({ pk: `APPROVAL#${approvalId}`, sk: 'APPROVAL' }),
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

  async putModel(model: CulpritModel, previous: string | undefined): Promise<'stored' | 'conflict'> {
    await this.putIfAbsent({ pk: 'MODEL', sk: `VERSION#${model.version}`, body: JSON.stringify(model) });
    try {
      await this.call(() =>
        this.client.send(
          new PutItemCommand({
            TableName: this.table,
            Item: marshall({ pk: 'MODEL', sk: 'CURRENT', version: model.version }),
            ConditionExpression: previous === undefined ? 'attribute_not_exists(pk)' : 'version = :previous',
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

  async currentModel(): Promise<CulpritModel | undefined> {
    const current = await this.get<{ version: string }>('MODEL', 'CURRENT');
    if (!current) return undefined;
    const item = await this.get<{ body: string }>('MODEL', `VERSION#${current.version}`);
    return item ? (JSON.parse(item.body) as CulpritModel) : undefined;
  }

  // Discovery snapshots and changes. Keys: SNAPSHOT#app (CURRENT: the pointer, or the whole snapshot
  // when it fits one item), SNAPSHOT#app#takenAt (CHUNK#n), CHANGE#id (the record, first write wins),
  // CHANGES#yyyy-mm-dd (deployedAt#id: the same record, queryable by time).

  async putSnapshot(snapshot: import('../core/snapshot').DiscoverySnapshot): Promise<'stored' | 'stale'> {
    const body = gzipSync(JSON.stringify(snapshot));
    const { application, takenAt } = snapshot;
    const pointer: Record<string, unknown> = { pk: `SNAPSHOT#${application}`, sk: 'CURRENT', takenAt };
    if (body.length <= DynamoStore.ITEM_BYTES) pointer['body'] = body;
    else {
      // Chunks first, the pointer last: a reader follows only a pointer whose chunks are all there.
      const chunks = Math.ceil(body.length / DynamoStore.ITEM_BYTES);
      for (let i = 0; i < chunks; i++) {
        const part = body.subarray(i * DynamoStore.ITEM_BYTES, (i + 1) * DynamoStore.ITEM_BYTES);
        await this.put({ pk: `SNAPSHOT#${application}#${takenAt}`, sk: DynamoStore.chunkKey(i), body: part });
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
            ConditionExpression: 'attribute_not_exists(pk) OR takenAt < :takenAt',
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
            Key: marshall({ pk: `SNAPSHOT#${application}#${previous?.takenAt}`, sk: DynamoStore.chunkKey(i) }),
            UpdateExpression: 'SET #ttl = :ttl',
            ExpressionAttributeNames: { '#ttl': 'ttl' },
            ExpressionAttributeValues: marshall({ ':ttl': ttl }),
          }),
        ),
      );
    }
    return 'stored';
  }

  async latestSnapshot(application: string): Promise<import('../core/snapshot').DiscoverySnapshot | undefined> {
    const pointer = await this.get<{ takenAt: number; body?: Uint8Array; chunks?: number }>(
      `SNAPSHOT#${application}`,
      'CURRENT',
    );
    if (!pointer) return undefined;
    let body = pointer.body;
    if (!body) {
      const parts = await this.queryAll(`SNAPSHOT#${application}#${pointer.takenAt}`, 'CHUNK#', 'CHUNK#\uffff');
      if (parts.length !== pointer.chunks) {
        throw new Error(`snapshot ${application}@${pointer.takenAt}: ${parts.length} of ${pointer.chunks} chunks`);
      }
      body = Buffer.concat(parts.map((p) => (unmarshall(p) as { body: Uint8Array }).body));
    }
    return JSON.parse(gunzipSync(body).toString('utf8')) as import('../core/snapshot').DiscoverySnapshot;
  }

  async putChange(change: import('../core/types').Change): Promise<'stored' | 'duplicate' | 'completed'> {
    const key = { pk: `CHANGE#${change.id}`, sk: 'CHANGE' };
    let outcome: 'stored' | 'duplicate' | 'completed' = 'duplicate';
    let record = change;
    if (await this.putIfAbsent({ ...key, ...change })) outcome = 'stored';
    else {
      const stored = strip(await this.get<import('../core/types').Change>(key.pk, key.sk)) ?? change;
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
    const at = new Date(record.deployedAt).toISOString();
    try {
      await this.put(
        { pk: `CHANGES#${at.slice(0, 10)}`, sk: `${at}#${record.id}`, ...record },
        lacking.length ? lacking.map((f) => `attribute_not_exists(${f})`).join(' AND ') : undefined,
      );
    } catch (err) {
      if (!(err instanceof ConditionalCheckFailedException)) throw err;
    }
    return outcome;
  }

  async changesSince(since: number, until: number): Promise<import('../core/types').Change[]> {
    const DAY = 86_400_000;
    if (!(since <= until) || until - since > 400 * DAY || Number.isNaN(new Date(until).getTime())) {
      throw new RangeError(`changesSince: expected since <= until, at most 400 days apart, not ${since}..${until}`);
    }
    const from = new Date(since).toISOString();
    const to = `${new Date(until).toISOString()}#\uffff`;
    const changes: import('../core/types').Change[] = [];
    for (let day = Math.floor(since / DAY) * DAY; day <= until; day += DAY) {
      const items = await this.queryAll(`CHANGES#${new Date(day).toISOString().slice(0, 10)}`, from, to);
      for (const item of items) {
        const { pk: _pk, sk: _sk, ...change } = unmarshall(item);
        changes.push(change as import('../core/types').Change);
      }
    }
    return changes.sort((a, b) => a.deployedAt - b.deployedAt || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  }

  /** Gzipped bytes per item, well under DynamoDB's 400 KB item limit. */
  private static readonly ITEM_BYTES = 350_000;

  private static chunkKey(index: number): string {
    return `CHUNK#${String(index).padStart(6, '0')}`;
  }

  private async put(item: Record<string, unknown>, condition?: string, values?: Record<string, unknown>) {
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

  /** Every item of a partition with a sort key in [from, to]. */
  /** Keeps an incident record once (pk RECORDS, sk <at>#<incidentId>); false when it was kept before. */
  async putRecord(record: IncidentRecord): Promise<boolean> {
    return this.putIfAbsent({ pk: 'RECORDS', sk: `${record.at}#${record.incidentId}`, record: JSON.stringify(record) });
  }

  async records(): Promise<IncidentRecord[]> {
    // Sort keys are `<ISO time>#<id>`: every one sorts between a space and U+FFFF.
    const items = await this.queryAll('RECORDS', ' ', '\uffff');
    return items.map((item) => JSON.parse((unmarshall(item) as { record: string }).record) as IncidentRecord);
  }

  /** Remembers what a rollback undid (pk ROLLBACKS, sk <incidentId>#<service>: one per step and incident). */
  async putRollbackMark(mark: RollbackMark): Promise<void> {
    await this.putIfAbsent({ pk: 'ROLLBACKS', sk: `${mark.incidentId}#${mark.service}`, ...mark });
  }

  async rollbackMarks(): Promise<RollbackMark[]> {
    const items = await this.queryAll('ROLLBACKS', ' ', '\uffff');
    return items.map((item) => strip(unmarshall(item) as RollbackMark & { pk: string; sk: string }) as RollbackMark);
  }

  /** Every item of a partition with a sort key in [from, to], all pages, read consistently. */
  async queryAll(pk: string, from: string, to: string): Promise<Item[]> {
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
  private async putIfAbsent(item: Record<string, unknown>): Promise<boolean> {
    try {
      await this.call(() =>
        this.client.send(
          new PutItemCommand({
            TableName: this.table,
            Item: marshall(item, { removeUndefinedValues: true }),
            ConditionExpression: 'attribute_not_exists(pk)',
          }),
        ),
      );
      return true;
    } catch (err) {
      if (err instanceof ConditionalCheckFailedException) return false;
      throw err;
    }
  }

  private async get<T>(pk: string, sk: string): Promise<T | undefined> {
    const out = await this.call(() =>
      this.client.send(new GetItemCommand({ TableName: this.table, Key: marshall({ pk, sk }), ConsistentRead: true })),
    );
    return out.Item ? (unmarshall(out.Item) as T) : undefined;
  }

  /** Throttling and service faults that outlived the SDK's own retries become retryable for the state machine. */
  private async call<T>(fn: () => Promise<T>): Promise<T> {
    try {
      return await fn();
    } catch (err) {
      if (err instanceof Error && TRANSIENT.has(err.name))
        throw new TransientError(`DynamoDB: ${err.name}`, { cause: err });
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
