// The one DynamoDB table (pk, sk): every key and item shape Backstep writes, in the two forms that must
// agree — TypeScript objects for the store (lib/aws/store.ts marshals them) and the DynamoDB JSON the
// state machines send through their service integrations (statemachines/orchestrator.ts), with values
// read from paths. An item one writes, the other reads and compares: the same attribute names, the same
// types, the same condition expressions. Nothing else spells a key.
//
// Items: INCIDENT#id (META, EVENT#key), LEASE#app (LEASE), ALARM#name (LAST), IDEMPOTENCY#key (KEY),
// PLAN#id (PLAN), ALARMPLAN#alarm (PLAN), APPROVAL#id (APPROVAL), MODEL (VERSION#v, CURRENT),
// RECORDS (<at>#incident), ROLLBACKS (<incident>#service), SNAPSHOT#app (CURRENT),
// SNAPSHOT#app#takenAt (CHUNK#n), CHANGE#id (CHANGE), CHANGES#yyyy-mm-dd (<deployedAt>#id),
// CONFIG (CATALOG, KILLSWITCH).
import type { Catalog } from './catalog';
import type { RollbackMark } from './types';
import type { IncidentRecord } from './model';
import type { AlarmPlan, ApprovalRecord, IncidentMeta, LeaseHolder, TimelineEvent } from './store';
import type { Change } from './types';

export const TABLE_KEYS = { partitionKey: 'pk', sortKey: 'sk' } as const;

export interface Key {
  readonly pk: string;
  readonly sk: string;
}

/** The items of one partition whose sort keys lie in [from, to]. */
export interface KeyRange {
  readonly pk: string;
  readonly from: string;
  readonly to: string;
}

/** Sorts after every sort key the table uses (all are text below U+FFFF). */
const LAST = '\uffff';

const PREFIX = {
  incident: 'INCIDENT#',
  event: 'EVENT#',
  lease: 'LEASE#',
  alarm: 'ALARM#',
  idempotency: 'IDEMPOTENCY#',
  plan: 'PLAN#',
  alarmPlan: 'ALARMPLAN#',
  approval: 'APPROVAL#',
  modelVersion: 'VERSION#',
  snapshot: 'SNAPSHOT#',
  chunk: 'CHUNK#',
  change: 'CHANGE#',
  changes: 'CHANGES#',
} as const;

/** A key's partition and sort key as two fixed words (one item per partition). */
const fixed = (pk: string, sk: string): Key => ({ pk, sk });

/** A conditional write without a prerequisite: the first write of a key wins, a replay changes nothing. */
export const PUT_ONCE = 'attribute_not_exists(pk)';

// ---- Incidents --------------------------------------------------------------------------------------

export function incidentKey(incidentId: string): Key {
  return fixed(`${PREFIX.incident}${incidentId}`, 'META');
}

export function incidentItem(meta: IncidentMeta): Key & IncidentMeta {
  return { ...incidentKey(meta.incidentId), ...meta };
}

/** An incident META item as stored: items written before `alarms` was a list carry one `alarm`. */
export function incidentFromItem(item: Record<string, unknown>): IncidentMeta {
  const { pk: _pk, sk: _sk, alarm, ...rest } = item;
  const meta = rest as unknown as IncidentMeta;
  if (Array.isArray(meta.alarms)) return meta;
  return { ...meta, alarms: typeof alarm === 'string' ? [alarm] : [] };
}

export function eventKey(incidentId: string, key: string): Key {
  return fixed(`${PREFIX.incident}${incidentId}`, `${PREFIX.event}${key}`);
}

export function eventRange(incidentId: string): KeyRange {
  return { pk: `${PREFIX.incident}${incidentId}`, from: PREFIX.event, to: `${PREFIX.event}${LAST}` };
}

/** A timeline entry; `data` is JSON text (a map of anything would hit nesting and type limits). */
export function eventItem(
  incidentId: string,
  event: TimelineEvent,
): Key & Omit<TimelineEvent, 'data'> & { data: string } {
  return { ...eventKey(incidentId, event.key), ...event, data: JSON.stringify(event.data ?? null) };
}

// ---- The application's lease (one running rollback per application) -------------------------------

export function leaseKey(application: string): Key {
  return fixed(`${PREFIX.lease}${application}`, 'LEASE');
}

/** Conditions of the lease's three writes; `:me` is the writer's holder, `:ended` the one it replaces. */
export const LEASE_CONDITIONS = {
  acquire: `${PUT_ONCE} OR holder = :me`,
  takeOver: 'holder = :ended',
  release: 'holder = :me',
} as const;

