// The store on DynamoDB (or dynalite): single-item conditional writes only, no transactions.
// Key design: INCIDENT#id (META, EVENT#key), LEASE#app, ALARM#name, IDEMPOTENCY#key, PLAN#id,
// APPROVAL#id, MODEL (VERSION#v, CURRENT). Plans are gzipped: a 2,000-step plan is far over 400 KB raw.
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
import type { CulpritModel } from '../core/model';
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
    const items: Item[] = [];
    let start: Item | undefined;
    do {
      const page = await this.call(() =>
        this.client.send(
          new QueryCommand({
            TableName: this.table,
            KeyConditionExpression: 'pk = :pk AND begins_with(sk, :prefix)',
            ExpressionAttributeValues: marshall({ ':pk': `INCIDENT#${incidentId}`, ':prefix': 'EVENT#' }),
            ConsistentRead: true,
            ...(start ? { ExclusiveStartKey: start } : {}),
          }),
        ),
      );
      items.push(...(page.Items ?? []));
      start = page.LastEvaluatedKey;
    } while (start);
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
    const existing = await this.get<{ done: boolean; result?: string }>(`IDEMPOTENCY#${key}`, 'KEY');
    return {
      claimed: false,
      done: existing?.done ?? false,
      ...(existing?.result !== undefined ? { result: JSON.parse(existing.result) as unknown } : {}),
    };
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
