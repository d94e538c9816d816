// The DynamoDB store against a real DynamoDB-compatible server (dynalite) on loopback.
import { DynamoDBClient, ProvisionedThroughputExceededException, PutItemCommand } from '@aws-sdk/client-dynamodb';
import { marshall } from '@aws-sdk/util-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import { DynamoStore } from '../../lib/aws/store';
import { TASK_ERRORS } from '../../lib/core/errors';
import { FEATURES, type Features } from '../../lib/core/features';
import { BUILTIN_MODEL, logit, refine, sigmoid } from '../../lib/core/model';
import { incidentKey, modelCurrentItem, modelVersionItem } from '../../lib/core/table';
import type { ApprovalRecord } from '../../lib/core/store';
import { useLocalDynamo } from '../local-dynamo';
import { syntheticPlan } from '../synthetic-plan';
import { examplePlan } from '../helpers';

const local = useLocalDynamo();

const T = '2026-11-27T10:00:00.000Z';

describe('DynamoStore on dynalite', () => {
  it('creates an incident once', async () => {
    const meta = { incidentId: 'inc-create', application: 'boutique', alarms: ['frontend-5xx'], startedAt: T };
    expect(await local.store.createIncident(meta)).toBe('created');
    expect(await local.store.createIncident({ ...meta, alarms: ['other'] })).toBe('exists');
    expect(await local.store.getIncident('inc-create')).toStrictEqual(meta);
    expect(await local.store.getIncident('nope')).toBeUndefined();
  });

  it('reads an incident recorded before `alarms` was a list as one with its one alarm', async () => {
    const legacy = { incidentId: 'inc-legacy', application: 'boutique', startedAt: T, planId: 'p-1' };
    const item = { ...incidentKey('inc-legacy'), ...legacy, alarm: 'frontend-5xx' };
    await local.dynamo.client.send(new PutItemCommand({ TableName: local.dynamo.table, Item: marshall(item) }));
    expect(await local.store.getIncident('inc-legacy')).toStrictEqual({ ...legacy, alarms: ['frontend-5xx'] });
  });

  it('keeps an append-only timeline: a replayed append is a duplicate and changes nothing', async () => {
    const first = { key: 'gate-1', at: '2026-11-27T10:05:00.000Z', type: 'gate', data: { outcome: 'NOT_YET' } };
    const second = { key: 'step-cart', at: '2026-11-27T10:01:00.000Z', type: 'step', data: { status: 'ROLLED_BACK' } };
    expect(await local.store.appendEvent('inc-tl', first)).toBe('appended');
    expect(await local.store.appendEvent('inc-tl', second)).toBe('appended');
    expect(await local.store.appendEvent('inc-tl', { ...first, data: { outcome: 'RECOVERED' } })).toBe('duplicate');
    expect(await local.store.events('inc-tl')).toStrictEqual([second, first]);
  });

  it('gives the lease to one holder at a time, until it is released or taken over from an ended holder', async () => {
    const holder = (name: string) => ({ holder: name, holderArn: `arn:aws:states:::execution:o:${name}`, takenAt: T });
    const results = await Promise.all(
      Array.from({ length: 8 }, (_, i) => local.store.acquireLease('boutique', holder(`inc-${i}`))),
    );
    const winners = results.filter((r) => r.acquired);
    expect(winners).toHaveLength(1);
    const winner = `inc-${results.findIndex((r) => r.acquired)}`;
    expect(results.find((r) => !r.acquired)).toStrictEqual({ acquired: false, holder: holder(winner) });
    expect(await local.store.acquireLease('boutique', holder(winner))).toStrictEqual({ acquired: true });
    expect(await local.store.releaseLease('boutique', 'someone-else')).toBe(false);
    expect(await local.store.takeOverLease('boutique', holder('late'), 'someone-else')).toBe(false);
    expect(await local.store.takeOverLease('boutique', holder('late'), winner)).toBe(true);
    expect(await local.store.acquireLease('boutique', holder('next'))).toStrictEqual({
      acquired: false,
      holder: holder('late'),
    });
    expect(await local.store.releaseLease('boutique', 'late')).toBe(true);
    expect((await local.store.acquireLease('boutique', holder('next'))).acquired).toBe(true);
  });

  it('reads alarm events older than the last one seen as stale', async () => {
    expect(await local.store.markAlarmEvent('frontend-5xx', '2026-11-27T10:00:00Z')).toBe('newer');
    expect(await local.store.markAlarmEvent('frontend-5xx', '2026-11-27T09:59:00Z')).toBe('stale');
    expect(await local.store.markAlarmEvent('frontend-5xx', '2026-11-27T10:00:00Z')).toBe('stale');
    expect(await local.store.markAlarmEvent('frontend-5xx', '2026-11-27T10:02:00Z')).toBe('newer');
  });

  it('lets only the first claim of an idempotency key act, and replays its result', async () => {
    const claims = await Promise.all(Array.from({ length: 5 }, () => local.store.claimIdempotency('act:p:1:cart', T)));
    expect(claims.filter((c) => c.claimed)).toHaveLength(1);
    expect(await local.store.claimIdempotency('act:p:1:cart', T)).toStrictEqual({ claimed: false, done: false });
    await local.store.completeIdempotency('act:p:1:cart', { version: 'v2.3.0' });
    expect(await local.store.claimIdempotency('act:p:1:cart', T)).toStrictEqual({
      claimed: false,
      done: true,
      result: { version: 'v2.3.0' },
    });
  });

  it('lets a retry take over a claim whose function died mid-way, once, and never a finished one', async () => {
    const at = (minutes: number) => new Date(Date.parse('2026-11-27T10:00:00Z') + minutes * 60_000).toISOString();
    expect(await local.store.claimIdempotency('act:p:1:dead', at(0))).toStrictEqual({ claimed: true });
    expect(await local.store.claimIdempotency('act:p:1:dead', at(1))).toStrictEqual({ claimed: false, done: false });
    const late = await Promise.all([0, 1, 2].map(() => local.store.claimIdempotency('act:p:1:dead', at(6))));
    expect(late.filter((c) => c.claimed)).toHaveLength(1);
    await local.store.completeIdempotency('act:p:1:dead', { version: 'v1' });
    expect(await local.store.claimIdempotency('act:p:1:dead', at(60))).toMatchObject({ claimed: false, done: true });
  });

  it('stores plans compressed, 2,000 steps included', async () => {
    const plan = examplePlan();
    await local.store.putPlan(plan);
    expect(await local.store.getPlan(plan.planId)).toStrictEqual(plan);
    const big = { ...syntheticPlan(8, 250), planId: 'b'.repeat(64) };
    await local.store.putPlan(big);
    expect(await local.store.getPlan(big.planId)).toStrictEqual(big);
    expect(await local.store.getPlan('missing')).toBeUndefined();
  });

  it('decides an approval once: concurrent decisions, exactly one wins', async () => {
    const approval = pendingApproval('ap-1');
    await local.store.putApproval(approval);
    const outcomes = await Promise.all(
      Array.from({ length: 10 }, (_, i) =>
        local.store.decideApproval('ap-1', {
          decision: i % 2 ? 'approve' : 'reject',
          decidedAt: T,
          decidedBy: `person-${i}`,
          sourceIp: '127.0.0.1',
        }),
      ),
    );
    const winners = outcomes.filter((o) => o.decided);
    expect(winners).toHaveLength(1);
    const recorded = await local.store.getApproval('ap-1');
    expect(recorded?.status).toBe('DECIDED');
    expect(recorded?.decidedBy).toBe(winners[0]?.approval?.decidedBy);
    for (const loser of outcomes.filter((o) => !o.decided)) expect(loser.approval).toStrictEqual(recorded);
    expect(await local.store.decideApproval('missing', { decision: 'approve', decidedAt: T })).toStrictEqual({
      decided: false,
      approval: undefined,
    });
  });

  it('marks a decision delivered once, and only a decided one', async () => {
    await local.store.putApproval(pendingApproval('ap-2'));
    await local.store.markApprovalDelivered('ap-2', T);
    expect((await local.store.getApproval('ap-2'))?.deliveredAt).toBeUndefined();
    await local.store.decideApproval('ap-2', { decision: 'approve', decidedAt: T });
    await local.store.markApprovalDelivered('ap-2', T);
    await local.store.markApprovalDelivered('ap-2', '2026-11-27T12:00:00.000Z');
    expect((await local.store.getApproval('ap-2'))?.deliveredAt).toBe(T);
    await expect(local.store.markApprovalDelivered('missing', T)).resolves.toBeUndefined();
  });

  it('moves the current model forward only from the version it was refined from', async () => {
    expect(await local.store.currentModel()).toBeUndefined();
    expect(await local.store.putModel(BUILTIN_MODEL, undefined)).toBe('stored');
    const refined = refine(BUILTIN_MODEL, []);
    expect(await local.store.putModel(refined, 'someone-elses')).toBe('conflict');
    expect((await local.store.currentModel())?.version).toBe('builtin-2');
    expect(await local.store.putModel(refined, 'builtin-2')).toBe('stored');
    expect(await local.store.currentModel()).toStrictEqual(refined);
  });

  /** Makes `body` (JSON text) the current model, as an older Backstep would have stored it. */
  async function storeRawModel(version: string, body: string): Promise<void> {
    for (const item of [modelVersionItem(version, body), modelCurrentItem(version)]) {
      await local.dynamo.client.send(new PutItemCommand({ TableName: local.dynamo.table, Item: marshall(item) }));
    }
  }

  it('migrates a model stored before a feature existed: its weight comes from the built-in model', async () => {
    const { latency: _missing, ...older } = BUILTIN_MODEL.weights;
    await storeRawModel('older-1', JSON.stringify({ ...BUILTIN_MODEL, version: 'older-1', weights: older }));
    const model = await local.store.currentModel();
    expect(model?.weights).toStrictEqual(BUILTIN_MODEL.weights);
    // Scored as stored, the missing weight made every suspect's score 0.5, whatever its evidence.
    const zero = Object.fromEntries(FEATURES.map((f) => [f, 0])) as Features;
    const slower = { ...zero, latency: 1, origin: 1 };
    const builtin = sigmoid(logit(BUILTIN_MODEL.weights, slower));
    expect(sigmoid(logit(model?.weights ?? BUILTIN_MODEL.weights, slower))).toBe(builtin);
    expect(builtin).not.toBe(0.5);
  });

  it('fails when the stored model is invalid beyond migration, saying where and what was expected', async () => {
    const bad = { ...BUILTIN_MODEL, version: 'bad-1', weights: { ...BUILTIN_MODEL.weights, origin: 'x' } };
    await storeRawModel('bad-1', JSON.stringify(bad));
    await expect(local.store.currentModel()).rejects.toThrow(
      `bad model: table ${local.dynamo.table} item MODEL/VERSION#bad-1: weights.origin: Invalid input: expected number, received string`,
    );
    await storeRawModel('bad-2', '{"schemaVersion": 1, "weights"');
    await expect(local.store.currentModel()).rejects.toThrow(
      `bad model: table ${local.dynamo.table} item MODEL/VERSION#bad-2: JSON text of a culprit model`,
    );
  });
});

describe('DynamoStore errors', () => {
  it('turns throttling that outlived the SDK retries into a retryable Backstep.Transient', async () => {
    const mock = mockClient(DynamoDBClient);
    mock.onAnyCommand().rejects(new ProvisionedThroughputExceededException({ message: 'slow down', $metadata: {} }));
    const throttled = new DynamoStore(new DynamoDBClient({ region: 'local' }), 't');
    await expect(throttled.getPlan('p')).rejects.toMatchObject({ name: TASK_ERRORS.transient });
    mock.restore();
  });
});

/** An approval waiting for a person, as the request handler keeps it. */
function pendingApproval(approvalId: string): ApprovalRecord {
  return {
    approvalId,
    incidentId: 'inc-1',
    planId: 'p',
    kind: 'stage',
    stage: 'expanded',
    why: ['low confidence'],
    taskToken: 'secret-token',
    nonce: 'n',
    expiresAt: '2026-11-27T11:00:00.000Z',
    status: 'PENDING',
  };
}