export function leaseItem(application: string, holder: LeaseHolder, previousHolder?: string) {
  return {
    ...leaseKey(application),
    holder: holder.holder,
    holderArn: holder.holderArn,
    takenAt: holder.takenAt,
    ...(previousHolder !== undefined ? { previousHolder } : {}),
  };
}

// ---- Alarm event order (rule 8) ------------------------------------------------------------------------

export function alarmOrderKey(alarm: string): Key {
  return fixed(`${PREFIX.alarm}${alarm}`, 'LAST');
}

/** A newer state change than the last one seen; `:at` is the event's time in `alarmStateTime` form. */
export const ALARM_ORDER_CONDITION = {
  expression: `${PUT_ONCE} OR #at < :at`,
  names: { '#at': 'at' },
} as const;

/**
 * An alarm state-change time as CloudWatch writes it in its events (`2019-10-02T17:04:40.985+0000`):
 * fixed width, UTC, so that strings order as times. The orchestrator stores the event's timestamp as it
 * comes; the store writes any time in this same form, so one comparison serves both.
 */
export function alarmStateTime(time: string): string {
  const ms = Date.parse(time);
  if (Number.isNaN(ms)) throw new RangeError(`alarm state-change time: expected an ISO 8601 time, not "${time}"`);
  return new Date(ms).toISOString().replace(/Z$/, '+0000');
}

export function alarmOrderItem(alarm: string, stateChangeTime: string): Key & { at: string } {
  return { ...alarmOrderKey(alarm), at: alarmStateTime(stateChangeTime) };
}

// ---- Plans and the alarms that use them -----------------------------------------------------------------

export function planKey(planId: string): Key {
  return fixed(`${PREFIX.plan}${planId}`, 'PLAN');
}

/** A plan, gzipped JSON: a 2,000-step plan is far over DynamoDB's 400 KB item limit raw. */
export function planItem(planId: string, body: Uint8Array): Key & { body: Uint8Array } {
  return { ...planKey(planId), body };
}

export function alarmPlanKey(alarm: string): Key {
  return fixed(`${PREFIX.alarmPlan}${alarm}`, 'PLAN');
}

export function alarmPlanItem(pointer: AlarmPlan): Key & AlarmPlan {
  return { ...alarmPlanKey(pointer.alarm), ...pointer };
}

// ---- Idempotency and approvals ------------------------------------------------------------------------

export function idempotencyKey(key: string): Key {
  return fixed(`${PREFIX.idempotency}${key}`, 'KEY');
}

/** A step's claim: when its invocation started, and when that invocation is over for sure. */
export function idempotencyItem(
  key: string,
  claimedAt: string,
  expiresAt: string,
): Key & { claimedAt: string; expiresAt: string; done: false } {
  return { ...idempotencyKey(key), claimedAt, expiresAt, done: false };
}

export function approvalKey(approvalId: string): Key {
  return fixed(`${PREFIX.approval}${approvalId}`, 'APPROVAL');
}

export function approvalItem(approval: ApprovalRecord): Key & ApprovalRecord {
  return { ...approvalKey(approval.approvalId), ...approval };
}

// ---- The culprit model, records, rollback marks -----------------------------------------------------------

export const MODEL_CURRENT_KEY: Key = fixed('MODEL', 'CURRENT');

export function modelVersionKey(version: string): Key {
  return fixed('MODEL', `${PREFIX.modelVersion}${version}`);
}

/** A model version as JSON text; what is read back is validated (lib/core/model/schema.ts readStoredModel). */
export function modelVersionItem(version: string, body: string): Key & { body: string } {
  return { ...modelVersionKey(version), body };
}

export function modelCurrentItem(version: string): Key & { version: string } {
  return { ...MODEL_CURRENT_KEY, version };
}

/** Incident records, in time order: sort keys are `<ISO time>#<id>`, all between a space and U+FFFF. */
export const RECORDS_RANGE: KeyRange = { pk: 'RECORDS', from: ' ', to: LAST };

export function recordItem(record: IncidentRecord): Key & { record: string } {
  return { pk: RECORDS_RANGE.pk, sk: `${record.at}#${record.incidentId}`, record: JSON.stringify(record) };
}

/** What a rollback undid: one per step and incident (sort key `<incidentId>#<service>`). */
export const ROLLBACKS_RANGE: KeyRange = { pk: 'ROLLBACKS', from: ' ', to: LAST };

export function rollbackMarkItem(mark: RollbackMark): Key & RollbackMark {
  return { pk: ROLLBACKS_RANGE.pk, sk: `${mark.incidentId}#${mark.service}`, ...mark };
}

