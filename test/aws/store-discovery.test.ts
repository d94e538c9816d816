// The store's discovery records on dynalite: snapshots (one item, or chunks under a pointer written
// last), and changes (once per id, queryable by time).
import {
  DynamoDBClient,
  GetItemCommand,
  ProvisionedThroughputExceededException,
  PutItemCommand,
} from '@aws-sdk/client-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import { marshall } from '@aws-sdk/util-dynamodb';
import { generate } from '../../bench/generate';
import { DynamoStore } from '../../lib/aws/store';
import type { DiscoverySnapshot } from '../../lib/core/snapshot';
import { changeItem, snapshotChunkKey } from '../../lib/core/table';
import type { Change, Topology } from '../../lib/core/types';
import { parseServiceGraphs } from '../../lib/core/xray';
import { TASK_ERRORS } from '../../lib/core/errors';
import { useLocalDynamo } from '../local-dynamo';

const local = useLocalDynamo();
// Generating and parsing a 20,000-service graph takes seconds on a busy machine.
jest.setTimeout(60_000);

const T = Date.parse('2026-11-27T10:00:00Z');
const HOUR = 3_600_000;

let big: Topology;
let medium: Topology;
beforeAll(() => {
  big = parseServiceGraphs([{ source: 'generated', json: generate(20_000, 7).graph }]).topology;
  medium = parseServiceGraphs([{ source: 'generated', json: generate(6_000, 3).graph }]).topology;
});

function snapshot(application: string, takenAt: number, graph?: Topology): DiscoverySnapshot {
  return {
    application,
    takenAt,
    window: { start: takenAt - 24 * HOUR, end: takenAt },
    graphWindow: { start: takenAt - HOUR, end: takenAt },
    baselineWindow: { start: takenAt - 25 * HOUR, end: takenAt - 24 * HOUR },
    ...(graph ? { graph } : {}),
    alarms: [{ name: 'cart-5xx', type: 'metric', state: 'OK' }],
    changes: [],
    versions: { cart: '7' },
    failed: [],
    warnings: [],
  };
}

describe('DynamoStore snapshots', () => {
  it('stores a small snapshot in one item and reads it back', async () => {
    const small = snapshot('small', T);
    expect(await local.store.putSnapshot(small)).toBe('stored');
    expect(await local.store.latestSnapshot('small')).toStrictEqual(small);
    expect(await local.store.latestSnapshot('none')).toBeUndefined();
  });

  it('round-trips a 20,000-service graph through chunks', async () => {
    const written = snapshot('big', T, big);
    expect(await local.store.putSnapshot(written)).toBe('stored');
    const read = await local.store.latestSnapshot('big');
    expect(read?.graph?.nodes).toHaveLength(20_000);
    // Byte for byte: a deep comparison of 20,000 nodes takes long for nothing more.
    expect(JSON.stringify(read)).toBe(JSON.stringify(written));
  });

  it('keeps the newer snapshot when an older run finishes last, and lets the replaced chunks expire', async () => {
    expect(await local.store.putSnapshot(snapshot('race', T, medium))).toBe('stored');
    expect(await local.store.putSnapshot(snapshot('race', T + 2 * HOUR, medium))).toBe('stored');
    expect(await local.store.putSnapshot(snapshot('race', T + HOUR, medium))).toBe('stale');
    expect((await local.store.latestSnapshot('race'))?.takenAt).toBe(T + 2 * HOUR);
    const chunk = async (takenAt: number) =>
      (
        await local.dynamo.client.send(
          new GetItemCommand({
            TableName: local.dynamo.table,
            Key: marshall(snapshotChunkKey('race', takenAt, 0)),
          }),
        )
      ).Item?.['ttl']?.N;
    expect(await chunk(T)).toBe(String((T + 2 * HOUR) / 1000 + 86_400));
    expect(await chunk(T + 2 * HOUR)).toBeUndefined();
  });

  it('never shows half a snapshot: a run that dies before its pointer leaves the previous one current', async () => {
    const first = snapshot('crash', T);
    await local.store.putSnapshot(first);
    // A client that fails on the pointer write, after the chunks went in.
    const dying = {
      send: (command: unknown) => {
        if (command instanceof PutItemCommand && command.input.Item?.['sk']?.S === 'CURRENT') {
          return Promise.reject(new Error('Lambda timed out'));
        }
        return local.dynamo.client.send(command as PutItemCommand);
      },
    } as Pick<DynamoDBClient, 'send'>;
    const store = new DynamoStore(dying, local.dynamo.table);
    await expect(store.putSnapshot(snapshot('crash', T + HOUR, medium))).rejects.toThrow('Lambda timed out');
    expect(await local.store.latestSnapshot('crash')).toStrictEqual(first);
  });
});