// ---- Discovery: snapshots and changes ---------------------------------------------------------------------

/** The current snapshot's pointer (or the whole snapshot, when it fits one item). */
export function snapshotKey(application: string): Key {
  return fixed(`${PREFIX.snapshot}${application}`, 'CURRENT');
}

/** Chunk `index` of the snapshot taken at `takenAt` (epoch ms). */
export function snapshotChunkKey(application: string, takenAt: number, index: number): Key {
  return fixed(`${PREFIX.snapshot}${application}#${takenAt}`, `${PREFIX.chunk}${String(index).padStart(6, '0')}`);
}

export function snapshotChunkRange(application: string, takenAt: number): KeyRange {
  return { pk: `${PREFIX.snapshot}${application}#${takenAt}`, from: PREFIX.chunk, to: `${PREFIX.chunk}${LAST}` };
}

/** A deployment, first write wins. */
export function changeKey(id: string): Key {
  return fixed(`${PREFIX.change}${id}`, 'CHANGE');
}

export function changeItem(change: Change): Key & Change {
  return { ...changeKey(change.id), ...change };
}

/** The same record, queryable by day (partition) and time (sort key `<ISO deployedAt>#<id>`). */
export function changeIndexItem(change: Change): Key & Change {
  const at = new Date(change.deployedAt).toISOString();
  return { pk: `${PREFIX.changes}${at.slice(0, 10)}`, sk: `${at}#${change.id}`, ...change };
}

/** The index entries of the UTC day starting at `day` (epoch ms) deployed in [since, until] (epoch ms). */
export function changeIndexRange(day: number, since: number, until: number): KeyRange {
  return {
    pk: `${PREFIX.changes}${new Date(day).toISOString().slice(0, 10)}`,
    from: new Date(since).toISOString(),
    to: `${new Date(until).toISOString()}#${LAST}`,
  };
}

// ---- Settings --------------------------------------------------------------------------------------------

export const CATALOG_KEY: Key = fixed('CONFIG', 'CATALOG');

/** The catalog as JSON text (a map of services would hit nested-depth limits). */
export function catalogItem(catalog: Catalog): Key & { catalog: string } {
  return { ...CATALOG_KEY, catalog: JSON.stringify(catalog) };
}

/** The kill switch: operators write `on: true` to make every new incident wait for people. */
export const KILL_SWITCH_KEY: Key = fixed('CONFIG', 'KILLSWITCH');

export interface KillSwitch {
  readonly on: boolean;
  readonly by: string;
  readonly at: string;
  readonly reason?: string;
}

export function killSwitchItem(state: KillSwitch): Key & KillSwitch {
  return { ...KILL_SWITCH_KEY, ...state };
}

/** The plan refresh's lock: one per table, so that two syntheses never publish the same machines at once. */
export const REFRESH_LOCK_KEY: Key = fixed('REFRESH', 'LOCK');

/** Free or expired: the lock may be taken (never again by its holder: one token per invocation). */
export const REFRESH_LOCK_CONDITION = 'attribute_not_exists(pk) OR expiresAt < :now';

/** Held by a live holder. */
export const REFRESH_LOCK_HELD = 'attribute_exists(pk) AND expiresAt >= :now';

/** The lock until `expiresAt` (epoch ms); DynamoDB's TTL (`ttl`, seconds) removes one nobody released a day later. */
export function refreshLockItem(
  holder: string,
  expiresAt: number,
): Key & { holder: string; expiresAt: number; ttl: number } {
  // `again` (a later refresh asks for one more run) is set on this item by requestAgain.
  return { ...REFRESH_LOCK_KEY, holder, expiresAt, ttl: Math.ceil(expiresAt / 1000) + 86_400 };
}

// ---- The same shapes as a state machine writes them --------------------------------------------------------
// DynamoDB JSON for the optimized integrations (arn:<partition>:states:::dynamodb:*), each value fixed
// or read from a path of the state's input or context object.

/** A string attribute in a state machine's request: fixed, or read from a path (`S.$`). */
export type AslString = { readonly S: string } | { readonly 'S.$': string };

export interface AslKey {
  readonly pk: AslString;
  readonly sk: AslString;
}

/** Text a state machine writes: fixed, or a fixed prefix and the value at a path (`$.x`, `$$.Execution.Name`). */
export type AslText = { readonly text: string } | { readonly path: string; readonly prefix?: string };

/** A fixed text, for the argument of the functions below. */
export const text = (value: string): AslText => ({ text: value });
/** The value at a path, for the argument of the functions below. */
export const at = (path: string, prefix?: string): AslText => (prefix === undefined ? { path } : { path, prefix });