const change = (id: string, deployedAt: number, more: Partial<Change> = {}): Change => ({
  id,
  service: 'cart',
  deployedAt,
  kind: 'code',
  reversible: true,
  source: 'ecs',
  ...more,
});

describe('DynamoStore changes', () => {
  it('records a change once per id, whoever reports it', async () => {
    const first = change('ecs:prod/cart:ecs-svc/1', T, { fromVersion: 'cart:6', toVersion: 'cart:7' });
    expect(await local.store.putChange(first)).toBe('stored');
    expect(await local.store.putChange({ ...first, deployedAt: T + 60_000, toVersion: 'cart:8' })).toBe('duplicate');
    expect(await local.store.changesSince(T - HOUR, T + HOUR)).toStrictEqual([first]);
  });

  it('lets a later report add the versions the first one lacked, and nothing else', async () => {
    const bare = change('lambda:fn:live:9', T + 2 * HOUR, { toVersion: '9', source: 'lambda' });
    expect(await local.store.putChange(bare)).toBe('stored');
    expect(await local.store.putChange({ ...bare, fromVersion: '8', deployedAt: T })).toBe('completed');
    expect(await local.store.putChange({ ...bare, fromVersion: '7' })).toBe('duplicate');
    const [stored] = await local.store.changesSince(T + 2 * HOUR, T + 2 * HOUR);
    expect(stored).toStrictEqual({ ...bare, fromVersion: '8' });
  });

  it('finds changes by time across days, oldest first, bounds included', async () => {
    const days = [
      change('d1', Date.parse('2026-03-01T23:59:59.999Z')),
      change('d2', Date.parse('2026-03-02T00:00:00.000Z')),
      change('d0', Date.parse('2026-03-02T00:00:00.000Z')),
      change('d3', Date.parse('2026-03-04T12:00:00.000Z')),
      change('d4', Date.parse('2026-03-05T00:00:00.001Z')),
    ];
    for (const c of [...days].reverse()) await local.store.putChange(c);
    const since = Date.parse('2026-03-01T23:59:59.999Z');
    const until = Date.parse('2026-03-05T00:00:00.000Z');
    expect((await local.store.changesSince(since, until)).map((c) => c.id)).toStrictEqual(['d1', 'd0', 'd2', 'd3']);
  });

  it('heals the time index when a run died between the record and the index', async () => {
    const lost = change('lost', Date.parse('2026-04-01T08:00:00Z'));
    await local.dynamo.client.send(
      new PutItemCommand({
        TableName: local.dynamo.table,
        Item: marshall(changeItem(lost)),
      }),
    );
    expect(await local.store.changesSince(lost.deployedAt, lost.deployedAt)).toStrictEqual([]);
    expect(await local.store.putChange(lost)).toBe('duplicate');
    expect(await local.store.changesSince(lost.deployedAt, lost.deployedAt)).toStrictEqual([lost]);
  });

  it('fails when asked for an upside-down or endless range', async () => {
    await expect(local.store.changesSince(T, T - 1)).rejects.toThrow('expected since <= until');
    await expect(local.store.changesSince(0, T)).rejects.toThrow('at most 400 days apart');
  });

  it('fails retryably when DynamoDB throttles beyond the SDK retries', async () => {
    const dynamo = mockClient(DynamoDBClient);
    dynamo.onAnyCommand().rejects(new ProvisionedThroughputExceededException({ message: 'slow down', $metadata: {} }));
    const store = new DynamoStore(new DynamoDBClient({ region: 'eu-west-1' }), 'table');
    try {
      await expect(store.putChange(change('t', T))).rejects.toMatchObject({ name: TASK_ERRORS.transient });
      await expect(store.changesSince(T, T)).rejects.toMatchObject({ name: TASK_ERRORS.transient });
    } finally {
      dynamo.restore();
    }
  });
});