/** `prefix` followed by the text, as one string attribute. */
export function aslString(prefix: string, value: AslText): AslString {
  if ('text' in value) return { S: `${prefix}${value.text}` };
  const fixedPart = `${prefix}${value.prefix ?? ''}`;
  if (fixedPart === '') return { 'S.$': value.path };
  // Characters States.Format reads as syntax; no key prefix has them, so none is escaped.
  if (/[\\'{}]/.test(fixedPart)) throw new RangeError(`key prefix "${fixedPart}": ', {, } and \\ are not allowed`);
  return { 'S.$': `States.Format('${fixedPart}{}', ${value.path})` };
}

/** Where a GetItem result kept at `resultPath` holds attribute `name` (of DynamoDB type `type`). */
export function aslAttribute<T>(resultPath: string, name: keyof T & string, type: 'S' | 'N' | 'BOOL' = 'S'): string {
  return `${resultPath}.Item.${name}.${type}`;
}

/** A key whose partition is `prefix` and a value, with a fixed sort key. */
const keyAsl = (prefix: string, value: AslText, sk: string): AslKey => ({
  pk: aslString(prefix, value),
  sk: { S: sk },
});

export function incidentKeyAsl(incidentId: AslText): AslKey {
  return keyAsl(PREFIX.incident, incidentId, incidentKey('').sk);
}

export function eventKeyAsl(incidentId: AslText, key: AslText): AslKey {
  return { pk: aslString(PREFIX.incident, incidentId), sk: aslString(PREFIX.event, key) };
}

/** The incident's META item, as `incidentItem` writes it (`alarms`: a list of the one alarm). */
export function incidentItemAsl(paths: {
  readonly incidentId: string;
  readonly application: string;
  readonly alarm: string;
  readonly startedAt: string;
  readonly planId: string;
}) {
  return {
    ...incidentKeyAsl(at(paths.incidentId)),
    incidentId: { 'S.$': paths.incidentId },
    application: { 'S.$': paths.application },
    alarms: { L: [{ 'S.$': paths.alarm }] },
    startedAt: { 'S.$': paths.startedAt },
    planId: { 'S.$': paths.planId },
  } satisfies Partial<Record<keyof Key | keyof IncidentMeta, unknown>>;
}

/** A timeline entry, as `eventItem` writes it; `data` is a path to JSON text (`States.JsonToString`). */
export function eventItemAsl(
  incidentId: AslText,
  event: { readonly key: AslText; readonly at: string; readonly type: string; readonly data: string },
) {
  return {
    ...eventKeyAsl(incidentId, event.key),
    key: aslString('', event.key),
    at: { 'S.$': event.at },
    type: { S: event.type },
    data: { 'S.$': event.data },
  } satisfies Partial<Record<keyof Key | keyof TimelineEvent, unknown>>;
}

export function leaseKeyAsl(application: AslText): AslKey {
  return keyAsl(PREFIX.lease, application, leaseKey('').sk);
}

/** Paths of a lease holder's fields (for the orchestrator: `$$.Execution.Name`, `.Id`, `.StartTime`). */
export type LeaseHolderPaths = Readonly<Record<keyof LeaseHolder, string>>;

export function leaseItemAsl(application: AslText, holder: LeaseHolderPaths, previousHolder?: string) {
  return {
    ...leaseKeyAsl(application),
    holder: { 'S.$': holder.holder },
    holderArn: { 'S.$': holder.holderArn },
    takenAt: { 'S.$': holder.takenAt },
    ...(previousHolder !== undefined ? { previousHolder: { 'S.$': previousHolder } } : {}),
  };
}

export function alarmOrderKeyAsl(alarm: AslText): AslKey {
  return keyAsl(PREFIX.alarm, alarm, alarmOrderKey('').sk);
}

/** The alarm's last state-change time, from a CloudWatch event's `detail.state.timestamp` as it comes. */
export function alarmOrderItemAsl(alarm: AslText, timestamp: string) {
  return { ...alarmOrderKeyAsl(alarm), at: { 'S.$': timestamp } } satisfies Record<
    keyof ReturnType<typeof alarmOrderItem>,
    unknown
  >;
}

export function alarmPlanKeyAsl(alarm: AslText): AslKey {
  return keyAsl(PREFIX.alarmPlan, alarm, alarmPlanKey('').sk);
}

export function killSwitchKeyAsl(): AslKey {
  return { pk: { S: KILL_SWITCH_KEY.pk }, sk: { S: KILL_SWITCH_KEY.sk } };
}
